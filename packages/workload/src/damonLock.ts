/**
 * One DAMON recorder at a time on a machine: a lock file holding the owner's pid.
 *
 * Why: a recorder saves the kdamonds it finds, adds its own and later puts the saved
 * ones back. Two recorders interleaving would each restore a tree the other changed
 * (one's kdamond left running, or removed under the other). The kernel offers no lock
 * across DAMON's sysfs writes, so recorders take this one first. A lock whose pid is
 * gone (a recorder killed with SIGKILL) is stale and taken over.
 */

import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkloadError } from './workloadError.js';

export const DAMON_LOCK_PATH = join(tmpdir(), 'tierswap-damon-recorder.lock');

function ownerAlive(path: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(path, 'utf8').trim());
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

/** Takes the lock, waiting up to `timeoutMs`; returns its release (idempotent, synchronous). */
export async function acquireDamonLock(
  where: string,
  timeoutMs: number,
  path = DAMON_LOCK_PATH,
): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let held = true;
      return () => {
        if (!held) return;
        held = false;
        try {
          unlinkSync(path);
        } catch {
          // already gone: nothing to release
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new WorkloadError(
          'IO_ERROR',
          where,
          `cannot create the lock ${path}: ${(e as NodeJS.ErrnoException).code}`,
          {
            cause: e,
          },
        );
      }
    }
    if (!ownerAlive(path)) {
      try {
        unlinkSync(path);
      } catch {
        // someone else took it over first
      }
      continue;
    }
    if (Date.now() >= deadline) {
      throw new WorkloadError(
        'BUSY',
        where,
        `another DAMON recorder (pid ${readFileSync(path, 'utf8').trim()}, lock ${path}) is still recording after ${timeoutMs} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
