/**
 * Zero-page and same-filled-page detection, word-wise.
 *
 * Why: the swap layer keeps zero pages out of every backend (the kernel's zeromap, now a
 * zero flag in the swap table) and zram stores same-element pages as a value. Both need
 * a check that is far cheaper than compression: this one compares 32-bit words through
 * a Uint32Array view (1024 compares for 4 KiB, early exit on the first difference) and
 * never loops per byte, except for the unaligned tail of a view that is not 4-byte
 * aligned. The kernel compares `unsigned long`; JS has no cheap 64-bit lane (BigInt
 * arrays box), so the fill word here is 32 bits: a page with a repeating 8-byte pattern
 * whose halves differ is not reported as same-filled. Arguments are checked like every
 * entry point's (codecChecks.ts): anything but a Uint8Array is INVALID_ARGUMENT.
 */

import { isIntInRange, showValue } from '@tierswap/base';
import { checkBytes } from './codecChecks.js';
import { CompressError } from './compressError.js';

/**
 * The 32-bit fill word (as an unsigned number) when every 4-byte word of `page` is the
 * same, or -1 otherwise. The word is read in platform (little-endian) order. A page whose
 * length is not a multiple of 4 is never same-filled.
 */
export function sameFilledWord(page: Uint8Array): number {
  checkBytes('samePage.sameFilledWord', 'page', page);
  const len = page.byteLength;
  if (len === 0 || (len & 3) !== 0) return -1;
  if ((page.byteOffset & 3) !== 0) return sameFilledWordUnaligned(page);
  const words = new Uint32Array(page.buffer, page.byteOffset, len >>> 2);
  const first = words[0]!;
  const n = words.length;
  // Unrolled by 4; n is a multiple of 1 only, so finish the remainder afterwards.
  let i = 1;
  const end4 = n - 3;
  for (; i < end4; i += 4) {
    if (
      (words[i]! ^ first) |
      (words[i + 1]! ^ first) |
      (words[i + 2]! ^ first) |
      (words[i + 3]! ^ first)
    ) {
      return -1;
    }
  }
  for (; i < n; i++) if (words[i] !== first) return -1;
  return first;
}

/** True when every byte of `page` is zero. */
export function isZeroPage(page: Uint8Array): boolean {
  checkBytes('samePage.isZeroPage', 'page', page);
  return sameFilledWord(page) === 0;
}

/**
 * Fill `page` with a 32-bit word (the inverse of sameFilledWord, for zram-style loads).
 * The page's length must be a multiple of 4 and the word an integer in [0, 2^32).
 */
export function fillWithWord(page: Uint8Array, word: number): void {
  const where = 'samePage.fillWithWord';
  checkBytes(where, 'page', page);
  if ((page.byteLength & 3) !== 0) {
    throw new CompressError(
      'INVALID_ARGUMENT',
      where,
      `page of ${page.byteLength} bytes is not a whole number of 32-bit words`,
    );
  }
  if (!isIntInRange(word, 0, 0xffffffff)) {
    throw new CompressError(
      'INVALID_ARGUMENT',
      where,
      `word ${showValue(word)} is not an integer in [0, 2^32)`,
    );
  }
  if ((page.byteOffset & 3) === 0 && (page.byteLength & 3) === 0) {
    new Uint32Array(page.buffer, page.byteOffset, page.byteLength >>> 2).fill(word);
    return;
  }
  const dv = new DataView(page.buffer, page.byteOffset, page.byteLength);
  for (let i = 0; i < page.byteLength; i += 4) dv.setUint32(i, word, true);
}

// A view that is not 4-byte aligned cannot carry a Uint32Array; DataView reads are still
// word-wise, just slower. Pages in the arena and from callers are normally aligned.
function sameFilledWordUnaligned(page: Uint8Array): number {
  const dv = new DataView(page.buffer, page.byteOffset, page.byteLength);
  const first = dv.getUint32(0, true);
  for (let i = 4; i < page.byteLength; i += 4) {
    if (dv.getUint32(i, true) !== first) return -1;
  }
  return first;
}
