/**
 * recordDamon: records a live process's memory access pattern with the kernel's own
 * DAMON, through its sysfs interface, into a DamonTrace (and a trace file).
 *
 * How: DAMON's `paddr` operations watch physical memory, and only frames that back the
 * process's private writable pages are given to it as monitoring regions (at most
 * maxRegions of them, each standing for its neighbours in the address space;
 * ./damonPagemap.ts reads them from /proc/PID/pagemap), so every sample DAMON takes
 * checks one of the process's own pages. Why paddr and not `vaddr` with the pid as the
 * target, as damo does by default: vaddr is a separate kernel option
 * (CONFIG_DAMON_VADDR) that this project's kernel does not have, and paddr comes with
 * every DAMON. One scheme with the `stat` action and an access pattern every
 * region matches makes the kdamond report all regions without acting on any. Every
 * `snapshotMs` until `seconds` have passed, writing `update_schemes_tried_regions` to the kdamond's state
 * has the kdamond fill the scheme's tried_regions directory at its next aggregation
 * (the write returns when it has); each region's start, end, nr_accesses and age are
 * read from there, mapped back to the process's virtual addresses, and become one
 * snapshot of the trace. Pages the process maps after the start are not watched. The
 * write holds DAMON's one sysfs lock while it waits, so other DAMON users (their
 * reads and writes get EBUSY) find it free between snapshots.
 *
 * One recorder runs at a time on a machine (a lock file, ./damonLock.ts; the next one
 * waits up to `waitMs`). The kernel's DAMON state is put back afterwards, also when recording fails or the
 * process is interrupted (SIGINT, SIGTERM, SIGHUP, exit): the kdamonds tree is saved
 * first (./damonSysfs.ts) and restored in a finally block and in signal handlers (the
 * other kdamonds with the configuration they have then, in case their owner changed
 * it during the recording). DAMON
 * refuses to add a kdamond while another one runs (EBUSY); by default the recorder
 * then refuses too (BUSY). With `pauseOthers: true` it stops the running kdamonds,
 * adds its own, and writes theirs back and restarts them at once, so they are off for
 * the milliseconds the rewrite takes (twice: at start and at the end); their own
 * monitoring results (region ages) start over, as after any restart.
 */

import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '@tierswap/base';
import { createSystemClock, isIntInRange, showValue } from '@tierswap/base';
import { acquireDamonLock } from './damonLock.js';
import { readProcessFrames, virtualRows, watchPlan } from './damonPagemap.js';
import type { SavedKdamonds } from './damonSysfs.js';
import {
  DAMON_ADMIN,
  readSysfs,
  readTriedRegions,
  restoreKdamond,
  restoreKdamonds,
  saveKdamonds,
  setKdamondCount,
  stopKdamond,
  writeSysfs,
} from './damonSysfs.js';
import type { DamonRegionRow, DamonTrace } from './damonTrace.js';
import { damonTrace } from './damonTrace.js';
import { writeTrace } from './traceFile.js';
import { invalid, WorkloadError } from './workloadError.js';

export interface RecordDamonOptions {
  /** The process to monitor. */
  readonly pid: number;
  /** How long to record, in seconds (real time). */
  readonly seconds: number;
  /** DAMON's sampling interval in µs (default 5 000). */
  readonly samplingUs?: number;
  /** DAMON's aggregation interval in ms (default 100): nr_accesses counts the samples of one. */
  readonly aggregationMs?: number;
  /**
   * DAMON's bounds on the number of regions (default 10..100): at most maxRegions of the
   * process's pages are watched (see damonPagemap.ts). More regions give a finer map but
   * each costs a reverse-map walk per sample: on this project's 2-core machine an
   * aggregation of 100 ms took 110 ms with 100 regions, 250 ms with 300, 720 ms with 1000.
   */
  readonly minRegions?: number;
  readonly maxRegions?: number;
  /**
   * How often to take a snapshot, in ms (default 1 000, at least aggregationMs). Each one
   * holds DAMON's sysfs lock until the kdamond's next aggregation, so other DAMON users
   * get EBUSY meanwhile; the recorder leaves the lock free between snapshots.
   */
  readonly snapshotMs?: number;
  /** Also write the trace to this file (CSV, see damonTrace.ts). */
  readonly path?: string;
  /** Stop, and afterwards restore, kdamonds that are running (default false: refuse with BUSY). */
  readonly pauseOthers?: boolean;
  /** How long to wait for another recorder on this machine to finish, in ms (default 120 000). */
  readonly waitMs?: number;
  /** Where the DAMON sysfs interface is (default /sys/kernel/mm/damon/admin). */
  readonly adminDir?: string;
  /** Time stamps (default the system clock). */
  readonly clock?: Clock;
  /** Called after each snapshot with its time (seconds from the start) and regions, e.g. for progress. */
  readonly onSnapshot?: (time: number, regions: readonly DamonRegionRow[]) => void;
}

export interface DamonRecording {
  readonly trace: DamonTrace;
  /** Snapshots taken. */
  readonly snapshots: number;
  /** Snapshots skipped because their regions changed while being read (three tries each). */
  readonly skippedSnapshots: number;
  /** Why recording stopped: the time was up, or the process exited. */
  readonly ended: 'time' | 'process-exited';
}

const WHERE = 'damonRecorder.recordDamon';
const U32_MAX = 4294967295;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function checkOptions(options: RecordDamonOptions) {
  if (typeof options !== 'object' || options === null)
    throw invalid(WHERE, `options must be an object, got ${showValue(options)}`);
  const { pid, seconds } = options;
  const samplingUs = options.samplingUs ?? 5000;
  const aggregationMs = options.aggregationMs ?? 100;
  const minRegions = options.minRegions ?? 10;
  const snapshotMs = options.snapshotMs ?? 1000;
  const maxRegions = options.maxRegions ?? 100;
  if (!isIntInRange(pid, 1, 2 ** 22))
    throw invalid(WHERE, `pid must be an integer in 1..2^22, got ${showValue(pid)}`);
  if (
    typeof seconds !== 'number' ||
    !Number.isFinite(seconds) ||
    seconds <= 0 ||
    seconds > 86_400
  ) {
    throw invalid(WHERE, `seconds must be a number in (0, 86400], got ${showValue(seconds)}`);
  }
  if (!isIntInRange(samplingUs, 100, 10_000_000))
    throw invalid(
      WHERE,
      `samplingUs must be an integer in 100..10^7, got ${showValue(samplingUs)}`,
    );
  if (!isIntInRange(aggregationMs, 1, 600_000) || aggregationMs * 1000 < samplingUs) {
    throw invalid(
      WHERE,
      `aggregationMs must be an integer in 1..600000 and at least samplingUs / 1000, got ${showValue(aggregationMs)}`,
    );
  }
  if (!isIntInRange(minRegions, 3, 100_000) || !isIntInRange(maxRegions, minRegions, 1_000_000)) {
    throw invalid(
      WHERE,
      `minRegions must be an integer in 3..100000 and maxRegions one in minRegions..10^6, got ${showValue(minRegions)} and ${showValue(maxRegions)}`,
    );
  }
  if (options.path !== undefined && (typeof options.path !== 'string' || options.path === '')) {
    throw invalid(WHERE, `path must be a non-empty string, got ${showValue(options.path)}`);
  }
  if (!isIntInRange(snapshotMs, aggregationMs, 3_600_000)) {
    throw invalid(
      WHERE,
      `snapshotMs must be an integer in aggregationMs (${aggregationMs})..3600000, got ${showValue(snapshotMs)}`,
    );
  }
  const pauseOthers = options.pauseOthers ?? false;
  if (typeof pauseOthers !== 'boolean')
    throw invalid(WHERE, `pauseOthers must be a boolean, got ${showValue(pauseOthers)}`);
  if (options.onSnapshot !== undefined && typeof options.onSnapshot !== 'function') {
    throw invalid(WHERE, `onSnapshot must be a function, got ${showValue(options.onSnapshot)}`);
  }
  const waitMs = options.waitMs ?? 120_000;
  if (!isIntInRange(waitMs, 0, 86_400_000)) {
    throw invalid(WHERE, `waitMs must be an integer in 0..86400000, got ${showValue(waitMs)}`);
  }
  const adminDir = options.adminDir ?? DAMON_ADMIN;
  if (typeof adminDir !== 'string' || adminDir === '')
    throw invalid(WHERE, `adminDir must be a non-empty string, got ${showValue(adminDir)}`);
  return {
    pid,
    seconds,
    samplingUs,
    aggregationMs,
    minRegions,
    maxRegions,
    snapshotMs,
    waitMs,
    pauseOthers,
    adminDir,
  };
}

/** Is DAMON's sysfs interface there, and may this process use it (root)? The reason when not. */
export function damonUnavailableReason(adminDir = DAMON_ADMIN): string | undefined {
  if (!existsSync(join(adminDir, 'kdamonds', 'nr_kdamonds'))) {
    return `no ${adminDir}/kdamonds: the kernel has no DAMON sysfs interface (CONFIG_DAMON_SYSFS) or sysfs is not mounted`;
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0)
    return 'DAMON sysfs needs root';
  return undefined;
}

/** Writes our kdamond's configuration into kdamond directory `i`: paddr over `ranges`, one stat scheme. */
function configure(
  admin: string,
  i: number,
  o: ReturnType<typeof checkOptions>,
  ranges: readonly (readonly [number, number])[],
): void {
  const k = join(admin, 'kdamonds', String(i));
  const w = (rel: string, v: string | number) => writeSysfs(join(k, rel), String(v), WHERE);
  w('contexts/nr_contexts', 1);
  const c = 'contexts/0';
  const ops = readSysfs(join(k, c, 'avail_operations'), WHERE).split(/\s+/);
  if (!ops.includes('paddr')) {
    throw new WorkloadError(
      'UNSUPPORTED',
      WHERE,
      `DAMON has no paddr operations on this kernel (available: ${ops.join(' ')})`,
    );
  }
  w(`${c}/operations`, 'paddr');
  w(`${c}/monitoring_attrs/intervals/sample_us`, o.samplingUs);
  w(`${c}/monitoring_attrs/intervals/aggr_us`, o.aggregationMs * 1000);
  w(`${c}/monitoring_attrs/nr_regions/min`, o.minRegions);
  w(`${c}/monitoring_attrs/nr_regions/max`, o.maxRegions);
  w(`${c}/targets/nr_targets`, 1);
  w(`${c}/targets/0/regions/nr_regions`, ranges.length);
  ranges.forEach(([start, end], r) => {
    w(`${c}/targets/0/regions/${r}/start`, start);
    w(`${c}/targets/0/regions/${r}/end`, end);
  });
  w(`${c}/schemes/nr_schemes`, 1);
  const s = `${c}/schemes/0`;
  w(`${s}/action`, 'stat');
  // Every region matches, so the scheme is tried on (and reports) all of them.
  w(`${s}/access_pattern/sz/min`, 0);
  w(`${s}/access_pattern/sz/max`, '18446744073709551615');
  w(`${s}/access_pattern/nr_accesses/min`, 0);
  w(`${s}/access_pattern/nr_accesses/max`, U32_MAX);
  w(`${s}/access_pattern/age/min`, 0);
  w(`${s}/access_pattern/age/max`, U32_MAX);
}

/** Is the process there and not a zombie (a zombie's /proc entry stays until it is reaped)? */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/**
 * Puts the kdamonds back as `saved` found them, with the configuration the others have
 * now, not the one they had then: whoever runs them may have changed it meanwhile (this
 * machine's agent moves kdamond 0's region as memory is added), and that is theirs to
 * keep. If reading them fails (the tree half rebuilt), the saved copy is the best there
 * is. Nothing to do when no kdamond was added.
 */
export function restoreLatest(saved: SavedKdamonds, admin: string): void {
  let latest = { ...saved, admin };
  try {
    const now = saveKdamonds(admin);
    if (now.kdamonds.length === saved.kdamonds.length) {
      // Ours was never added: only turn back on those that were stopped for it.
      saved.kdamonds.forEach((k, i) => {
        if (k.state === 'on' && now.kdamonds[i]?.state === 'off') {
          writeSysfs(join(admin, 'kdamonds', String(i), 'state'), 'on', WHERE);
        }
      });
      return;
    }
    if (now.kdamonds.length > saved.kdamonds.length) {
      latest = { admin, kdamonds: now.kdamonds.slice(0, saved.kdamonds.length) };
    }
  } catch {
    latest = { ...saved, admin };
  }
  restoreKdamonds(latest);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Asks the kdamond for its regions; an EBUSY (someone else holds DAMON's lock) is retried for up to 3 s. Returns the error if it failed. */
async function requestUpdate(state: string): Promise<NodeJS.ErrnoException | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(state, 'update_schemes_tried_regions');
      return undefined;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code !== 'EBUSY' || attempt >= 150) return err;
      await sleep(20);
    }
  }
}

/** Records `pid`'s access pattern for `seconds` with DAMON; see the file's comment. */
export async function recordDamon(options: RecordDamonOptions): Promise<DamonRecording> {
  const o = checkOptions(options);
  const clock = options.clock ?? createSystemClock();
  const why = damonUnavailableReason(o.adminDir);
  if (why !== undefined) {
    throw new WorkloadError(why.includes('root') ? 'PERMISSION_DENIED' : 'UNSUPPORTED', WHERE, why);
  }
  if (!alive(o.pid))
    throw new WorkloadError(
      'PROCESS_GONE',
      WHERE,
      `no process ${o.pid} (/proc/${o.pid} does not exist)`,
    );

  const frames = readProcessFrames(o.pid);
  const plan = watchPlan(frames, o.maxRegions);
  const ranges = plan.ranges;
  if (ranges.length === 0) {
    throw new WorkloadError(
      'PROCESS_GONE',
      WHERE,
      `process ${o.pid} has no present pages in private writable mappings to watch`,
    );
  }
  // One recorder at a time on the machine (see damonLock.ts); released after the restore.
  const lock = await acquireDamonLock(WHERE, o.waitMs);
  const release = lock.release;
  let saved: SavedKdamonds;
  let running: number[];
  try {
    // A recorder killed before it could restore (SIGKILL) left its kdamond: put back
    // what it found, the others as they are now.
    if (lock.stale !== '') {
      let found: SavedKdamonds | undefined;
      try {
        found = JSON.parse(lock.stale) as SavedKdamonds;
      } catch {
        found = undefined; // a lock cut short while written: nothing to go by
      }
      if (found !== undefined && Array.isArray(found.kdamonds)) restoreLatest(found, o.adminDir);
    }
    saved = saveKdamonds(o.adminDir);
    lock.record(JSON.stringify(saved));
    running = saved.kdamonds.flatMap((k, i) => (k.state === 'on' ? [i] : []));
    if (running.length > 0 && !o.pauseOthers) {
      throw new WorkloadError(
        'BUSY',
        WHERE,
        `kdamond ${running.join(', ')} of ${o.adminDir} ${running.length === 1 ? 'is' : 'are'} running, and DAMON cannot add a kdamond while one runs (EBUSY); pass pauseOthers: true to stop ${running.length === 1 ? 'it' : 'them'} for the moment it takes to add ours (restored after)`,
      );
    }
  } catch (e) {
    release();
    throw e;
  }
  const mine = saved.kdamonds.length;
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    try {
      restoreLatest(saved, o.adminDir);
    } finally {
      release();
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    try {
      restore();
    } finally {
      removeHandlers();
      process.kill(process.pid, signal);
    }
  };
  const removeHandlers = () => {
    for (const s of SIGNALS) process.off(s, onSignal);
    process.off('exit', restore);
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  process.on('exit', restore);

  const rows: DamonRegionRow[] = [];
  let snapshots = 0;
  let skippedSnapshots = 0;
  let ended: DamonRecording['ended'] = 'time';
  try {
    for (const i of running) stopKdamond(o.adminDir, i);
    setKdamondCount(o.adminDir, mine + 1);
    saved.kdamonds.forEach((k, i) => {
      restoreKdamond(o.adminDir, i, k, WHERE);
    });
    configure(o.adminDir, mine, o, ranges);
    const kdir = join(o.adminDir, 'kdamonds', String(mine));
    const state = join(kdir, 'state');
    if (!alive(o.pid))
      throw new WorkloadError(
        'PROCESS_GONE',
        WHERE,
        `process ${o.pid} exited before recording started`,
      );
    writeSysfs(state, 'on', WHERE);
    const started = clock.now();
    const tried = join(kdir, 'contexts/0/schemes/0/tried_regions');
    while (clock.now() - started < o.seconds * 1000) {
      if (!alive(o.pid)) {
        ended = 'process-exited';
        break;
      }
      // The write returns once the kdamond has filled tried_regions at its next
      // aggregation; it holds DAMON's sysfs lock until then (others get EBUSY).
      const updated = await requestUpdate(state);
      if (updated !== undefined) {
        // The kdamond stops by itself when it has nothing left to watch.
        if (!alive(o.pid) || readSysfs(state, WHERE) === 'off') {
          ended = 'process-exited';
          break;
        }
        throw new WorkloadError('IO_ERROR', WHERE, `cannot update ${state}: ${updated.code}`, {
          cause: updated,
        });
      }
      const time = (clock.now() - started) / 1000;
      // A region directory can vanish under the reader (the kernel rebuilds the list
      // when anyone asks this kdamond for an update): read again, then skip the sample.
      let physical: DamonRegionRow[] | undefined;
      for (let attempt = 0; attempt < 3 && physical === undefined; attempt++) {
        physical = readTriedRegions(tried, time);
      }
      if (physical === undefined) {
        skippedSnapshots++;
        continue;
      }
      const snap = virtualRows(frames, plan, physical, time);
      if (snap.length === 0 && !alive(o.pid)) {
        ended = 'process-exited';
        break;
      }
      rows.push(...snap);
      options.onSnapshot?.(time, snap);
      snapshots++;
      // Leave the lock free until the next snapshot is due.
      const due = snapshots * o.snapshotMs - (clock.now() - started);
      if (due > 0) await sleep(Math.min(due, o.seconds * 1000 - (clock.now() - started)));
    }
    if (snapshots === 0 && ended === 'process-exited') {
      throw new WorkloadError(
        'PROCESS_GONE',
        WHERE,
        `process ${o.pid} exited before the first snapshot`,
      );
    }
  } finally {
    removeHandlers();
    restore();
  }
  const trace = damonTrace(
    { pid: o.pid, sampleUs: o.samplingUs, aggregationUs: o.aggregationMs * 1000 },
    rows,
  );
  if (options.path !== undefined) writeTrace(trace, options.path);
  return { trace, snapshots, skippedSnapshots, ended };
}
