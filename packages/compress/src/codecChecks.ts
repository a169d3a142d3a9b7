/**
 * What every entry point of the package checks, and how it says so: options, page
 * sizes, levels, pages and ranges. A bad argument is CompressError('INVALID_ARGUMENT')
 * naming the argument and its value, thrown before anything is read or written, so a
 * refused call changes nothing.
 *
 * Why the page size rules: zsmalloc's size classes step by PAGE_SIZE >> 8 and zswap
 * stores raw pages with `length = PAGE_SIZE`; both assume a power-of-two page. A pool
 * keeps a compressed length in 16 bits, hence the 64 KiB cap.
 *
 * Why the hot paths split their checks: `compress` and `decodeInto` run once per page,
 * so they test everything in one boolean expression and only build a message (here,
 * `badPage`, `badDecodeArgs`) when it fails.
 */

import { isIntInRange, isPowerOfTwoInRange, showValue } from '@tierswap/base';
import { CompressError } from './compressError.js';
import { DEFAULT_PAGE_SIZE } from './types.js';

function invalid(where: string, detail: string): CompressError {
  return new CompressError('INVALID_ARGUMENT', where, detail);
}

/** The options object (undefined means none); anything but a plain object is refused. */
export function checkOptions<T extends object>(where: string, options: T | undefined): T {
  if (options === undefined) return {} as T;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalid(where, `options must be an object, got ${showValue(options)}`);
  }
  return options;
}

/** Throws unless option `key` is absent: it does not apply to this codec. */
export function checkAbsent(where: string, options: object, key: string, why: string): void {
  const v = (options as Record<string, unknown>)[key];
  if (v !== undefined) throw invalid(where, `${key} ${showValue(v)} given, but ${why}`);
}

export function checkPageSize(where: string, pageSize: unknown): number {
  const p = pageSize ?? DEFAULT_PAGE_SIZE;
  if (!isPowerOfTwoInRange(p, 256, 65536)) {
    throw invalid(where, `pageSize ${showValue(p)} is not a power of two in [256, 65536]`);
  }
  return p;
}

/** zstd levels accepted by both libraries. */
export const ZSTD_MIN_LEVEL = 1;
export const ZSTD_MAX_LEVEL = 19;

export function checkLevel(where: string, level: unknown, fallback: number): number {
  const l = level ?? fallback;
  if (!isIntInRange(l, ZSTD_MIN_LEVEL, ZSTD_MAX_LEVEL)) {
    throw invalid(
      where,
      `level ${showValue(l)} is not an integer in ${ZSTD_MIN_LEVEL}..${ZSTD_MAX_LEVEL}`,
    );
  }
  return l;
}

/** An option's value, its default (the first), or INVALID_ARGUMENT naming it. */
export function pick<T extends string>(
  where: string,
  option: string,
  allowed: readonly T[],
  value: unknown,
): T {
  if (value === undefined) return allowed[0]!;
  if (!(allowed as readonly unknown[]).includes(value)) {
    throw invalid(where, `${option} ${showValue(value)} is not one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** Throws unless `buf` is a Uint8Array (a Buffer is one). */
export function checkBytes(where: string, name: string, buf: unknown): asserts buf is Uint8Array {
  if (!(buf instanceof Uint8Array)) {
    throw invalid(where, `${name} must be a Uint8Array, got ${showValue(buf)}`);
  }
}

/** Throws unless `buf` is a Uint8Array of exactly one page. */
export function checkPage(
  where: string,
  name: string,
  buf: unknown,
  pageSize: number,
): asserts buf is Uint8Array {
  if (!(buf instanceof Uint8Array && buf.length === pageSize))
    throw badPage(where, name, buf, pageSize);
}

/** The error for a value that is not a page (the hot paths test first, then call this). */
export function badPage(
  where: string,
  name: string,
  buf: unknown,
  pageSize: number,
): CompressError {
  return invalid(
    where,
    `${name} must be a Uint8Array of one ${pageSize}-byte page, got ${showValue(buf)}`,
  );
}

/** Throws unless `list` is an array; `what` names it. */
export function checkArray(where: string, name: string, list: unknown): asserts list is unknown[] {
  if (!Array.isArray(list))
    throw invalid(where, `${name} must be an array, got ${showValue(list)}`);
}

/**
 * Whether `decodeInto`'s arguments are well formed: two Uint8Arrays, `src[srcStart,
 * srcEnd)` a range of src (possibly empty) and `dst[dstStart, dstStart + pageSize)` a
 * range of dst, in integers.
 */
export function isDecodeArgs(
  src: unknown,
  srcStart: unknown,
  srcEnd: unknown,
  dst: unknown,
  dstStart: unknown,
  pageSize: number,
): boolean {
  return (
    src instanceof Uint8Array &&
    dst instanceof Uint8Array &&
    Number.isInteger(srcStart) &&
    Number.isInteger(srcEnd) &&
    Number.isInteger(dstStart) &&
    (srcStart as number) >= 0 &&
    (srcStart as number) <= (srcEnd as number) &&
    (srcEnd as number) <= src.length &&
    (dstStart as number) >= 0 &&
    (dstStart as number) + pageSize <= dst.length
  );
}

/** The error naming what is wrong with `decodeInto`'s arguments (isDecodeArgs was false). */
export function badDecodeArgs(
  where: string,
  src: unknown,
  srcStart: unknown,
  srcEnd: unknown,
  dst: unknown,
  dstStart: unknown,
  pageSize: number,
): CompressError {
  if (!(src instanceof Uint8Array))
    return invalid(where, `src must be a Uint8Array, got ${showValue(src)}`);
  if (!(dst instanceof Uint8Array))
    return invalid(where, `dst must be a Uint8Array, got ${showValue(dst)}`);
  for (const [name, v] of [
    ['srcStart', srcStart],
    ['srcEnd', srcEnd],
    ['dstStart', dstStart],
  ] as const) {
    if (!Number.isInteger(v)) return invalid(where, `${name} ${showValue(v)} is not an integer`);
  }
  if (
    !(
      (srcStart as number) >= 0 &&
      (srcStart as number) <= (srcEnd as number) &&
      (srcEnd as number) <= src.length
    )
  ) {
    return invalid(
      where,
      `source range [${showValue(srcStart)}, ${showValue(srcEnd)}) is not inside src of ${src.length} bytes`,
    );
  }
  return invalid(
    where,
    `destination page [${showValue(dstStart)}, +${pageSize}) is not inside dst of ${dst.length} bytes`,
  );
}

/**
 * Whether `src[srcStart, srcEnd)` is a non-empty range of src and `dst[dstStart, dstEnd)`
 * a range of dst, in integers below 2^31: what the addons' callers check before every
 * call (the Int32Array the addons read their arguments from would truncate fractions
 * and wrap large numbers, even inside an array of more than 2 GiB), whatever the C side
 * checks again.
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
    srcEnd <= INT32_MAX &&
    dstStart >= 0 &&
    dstStart <= dstEnd &&
    dstEnd <= dst.length &&
    dstEnd <= INT32_MAX
  );
}

/** The largest offset the addons' Int32Array carries without wrapping. */
const INT32_MAX = 0x7fffffff;
