/**
 * Shared types and constants of @tierswap/tiered-store, laid out like a header.
 *
 * A SwapSlot names one page slot of one active device, like the kernel's
 * swp_entry_t: `type` (the device's index in the swap table, 5 bits, so at most 32
 * devices as MAX_SWAPFILES) and `offset` (27 bits, 128 Mi slots = 512 GiB of 4 KiB
 * pages per device). Encoded as an unsigned 32-bit number so that a caller can keep
 * millions of them in a Uint32Array. Branded so it cannot be confused with a
 * device-local slot number or a vswap entry id.
 */

export type SwapSlot = number & { readonly __brand: 'SwapSlot' };

export const SWAP_TYPE_BITS = 5;
export const SWAP_OFFSET_BITS = 27;
export const MAX_SWAP_DEVICES = 1 << SWAP_TYPE_BITS;
export const MAX_DEVICE_SLOTS = 2 ** SWAP_OFFSET_BITS;

/** encode: type in the top 5 bits, offset below. */
export function toSwapSlot(type: number, offset: number): SwapSlot {
  return (((type << SWAP_OFFSET_BITS) | offset) >>> 0) as SwapSlot;
}
/** decode: the device index. */
export function swapType(slot: SwapSlot): number {
  return slot >>> SWAP_OFFSET_BITS;
}
/** decode: the slot inside the device. */
export function swapOffset(slot: SwapSlot): number {
  return slot & (MAX_DEVICE_SLOTS - 1);
}

/**
 * Why SwapSpace.store() refused, returned as negative numbers in place of a slot so
 * the hot path allocates nothing; each is counted in stats().refusals.
 */
export const StoreRefusal = {
  /** memory.swap.max of the group or an ancestor is reached. */
  SWAP_MAX: -1,
  /** No active device in a tier the group may use. */
  NO_DEVICE: -2,
  /** Every allowed device is full. */
  FULL: -3,
  /** Every allowed device with room failed the write. */
  IO_ERROR: -4,
} as const;
export type StoreRefusal = (typeof StoreRefusal)[keyof typeof StoreRefusal];

export function isStoreRefusal(v: number): v is StoreRefusal {
  return v < 0;
}

/** SHRT_MAX: the top of the priority range the tiers must cover. */
export const PRIO_MAX = 32767;
/** DEF_SWAP_PRIO: the priority of a device switched on without one. */
export const DEFAULT_PRIORITY = -1;
/** TIER_DEFAULT_IDX: the bit of devices that belong to no tier. Always allowed. */
export const TIER_DEFAULT_IDX = 31;
/** CONFIG_NR_SWAP_TIERS default. */
export const DEFAULT_MAX_TIERS = 4;

export type DiscardFlag = 'none' | 'once' | 'pages';

/** Added delay per I/O for a tier that stands in for slower media (a model; the I/O still happens). */
export interface LatencyModel {
  readMicros: number;
  writeMicros: number;
}
