/**
 * The metrics a scenario samples into its time series, read the way a person on a
 * real machine reads them: per cgroup from its interface files (memory.current,
 * memory.swap.current, memory.zswap.current), the swap and writeback counters from
 * /proc/vmstat, the pool from zswap's debugfs counters, per tier from the stack's
 * counters, and I/O from each device's own counters. Everything is a count of what
 * happened on the virtual clock, so two runs with one seed agree exactly, except
 * `cpu`: codec time measured with performance.now().
 */

import { isRefusal } from '@tierswap/base';
import type { SwapStack, TierCounters } from '@tierswap/stack';
import type { BlockDevice } from '@tierswap/tiered-store';

const PAGE = 4096;

/** The /proc/vmstat lines kept in each sample (writeback, swap traffic, refaults, reclaim). */
export const SAMPLED_VMSTAT = Object.freeze([
  'pswpin',
  'pswpout',
  'zswpin',
  'zswpout',
  'zswpwb',
  'zswpwb_proactive',
  'swpin_zero',
  'swpout_zero',
  'swpout_kept',
  'swap_demote',
  'workingset_refault_zero',
  'workingset_refault_zswap',
  'workingset_refault_disk',
  'pgscan',
  'pgsteal',
  'pte_rewrites',
  'swapoff_swapin',
  'oom_kill',
] as const);

export type SampledVmstat = (typeof SAMPLED_VMSTAT)[number];

/** The memory.stat lines kept per cgroup (hierarchical, as memory.stat counts them). */
export const SAMPLED_MEMORY_STAT = Object.freeze([
  'pswpin',
  'pswpout',
  'zswpin',
  'zswpout',
  'zswpwb',
  'zswpwb_proactive',
  'swap_demote',
  'pgmajfault',
] as const);

export type SampledMemoryStat = (typeof SAMPLED_MEMORY_STAT)[number];

export interface CgroupSample extends Readonly<Record<SampledMemoryStat, number>> {
  /** memory.current: resident + zswap bytes. */
  readonly current: number;
  readonly swapCurrent: number;
  readonly zswapCurrent: number;
}

export interface PoolSample {
  readonly storedPages: number;
  /** Uncompressed bytes the pool holds (stored pages × 4096). */
  readonly storedBytes: number;
  /** Sum of the stored pages' compressed lengths. */
  readonly compressedBytes: number;
  /** The arena's footprint (debugfs pool_total_size), packing and free space included. */
  readonly poolBytes: number;
  /** storedBytes / poolBytes, the memory zswap saves (0 for an empty pool). */
  readonly ratio: number;
  /** storedBytes / compressedBytes, what the codec alone achieves (0 for an empty pool). */
  readonly compressionRatio: number;
}

export interface TierSample extends TierCounters {
  /** Payload bytes written to / read from the tier's devices. */
  readonly bytesWritten: number;
  readonly bytesRead: number;
}

export interface DeviceSample {
  readonly on: boolean;
  readonly usedSlots: number;
  readonly bytesWritten: number;
  readonly bytesRead: number;
}

/** One point of a scenario's time series. */
export interface ScenarioSample {
  /** Virtual seconds since the start. */
  readonly t: number;
  /** Accesses replayed since the previous sample. */
  readonly accesses: number;
  /** Page faults and major faults (swap-ins), cumulative. */
  readonly faults: number;
  readonly majorFaults: number;
  readonly residentPages: number;
  readonly swappedPages: number;
  readonly processes: number;
  /** Per cgroup path ('/job'), for each cgroup alive at the sample. */
  readonly cgroups: Readonly<Record<string, CgroupSample>>;
  readonly pool: PoolSample;
  readonly vmstat: Readonly<Record<SampledVmstat, number>>;
  /** Per swap tier name: the stack's counters and the tier's device I/O. */
  readonly tiers: Readonly<Record<string, TierSample>>;
  /** Per scenario device name. */
  readonly devices: Readonly<Record<string, DeviceSample>>;
  /** Measured, not modelled: differs between runs. Nanoseconds in codec calls, cumulative. */
  readonly cpu: { readonly compressNs: number; readonly decompressNs: number };
}

function readNumber(stack: SwapStack, path: string): number | undefined {
  const r = stack.fs.read(path);
  if (isRefusal(r)) return undefined;
  const n = Number(r.trim());
  return Number.isFinite(n) ? n : undefined;
}

/** /proc/vmstat as a record. */
export function readVmstat(stack: SwapStack): Record<string, number> {
  return readKeyed(stack, '/proc/vmstat');
}

/** A flat-keyed file ('name value' lines: /proc/vmstat, memory.stat) as a record. */
function readKeyed(stack: SwapStack, path: string): Record<string, number> {
  const text = stack.fs.read(path);
  const out: Record<string, number> = {};
  if (isRefusal(text)) return out;
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp > 0) out[line.slice(0, sp)] = Number(line.slice(sp + 1));
  }
  return out;
}

/** What a sample needs besides the stack: the cgroups to read and the devices by scenario name. */
export interface SampleContext {
  readonly stack: SwapStack;
  readonly cgroups: Iterable<string>;
  readonly devices: ReadonlyMap<string, BlockDevice>;
  /** The tier each device was last seen in (kept across swapoff so its I/O stays counted). */
  readonly deviceTier: Map<string, string>;
}

export function takeSample(ctx: SampleContext, t: number, accesses: number): ScenarioSample {
  const { stack } = ctx;
  const stats = stack.stats();
  const vm = readVmstat(stack);

  const cgroups: Record<string, CgroupSample> = {};
  for (const path of ctx.cgroups) {
    const dir = `/sys/fs/cgroup${path}`;
    const current = readNumber(stack, `${dir}/memory.current`);
    if (current === undefined) continue; // removed (rmdir) or not yet made
    const stat = readKeyed(stack, `${dir}/memory.stat`);
    const sample: Record<string, number> = {
      current,
      swapCurrent: readNumber(stack, `${dir}/memory.swap.current`) ?? 0,
      zswapCurrent: readNumber(stack, `${dir}/memory.zswap.current`) ?? 0,
    };
    for (const k of SAMPLED_MEMORY_STAT) sample[k] = stat[k] ?? 0;
    cgroups[path] = sample as unknown as CgroupSample;
  }

  const z = stack.pool.stats();
  const storedBytes = z.stored_pages * PAGE;
  const pool: PoolSample = {
    storedPages: z.stored_pages,
    storedBytes,
    compressedBytes: stack.pool.compressedBytes,
    poolBytes: z.pool_total_size,
    ratio: z.pool_total_size > 0 ? storedBytes / z.pool_total_size : 0,
    compressionRatio: stack.pool.compressedBytes > 0 ? storedBytes / stack.pool.compressedBytes : 0,
  };

  const vmstat = {} as Record<SampledVmstat, number>;
  for (const k of SAMPLED_VMSTAT) vmstat[k] = vm[k] ?? 0;

  const active = new Map(stack.swapSpace.swaps().map((s) => [s.name, s]));
  const devices: Record<string, DeviceSample> = {};
  const io = new Map<string, { w: number; r: number }>();
  for (const [name, dev] of ctx.devices) {
    const on = active.get(dev.name);
    if (on !== undefined) ctx.deviceTier.set(name, on.tier);
    const ds = dev.stats();
    devices[name] = {
      on: on !== undefined,
      usedSlots: on?.used ?? 0,
      bytesWritten: ds.bytesWritten,
      bytesRead: ds.bytesRead,
    };
    const tier = ctx.deviceTier.get(name);
    if (tier !== undefined) {
      const sum = io.get(tier) ?? { w: 0, r: 0 };
      sum.w += ds.bytesWritten;
      sum.r += ds.bytesRead;
      io.set(tier, sum);
    }
  }
  const tiers: Record<string, TierSample> = {};
  const names = new Set([...Object.keys(stats.tiers), ...io.keys()]);
  for (const name of [...names].sort()) {
    const c = stats.tiers[name] ?? {
      swpout: 0,
      swpin: 0,
      refault: 0,
      demoted_in: 0,
      demoted_out: 0,
    };
    const b = io.get(name) ?? { w: 0, r: 0 };
    tiers[name] = { ...c, bytesWritten: b.w, bytesRead: b.r };
  }

  return {
    t,
    accesses,
    faults: vm.pgfault ?? 0,
    majorFaults: vm.pgmajfault ?? 0,
    residentPages: stats.residentPages,
    swappedPages: stats.swappedPages,
    processes: stack.processes,
    cgroups,
    pool,
    vmstat,
    tiers,
    devices,
    cpu: { compressNs: stats.compressNs, decompressNs: stats.decompressNs },
  };
}
