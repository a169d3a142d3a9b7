/**
 * What the demo shows, as data: the zramctl-style summary, where each cgroup's pages
 * ended up, the memory.stat counters worth a look, the scripted writes and what they
 * moved, and the time series. The terminal view (demoView.ts) and --json both read
 * this one object, so the two never disagree.
 */

import type { TierCounters } from '@tierswap/stack';
import type { PlanRun, WriteEvent } from './interimScenario.js';
import type { StackSample } from './stackReadings.js';

/** The memory.stat keys shown per cgroup (the rest stay in --json's samples). */
export const STAT_HIGHLIGHTS = [
  'anon',
  'zswap',
  'zswapped',
  'zswpout',
  'zswpin',
  'zswpwb',
  'zswpwb_proactive',
  'pswpout',
  'pswpin',
  'swap_demote',
  'pgmajfault',
] as const;

/** Where pages can be, in the order tables show them. */
export const PLACES = ['resident', 'zero', 'zswap', 'tier:ssd', 'tier:hdd'] as const;

export interface DemoSourceInfo {
  readonly group: string;
  readonly name: string;
  readonly pages: number;
  readonly files: number;
}

export interface DemoSummary {
  readonly algorithm: string;
  /** Bytes of the pages zswap holds, uncompressed (memory.stat zswapped at the root). */
  readonly dataBytes: number;
  /** Their compressed bytes (memory.stat zswap at the root). */
  readonly compressedBytes: number;
  /** The pool's memory, packing included (debugfs pool_total_size). */
  readonly poolTotalBytes: number;
  /** dataBytes / compressedBytes. */
  readonly ratio: number;
  /** Pages held as zero entries (no storage at all). */
  readonly zeroPages: number;
  /** Pages per place over all cgroups. */
  readonly pages: Readonly<Record<string, number>>;
}

export interface DemoGroupInfo {
  readonly current: number;
  readonly placement: Readonly<Record<string, number>>;
  readonly stat: Readonly<Record<string, number>>;
}

export interface DemoReport {
  readonly virtualSeconds: number;
  readonly wallSeconds: number;
  readonly sources: readonly DemoSourceInfo[];
  readonly summary: DemoSummary;
  readonly groups: Readonly<Record<string, DemoGroupInfo>>;
  /** Refaults by where the page came back from (vmstat workingset_refault_*). */
  readonly refaults: Readonly<Record<string, number>>;
  /** Per swap tier: pages swapped out to it, in, refaulted, demoted in and out. */
  readonly tiers: Readonly<Record<string, TierCounters>>;
  readonly events: readonly WriteEvent[];
  readonly samples: readonly StackSample[];
}

export function buildDemoReport(
  run: PlanRun,
  sources: readonly DemoSourceInfo[],
  tiers: Readonly<Record<string, TierCounters>>,
  virtualSeconds: number,
  wallSeconds: number,
): DemoReport {
  const last = run.samples[run.samples.length - 1];
  if (!last) throw new Error('buildDemoReport: the run took no sample');
  const pages: Record<string, number> = {};
  for (const place of PLACES) pages[place] = 0;
  const groups: Record<string, DemoGroupInfo> = {};
  for (const [group, placement] of Object.entries(run.placement)) {
    for (const [place, n] of Object.entries(placement)) pages[place] = (pages[place] ?? 0) + n;
    const reading = last.groups[group];
    const stat: Record<string, number> = {};
    for (const key of STAT_HIGHLIGHTS) stat[key] = reading?.stat[key] ?? 0;
    groups[group] = { current: reading?.current ?? 0, placement, stat };
  }
  const dataBytes = last.root.zswapped ?? 0;
  const compressedBytes = last.root.zswap ?? 0;
  const v = last.vmstat;
  return {
    virtualSeconds,
    wallSeconds,
    sources,
    summary: {
      algorithm: 'lz4',
      dataBytes,
      compressedBytes,
      poolTotalBytes: last.zswap.pool_total_size ?? 0,
      ratio: compressedBytes > 0 ? dataBytes / compressedBytes : Number.NaN,
      zeroPages: pages.zero ?? 0,
      pages,
    },
    groups,
    refaults: {
      zero: v.workingset_refault_zero ?? 0,
      zswap: v.workingset_refault_zswap ?? 0,
      disk: v.workingset_refault_disk ?? 0,
    },
    tiers,
    events: run.events,
    samples: run.samples,
  };
}
