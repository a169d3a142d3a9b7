/**
 * @tierswap/tiered-store: swap block devices (a preallocated file, a SQLite table),
 * swapon/swapoff, the global swap tiers and per-memcg tier selection. Test doubles
 * (FaultInjectingDevice) are in the `./testing` subpath export.
 */
export type { BlockDevice, DeviceStats } from './blockDevice.js';
export { emptyDeviceStats } from './blockDevice.js';
export { crc32c } from './crc32c.js';
export type { FileDeviceOptions } from './fileDevice.js';
export { createFileDevice, FileDevice } from './fileDevice.js';
export { PageChecksums } from './pageChecksums.js';
export type {
  JournalMode,
  LockingMode,
  SqliteDeviceOptions,
  SqliteSettings,
  Synchronous,
} from './sqliteDevice.js';
export { createSqliteDevice, SQLITE_DEVICE_DEFAULTS, SqliteDevice } from './sqliteDevice.js';
export type {
  SwapoffRefusal,
  SwapoffRefusalCode,
  SwapoffResult,
} from './swapoff.js';
export type { SwapSpace } from './swapSpace.js';
export { createSwapSpace } from './swapSpace.js';
export type { ActiveDeviceView, SwapTiers, SwapTiersOptions, TierInfo } from './swapTiers.js';
export { createSwapTiers } from './swapTiers.js';
export type { TieredStoreErrorCode } from './tieredStoreError.js';
export {
  TIERED_STORE_ERROR_CODES,
  TieredStoreError,
  toTieredStoreError,
} from './tieredStoreError.js';
export { registerTierFiles } from './tierFiles.js';
export type {
  DiscardFlag,
  LatencyModel,
  StoreRefusalCode,
  SwapDeviceInfo,
  SwaponOptions,
  SwapSlot,
  SwapSpaceOptions,
  SwapSpaceStats,
} from './types.js';
export {
  DEFAULT_MAX_TIERS,
  DEFAULT_PRIORITY,
  MAX_DEVICE_SLOTS,
  MAX_SWAP_DEVICES,
  PRIO_MAX,
  StoreRefusal,
  SWAP_OFFSET_BITS,
  SWAP_TYPE_BITS,
  swapOffset,
  swapType,
  TIER_DEFAULT_IDX,
  toSwapSlot,
} from './types.js';
