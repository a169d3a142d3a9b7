/**
 * @tierswap/vswap: virtual swap entries with compact descriptors, a swap cache and a
 * reverse map. The curated public surface: the factory and its type, the refusals and the
 * error class, the backend word's encoders and decoders, and the branded ids with their
 * checked converters. Everything else (descriptor tables, the segmented virtual space,
 * the reverse map's layout) is internal.
 */

export {
  type Backend,
  BackendTag,
  backendPayload,
  backendTag,
  decodeBackend,
  encodeBackend,
  folioBackend,
  formatBackend,
  isValidBackend,
  NONE_BACKEND,
  physBackend,
  physDevice,
  physSlot,
  ZERO_BACKEND,
  zswapBackend,
} from './backend.js';
export {
  type BackendCounts,
  type BackendWord,
  type DeviceId,
  type FolioHandle,
  MAX_DEVICES,
  MAX_MEMCG_ID,
  MAX_PHYS_SLOTS,
  MAX_VIRTUAL_ENTRIES,
  NO_ENTRY,
  type PhysSlot,
  type ReleaseCallback,
  type ReleaseReason,
  type SwapEntry,
  toDeviceId,
  toFolioHandle,
  toPhysSlot,
  toSwapEntry,
  toZswapHandle,
  type VirtualSwapMemory,
  type VirtualSwapOptions,
  type VirtualSwapStats,
  VSWAP_DEFAULTS,
  type ZswapHandle,
} from './types.js';
export { createVirtualSwap, type VirtualSwap } from './virtualSwap.js';
export { VSWAP_ERROR_CODES, VswapError, type VswapErrorCode } from './vswapError.js';
export {
  type CacheAddResult,
  type TransferResult,
  VSWAP_REFUSALS,
  type VswapRefusal,
  type VswapRefusalCode,
} from './vswapRefusals.js';
