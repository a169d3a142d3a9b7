/**
 * Shared types and constants of @tierswap/slot-allocator, laid out like a header:
 * options, cluster states and the statistics shape. (alloc()'s refusals are in
 * slotAllocator.ts, next to the code that returns them.)
 */

export const DEFAULT_CLUSTER_SIZE = 512;

/**
 * How freed space is discarded (the kernel's swapon flags):
 * - 'none': freed clusters go straight back to the free list;
 * - 'once': the whole area is discarded once, when the allocator is created
 *   (SWAP_FLAG_DISCARD_ONCE);
 * - 'pages': a cluster whose last slot is freed waits on the discard list until
 *   processDiscards() discards it and frees it (SWAP_FLAG_DISCARD_PAGES). An allocation
 *   that would fail processes pending discards first, as swap_sync_discard() does.
 */
export type DiscardPolicy = 'none' | 'once' | 'pages';

export interface SlotAllocatorOptions {
  /** Number of fixed-size slots, numbered 0 .. slots-1. */
  slots: number;
  /** Slots per cluster: a power of two from 1 to 32768. Default 512 (SWAPFILE_CLUSTER). */
  clusterSize?: number;
  /** Independent writers, each with its own cached cluster per order (per-CPU in the kernel). Default 1. */
  streams?: number;
  /** Rotational media: one global sequential cursor per order instead of per-stream caches. Default false. */
  rotational?: boolean;
  discard?: DiscardPolicy;
  /**
   * Called for every range that is discarded (count ≥ 1, first + count ≤ slots). The
   * cluster is off every list while it runs; if it throws, the cluster stays pending.
   */
  onDiscard?: (firstSlot: number, count: number) => void;
  /**
   * Called when the allocator becomes full (true) and when it has room again (false),
   * after the operation that changed it is complete: it may call back into the allocator,
   * and an exception it throws propagates to that operation's caller.
   */
  onFullChange?: (full: boolean) => void;
}

/**
 * Cluster states, as the kernel's CLUSTER_FLAG_*. 'isolated' is CLUSTER_FLAG_NONE: off every
 * list while being scanned; outside a call into the allocator no cluster is isolated.
 */
export type ClusterState = 'free' | 'nonfull' | 'frag' | 'full' | 'discard' | 'isolated';

export interface ClusterInfo {
  state: ClusterState;
  /** The order fixed by the first allocation into the empty cluster (0 while free). */
  order: number;
  /** Slots that are not free: in use, bad, or past the end of a short last cluster. */
  used: number;
}

/** Why alloc() refused: the code of its Refusal and its counter in stats().failures. */
export type AllocFailureReason = 'full' | 'fragmented';

export interface SlotAllocatorStats {
  slots: number;
  used: number;
  free: number;
  bad: number;
  clusters: Record<ClusterState, number>;
  /** Per order: successful allocations. */
  allocations: number[];
  /** Per order: refused large allocations (the caller splits the folio: thp_swpout_fallback). */
  fallbacks: number[];
  failures: Record<AllocFailureReason, number>;
  /** Fraction of free slots that sit in partly used clusters (0 = all free space is in whole free clusters). */
  fragmentation: number;
  pendingDiscards: number;
  /** Usage counts too large for the one-byte map (kept in the overflow map). */
  overflowCounts: number;
  /** Bytes of typed-array metadata held by the allocator. */
  metadataBytes: number;
}
