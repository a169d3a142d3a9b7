/**
 * Shared types and constants of @tierswap/vswap, laid out like a header: the id spaces
 * (each branded, with explicit converters), the limits of the encodings, the options, the
 * release callback and the statistics shape.
 *
 * Two id spaces must never mix, as in the vswap series where `swp_entry_t` (virtual) and
 * `swp_slot_t` (physical) are distinct types converted only by named helpers:
 * - a SwapEntry is a virtual slot: what a page table (or any other holder) keeps;
 * - a (DeviceId, PhysSlot) pair is a physical location on one swap device, known only to
 *   the descriptor of the entry it backs and to the reverse map.
 * Handles of the other layers (a zswap entry, a resident folio) are opaque 32-bit numbers
 * here: vswap stores them and hands them back, it never dereferences them.
 */

import { isIntInRange, isPowerOfTwoInRange, showValue } from '@tierswap/base';
import { invalidArgument } from './vswapError.js';

/** A virtual swap entry: an index into the virtual slot space. */
export type SwapEntry = number & { readonly __brand: 'SwapEntry' };
/** A swap device (the kernel's swap type, 5 bits: MAX_SWAPFILES_SHIFT). */
export type DeviceId = number & { readonly __brand: 'DeviceId' };
/** A slot on one physical swap device. */
export type PhysSlot = number & { readonly __brand: 'PhysSlot' };
/** An opaque handle of a compressed copy owned by the zswap layer. */
export type ZswapHandle = number & { readonly __brand: 'ZswapHandle' };
/** An opaque handle of a resident page (folio) owned by the caller. */
export type FolioHandle = number & { readonly __brand: 'FolioHandle' };

/**
 * A backend (what currently holds an entry's data) packed into one JS number: the tag times
 * 2^32 plus a 32-bit payload. See backend.ts for the layout and the helpers.
 */
export type BackendWord = number & { readonly __brand: 'BackendWord' };

/** What reverseLookup() answers for a physical slot that backs no entry. */
export const NO_ENTRY = -1 as SwapEntry;

/** Devices are numbered 0..31, as the kernel's 5-bit swap type. */
export const MAX_DEVICES = 32;
/** Physical slots are numbered 0..2^27-1 per device (512 GiB of 4 KiB pages). */
export const MAX_PHYS_SLOTS = 2 ** 27;
/** memcg ids are the kernel's 16-bit ids (MEM_CGROUP_ID_MAX = 65535); 0 = no group. */
export const MAX_MEMCG_ID = 0xffff;
/**
 * The largest virtual space: the reverse map stores entry+1 in a Uint32 (0 = empty), so
 * entries must stay below 2^32 - 1.
 */
export const MAX_VIRTUAL_ENTRIES = 2 ** 32 - 2;

function checkId(where: string, what: string, n: unknown, limit: number, limitText: string): void {
  if (!isIntInRange(n, 0, limit - 1)) {
    invalidArgument(
      `types.${where}`,
      `${what} must be an integer from 0 to ${limitText}, got ${showValue(n)}`,
    );
  }
}

// The converters are the only way to brand a number, so they check it: an id that passed
// one is in range for every method that takes it.

export function toSwapEntry(n: number): SwapEntry {
  checkId('toSwapEntry', 'a swap entry', n, MAX_VIRTUAL_ENTRIES, '2^32-3');
  return n as SwapEntry;
}
export function toDeviceId(n: number): DeviceId {
  checkId('toDeviceId', 'a device id', n, MAX_DEVICES, String(MAX_DEVICES - 1));
  return n as DeviceId;
}
export function toPhysSlot(n: number): PhysSlot {
  checkId('toPhysSlot', 'a physical slot', n, MAX_PHYS_SLOTS, '2^27-1');
  return n as PhysSlot;
}
export function toZswapHandle(n: number): ZswapHandle {
  checkId('toZswapHandle', 'a zswap handle', n, 2 ** 32, '2^32-1');
  return n as ZswapHandle;
}
export function toFolioHandle(n: number): FolioHandle {
  checkId('toFolioHandle', 'a folio handle', n, 2 ** 32, '2^32-1');
  return n as FolioHandle;
}

/** Why a backend is handed to the release callback. */
export type ReleaseReason = 'free' | 'transfer';

/**
 * Called once for every backend that stops backing an entry: when the entry is freed (its
 * swap count and swap-cache reference are both gone) and, after a transfer, for the old
 * backend. vswap's own state is already consistent when it runs, so the callback may call
 * back into vswap (even alloc()). An exception thrown by the callback propagates to the
 * caller of put/transfer/cacheDelete; the change it reported has already happened.
 */
export type ReleaseCallback = (
  entry: SwapEntry,
  backend: BackendWord,
  memcg: number,
  reason: ReleaseReason,
) => void;

export interface VirtualSwapOptions {
  /** Size of the virtual slot space. Default 2^31 entries; at most MAX_VIRTUAL_ENTRIES. */
  maxEntries?: number;
  /**
   * Virtual slots per allocator segment (a power of two, a multiple of clusterSize). The
   * slot allocator costs one byte per slot it covers, so the space is cut into segments
   * created on demand and dropped when empty. Default 2^20.
   */
  segmentSlots?: number;
  /** Descriptors per cluster (a power of two, 64..32768): the unit of on-demand tables. Default 4096. */
  clusterSize?: number;
  /** Independent allocation streams (the kernel's per-CPU cluster cache). Default 1. */
  streams?: number;
  /** Physical slots per reverse-map table (a power of two, 64..65536). Default 4096. */
  rmapClusterSize?: number;
  onRelease?: ReleaseCallback;
}

/** The option defaults (see VirtualSwapOptions for what each one sizes). */
export const VSWAP_DEFAULTS = Object.freeze({
  maxEntries: 2 ** 31,
  segmentSlots: 2 ** 20,
  clusterSize: 4096,
  streams: 1,
  rmapClusterSize: 4096,
} as const);

/** Live entries per backend. */
export interface BackendCounts {
  none: number;
  zero: number;
  zswap: number;
  phys: number;
  folio: number;
}

export interface VirtualSwapStats {
  /** Entries allocated and not yet freed (including those held only by the swap cache). */
  live: number;
  byBackend: BackendCounts;
  /** Entries whose swap-cache flag is set. */
  inCache: number;
  /** Live entries whose swap count is 0 (held only by the swap cache). */
  cacheOnly: number;
  /** Operations done. */
  allocs: number;
  frees: number;
  dups: number;
  puts: number;
  transfers: number;
  releases: number;
  /** Expected refusals, by reason (returned as Refusals whose code is the key, never thrown). */
  refused: {
    /** alloc(): the virtual space is full. */
    allocNoSpace: number;
    /** cacheAdd(): the entry is already in the swap cache (EEXIST). */
    cacheExists: number;
    /** transfer(): the backend was not the expected one any more. */
    transferStale: number;
  };
  /** Descriptor clusters in memory. */
  descriptorClusters: number;
  /** Clusters whose entries belong to more than one memcg (named through the cluster's palette). */
  multiMemcgClusters: number;
  /** Clusters that met more than 8 memcgs and so carry a per-entry memcg table (+2 B/entry). */
  mixedMemcgClusters: number;
  reverseMapTables: number;
  /** Allocator segments in memory. */
  segments: number;
}

/** Bytes held in typed arrays (the JS object headers around them are not counted). */
export interface VirtualSwapMemory {
  /** Per-entry descriptor tables (backend payload, flags, per-entry memcg where needed). */
  descriptorBytes: number;
  /** Reverse-map tables ((device, slot) -> entry). */
  reverseMapBytes: number;
  /** The slot allocators' metadata (one byte per virtual slot of each live segment, plus clusters). */
  allocatorBytes: number;
  /** Per-cluster and per-memcg side arrays. */
  sideBytes: number;
  total: number;
}

/**
 * A cluster size option (`what`) checked at virtualSwap.create: a power of two from 64
 * to `max`, so a table finds an entry's cluster and offset with one shift and one mask.
 */
export function checkClusterSize(what: string, clusterSize: number, max: number): number {
  if (!isPowerOfTwoInRange(clusterSize, 64, max)) {
    invalidArgument(
      'virtualSwap.create',
      `${what} must be a power of two from 64 to ${max}, got ${showValue(clusterSize)}`,
    );
  }
  return clusterSize;
}
