/**
 * The `none` codec: pages are stored as they are.
 *
 * Why it exists: it is the baseline for benchmarks (pool bookkeeping with no codec
 * cost) and the shape of zswap's raw path, where an incompressible page is kept with
 * `length = PAGE_SIZE` and loads skip decompression.
 */

import { type Refusal, refuse } from '@tierswap/base';
import { checkPage, checkPageSize, isBlockRange } from './codecChecks.js';
import type { BindingInfo, Codec, CodecOptions, DecodeResult } from './types.js';

export class NoneCodec implements Codec {
  readonly name = 'none' as const;
  readonly level = 0;
  readonly pageSize: number;
  readonly binding: BindingInfo = { name: 'builtin', version: '0' };
  readonly #corrupt: Refusal<'decompress_fail'>;

  constructor(options: CodecOptions = {}) {
    this.pageSize = checkPageSize('noneCodec.constructor', options.pageSize);
    this.#corrupt = refuse(
      'EIO',
      `noneCodec: the input is not a ${this.pageSize}-byte page`,
      'decompress_fail',
    );
  }

  /** Returns `page` itself: the caller copies it into its own storage. */
  compress(page: Uint8Array): Uint8Array {
    checkPage('noneCodec.compress', page, this.pageSize);
    return page;
  }

  decompress(src: Uint8Array, dst: Uint8Array): DecodeResult {
    checkPage('noneCodec.decompress', dst, this.pageSize);
    return this.decodeInto(src, 0, src.length, dst, 0);
  }

  decodeInto(
    src: Uint8Array,
    srcStart: number,
    srcEnd: number,
    dst: Uint8Array,
    dstStart: number,
  ): DecodeResult {
    const P = this.pageSize;
    if (
      srcEnd - srcStart !== P ||
      !isBlockRange(src, srcStart, srcEnd, dst, dstStart, dstStart + P)
    ) {
      return this.#corrupt;
    }
    dst.set(src.subarray(srcStart, srcEnd), dstStart);
    return true;
  }
}
