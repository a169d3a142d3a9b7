/**
 * The argument checks every public entry point of @tierswap/tiered-store makes at the
 * package boundary, in one place so that each names the value it refuses the same way
 * and refuses before anything changes. Each check is a type test plus a range test,
 * cheap enough for the page hot paths (a SwapSlot is checked with one `>>>`).
 */

import { isIntInRange, showValue } from '@tierswap/base';
import type { BlockDevice } from './blockDevice.js';
import { TieredStoreError } from './tieredStoreError.js';

export function invalid(where: string, detail: string): TieredStoreError {
  return new TieredStoreError('INVALID_ARGUMENT', where, detail);
}

/** Throws INVALID_ARGUMENT unless `slot` is an unsigned 32-bit integer, the only encoding of a SwapSlot. */
export function checkSwapSlot(slot: unknown, where: string): asserts slot is number {
  // NaN, fractions, negatives, values >= 2^32 all fail `x >>> 0 === x`.
  if (typeof slot !== 'number' || slot >>> 0 !== slot) {
    throw invalid(where, `slot ${showValue(slot)} is not a swap slot (an integer in 0..2^32-1)`);
  }
}

/** Throws INVALID_ARGUMENT unless `page` is a Uint8Array of 1..pageSize bytes. */
export function checkPage(
  page: unknown,
  pageSize: number,
  where: string,
): asserts page is Uint8Array {
  if (!(page instanceof Uint8Array) || page.length < 1 || page.length > pageSize) {
    throw invalid(
      where,
      page instanceof Uint8Array
        ? `a page is 1..${pageSize} bytes, got ${page.length}`
        : `a page must be a Uint8Array, got ${showValue(page)}`,
    );
  }
}

/** Throws INVALID_ARGUMENT unless `out` is a Uint8Array of at least pageSize bytes. */
export function checkOut(out: unknown, pageSize: number, where: string): asserts out is Uint8Array {
  if (!(out instanceof Uint8Array) || out.length < pageSize) {
    throw invalid(
      where,
      out instanceof Uint8Array
        ? `out must hold a page of ${pageSize} bytes, got ${out.length}`
        : `out must be a Uint8Array, got ${showValue(out)}`,
    );
  }
}

/** An options argument: undefined or a plain object (not null, an array or a primitive). */
export function checkOptions(
  options: unknown,
  where: string,
): asserts options is object | undefined {
  if (
    options !== undefined &&
    (typeof options !== 'object' || options === null || Array.isArray(options))
  ) {
    throw invalid(where, `options must be an object, got ${showValue(options)}`);
  }
}

/** Throws INVALID_ARGUMENT unless `device` looks like a BlockDevice with pages of `pageSize` bytes and 1..maxSlots slots. */
export function checkDevice(
  device: unknown,
  pageSize: number,
  maxSlots: number,
  where: string,
): asserts device is BlockDevice {
  const d = device as BlockDevice;
  if (
    typeof device !== 'object' ||
    device === null ||
    typeof d.write !== 'function' ||
    typeof d.read !== 'function' ||
    typeof d.writeBatch !== 'function' ||
    typeof d.discard !== 'function' ||
    typeof d.name !== 'string'
  ) {
    throw invalid(where, `device must be a BlockDevice, got ${showValue(device)}`);
  }
  if (!isIntInRange(d.slots, 1, maxSlots)) {
    throw invalid(where, `${d.name} has ${showValue(d.slots)} slots; must be 1..${maxSlots}`);
  }
  if (d.pageSize !== pageSize) {
    throw invalid(
      where,
      `${d.name} has pages of ${showValue(d.pageSize)} bytes; this swap space's are ${pageSize}`,
    );
  }
}
