/**
 * Runs a DemoPlan on a stack, one virtual second at a time: the plan's writes when they
 * are due, each process's accesses for that second, a sample every `sampleEvery`
 * seconds. Interim: @tierswap/workload's runScenario is the house's one scenario loop;
 * when it lands on main the demo's plan becomes a scenario spec run through it and this
 * file goes (the demo then reads its tables from the result and the final stack).
 *
 * Accesses are a seeded hot/cold pattern (a hot share of the pages takes most accesses),
 * so the same plan and seed touch the same pages on every run.
 */

import type { VirtualClock } from '@tierswap/base';
import { isRefusal } from '@tierswap/base';
import type { SwapStack } from '@tierswap/stack';
import { CliError } from './cliError.js';
import type { DemoPlan, PlanPhase, PlanWrite } from './demoPlan.js';
import type { StackSample } from './stackReadings.js';
import { sampleStack } from './stackReadings.js';

/** What one scripted write did: its answer and the vmstat counters it moved. */
export interface WriteEvent {
  readonly time: number;
  readonly path: string;
  readonly text: string;
  readonly note: string;
  /** 'ok', or the refusal as `ERRNO: reason` (EAGAIN from memory.reclaim keeps what it did). */
  readonly result: string;
  readonly moved: Readonly<Record<string, number>>;
}

export interface PlanRun {
  readonly samples: readonly StackSample[];
  readonly events: readonly WriteEvent[];
  /** Per cgroup, how many of its pages are where (whereIs: resident, zero, zswap, tier:ssd...). */
  readonly placement: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

export interface PlanRunOptions {
  readonly onProgress?: (done: number, total: number, what: string) => void;
  /** Names for the swap devices' files in samples (a temporary path is no name). */
  readonly deviceNames?: Readonly<Record<string, string>>;
}

/** The vmstat counters a write's effect is shown by. */
const MOVED = ['zswpout', 'zswpwb', 'swap_demote', 'pswpout', 'swpout_zero'] as const;

/** mulberry32: a small seeded PRNG, enough to pick pages reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Let timers and signal handlers run (the progress bar's redraw, Ctrl-C's cleanup of the
 * temporary directory): the loop itself is synchronous work.
 */
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function phaseAt(phases: readonly PlanPhase[], t: number): PlanPhase | undefined {
  let current: PlanPhase | undefined;
  for (const p of phases) if (p.from <= t) current = p;
  return current;
}

function due(w: PlanWrite, t: number): boolean {
  if (t === w.at) return true;
  return w.every !== undefined && w.every > 0 && t > w.at && (t - w.at) % w.every === 0;
}

function write(stack: SwapStack, w: PlanWrite, time: number): WriteEvent {
  const before = stack.fs.read('/proc/vmstat');
  const r = stack.fs.write(w.path, w.text);
  const after = stack.fs.read('/proc/vmstat');
  const moved: Record<string, number> = {};
  if (!isRefusal(before) && !isRefusal(after)) {
    for (const key of MOVED) {
      const re = new RegExp(`^${key} (\\d+)$`, 'm');
      const d = Number(after.match(re)?.[1] ?? 0) - Number(before.match(re)?.[1] ?? 0);
      if (d !== 0) moved[key] = d;
    }
  }
  return {
    time,
    path: w.path,
    text: w.text,
    note: w.note,
    result: isRefusal(r) ? `${r.errno}: ${r.reason}` : 'ok',
    moved,
  };
}

export async function runPlan(
  stack: SwapStack,
  clock: VirtualClock,
  plan: DemoPlan,
  options: PlanRunOptions = {},
): Promise<PlanRun> {
  const progress = options.onProgress ?? (() => {});
  const events: WriteEvent[] = [];
  const samples: StackSample[] = [];
  const start = clock.now();
  for (const g of plan.groups) {
    const r = stack.fs.mkdir(`/sys/fs/cgroup${g}`);
    if (isRefusal(r)) {
      throw new CliError('FAILED', 'runPlan', `mkdir /sys/fs/cgroup${g}: ${r.errno}: ${r.reason}`);
    }
  }
  for (const w of plan.timeline) if (w.at === 0) events.push(write(stack, w, 0));

  // Load every process's real pages; reclaim runs as they are charged past memory.max.
  const totalPages = plan.processes.reduce((n, p) => n + p.source.pageCount, 0);
  const work = totalPages + plan.seconds;
  let loaded = 0;
  const pids: number[] = [];
  for (const p of plan.processes) {
    const pid = stack.spawn(p.group, p.source.pageCount);
    pids.push(pid);
    let page = 0;
    for (const { bytes } of p.source.pages()) {
      stack.write(pid, page++, bytes);
      if (++loaded % 1024 === 0) {
        progress(loaded, work, `loading ${p.source.name}`);
        await yieldToEvents();
      }
    }
  }
  samples.push(sampleStack(stack, plan.groups, 0, options.deviceNames));

  const random = prng(plan.seed);
  // Each process's hot pages: a seeded random subset, fixed for the run.
  const order = plan.processes.map((p) => {
    const idx = Array.from({ length: p.source.pageCount }, (_, i) => i);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [idx[i], idx[j]] = [idx[j] as number, idx[i] as number];
    }
    return idx;
  });
  for (let t = 1; t <= plan.seconds; t++) {
    clock.set(start + t * 1000);
    for (let k = 0; k < plan.processes.length; k++) {
      const p = plan.processes[k];
      const phase = p && phaseAt(p.phases, t);
      if (!p || !phase || phase.rate <= 0) continue;
      const pages = p.source.pageCount;
      const hot = Math.max(1, Math.floor(pages * phase.hotShare));
      const perm = order[k] as number[];
      const pid = pids[k] as number;
      for (let a = 0; a < phase.rate; a++) {
        const i =
          random() < phase.hotProbability
            ? Math.floor(random() * hot)
            : Math.floor(random() * pages);
        stack.touch(pid, perm[i] as number);
      }
    }
    for (const w of plan.timeline) if (w.at > 0 && due(w, t)) events.push(write(stack, w, t));
    if (t % plan.sampleEvery === 0)
      samples.push(sampleStack(stack, plan.groups, t, options.deviceNames));
    if (t % 60 === 0) {
      progress(totalPages + t, work, `virtual ${t} s`);
      await yieldToEvents();
    }
  }

  const placement: Record<string, Record<string, number>> = {};
  for (let k = 0; k < plan.processes.length; k++) {
    const p = plan.processes[k];
    if (!p) continue;
    const where: Record<string, number> = placement[p.group] ?? {};
    for (let i = 0; i < p.source.pageCount; i++) {
      const w = stack.whereIs(pids[k] as number, i);
      where[w] = (where[w] ?? 0) + 1;
    }
    placement[p.group] = where;
  }
  progress(work, work, 'done');
  return { samples, events, placement };
}
