export { createSlotAllocator, SlotAllocator } from './slotAllocator.js';
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
  NO_SLOT,
  type SlotAllocatorOptions,
  type SlotAllocatorStats,
} from './types.js';
