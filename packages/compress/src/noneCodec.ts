/**
 * The `none` codec: pages are stored as they are.
 *
 * Why it exists: it is the baseline for benchmarks (pool bookkeeping with no codec
 * cost) and the shape of zswap's raw path, where an incompressible page is kept with
 * `length = PAGE_SIZE` and loads skip decompression.
 */

import { checkBatch, checkPage, checkPageSize } from './codecChecks.js';
import { CompressError } from './compressError.js';
import type { BindingInfo, Codec, CodecOptions } from './types.js';

export class NoneCodec implements Codec {
  readonly name = 'none' as const;
  readonly level = 0;
  readonly sync = true;
  readonly pageSize: number;
  readonly binding: BindingInfo = { name: 'builtin', version: '0' };

  constructor(options: CodecOptions = {}) {
    this.pageSize = checkPageSize('@tierswap/compress/noneCodec.constructor', options.pageSize);
  }

  /** Returns `page` itself: the caller copies it into its own storage. */
  compressSync(page: Uint8Array): Uint8Array {
    checkPage('@tierswap/compress/noneCodec.compressSync', page, this.pageSize);
    return page;
  }

  decompressSync(src: Uint8Array, dst: Uint8Array): void {
    checkPage('@tierswap/compress/noneCodec.decompressSync', dst, this.pageSize);
    if (src.length !== this.pageSize) {
      throw new CompressError(
        'CORRUPT_INPUT',
        `@tierswap/compress/noneCodec.decompressSync: ${src.length} bytes, expected ${this.pageSize}`,
      );
    }
    dst.set(src);
  }

  decompressRange(
    src: Uint8Array,
    srcStart: number,
    srcEnd: number,
    dst: Uint8Array,
    dstStart: number,
  ): boolean {
    if (srcEnd - srcStart !== this.pageSize || dstStart + this.pageSize > dst.length) return false;
    dst.set(src.subarray(srcStart, srcEnd), dstStart);
    return true;
  }

  async compressBatch(pages: readonly Uint8Array[]): Promise<Uint8Array[]> {
    return pages.map((p) => this.compressSync(p).slice());
  }

  async decompressBatch(srcs: readonly Uint8Array[], dsts: readonly Uint8Array[]): Promise<void> {
    checkBatch('noneCodec', srcs, dsts);
    for (let i = 0; i < srcs.length; i++) this.decompressSync(srcs[i]!, dsts[i]!);
  }
}
