/**
 * Backend encoding: what currently holds a virtual entry's data, packed into one number.
 *
 * Grouped as "encode / is / decode" like the kernel's mm/swap_table.h, which packs NULL /
 * PFN / shadow / pointer states of a swap-table slot into one atomic_long. The vswap
 * table edition ("[RFC PATCH v2 0/7] mm, swap: Virtual Swap Space (Swap Table Edition)")
 * tags NONE / PHYS(type:5, offset) / ZSWAP(entry*) the same way; ZERO and FOLIO (a page
 * that is only resident) complete the set of the v3 series (VSWAP_ZERO, VSWAP_FOLIO).
 *
 * Layout of a BackendWord (a JS number, always an exact integer below 2^35):
 *
 *     word = tag * 2^32 + payload            0 <= payload < 2^32
 *
 *     tag  backend  payload
 *     0    NONE     0            no data yet (just allocated), or nothing to keep
 *     1    ZERO     0            a zero-filled page: no I/O, no storage
 *     2    ZSWAP    handle       a compressed copy owned by the zswap layer (u32 handle)
 *     3    PHYS     dev<<27|slot a slot on a swap device: device 0..31 (bits 31..27),
 *                                slot 0..2^27-1 (bits 26..0)
 *     4    FOLIO    handle       only resident: a page the caller keeps in memory (u32 handle)
 *
 * Why not one 32-bit word: a zswap handle or a (device, slot) pair needs all 32 bits, and
 * JS bitwise operators stop at 32 bits, so the tag lives above bit 31 and is split off
 * arithmetically: tag = floor(word / 2^32), payload = word >>> 0 (ToUint32 is exact modulo
 * 2^32 for integers below 2^53). Inside the descriptor table the two halves are stored
 * apart (3 bits of a flags byte, and a Uint32), so the word only exists at the API.
 *
 * Edge cases: NONE is the word 0, so a zero-initialised table reads as NONE; NONE and ZERO
 * carry no payload and a non-zero payload with them is rejected as a corrupt word.
 */

import type { BackendWord, DeviceId, FolioHandle, PhysSlot, ZswapHandle } from './types.js';
import { MAX_DEVICES, MAX_PHYS_SLOTS } from './types.js';
import { VswapError } from './vswapError.js';

export const BackendTag = { NONE: 0, ZERO: 1, ZSWAP: 2, PHYS: 3, FOLIO: 4 } as const;
export type BackendTag = (typeof BackendTag)[keyof typeof BackendTag];

/** Lower-case names of the tags, indexed by tag (used for stats and messages). */
export const BACKEND_NAMES = ['none', 'zero', 'zswap', 'phys', 'folio'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

const TAG_UNIT = 2 ** 32;
const PHYS_DEVICE_SHIFT = 27;
const PHYS_SLOT_MASK = MAX_PHYS_SLOTS - 1;
const U32_MAX = 0xffffffff;

/** A decoded backend, for callers that prefer a value to bit helpers (allocates). */
export type Backend =
  | { readonly kind: 'none' }
  | { readonly kind: 'zero' }
  | { readonly kind: 'zswap'; readonly handle: ZswapHandle }
  | { readonly kind: 'phys'; readonly device: DeviceId; readonly slot: PhysSlot }
  | { readonly kind: 'folio'; readonly folio: FolioHandle };

// ---------------------------------------------------------------- encode

export const NONE_BACKEND = 0 as BackendWord;
export const ZERO_BACKEND = (BackendTag.ZERO * TAG_UNIT) as BackendWord;

function checkU32(where: string, what: string, n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > U32_MAX) {
    throw new VswapError('BAD_BACKEND', `backend.${where}`, `${what} ${n} is not a u32`);
  }
}

export function zswapBackend(handle: ZswapHandle): BackendWord {
  checkU32('zswapBackend', 'zswap handle', handle);
  return (BackendTag.ZSWAP * TAG_UNIT + handle) as BackendWord;
}

export function folioBackend(folio: FolioHandle): BackendWord {
  checkU32('folioBackend', 'folio handle', folio);
  return (BackendTag.FOLIO * TAG_UNIT + folio) as BackendWord;
}

export function physBackend(device: DeviceId, slot: PhysSlot): BackendWord {
  if (!Number.isInteger(device) || device < 0 || device >= MAX_DEVICES) {
    throw new VswapError(
      'BAD_BACKEND',
      'backend.physBackend',
      `device ${device} is outside 0..${MAX_DEVICES - 1}`,
    );
  }
  if (!Number.isInteger(slot) || slot < 0 || slot >= MAX_PHYS_SLOTS) {
    throw new VswapError(
      'BAD_BACKEND',
      'backend.physBackend',
      `slot ${slot} of device ${device} is outside 0..${MAX_PHYS_SLOTS - 1}`,
    );
  }
  // `>>> 0`: device 16..31 sets bit 31, which `<<` alone would turn negative.
  return (BackendTag.PHYS * TAG_UNIT +
    (((device << PHYS_DEVICE_SHIFT) | slot) >>> 0)) as BackendWord;
}

/** Builds a word from the two halves stored in a descriptor (no validation: hot path). */
export function packBackend(tag: number, payload: number): BackendWord {
  return (tag * TAG_UNIT + payload) as BackendWord;
}

// ---------------------------------------------------------------- is

/** True for a word that the helpers above could have produced. */
export function isValidBackend(word: number): word is BackendWord {
  if (!Number.isInteger(word) || word < 0) return false;
  const tag = Math.floor(word / TAG_UNIT);
  if (tag > BackendTag.FOLIO) return false;
  if (tag === BackendTag.NONE || tag === BackendTag.ZERO) return word % TAG_UNIT === 0;
  return true;
}

export function isNone(word: BackendWord): boolean {
  return word === NONE_BACKEND;
}
export function isZero(word: BackendWord): boolean {
  return word === ZERO_BACKEND;
}
export function isZswap(word: BackendWord): boolean {
  return backendTag(word) === BackendTag.ZSWAP;
}
export function isPhys(word: BackendWord): boolean {
  return backendTag(word) === BackendTag.PHYS;
}
export function isFolio(word: BackendWord): boolean {
  return backendTag(word) === BackendTag.FOLIO;
}

// ---------------------------------------------------------------- decode / access

export function backendTag(word: BackendWord): BackendTag {
  return Math.floor(word / TAG_UNIT) as BackendTag;
}

export function backendPayload(word: BackendWord): number {
  return word >>> 0;
}

/** The device of a PHYS word (meaningless for other tags: check isPhys first). */
export function physDevice(word: BackendWord): DeviceId {
  return ((word >>> 0) >>> PHYS_DEVICE_SHIFT) as DeviceId;
}

/** The slot of a PHYS word (meaningless for other tags: check isPhys first). */
export function physSlot(word: BackendWord): PhysSlot {
  return ((word >>> 0) & PHYS_SLOT_MASK) as PhysSlot;
}

export function zswapHandleOf(word: BackendWord): ZswapHandle {
  return (word >>> 0) as ZswapHandle;
}

export function folioHandleOf(word: BackendWord): FolioHandle {
  return (word >>> 0) as FolioHandle;
}

export function backendName(word: BackendWord): BackendName {
  return BACKEND_NAMES[backendTag(word)] ?? 'none';
}

export function decodeBackend(word: BackendWord): Backend {
  switch (backendTag(word)) {
    case BackendTag.NONE:
      return { kind: 'none' };
    case BackendTag.ZERO:
      return { kind: 'zero' };
    case BackendTag.ZSWAP:
      return { kind: 'zswap', handle: zswapHandleOf(word) };
    case BackendTag.PHYS:
      return { kind: 'phys', device: physDevice(word), slot: physSlot(word) };
    case BackendTag.FOLIO:
      return { kind: 'folio', folio: folioHandleOf(word) };
  }
}

export function encodeBackend(backend: Backend): BackendWord {
  switch (backend.kind) {
    case 'none':
      return NONE_BACKEND;
    case 'zero':
      return ZERO_BACKEND;
    case 'zswap':
      return zswapBackend(backend.handle);
    case 'phys':
      return physBackend(backend.device, backend.slot);
    case 'folio':
      return folioBackend(backend.folio);
  }
}

/** `NONE`, `ZERO`, `ZSWAP(7)`, `PHYS(2, 1234)`, `FOLIO(9)`: for messages and logs. */
export function formatBackend(word: BackendWord): string {
  if (!isValidBackend(word)) return `INVALID(${word})`;
  switch (backendTag(word)) {
    case BackendTag.NONE:
      return 'NONE';
    case BackendTag.ZERO:
      return 'ZERO';
    case BackendTag.ZSWAP:
      return `ZSWAP(${zswapHandleOf(word)})`;
    case BackendTag.PHYS:
      return `PHYS(${physDevice(word)}, ${physSlot(word)})`;
    case BackendTag.FOLIO:
      return `FOLIO(${folioHandleOf(word)})`;
  }
}
