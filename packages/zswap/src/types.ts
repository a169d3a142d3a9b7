/**
 * Shared types of @tierswap/zswap: the pool's options, its writeback destination,
 * results and counters.
 *
 * The cgroup side is @tierswap/memcg's MemcgTree itself: the pool reads
 * memory.zswap.max and memory.zswap.writeback from it, charges memory.zswap.current and
 * the zswap lines of memory.stat to it, and walks it with the tree's own subtree
 * cursors, so there is one cgroup model (standalone users call createMemcg()). Time
 * comes from a Clock of @tierswap/base.
 */

import type { Clock, Refusal } from '@tierswap/base';
import type { Codec } from '@tierswap/compress';
import type { GroupId, MemcgTree } from '@tierswap/memcg';
import type { StoreRefusalCode } from './refusals.js';

/**
 * Where written-back pages go (the stack passes a tier of @tierswap/tiered-store).
 * Synchronous, in the order of zswap_writeback_entry(): reserve first (the kernel
 * allocates the swap-cache folio before decompressing), then the pool decompresses,
 * then write.
 */
export interface WritebackTarget {
  /**
   * Reserve a destination for `entryId`. Returns a token (an integer >= 0) to pass to
   * write or cancel, or a Refusal: errno 'EEXIST' when the page is already back in
   * memory (it is hot: the walk stops), 'ENOSPC' when the target is full.
   */
  reserve(entryId: number, memcg: GroupId): number | Refusal;
  /** Write the decompressed page to the reserved destination. */
  write(entryId: number, token: number, page: Uint8Array): void;
  /** Give the reservation back (decompression failed). */
  cancel(entryId: number, token: number): void;
}

/** Options of createZswapPool. */
export interface ZswapPoolOptions {
  /** The compressor for new stores (zswap.compressor); its synchronous calls are used. */
  readonly codec: Codec;
  /** The cgroup tree (createMemcg().tree). Entries are charged to its groups. */
  readonly memcg: MemcgTree;
  /** Store-time source (createVirtualClock() in tests, createSystemClock() for real time). */
  readonly clock: Clock;
  /** RAM size the pool limit is a percentage of (totalram), bytes. */
  readonly ramBytes: number;
  /** zswap.max_pool_percent, default 20. */
  readonly maxPoolPercent?: number;
  /** zswap.accept_threshold_percent, default 90. */
  readonly acceptThresholdPercent?: number;
  /**
   * Compressed results larger than this are "poor" (stored raw if the memcg may write
   * back, else refused). Default pageSize - 1, i.e. only >= PAGE_SIZE is poor, as in the
   * kernel; Google's far memory uses 2990 B for 4 KiB pages.
   */
  readonly maxCompressedBytes?: number;
  /** Destination of writeback; without it every writeback is refused with ENOSPC. */
  readonly writeback?: WritebackTarget;
  /** zswap.shrinker_enabled (default true here; the kernel's Kconfig default is n). */
  readonly shrinkerEnabled?: boolean;
  /** Most pages per zspage (CONFIG_ZSMALLOC_CHAIN_SIZE): default 8, range 4..16. */
  readonly zsChainSize?: number;
  /** Bytes of released zspage memory the arena keeps for reuse (default 8 MiB). */
  readonly arenaCacheBytes?: number;
  /** Entries to size the tables for at start, 1..2^24 (they grow by doubling). */
  readonly initialCapacity?: number;
  /** Called when a store hits the global limit and the shrink worker should run. */
  readonly queueShrinkWork?: () => void;
  /**
   * Proactive writeback walks the subtree with the group's own cursor (true, default:
   * v1-v3 of Hao Jia's series) or starts every request at the group itself and its
   * first child (false: v4, which dropped the per-memcg cursor).
   */
  readonly proactiveCursor?: boolean;
  /** What a page that does not compress becomes (default 'store_raw', the kernel's). */
  readonly incompressible?: IncompressibleMode;
  /** 'retry' mode: raw entries this old (seconds) are recompressed, a pass at most this often (default 60). */
  readonly rawRetrySeconds?: number;
  /** 'retry' mode: the codec raw entries are retried with (default: the current compressor). */
  readonly retryCodec?: Codec;
}

/**
 * A page that does not compress below maxCompressedBytes (or whose compression fails):
 * - 'reject': refused (reject_compress_poor / _fail), so it goes to disk swap or stays
 *   in memory: the kernel before dca4437a5861;
 * - 'store_raw': kept uncompressed when its group may write back, else refused: the
 *   kernel since dca4437a5861;
 * - 'retry': as 'store_raw', and the shrink worker later recompresses raw entries older
 *   than rawRetrySeconds (with retryCodec), at most one pass per rawRetrySeconds:
 *   recompress_attempts / recompressed_pages count them.
 */
export type IncompressibleMode = 'reject' | 'store_raw' | 'retry';

/** The tunables setTunables takes (all or nothing: a refused call applies none). */
export interface ZswapTunables {
  readonly maxPoolPercent?: number;
  readonly acceptThresholdPercent?: number;
  readonly ramBytes?: number;
  readonly maxCompressedBytes?: number;
  readonly shrinkerEnabled?: boolean;
  readonly proactiveCursor?: boolean;
  readonly incompressible?: IncompressibleMode;
  readonly rawRetrySeconds?: number;
}

/**
 * Outcome of a store: stored compressed, stored raw (poor compression, kept for
 * writeback), or one of the frozen STORE_REFUSALS, whose code is the counter it is
 * counted under (pool_limit_hit, reject_compress_poor, ...).
 */
export type StoreResult = 'stored' | 'stored_raw' | Refusal<StoreRefusalCode>;

/** Outcome of a load or a writeback by id: true, or a frozen refusal (ENOENT, EIO, ...). */
export type LoadResult = true | Refusal;
export type WritebackResult = true | Refusal;

/** Unit of a proactive writeback budget (v1 uses original bytes, v4+ compressed). */
export type BudgetUnit = 'original' | 'compressed';

/** A proactive writeback request on a memcg subtree (memory.zswap.proactive_writeback). */
export interface ProactiveWritebackRequest {
  readonly memcg: GroupId;
  /** Budget in bytes of `unit` (> 0); Infinity for unlimited. */
  readonly maxBytes: number;
  readonly unit?: BudgetUnit;
  /** Only entries stored at least this many seconds ago (optional; v1 required it). */
  readonly minAgeSeconds?: number;
}

/** What a proactive writeback did. */
export interface ProactiveWritebackResult {
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
  /** tierswap-only ('retry' mode): raw entries the shrink worker tried to recompress. */
  readonly recompress_attempts: number;
  /** tierswap-only ('retry' mode): raw entries that compressed on a retry and were replaced. */
  readonly recompressed_pages: number;
}

/** The memory.stat zswap lines of one group, local (not summed over the subtree), read from the tree. */
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
