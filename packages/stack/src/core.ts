/**
 * StackCore: the state every part of the stack shares, in one object the concept files
 * (swapOut.ts, swapIn.ts, writebackTarget.ts, demotion.ts, reclaim.ts, ...) take as
 * their first argument. It holds the layers (the memcg tree, the zswap pool, the swap
 * space with its tiers, vswap in vswap mode, the ghost swapfile in classic mode), the
 * page tables, the LRUs, and the stack's own counters (/proc/vmstat's, per tier).
 * Nothing here decides anything: it only wires and counts.
 */

import type { Clock } from '@tierswap/base';
import type { CounterId, MemcgTree } from '@tierswap/memcg';
import type { SlotAllocator } from '@tierswap/slot-allocator';
import type { SwapSpace } from '@tierswap/tiered-store';
import type { VirtualSwap } from '@tierswap/vswap';
import type { ZswapPool } from '@tierswap/zswap';
import type { AddressSpace } from './addressSpace.js';
import type { Lru } from './lru.js';
import type { CodecTimes } from './timedCodec.js';

/** Per swap tier: pages written out, read in, refaulted, moved in and out by demotion. */
export interface TierCounters {
  swpout: number;
  swpin: number;
  refault: number;
  demoted_in: number;
  demoted_out: number;
}

/** The stack's global counters (the /proc/vmstat lines it owns). */
export class StackCounters {
  pgfault = 0;
  pgmajfault = 0;
  pswpin = 0;
  pswpout = 0;
  swpin_zero = 0;
  swpout_zero = 0;
  zswpin = 0;
  zswpout = 0;
  /** Refaults (a swapped-out page touched again) by backend. */
  refault_zero = 0;
  refault_zswap = 0;
  refault_disk = 0;
  /** Pages reclaim chose but had to keep resident: zswap refused and writeback is off or impossible. */
  swpout_kept = 0;
  pgscan = 0;
  pgsteal = 0;
  pgactivate = 0;
  pgdeactivate = 0;
  /** Charges over memory.max that reclaim could not bring back under (the kernel would OOM-kill). */
  oom = 0;
  zswpwb_proactive_b = 0;
  /** Pages demoted from one disk tier to a lower one. */
  swap_demote = 0;
  /** Classic mode only: page-table entries the kernel would have had to rewrite (rmap walks) for moves. */
  pte_rewrites = 0;
  /** Pages read back in by a classic-mode swapoff (try_to_unuse). */
  swapoff_swapin = 0;
  readonly tiers = new Map<string, TierCounters>();

  tier(name: string): TierCounters {
    let t = this.tiers.get(name);
    if (t === undefined) {
      t = { swpout: 0, swpin: 0, refault: 0, demoted_in: 0, demoted_out: 0 };
      this.tiers.set(name, t);
    }
    return t;
  }
}

export type StackMode = 'vswap' | 'classic';

/** memory.stat counter ids the stack adds to. */
export interface StatIds {
  readonly anon: CounterId;
  readonly pswpin: CounterId;
  readonly pswpout: CounterId;
  readonly swpin_zero: CounterId;
  readonly swpout_zero: CounterId;
  readonly pgmajfault: CounterId;
  readonly swpout_kept: CounterId;
  readonly zswpwb_proactive_b: CounterId;
  readonly swap_demote: CounterId;
}

export interface StackCore {
  readonly mode: StackMode;
  readonly clock: Clock;
  readonly pageSize: number;
  readonly tree: MemcgTree;
  readonly pool: ZswapPool;
  readonly swap: SwapSpace;
  /** vswap mode only. */
  readonly vs: VirtualSwap | undefined;
  /** classic mode only: the ghost swapfile's slot map (its slots are never written). */
  readonly ghost: SlotAllocator | undefined;
  readonly pages: AddressSpace;
  readonly lru: Lru;
  readonly counters: StackCounters;
  readonly stat: StatIds;
  readonly codecTimes: CodecTimes;
  /** /sys/module/zswap/parameters/enabled. */
  zswapEnabled: boolean;
  /** Set while SwapSpace.swapoff runs (it frees the moved slots itself). */
  inSwapoff: boolean;
  /** classic mode: the swap type being drained by swapoff (-1 when none): no new slots there. */
  draining: number;
  /** Set by the pool's queueShrinkWork; the stack runs the worker after the store. */
  shrinkPending: boolean;
  /** Per memcg: seconds after which swapped pages are demoted at reclaim (0 = off). */
  demoteAge: Map<number, number>;
  /** A page-size scratch buffer. */
  readonly scratch: Uint8Array;
}

/** Seconds on the stack's clock (swap-out times are stored as u32 seconds). */
export function nowSeconds(core: StackCore): number {
  return Math.floor(core.clock.now() / 1000);
}
