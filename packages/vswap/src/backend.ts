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
 *
 * The exported encoders and decoders check their argument (INVALID_ARGUMENT naming it);
 * vswap's own code, which only ever holds valid words, uses the unchecked tagOf(),
 * deviceOf() and slotOf().
 */

import { isIntInRange, showValue } from '@tierswap/base';
import type { BackendWord, DeviceId, FolioHandle, PhysSlot, ZswapHandle } from './types.js';
import { MAX_DEVICES, MAX_PHYS_SLOTS } from './types.js';
import { invalidArgument } from './vswapError.js';

export const BackendTag = Object.freeze({ NONE: 0, ZERO: 1, ZSWAP: 2, PHYS: 3, FOLIO: 4 } as const);
export type BackendTag = (typeof BackendTag)[keyof typeof BackendTag];

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

function checkU32(where: string, what: string, n: unknown): void {
  if (!isIntInRange(n, 0, U32_MAX)) {
    invalidArgument(
      `backend.${where}`,
      `${what} must be an integer from 0 to 2^32-1, got ${showValue(n)}`,
    );
  }
}

/** The word, checked: a decoder handed anything else throws instead of answering nonsense. */
function checkWord(where: string, word: unknown): void {
  if (!isValidBackend(word)) {
    invalidArgument(`backend.${where}`, `${showValue(word)} is not a backend word`);
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
  if (!isIntInRange(device, 0, MAX_DEVICES - 1)) {
    invalidArgument(
      'backend.physBackend',
      `device must be an integer from 0 to ${MAX_DEVICES - 1}, got ${showValue(device)}`,
    );
  }
  if (!isIntInRange(slot, 0, MAX_PHYS_SLOTS - 1)) {
    invalidArgument(
      'backend.physBackend',
      `slot of device ${device} must be an integer from 0 to 2^27-1, got ${showValue(slot)}`,
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

/** True for a word that the helpers above could have produced (never throws). */
export function isValidBackend(word: unknown): word is BackendWord {
  if (typeof word !== 'number' || !Number.isInteger(word) || word < 0) return false;
  const tag = Math.floor(word / TAG_UNIT);
  if (tag > BackendTag.FOLIO) return false;
  if (tag === BackendTag.NONE || tag === BackendTag.ZERO) return word % TAG_UNIT === 0;
  return true;
}

// ---------------------------------------------------------------- decode / access

/** The tag of a word vswap holds (unchecked: internal). */
export function tagOf(word: BackendWord): BackendTag {
  return Math.floor(word / TAG_UNIT) as BackendTag;
}
/** The device of a PHYS word vswap holds (unchecked: internal). */
export function deviceOf(word: BackendWord): DeviceId {
  return ((word >>> 0) >>> PHYS_DEVICE_SHIFT) as DeviceId;
}
/** The slot of a PHYS word vswap holds (unchecked: internal). */
export function slotOf(word: BackendWord): PhysSlot {
  return ((word >>> 0) & PHYS_SLOT_MASK) as PhysSlot;
}

export function backendTag(word: BackendWord): BackendTag {
  checkWord('backendTag', word);
  return tagOf(word);
}

/** The 32-bit payload: a zswap or folio handle, the packed (device, slot), or 0. */
export function backendPayload(word: BackendWord): number {
  checkWord('backendPayload', word);
  return word >>> 0;
}

function checkPhys(where: string, word: BackendWord): void {
  if (!isValidBackend(word) || tagOf(word) !== BackendTag.PHYS) {
    invalidArgument(`backend.${where}`, `${formatBackend(word)} is not a PHYS backend word`);
  }
}

/** The device of a PHYS word. */
export function physDevice(word: BackendWord): DeviceId {
  checkPhys('physDevice', word);
  return deviceOf(word);
}

/** The slot of a PHYS word. */
export function physSlot(word: BackendWord): PhysSlot {
  checkPhys('physSlot', word);
  return slotOf(word);
}

/** The word as a tagged object (allocates; for code that prefers a value to bit helpers). */
export function decodeBackend(word: BackendWord): Backend {
  switch (backendTag(word)) {
    case BackendTag.NONE:
      return { kind: 'none' };
    case BackendTag.ZERO:
      return { kind: 'zero' };
    case BackendTag.ZSWAP:
      return { kind: 'zswap', handle: (word >>> 0) as ZswapHandle };
    case BackendTag.PHYS:
      return { kind: 'phys', device: deviceOf(word), slot: slotOf(word) };
    case BackendTag.FOLIO:
      return { kind: 'folio', folio: (word >>> 0) as FolioHandle };
  }
}

/** The inverse of decodeBackend(). */
export function encodeBackend(backend: Backend): BackendWord {
  if (typeof backend !== 'object' || backend === null) {
    invalidArgument('backend.encodeBackend', `${showValue(backend)} is not a Backend object`);
  }
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
    default:
      return invalidArgument(
        'backend.encodeBackend',
        `kind must be 'none', 'zero', 'zswap', 'phys' or 'folio', got ${showValue((backend as { kind: unknown }).kind)}`,
      );
  }
}

/** `NONE`, `ZERO`, `ZSWAP(7)`, `PHYS(2, 1234)`, `FOLIO(9)`: for messages and logs. */
export function formatBackend(word: BackendWord): string {
  if (!isValidBackend(word)) return `INVALID(${showValue(word)})`;
  switch (tagOf(word)) {
    case BackendTag.NONE:
      return 'NONE';
    case BackendTag.ZERO:
      return 'ZERO';
    case BackendTag.ZSWAP:
      return `ZSWAP(${word >>> 0})`;
    case BackendTag.PHYS:
      return `PHYS(${deviceOf(word)}, ${slotOf(word)})`;
    case BackendTag.FOLIO:
      return `FOLIO(${word >>> 0})`;
  }
}
