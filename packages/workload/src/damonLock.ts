/**
 * One DAMON recorder at a time on a machine: a lock file holding the owner's pid.
 *
 * Why: a recorder saves the kdamonds it finds, adds its own and later puts the saved
 * ones back. Two recorders interleaving would each restore a tree the other changed
 * (one's kdamond left running, or removed under the other). The kernel offers no lock
 * across DAMON's sysfs writes, so recorders take this one first. A lock whose pid is
 * gone (a recorder killed with SIGKILL) is stale and taken over. The holder also writes
 * the kdamonds it found into the lock (`record`), so whoever takes over a stale lock
 * gets them back (`stale`) and can remove the kdamond the dead recorder left running.
 */

import { closeSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkloadError } from './workloadError.js';

export const DAMON_LOCK_PATH = join(tmpdir(), 'tierswap-damon-recorder.lock');

function ownerAlive(path: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(path, 'utf8').split('\n')[0]);
  } catch {
    return true; // being written or removed this instant: look again later
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DamonLock {
  /** Gives the lock up (idempotent, synchronous). */
  release(): void;
  /** Writes `state` (the kdamonds found, as JSON) into the lock after the pid line. */
  record(state: string): void;
  /** What a stale lock taken over held after its pid line ('' if nothing). */
  readonly stale: string;
}

/** Takes the lock, waiting up to `timeoutMs`. */
export async function acquireDamonLock(
  where: string,
  timeoutMs: number,
  path = DAMON_LOCK_PATH,
): Promise<DamonLock> {
  const deadline = Date.now() + timeoutMs;
  let stale = '';
  for (;;) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let held = true;
      return {
        stale,
        release() {
          if (!held) return;
          held = false;
          try {
            unlinkSync(path);
          } catch {
            // already gone: nothing to release
          }
        },
        record(state) {
          if (held) writeFileSync(path, `${process.pid}\n${state}\n`);
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new WorkloadError(
          'IO_ERROR',
          where,
          `cannot create the lock ${path}: ${(e as NodeJS.ErrnoException).code}`,
          { cause: e },
        );
      }
    }
    if (!ownerAlive(path)) {
      try {
        const text = readFileSync(path, 'utf8');
        unlinkSync(path);
        stale = text.slice(text.indexOf('\n') + 1).trim();
      } catch {
        // someone else took it over first
      }
      continue;
    }
    if (Date.now() >= deadline) {
      throw new WorkloadError(
        'BUSY',
        where,
        `another DAMON recorder (pid ${readFileSync(path, 'utf8').split('\n')[0]}, lock ${path}) is still recording after ${timeoutMs} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
