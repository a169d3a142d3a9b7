/**
 * Validation of the page size shared by every codec.
 *
 * Why: zsmalloc's size classes step by PAGE_SIZE >> 8 and zswap stores raw pages with
 * `length = PAGE_SIZE`; both assume a power-of-two page. The zswap pool keeps the
 * compressed length minus one in 16 bits, hence the 64 KiB cap.
 */

import { CompressError } from './compressError.js';
import { DEFAULT_PAGE_SIZE } from './types.js';

export function checkPageSize(where: string, pageSize: number | undefined): number {
  const p = pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(p) || p < 256 || p > 65536 || (p & (p - 1)) !== 0) {
    throw new CompressError(
      'INVALID_ARGUMENT',
      `${where}: page size ${p} is not a power of two in [256, 65536]`,
    );
  }
  return p;
}

/** Throws unless `buf` is exactly one page. */
export function checkPage(where: string, buf: Uint8Array, pageSize: number): void {
  if (buf.byteLength !== pageSize) {
    throw new CompressError(
      'INVALID_ARGUMENT',
      `${where}: buffer of ${buf.byteLength} bytes, expected a page of ${pageSize}`,
    );
  }
}

/** A Buffer view of `u8` without copying (the bindings want Buffers). */
export function asBuffer(u8: Uint8Array): Buffer {
  return Buffer.isBuffer(u8) ? u8 : Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}
