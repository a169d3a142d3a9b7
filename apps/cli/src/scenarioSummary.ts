/**
 * What a scenario run comes to at its end, as data: a zramctl-style summary of zswap
 * (logical size, compressed size, pool total, ratio, zero pages) with the pages in each
 * place, each cgroup's last readings, each tier's counters and the timeline's answers.
 * The terminal view and --json both read this one object, so they never disagree.
 */

import type { ScenarioResult, ScenarioSample, TimelineLogEntry } from '@tierswap/workload';

export interface ZswapSummary {
  readonly algorithm: string;
  /** Uncompressed bytes of the pages zswap holds. */
  readonly dataBytes: number;
  /** Their compressed bytes. */
  readonly compressedBytes: number;
  /** The pool's footprint, packing included (debugfs pool_total_size). */
  readonly poolBytes: number;
  /** dataBytes / compressedBytes (0 for an empty pool). */
  readonly ratio: number;
  /** Pages held as zero entries (swapped out as zero and not faulted back). */
  readonly zeroPages: number;
}

export interface ScenarioSummary {
  readonly name: string;
  readonly mode: string;
  readonly virtualSeconds: number;
  readonly wallSeconds: number;
  /** Pages of every process (resident + swapped at the end). */
  readonly pages: number;
  readonly zswap: ZswapSummary;
  /** Pages per place: resident, zero, zswap, then each device by name. */
  readonly placement: Readonly<Record<string, number>>;
  readonly cgroups: ScenarioSample['cgroups'];
  readonly tiers: ScenarioSample['tiers'];
  /** Refaults by where the page came back from (vmstat workingset_refault_*). */
  readonly refaults: { readonly zero: number; readonly zswap: number; readonly disk: number };
  readonly majorFaults: number;
  readonly accesses: number;
  readonly timeline: readonly TimelineLogEntry[];
}

export function summarizeScenario(result: ScenarioResult, wallSeconds: number): ScenarioSummary {
  const last = result.series[result.series.length - 1];
  if (!last) throw new Error('summarizeScenario: the run has no sample');
  const v = result.final.stats.vmstat;
  const zeroPages = Math.max(0, (v.swpout_zero ?? 0) - (v.swpin_zero ?? 0));
  const placement: Record<string, number> = {
    resident: last.residentPages,
    zero: zeroPages,
    zswap: last.pool.storedPages,
  };
  for (const [name, d] of Object.entries(last.devices)) placement[name] = d.usedSlots;
  const spec = result.spec;
  return {
    name: spec.name,
    mode: spec.stack.mode,
    virtualSeconds: spec.durationSeconds,
    wallSeconds,
    pages: last.residentPages + last.swappedPages,
    zswap: {
      algorithm: spec.stack.zswap?.compressor ?? 'lz4',
      dataBytes: last.pool.storedBytes,
      compressedBytes: last.pool.compressedBytes,
      poolBytes: last.pool.poolBytes,
      ratio: last.pool.compressionRatio,
      zeroPages,
    },
    placement,
    cgroups: last.cgroups,
    tiers: last.tiers,
    refaults: {
      zero: last.vmstat.workingset_refault_zero,
      zswap: last.vmstat.workingset_refault_zswap,
      disk: last.vmstat.workingset_refault_disk,
    },
    majorFaults: last.majorFaults,
    accesses: result.series.reduce((n, x) => n + x.accesses, 0),
    timeline: result.timeline,
  };
}
