/**
 * Shared types of @tierswap/stack: the options of createSwapStack and what stats() and
 * metadataBytes() return.
 */

import type { Clock } from '@tierswap/base';
import type { CodecName } from '@tierswap/compress';
import type { BlockDevice } from '@tierswap/tiered-store';
import type { IncompressibleMode } from '@tierswap/zswap';
import type { StackMode, TierCounters } from './core.js';

export type { StackMode, TierCounters };

/** zswap's settings at start (all changeable later through /sys/module/zswap/parameters). */
export interface StackZswapOptions {
  /** zswap.enabled (default true). */
  readonly enabled?: boolean;
  /** zswap.compressor: 'lz4' (default), 'zstd' or 'none'. */
  readonly compressor?: CodecName;
  /** zstd's level (1..19, default 3); ignored by the other codecs. */
  readonly level?: number;
  readonly maxPoolPercent?: number;
  readonly acceptThresholdPercent?: number;
  readonly shrinkerEnabled?: boolean;
  /** Compressed results above this are poor (default pageSize - 1, the kernel's). */
  readonly maxCompressedBytes?: number;
  /** Proactive writeback keeps the per-memcg cursor (default true; false walks from the first child every time, as v4). */
  readonly proactiveCursor?: boolean;
  /** Pages that do not compress: 'reject', 'store_raw' (default, the kernel's) or 'retry' (@tierswap/zswap's IncompressibleMode). */
  readonly incompressible?: IncompressibleMode;
  /** 'retry': raw entries this old are recompressed, a pass at most this often (seconds, default 60). */
  readonly rawRetrySeconds?: number;
  /** 'retry': the codec retries use (default the compressor) and its zstd level. */
  readonly retryCompressor?: CodecName;
  readonly retryLevel?: number;
}

/** A device to switch on at start. */
export interface StackDevice {
  readonly device: BlockDevice;
  readonly priority?: number;
}

export interface SwapStackOptions {
  /** Time source: createVirtualClock() for scenarios, createSystemClock() for real time. */
  readonly clock: Clock;
  /** RAM: page frames for resident pages, and the base of zswap's max_pool_percent. */
  readonly ramBytes: number;
  /** 'vswap' (virtual entries, default) or 'classic' (a slot per swapped page, as shipped today). */
  readonly mode?: StackMode;
  readonly zswap?: StackZswapOptions;
  /** /sys/kernel/mm/swap/tiers text to write at start, e.g. '+fast:100 +slow:-1'. */
  readonly tiers?: string;
  /** Devices to swapon at start, in order. */
  readonly devices?: readonly StackDevice[];
  /** classic mode: slots of the ghost swapfile (default 2^20). */
  readonly ghostSlots?: number;
}

/** Counters of the whole stack (a snapshot). */
export interface SwapStackStats {
  readonly mode: StackMode;
  readonly vmstat: Readonly<Record<string, number>>;
  readonly tiers: Readonly<Record<string, TierCounters>>;
  /** Measured time in codec calls (performance.now around each call), nanoseconds. */
  readonly compressNs: number;
  readonly decompressNs: number;
  readonly residentPages: number;
  readonly swappedPages: number;
}

/** Bytes of metadata, per layer (typed arrays; the data itself is not counted). */
export interface StackMetadata {
  /** The stack's page tables: per-page state, memcg, frame, swap word, backend, swap time, accessed bit. */
  readonly pageTables: number;
  /** Of which swap metadata beyond the page table's own swap word: backend kind and swap-out time. */
  readonly swapWords: number;
  readonly lru: number;
  readonly zswap: number;
  readonly vswap: number;
  /** Swap devices' owner (swap_cgroup) arrays and slot allocators, and classic's ghost map. */
  readonly slots: number;
}
