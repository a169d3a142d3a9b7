/**
 * @tierswap/vswap: virtual swap entries with compact descriptors, a swap cache and a
 * reverse map. The curated public surface; everything else is internal.
 */

export {
  BACKEND_NAMES,
  type Backend,
  type BackendName,
  BackendTag,
  backendName,
  backendPayload,
  backendTag,
  decodeBackend,
  encodeBackend,
  folioBackend,
  folioHandleOf,
  formatBackend,
  isFolio,
  isNone,
  isPhys,
  isValidBackend,
  isZero,
  isZswap,
  NONE_BACKEND,
  physBackend,
  physDevice,
  physSlot,
  ZERO_BACKEND,
  zswapBackend,
  zswapHandleOf,
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
  type ZswapHandle,
} from './types.js';
export {
  type CacheAddResult,
  createVirtualSwap,
  VirtualSwap,
  VSWAP_DEFAULTS,
} from './virtualSwap.js';
export { VSWAP_ERROR_CODES, VswapError, type VswapErrorCode } from './vswapError.js';
