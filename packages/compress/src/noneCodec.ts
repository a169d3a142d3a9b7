/**
 * The `none` codec: pages are stored as they are.
 *
 * Why it exists: it is the baseline for benchmarks (pool bookkeeping with no codec
 * cost) and the shape of zswap's raw path, where an incompressible page is kept with
 * `length = PAGE_SIZE` and loads skip decompression.
 */

import { type Refusal, refuse } from '@tierswap/base';
import { badPage, checkAbsent, checkOptions, checkPageSize } from './codecChecks.js';
import { PageCodec } from './pageCodec.js';
import type { BindingInfo, CodecOptions, DecodeResult } from './types.js';

export class NoneCodec extends PageCodec {
  readonly name = 'none' as const;
  readonly level = 0;
  readonly pageSize: number;
  readonly binding: BindingInfo = { name: 'builtin', version: '0' };
  readonly #corrupt: Refusal<'decompress_fail'>;

  constructor(options?: CodecOptions) {
    super();
    const where = 'noneCodec.constructor';
    const o = checkOptions(where, options);
    this.pageSize = checkPageSize(where, o.pageSize);
    checkAbsent(where, o, 'level', 'none has no level');
    checkAbsent(where, o, 'lz4Library', 'it chooses the library of lz4 only');
    this.#corrupt = refuse(
      'EIO',
      `noneCodec: the input is not a ${this.pageSize}-byte page`,
      'decompress_fail',
    );
  }

  /** Returns `page` itself: the caller copies it into its own storage. */
  override compress(page: Uint8Array): Uint8Array {
    if (!(page instanceof Uint8Array && page.length === this.pageSize)) {
      throw badPage('noneCodec.compress', 'page', page, this.pageSize);
    }
    return page;
  }

  protected override decodePage(
    src: Uint8Array,
    srcStart: number,
    srcEnd: number,
    dst: Uint8Array,
    dstStart: number,
  ): DecodeResult {
    if (srcEnd - srcStart !== this.pageSize) return this.#corrupt;
    dst.set(src.subarray(srcStart, srcEnd), dstStart);
    return true;
  }
}
