/**
 * @tierswap/slot-allocator: the Linux kernel's cluster swap-slot allocator over N
 * fixed-size slots. The curated public surface: the factory, the allocator's type, its
 * refusals, its error class and its option and stats types.
 */

export {
  ALLOC_REFUSALS,
  type AllocRefusal,
  createSlotAllocator,
  type SlotAllocator,
} from './slotAllocator.js';
export {
  SLOT_ALLOCATOR_ERROR_CODES,
  SlotAllocatorError,
  type SlotAllocatorErrorCode,
} from './slotAllocatorError.js';
export {
  type AllocFailureReason,
  type ClusterInfo,
  type ClusterState,
  DEFAULT_CLUSTER_SIZE,
  type DiscardPolicy,
  type SlotAllocatorOptions,
  type SlotAllocatorStats,
} from './types.js';
