/**
 * PoolCounters: the pool's debugfs counters (/sys/kernel/debug/zswap/*), all of
 * ZswapStats but pool_total_size, which is the arena's footprint and read from it.
 *
 * Why one plain mutable object shared by reference: the store and load paths, reclaim
 * (ZswapReclaim) and the raw-entry retry (RawRetry) all count into it with a plain
 * `counters.name++`, no call and no copy, and stats() spreads it into its answer. Its
 * keys are ZswapStats' names, so a counter added there must be added here too (the
 * type says which are missing).
 */

import type { ZswapStats } from './types.js';

/** The pool's debugfs counters (all of ZswapStats but pool_total_size), shared with reclaim. */
export type PoolCounters = {
  -readonly [K in Exclude<keyof ZswapStats, 'pool_total_size'>]: number;
};

/** A pool's counters at creation: all zero. */
export function newPoolCounters(): PoolCounters {
  return {
    pool_limit_hit: 0,
    reject_reclaim_fail: 0,
    reject_alloc_fail: 0,
    reject_compress_fail: 0,
    reject_compress_poor: 0,
    reject_memcg_limit: 0,
    decompress_fail: 0,
    written_back_pages: 0,
    stored_pages: 0,
    stored_incompressible_pages: 0,
    recompress_attempts: 0,
    recompressed_pages: 0,
  };
}
