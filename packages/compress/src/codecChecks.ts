/**
 * What every codec checks and reports the same way: the page size, page and batch
 * arguments, option values, and the binding it names.
 *
 * Why the page size rules: zsmalloc's size classes step by PAGE_SIZE >> 8 and zswap
 * stores raw pages with `length = PAGE_SIZE`; both assume a power-of-two page. The
 * zswap pool keeps the compressed length minus one in 16 bits, hence the 64 KiB cap.
 */

import { CompressError } from './compressError.js';
import { type BindingInfo, DEFAULT_PAGE_SIZE } from './types.js';

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

/** Throws unless a decompressBatch call has one destination per source. */
export function checkBatch(
  codec: string,
  srcs: readonly Uint8Array[],
  dsts: readonly Uint8Array[],
): void {
  if (srcs.length !== dsts.length) {
    throw new CompressError(
      'INVALID_ARGUMENT',
      `@tierswap/compress/${codec}.decompressBatch: ${srcs.length} sources for ${dsts.length} destinations`,
    );
  }
}

/** An option's value, its default (the first), or INVALID_ARGUMENT naming it. */
export function pick<T extends string>(
  codec: string,
  option: string,
  allowed: readonly T[],
  value: T | undefined,
): T {
  if (value === undefined) return allowed[0]!;
  if (!allowed.includes(value)) {
    throw new CompressError(
      'INVALID_ARGUMENT',
      `@tierswap/compress/${codec}.constructor: ${option} "${String(value)}" is not one of ${allowed.join(', ')}`,
    );
  }
  return value;
}

/** What does a codec's work: one library when both directions share it, else `encoder + decoder`. */
export function bindingOf(encoder: BindingInfo, decoder: BindingInfo): BindingInfo {
  if (encoder === decoder) return encoder;
  return {
    name: `${encoder.name} + ${decoder.name}`,
    version: `${encoder.version} + ${decoder.version}`,
  };
}
