/**
 * Running a scenario's timeline: the entries expanded into a time-ordered schedule,
 * and each entry applied to the stack at its kernel path. What the kernel would answer
 * is recorded, refusals included: a refused write (EINVAL for bad syntax, EBUSY for
 * rmdir of a populated cgroup, ENOMEM for a swapoff with nowhere to go) is the result
 * a scenario is often run to see, so it is data in the log and never ends the run.
 */

import type { Errno, Refusal } from '@tierswap/base';
import { isRefusal, refuse, TierswapError } from '@tierswap/base';
import type { SwapStack } from '@tierswap/stack';
import type { BlockDevice } from '@tierswap/tiered-store';
import type { TimelineEntry, TimelineEntryKind } from './timelineSpec.js';
import { entryTimes } from './timelineSpec.js';

/** One action done during a run, and what it answered. */
export interface TimelineLogEntry {
  /** Virtual seconds at which it ran. */
  readonly t: number;
  /** 'timeline': entry `index` of the timeline; 'process': process `index`'s own start / exit. */
  readonly origin: 'timeline' | 'process';
  readonly index: number;
  readonly kind: TimelineEntryKind;
  /** The path, device or process it acted on. */
  readonly target: string;
  /** The text written (write entries). */
  readonly value?: string;
  readonly ok: boolean;
  /** When refused: the errno and the reason, as the interface answered. */
  readonly errno?: Errno;
  readonly reason?: string;
  /** When done: what it did, e.g. 'moved 12 pages', 'pid 3'. */
  readonly detail?: string;
}

/** Success of an action, with what it did. */
export interface ActionDone {
  readonly detail?: string;
}

/** What applying an entry needs from the run. */
export interface TimelineActions {
  readonly stack: SwapStack;
  readonly devices: ReadonlyMap<string, BlockDevice>;
  devicePriority(name: string): number;
  spawn(process: string, t: number): ActionDone | Refusal;
  exit(process: string): ActionDone | Refusal;
  /** A cgroup a mkdir made (its path below /sys/fs/cgroup), for the samples. */
  cgroupMade(path: string): void;
}

export interface ScheduledEntry {
  readonly t: number;
  readonly index: number;
  readonly entry: TimelineEntry;
}

/** Every firing of every entry in [0, durationSeconds), by time and then by file order. */
export function scheduleTimeline(
  timeline: readonly TimelineEntry[],
  durationSeconds: number,
): ScheduledEntry[] {
  const out: ScheduledEntry[] = [];
  timeline.forEach((entry, index) => {
    for (const t of entryTimes(entry, durationSeconds)) out.push({ t, index, entry });
  });
  return out.sort((a, b) => a.t - b.t || a.index - b.index);
}

const CGROUP_ROOT = '/sys/fs/cgroup';

/** A thrown layer error (a swapon of an active device) as the refusal the syscall would return. */
function asRefusal(e: unknown): Refusal {
  if (e instanceof TierswapError) return refuse(e.errno, e.message);
  throw e;
}

function target(entry: TimelineEntry): string {
  switch (entry.kind) {
    case 'write':
    case 'mkdir':
    case 'rmdir':
      return entry.path;
    case 'swapon':
    case 'swapoff':
      return entry.device;
    case 'spawn':
    case 'exit':
      return entry.process;
  }
}

function apply(
  entry: TimelineEntry,
  a: TimelineActions,
  t: number,
): ActionDone | Refusal | undefined {
  const fs = a.stack.fs;
  switch (entry.kind) {
    case 'write':
      return fs.write(entry.path, entry.value);
    case 'mkdir': {
      const r = fs.mkdir(entry.path);
      if (r === undefined && entry.path.startsWith(`${CGROUP_ROOT}/`)) {
        a.cgroupMade(entry.path.slice(CGROUP_ROOT.length).replace(/\/+$/, ''));
      }
      return r;
    }
    case 'rmdir':
      return fs.rmdir(entry.path);
    case 'swapon': {
      const dev = a.devices.get(entry.device)!;
      try {
        const type = a.stack.swapon(dev, {
          priority: entry.priority ?? a.devicePriority(entry.device),
        });
        return { detail: `swap type ${type}` };
      } catch (e) {
        return asRefusal(e);
      }
    }
    case 'swapoff': {
      const dev = a.devices.get(entry.device)!;
      const r = a.stack.swapoff(dev.name);
      return isRefusal(r) ? r : { detail: `moved ${r.moved} pages` };
    }
    case 'spawn':
      return a.spawn(entry.process, t);
    case 'exit':
      return a.exit(entry.process);
  }
}

/** Applies one scheduled entry and returns its log line. */
export function runEntry(s: ScheduledEntry, actions: TimelineActions): TimelineLogEntry {
  const { entry } = s;
  const base = {
    t: s.t,
    origin: 'timeline' as const,
    index: s.index,
    kind: entry.kind,
    target: target(entry),
    ...(entry.kind === 'write' ? { value: entry.value } : {}),
  };
  const r = apply(entry, actions, s.t);
  return logLine(base, r);
}

/** A log line from an action's answer. */
export function logLine(
  base: Omit<TimelineLogEntry, 'ok' | 'errno' | 'reason' | 'detail'>,
  r: ActionDone | Refusal | undefined,
): TimelineLogEntry {
  if (isRefusal(r)) return { ...base, ok: false, errno: r.errno, reason: r.reason };
  return r?.detail === undefined ? { ...base, ok: true } : { ...base, ok: true, detail: r.detail };
}
