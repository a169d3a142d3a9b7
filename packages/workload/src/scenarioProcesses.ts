/**
 * A scenario's processes on the stack: spawning one gives it an address space of its
 * source's page count in its cgroup and writes the source's real pages into it, in
 * order (so memory.max reclaim already runs while it loads, as a real program's
 * start-up faults would make it); its access pattern then replays, offset to the time
 * it was spawned. Accesses of all processes replay merged in time order.
 *
 * A read access is stack.touch (the accessed bit, or a fault); a write access takes
 * the page's live view with stack.access, the path a store takes. The stack keeps no
 * dirty state, so the two differ only in that path; the counts are kept apart.
 */

import type { Refusal } from '@tierswap/base';
import { isRefusal, refuse } from '@tierswap/base';
import type { SwapStack } from '@tierswap/stack';
import type { ProcessSpec } from './scenarioSpec.js';
import type { ActionDone } from './timeline.js';
import type { Access, AccessPattern, PageSource } from './types.js';
import { WorkloadError } from './workloadError.js';

/** A 32-bit seed mixed from the scenario's seed and small integers (murmur3's finalizer). */
export function mixSeed(seed: number, ...parts: number[]): number {
  let h = seed >>> 0;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x9e3779b1) >>> 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
  }
  return h >>> 0;
}

/**
 * A failure of the stack or a device during a run as a WorkloadError saying when:
 * RAM running out (ENOMEM) is the scenario's sizing, anything else is I/O.
 */
export function stackFailure(e: unknown, when: string): WorkloadError {
  const code =
    e instanceof WorkloadError
      ? e.code
      : (e as { errno?: unknown }).errno === 'ENOMEM'
        ? 'INVALID_SCENARIO'
        : 'IO_ERROR';
  return new WorkloadError(code, 'runScenario', `${when}: ${(e as Error).message}`, {
    cause: e,
  });
}

interface Proc {
  readonly index: number;
  readonly spec: ProcessSpec;
  readonly source: PageSource;
  readonly pattern: AccessPattern;
  pid: number | undefined;
  spawns: number;
  startT: number;
  it: Iterator<Access> | undefined;
  /** The next access, its time already absolute (start + pattern time). */
  nextT: number;
  next: Access | undefined;
}

export interface AccessCounts {
  reads: number;
  writes: number;
  /** Accesses naming a page past the process's pages (a trace recorded on a larger process). */
  skipped: number;
}

export class ScenarioProcesses {
  readonly #stack: SwapStack;
  readonly #seed: number;
  readonly #end: number;
  readonly #procs: Proc[];
  readonly #byName: Map<string, Proc>;
  readonly counts: AccessCounts = { reads: 0, writes: 0, skipped: 0 };

  constructor(
    stack: SwapStack,
    seed: number,
    durationSeconds: number,
    processes: readonly { spec: ProcessSpec; source: PageSource; pattern: AccessPattern }[],
  ) {
    this.#stack = stack;
    this.#seed = seed;
    this.#end = durationSeconds;
    this.#procs = processes.map((p, index) => ({
      index,
      ...p,
      pid: undefined,
      spawns: 0,
      startT: 0,
      it: undefined,
      nextT: Number.POSITIVE_INFINITY,
      next: undefined,
    }));
    this.#byName = new Map(this.#procs.map((p) => [p.spec.name, p]));
  }

  /** Index of a process by name (declared: the schema checked every name). */
  indexOf(name: string): number {
    return this.#byName.get(name)!.index;
  }

  spawn(name: string, t: number): ActionDone | Refusal {
    const p = this.#byName.get(name)!;
    if (p.pid !== undefined) return refuse('EBUSY', `${name} is already running as pid ${p.pid}`);
    const stack = this.#stack;
    // A cgroup removed by rmdir (or not made yet): what clone() into it would answer.
    if (isRefusal(stack.fs.read(`/sys/fs/cgroup${p.spec.cgroup}/memory.current`))) {
      return refuse('ENOENT', `${name}: cgroup ${p.spec.cgroup} does not exist`);
    }
    const pid = stack.spawn(p.spec.cgroup, p.source.pageCount);
    let i = 0;
    try {
      for (const page of p.source.pages()) {
        if (i >= p.source.pageCount) break;
        stack.write(pid, i, page.bytes);
        i++;
      }
    } catch (e) {
      try {
        stack.exit(pid);
      } catch {
        // The stack's own failure is the one to report, below.
      }
      throw stackFailure(e, `at ${t} s, loading process ${name}'s page ${i}`);
    }
    if (i !== p.source.pageCount) {
      stack.exit(pid);
      throw new WorkloadError(
        'IO_ERROR',
        'runScenario',
        `source ${p.source.name} of process ${name} gave ${i} pages, not its pageCount ${p.source.pageCount}`,
      );
    }
    p.pid = pid;
    p.startT = t;
    const until = Math.min(p.spec.exit ?? this.#end, this.#end);
    const duration = Math.max(until - t, 0);
    p.it = p.pattern
      .accesses({
        pages: p.source.pageCount,
        durationSeconds: duration,
        seed: mixSeed(this.#seed, p.index, p.spawns),
      })
      [Symbol.iterator]();
    p.spawns++;
    this.#advance(p);
    return { detail: `pid ${pid}, ${i} pages` };
  }

  exit(name: string): ActionDone | Refusal {
    const p = this.#byName.get(name)!;
    if (p.pid === undefined) return refuse('ENOENT', `${name} is not running`);
    const pid = p.pid;
    this.#stack.exit(pid);
    p.pid = undefined;
    p.it = undefined;
    p.next = undefined;
    p.nextT = Number.POSITIVE_INFINITY;
    return { detail: `pid ${pid}` };
  }

  #advance(p: Proc): void {
    const r = p.it!.next();
    if (r.done === true) {
      p.next = undefined;
      p.nextT = Number.POSITIVE_INFINITY;
      return;
    }
    p.next = r.value;
    p.nextT = p.startT + r.value.time;
  }

  /** Replays every access before time `t` (seconds), all processes merged in time order. */
  replayUntil(t: number): number {
    const stack = this.#stack;
    const procs = this.#procs;
    const counts = this.counts;
    let n = 0;
    for (;;) {
      let best: Proc | undefined;
      for (const p of procs) {
        if (p.nextT < t && (best === undefined || p.nextT < best.nextT)) best = p;
      }
      if (best === undefined) return n;
      // Drain this process while it stays first by (time, index): one scan per run of its accesses.
      let lt = t;
      let li = -1;
      for (const p of procs) {
        if (p !== best && (p.nextT < lt || (p.nextT === lt && li >= 0 && p.index < li))) {
          lt = p.nextT;
          li = p.index;
        }
      }
      const pid = best.pid!;
      const pages = best.source.pageCount;
      const first = best.index;
      while (
        best.next !== undefined &&
        (best.nextT < lt || (best.nextT === lt && li >= 0 && first < li))
      ) {
        const a = best.next;
        if (Number.isInteger(a.page) && a.page >= 0 && a.page < pages) {
          if (a.write) {
            stack.access(pid, a.page);
            counts.writes++;
          } else {
            stack.touch(pid, a.page);
            counts.reads++;
          }
          n++;
        } else {
          counts.skipped++;
        }
        this.#advance(best);
      }
    }
  }
}
