/**
 * The DAMON sysfs interface (/sys/kernel/mm/damon/admin, Documentation/admin-guide/
 * mm/damon/usage.rst): reading and writing its files with errors that name the file,
 * and saving and restoring the whole kdamonds tree, so a recorder can leave the
 * kernel's DAMON state as it found it.
 *
 * Why save everything: the kernel refuses (EBUSY) to change nr_kdamonds while any
 * kdamond runs, and changing it rebuilds every kdamond's directory empty. Adding one
 * kdamond therefore means stopping the running ones, growing the array, and writing
 * each one's configuration back before turning it on again; and the same when
 * shrinking it afterwards. The snapshot holds every writable file's value (read-only
 * ones, the statistics and the pid, are the kernel's) in an order the tree can be
 * rebuilt in: in each directory, first the nr_* files that create the numbered
 * subdirectories, then the other files, then the subdirectories.
 */

import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DamonRegionRow } from './damonTrace.js';
import { WorkloadError } from './workloadError.js';

export const DAMON_ADMIN = '/sys/kernel/mm/damon/admin';

/** One kdamond's saved state: whether it ran, and its writable files' values (relative paths, in rebuild order). */
export interface SavedKdamond {
  readonly state: 'on' | 'off';
  readonly files: readonly (readonly [string, string])[];
}

export interface SavedKdamonds {
  readonly admin: string;
  readonly kdamonds: readonly SavedKdamond[];
}

function ioError(where: string, verb: string, path: string, e: unknown): WorkloadError {
  const code = (e as NodeJS.ErrnoException).code ?? String(e);
  if (code === 'EACCES' || code === 'EPERM') {
    return new WorkloadError(
      'PERMISSION_DENIED',
      where,
      `cannot ${verb} ${path}: ${code} (DAMON's sysfs files need root)`,
      { cause: e },
    );
  }
  if (code === 'EBUSY')
    return new WorkloadError('BUSY', where, `cannot ${verb} ${path}: EBUSY`, { cause: e });
  return new WorkloadError('IO_ERROR', where, `cannot ${verb} ${path}: ${code}`, { cause: e });
}

/**
 * DAMON's sysfs files take one global lock with a try-lock and answer EBUSY while anyone
 * holds it (a kdamond's `update_schemes_tried_regions` holds it until the next
 * aggregation; another DAMON user may be writing its own files). So an EBUSY is retried,
 * every 20 ms for up to 3 s, before it is an error. Synchronous (a sleep on Atomics.wait),
 * because the restore must also run from a signal handler and at exit.
 */
function retryBusy<T>(op: () => T): T {
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 0; ; attempt++) {
    try {
      return op();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EBUSY' || attempt >= 150) throw e;
      Atomics.wait(sleeper, 0, 0, 20);
    }
  }
}

/** A sysfs file's value without its trailing newline. */
export function readSysfs(path: string, where = 'damonSysfs.read'): string {
  try {
    return retryBusy(() => readFileSync(path, 'utf8')).replace(/\n$/, '');
  } catch (e) {
    throw ioError(where, 'read', path, e);
  }
}

/** Writes a value to a sysfs file (one write, as `echo` does). */
export function writeSysfs(path: string, value: string, where = 'damonSysfs.write'): void {
  try {
    retryBusy(() => writeFileSync(path, value));
  } catch (e) {
    throw ioError(where, `write ${JSON.stringify(value)} to`, path, e);
  }
}

function isWritable(path: string): boolean {
  return (statSync(path).mode & 0o200) !== 0;
}

/** The writable files under `dir` (relative to `root`), in rebuild order. */
function saveDir(root: string, rel: string, out: [string, string][]): void {
  const dir = join(root, rel);
  const entries = readdirSync(dir, { withFileTypes: true }).map((e) => e.name);
  const files = entries.filter((n) => !statSync(join(dir, n)).isDirectory());
  const dirs = entries.filter((n) => statSync(join(dir, n)).isDirectory());
  const counts = files.filter((n) => n.startsWith('nr_'));
  const rest = files.filter((n) => !n.startsWith('nr_') && n !== 'state');
  for (const n of [...counts.sort(), ...rest.sort()]) {
    const path = join(dir, n);
    if (isWritable(path)) out.push([join(rel, n), readSysfs(path, 'damonSysfs.saveKdamonds')]);
  }
  // Numbered directories in numeric order, then the named ones.
  const numbered = dirs.filter((n) => /^\d+$/.test(n)).sort((a, b) => Number(a) - Number(b));
  const named = dirs.filter((n) => !/^\d+$/.test(n)).sort();
  for (const n of [...named, ...numbered]) saveDir(root, join(rel, n), out);
}

/** Reads every kdamond's state and configuration. */
export function saveKdamonds(admin = DAMON_ADMIN): SavedKdamonds {
  const root = join(admin, 'kdamonds');
  const nr = Number(readSysfs(join(root, 'nr_kdamonds'), 'damonSysfs.saveKdamonds'));
  const kdamonds: SavedKdamond[] = [];
  for (let i = 0; i < nr; i++) {
    const files: [string, string][] = [];
    saveDir(join(root, String(i)), '', files);
    const state =
      readSysfs(join(root, String(i), 'state'), 'damonSysfs.saveKdamonds') === 'on' ? 'on' : 'off';
    kdamonds.push({ state, files });
  }
  return { admin, kdamonds };
}

/** Stops kdamond `i` if it runs. */
export function stopKdamond(admin: string, i: number): void {
  const state = join(admin, 'kdamonds', String(i), 'state');
  if (readSysfs(state, 'damonSysfs.stopKdamond') === 'on')
    writeSysfs(state, 'off', 'damonSysfs.stopKdamond');
}

/** Sets nr_kdamonds (every kdamond must be off: the kernel answers EBUSY otherwise). */
export function setKdamondCount(admin: string, n: number): void {
  writeSysfs(join(admin, 'kdamonds', 'nr_kdamonds'), String(n), 'damonSysfs.setKdamondCount');
}

/** Writes a saved kdamond's configuration into kdamond `i`'s (fresh) directory; turns it on if it ran. */
export function restoreKdamond(
  admin: string,
  i: number,
  saved: SavedKdamond,
  where = 'damonSysfs.restoreKdamond',
): void {
  const dir = join(admin, 'kdamonds', String(i));
  for (const [rel, value] of saved.files) {
    // An empty value (a filter's unset memcg_path) is the fresh directory's default already.
    if (value !== '') writeSysfs(join(dir, rel), value, where);
  }
  if (saved.state === 'on') writeSysfs(join(dir, 'state'), 'on', where);
}

/**
 * Puts the kdamonds back as saved: stops all that run, sets nr_kdamonds, rewrites each
 * saved kdamond's configuration and turns on those that ran. Errors are collected, so
 * one failing kdamond does not keep the others from coming back; the first is thrown.
 */
export function restoreKdamonds(saved: SavedKdamonds): void {
  const root = join(saved.admin, 'kdamonds');
  const errors: unknown[] = [];
  const nr = Number(readSysfs(join(root, 'nr_kdamonds'), 'damonSysfs.restoreKdamonds'));
  for (let i = 0; i < nr; i++) {
    try {
      stopKdamond(saved.admin, i);
    } catch (e) {
      errors.push(e);
    }
  }
  setKdamondCount(saved.admin, saved.kdamonds.length);
  saved.kdamonds.forEach((k, i) => {
    try {
      restoreKdamond(saved.admin, i, k, 'damonSysfs.restoreKdamonds');
    } catch (e) {
      errors.push(e);
    }
  });
  if (errors.length > 0) throw errors[0];
}

/**
 * The regions a kdamond's scheme last reported (its tried_regions directory), sorted by
 * start; undefined when a region vanished while being read (the kernel rebuilds the
 * directory on each update request), so the caller can read again.
 */
export function readTriedRegions(dir: string, time: number): DamonRegionRow[] | undefined {
  const rows: DamonRegionRow[] = [];
  try {
    const names = readdirSync(dir).filter((n) => /^\d+$/.test(n));
    for (const n of names) {
      const num = (f: string) => Number(retryBusy(() => readFileSync(join(dir, n, f), 'utf8')));
      rows.push({
        time,
        start: num('start'),
        end: num('end'),
        nrAccesses: num('nr_accesses'),
        age: num('age'),
      });
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError('damonSysfs.readTriedRegions', 'read', dir, e);
  }
  rows.sort((a, b) => a.start - b.start);
  return rows;
}
