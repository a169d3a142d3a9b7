/**
 * PageCodec: what the three synchronous codecs (lz4, zstd, none) share, the two decode
 * entry points. `decompress` and `decodeInto` test their arguments here, in one boolean
 * expression each, and hand well-formed ones to the codec's `decodePage`; only a failed
 * test builds a message (naming `<name>Codec.<method>`, as each codec's own checks did),
 * so a refused call throws before anything is read or written.
 *
 * Why a base class and not a helper function: each codec's two decode methods were the
 * same check followed by one call into that codec, so the whole method is the shared
 * part. The hook is `protected` (not `#private`) because a subclass implements it.
 * `compress` stays in each codec: its check is one line around the shared badPage, and
 * there the per-page compress call stays one direct call. The decode paths measured the
 * same before and after the move (bench/codec.bench.ts, ratios to the CLIs).
 */

import { badDecodeArgs, badPage, checkBytes, isDecodeArgs } from './codecChecks.js';
import type { BindingInfo, Codec, CodecName, DecodeResult } from './types.js';

export abstract class PageCodec implements Codec {
  abstract readonly name: CodecName;
  abstract readonly level: number;
  abstract readonly pageSize: number;
  abstract readonly binding: BindingInfo;

  abstract compress(page: Uint8Array): Uint8Array;

  decompress(src: Uint8Array, dst: Uint8Array): DecodeResult {
    const P = this.pageSize;
    if (!(src instanceof Uint8Array && dst instanceof Uint8Array && dst.length === P)) {
      const where = `${this.name}Codec.decompress`;
      checkBytes(where, 'src', src);
      throw badPage(where, 'dst', dst, P);
    }
    return this.decodePage(src, 0, src.length, dst, 0, false);
  }

  decodeInto(
    src: Uint8Array,
    srcStart: number,
    srcEnd: number,
    dst: Uint8Array,
    dstStart: number,
  ): DecodeResult {
    const P = this.pageSize;
    if (!isDecodeArgs(src, srcStart, srcEnd, dst, dstStart, P)) {
      throw badDecodeArgs(`${this.name}Codec.decodeInto`, src, srcStart, srcEnd, dst, dstStart, P);
    }
    return this.decodePage(src, srcStart, srcEnd, dst, dstStart, true);
  }

  /**
   * Decodes `src[srcStart, srcEnd)` into `dst[dstStart, dstStart + pageSize)`, both
   * checked to be ranges of Uint8Arrays. `inPlace`: called from decodeInto (the source
   * may be a range of an arena), not decompress.
   */
  protected abstract decodePage(
    src: Uint8Array,
    srcStart: number,
    srcEnd: number,
    dst: Uint8Array,
    dstStart: number,
    inPlace: boolean,
  ): DecodeResult;
}
