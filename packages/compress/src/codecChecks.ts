/**
 * What every codec checks and reports the same way: the page size, the level, pages,
 * ranges and option values.
 *
 * Why the page size rules: zsmalloc's size classes step by PAGE_SIZE >> 8 and zswap
 * stores raw pages with `length = PAGE_SIZE`; both assume a power-of-two page. A pool
 * keeps a compressed length in 16 bits, hence the 64 KiB cap.
 */

import { CompressError } from './compressError.js';
import { DEFAULT_PAGE_SIZE } from './types.js';

export function checkPageSize(where: string, pageSize: number | undefined): number {
  const p = pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(p) || p < 256 || p > 65536 || (p & (p - 1)) !== 0) {
    throw new CompressError(
      'INVALID_ARGUMENT',
      where,
      `page size ${p} is not a power of two in [256, 65536]`,
    );
  }
  return p;
}

/** zstd levels accepted by both libraries. */
export const ZSTD_MIN_LEVEL = 1;
export const ZSTD_MAX_LEVEL = 19;

export function checkLevel(where: string, level: number | undefined, fallback: number): number {
  const l = level ?? fallback;
  if (!Number.isInteger(l) || l < ZSTD_MIN_LEVEL || l > ZSTD_MAX_LEVEL) {
    throw new CompressError(
      'INVALID_ARGUMENT',
      where,
      `level ${l} not in ${ZSTD_MIN_LEVEL}..${ZSTD_MAX_LEVEL}`,
    );
  }
  return l;
}

/** Throws unless `buf` is exactly one page. */
export function checkPage(where: string, buf: Uint8Array, pageSize: number): void {
  if (buf.byteLength !== pageSize) {
    throw new CompressError(
      'INVALID_ARGUMENT',
      where,
      `buffer of ${buf.byteLength} bytes, expected a page of ${pageSize}`,
    );
  }
}

/** An option's value, its default (the first), or INVALID_ARGUMENT naming it. */
export function pick<T extends string>(
  where: string,
  option: string,
  allowed: readonly T[],
  value: T | undefined,
): T {
  if (value === undefined) return allowed[0]!;
  if (!allowed.includes(value)) {
    throw new CompressError(
      'INVALID_ARGUMENT',
      where,
      `${option} "${String(value)}" is not one of ${allowed.join(', ')}`,
    );
  }
  return value;
}

/**
 * Whether `src[srcStart, srcEnd)` is a non-empty range of src and `dst[dstStart, dstEnd)`
 * a range of dst, in integers: what every decoder checks before it touches a buffer.
 * The Int32Array the addons read their arguments from would truncate fractions and
 * wrap large numbers, so this must hold before a call, whatever the C side checks again.
 */
export function isBlockRange(
  src: Uint8Array,
  srcStart: number,
  srcEnd: number,
  dst: Uint8Array,
  dstStart: number,
  dstEnd: number,
): boolean {
  return (
    Number.isInteger(srcStart) &&
    Number.isInteger(srcEnd) &&
    Number.isInteger(dstStart) &&
    Number.isInteger(dstEnd) &&
    srcStart >= 0 &&
    srcStart < srcEnd &&
    srcEnd <= src.length &&
    dstStart >= 0 &&
    dstStart <= dstEnd &&
    dstEnd <= dst.length
  );
}
