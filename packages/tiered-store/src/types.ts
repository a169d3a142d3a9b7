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
import type { Clock, Refusal } from '@tierswap/base';
import { isIntInRange, refuse } from '@tierswap/base';
import type { MemcgTree } from '@tierswap/memcg';
import { checkSwapSlot } from './args.js';
import { TieredStoreError } from './tieredStoreError.js';

export type SwapSlot = number & { readonly __brand: 'SwapSlot' };

export const SWAP_TYPE_BITS = 5;
export const SWAP_OFFSET_BITS = 27;
export const MAX_SWAP_DEVICES = 1 << SWAP_TYPE_BITS;
export const MAX_DEVICE_SLOTS = 2 ** SWAP_OFFSET_BITS;

/** encode: type (0..31) in the top 5 bits, offset (0..2^27-1) below. */
export function toSwapSlot(type: number, offset: number): SwapSlot {
  if (
    !isIntInRange(type, 0, MAX_SWAP_DEVICES - 1) ||
    !isIntInRange(offset, 0, MAX_DEVICE_SLOTS - 1)
  ) {
    throw new TieredStoreError(
      'INVALID_ARGUMENT',
      'toSwapSlot',
      `type ${String(type)} must be an integer in 0..${MAX_SWAP_DEVICES - 1} and offset ${String(offset)} in 0..${MAX_DEVICE_SLOTS - 1}`,
    );
  }
  return (((type << SWAP_OFFSET_BITS) | offset) >>> 0) as SwapSlot;
}
/** decode: the device index. */
export function swapType(slot: SwapSlot): number {
  checkSwapSlot(slot, 'swapType');
  return slot >>> SWAP_OFFSET_BITS;
}
/** decode: the slot inside the device. */
export function swapOffset(slot: SwapSlot): number {
  checkSwapSlot(slot, 'swapOffset');
  return slot & (MAX_DEVICE_SLOTS - 1);
}

/** The code of each StoreRefusal: its name and its counter in stats().refusals. */
export type StoreRefusalCode = 'swap_max' | 'no_device' | 'full' | 'io_error';
/** Why SwapSpace.store() refused a page (see StoreRefusal). */
export type StoreRefusal = Refusal<StoreRefusalCode>;

/**
 * Why SwapSpace.store() / storeBatch() refused a page, returned in place of a slot
 * (never thrown) and counted in stats().refusals. Frozen once here, so refusing
 * allocates nothing; compare with `===` or tell from a slot with `isRefusal()` from
 * @tierswap/base. The errno is what folio_alloc_swap() returns for the same cause:
 * -ENOMEM when no slot can be had or the swap charge fails, -EIO when the write
 * itself failed on every device that had room.
 */
export const StoreRefusal = Object.freeze({
  /** memory.swap.max of the group or an ancestor is reached. */
  SWAP_MAX: refuse('ENOMEM', 'memory.swap.max of the group or an ancestor is reached', 'swap_max'),
  /** No active device in a tier the group may use. */
  NO_DEVICE: refuse('ENOMEM', 'no active swap device in a tier the group may use', 'no_device'),
  /** Every allowed device is full. */
  FULL: refuse('ENOMEM', 'every swap device the group may use is full', 'full'),
  /** Every allowed device with room failed the write. */
  IO_ERROR: refuse('EIO', 'the write failed on every swap device with room', 'io_error'),
} as const);

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

export interface SwapSpaceOptions {
  /** The memcg tree: charges memory.swap.*, supplies tier masks. Without it, everything is root's. */
  memcg?: MemcgTree;
  /** CONFIG_NR_SWAP_TIERS: 1..31 (default 4). */
  maxTiers?: number;
  /** Where the latency model's modelled time goes (default: createSystemClock()). */
  clock?: Clock;
  /** The page size every device switched on must have (default 4096). */
  pageSize?: number;
}

export interface SwaponOptions {
  /** -1..32767; default -1 (DEF_SWAP_PRIO). */
  priority?: number;
  /** SWAP_FLAG_DISCARD_ONCE / _PAGES. */
  discard?: DiscardFlag;
  /** Slot-allocator cluster size (default 512). */
  clusterSize?: number;
}

export interface SwapDeviceInfo {
  type: number;
  name: string;
  kind: string;
  priority: number;
  tier: string;
  slots: number;
  used: number;
  bad: number;
}

export interface SwapSpaceStats {
  stores: number;
  loads: number;
  frees: number;
  refusals: { swapMax: number; noDevice: number; full: number; ioError: number };
  /** A full device was skipped for the next one. */
  fallthroughs: number;
  /** Device write failures (each slot marked bad, page retried elsewhere). */
  writeErrors: number;
  /** Device read failures (I/O or checksum) seen by load() and swapoff. */
  readErrors: number;
  checksumErrors: number;
  /** Pages moved by swapoff. */
  moved: number;
}
