/**
 * Shared types of @tierswap/zswap: the narrow views the pool needs of its surroundings
 * (cgroup tree, clock, writeback destination), its options, results and counters.
 *
 * Why narrow views: zswap in the kernel reads three things from memcg (the zswap.max
 * limit up the hierarchy, the hierarchical zswap.writeback switch, and a pre-order
 * iterator for the shrink cursor) and writes back through the swap cache. Keeping those
 * as interfaces here lets this package stand alone (and be tested with a Map-based
 * tree), and lets the stack adapt @tierswap/memcg and @tierswap/tiered-store later.
 */

import type { Codec } from '@tierswap/compress';

/** Milliseconds from an arbitrary origin; tests use a virtual clock. */
export interface Clock {
  now(): number;
}

/**
 * The pool's view of the cgroup tree. Ids are numbers below 65536 (the kernel's
 * mem_cgroup ids are 16-bit too); the pool keeps them in 16 bits per entry.
 */
export interface ZswapMemcgView {
  /** The root of the hierarchy (the shrink worker walks its whole subtree). */
  root(): number;
  /** Parent id, or undefined for the root. */
  parentOf(id: number): number | undefined;
  /** memory.zswap.max of this memcg alone, in bytes (Infinity for "max"). */
  zswapMax(id: number): number;
  /** memory.zswap.writeback, already combined up the hierarchy (0 in any ancestor = false). */
  writebackEnabled(id: number): boolean;
  /**
   * The memcg after `pos` in a pre-order walk of `root`'s subtree (root first). With
   * `pos` undefined, returns `root`; after the last one, returns undefined (the walk
   * then restarts, like mem_cgroup_iter returning NULL).
   */
  nextInSubtree(root: number, pos: number | undefined): number | undefined;
  /**
   * Optional: each change the memcg itself would see, so a cgroup tree's own
   * memory.zswap.current and memory.stat can follow the pool: 'store' and 'free' of
   * an entry of `bytes` compressed bytes (obj_cgroup_charge_zswap / uncharge; zswap,
   * zswapped, zswap_incomp when `raw`, zswpout on store), 'load' (zswpin), 'writeback'
   * (zswpwb) and 'proactive_writeback' (zswpwb and zswpwb_proactive). A written-back
   * or loaded entry is then freed ('free'). The pool keeps its own totals either way.
   */
  onZswapEvent?(id: number, event: ZswapEvent, bytes: number, raw: boolean): void;
}

/** What ZswapMemcgView.onZswapEvent is told. */
export type ZswapEvent = 'store' | 'free' | 'load' | 'writeback' | 'proactive_writeback';

/** Why a writeback destination could not be reserved. */
export type WritebackRefusal = 'EEXIST' | 'ENOSPC';

/**
 * Where written-back pages go (the stack passes a tier of @tierswap/tiered-store).
 * Order, as in zswap_writeback_entry(): reserve first (the kernel allocates the
 * swap-cache folio before decompressing), then the pool decompresses, then write.
 */
export interface WritebackTarget {
  /**
   * Reserve a destination for `entryId`. Returns a token (>= 0) to pass to write or
   * cancel, 'EEXIST' when the page is already back in memory (it is hot: the walk
   * stops), or 'ENOSPC' when the target is full.
   */
  reserve(entryId: number, memcg: number): number | WritebackRefusal;
  /** Write the decompressed page to the reserved destination. */
  write(entryId: number, token: number, page: Uint8Array): void;
  /** Give the reservation back (decompression failed or the entry went away). */
  cancel(entryId: number, token: number): void;
}

/** Options of a ZswapPool. */
export interface ZswapPoolOptions {
  /** The compressor for new stores (zswap.compressor). */
  readonly codec: Codec;
  /** The cgroup view. */
  readonly memcg: ZswapMemcgView;
  /** Store-time source. */
  readonly clock: Clock;
  /** RAM size the pool limit is a percentage of (totalram). */
  readonly ramBytes: number;
  /** zswap.max_pool_percent, default 20. */
  readonly maxPoolPercent?: number;
  /** zswap.accept_threshold_percent, default 90. */
  readonly acceptThresholdPercent?: number;
  /**
   * Compressed results larger than this are "poor" (stored raw if the memcg may write
   * back, else rejected). Default pageSize - 1, i.e. only >= PAGE_SIZE is poor, as in the
   * kernel; Google's far memory uses 2990 B for 4 KiB pages.
   */
  readonly maxCompressedBytes?: number;
  /** Destination of writeback; without it every writeback fails with ENOSPC. */
  readonly writeback?: WritebackTarget;
  /** zswap.shrinker_enabled (default true here; the kernel's Kconfig default is n). */
  readonly shrinkerEnabled?: boolean;
  /**
   * Most pages per zspage (CONFIG_ZSMALLOC_CHAIN_SIZE): default 8, range 4..16. Longer
   * chains waste less at the end of each zspage (bench: about 2.0% -> 0.8% on real
   * data) at the cost of larger allocations.
   */
  readonly zsChainSize?: number;
  /** Bytes of released zspage memory the arena keeps for reuse (default 8 MiB). */
  readonly arenaCacheBytes?: number;
  /** Entries to size the tables for at start (they grow by doubling). */
  readonly initialCapacity?: number;
  /** Called when a store hits the global limit and the shrink worker should run. */
  readonly queueShrinkWork?: () => void;
}

/** One page to store in a batch. */
export interface StoreItem {
  readonly id: number;
  readonly memcg: number;
  readonly page: Uint8Array;
}

/** Outcome of a store: stored (compressed or raw) or the reason it was refused. */
export type StoreResult =
  | 'stored'
  | 'stored_raw'
  | 'pool_limit'
  | 'memcg_limit'
  | 'compress_fail'
  | 'compress_poor'
  | 'alloc_fail';

/** Outcome of a load: 'ok', not in zswap, or decompression failed (-EIO). */
export type LoadResult = 'ok' | 'ENOENT' | 'EIO';

/** Outcome of writing back one entry by id. */
export type WritebackResult = 'ok' | 'ENOENT' | 'EEXIST' | 'ENOSPC' | 'EIO';

/** Unit of a proactive writeback budget (v1 uses original bytes, v4+ compressed). */
export type BudgetUnit = 'original' | 'compressed';

/** A proactive writeback request on a memcg subtree (memory.zswap.proactive_writeback). */
export interface ProactiveWritebackRequest {
  readonly memcg: number;
  /** Budget in bytes of `unit`; Infinity for unlimited. */
  readonly maxBytes: number;
  readonly unit?: BudgetUnit;
  /** Only entries stored at least this many seconds ago (optional; v1 required it). */
  readonly minAgeSeconds?: number;
}

/** What a proactive writeback did. `EAGAIN` when nothing could be written after retries. */
export interface ProactiveWritebackResult {
  readonly status: 'ok' | 'EAGAIN' | 'EINVAL';
  readonly pages: number;
  readonly originalBytes: number;
  readonly compressedBytes: number;
}

/** Global counters, with the kernel's debugfs names. */
export interface ZswapStats {
  readonly pool_limit_hit: number;
  readonly reject_reclaim_fail: number;
  readonly reject_alloc_fail: number;
  readonly reject_compress_fail: number;
  readonly reject_compress_poor: number;
  /** tierswap-only: stores refused by memory.zswap.max after the one shrink attempt. */
  readonly reject_memcg_limit: number;
  readonly decompress_fail: number;
  readonly written_back_pages: number;
  /** Bytes of zspages the arena holds: the pool's real footprint. */
  readonly pool_total_size: number;
  readonly stored_pages: number;
  readonly stored_incompressible_pages: number;
}

/** Per-memcg counters, with memory.stat names (local to the memcg, not recursive). */
export interface MemcgZswapStats {
  /** Compressed bytes held. */
  readonly zswap: number;
  /** Original bytes held. */
  readonly zswapped: number;
  /** Bytes of raw (incompressible) entries. */
  readonly zswap_incomp: number;
  readonly zswpin: number;
  readonly zswpout: number;
  readonly zswpwb: number;
  readonly zswpwb_proactive: number;
}
