/**
 * The `zstd` codec: the system's C libzstd through this package's addon
 * (native/zstdNative.c), synchronous like the kernel's zswap: one reusable compression
 * and one decompression context per Node environment, compressing into a scratch buffer
 * and decoding straight from the arena into the caller's page.
 *
 * A stored page is exactly one standard zstd frame (content size included, no
 * checksum), as libzstd's ZSTD_compressCCtx writes it. The addon refuses anything else:
 * two frames that together make a page, or a skippable frame in front, are not a page.
 */

import { type Refusal, refuse } from '@tierswap/base';
import { badPage, checkAbsent, checkLevel, checkOptions, checkPageSize } from './codecChecks.js';
import { CompressError } from './compressError.js';
import { addonDecode, addonEncode, type LoadedAddon, loadAddon } from './nativeAddon.js';
import { PageCodec } from './pageCodec.js';
import type { BindingInfo, CodecOptions, DecodeResult } from './types.js';

/** The default level, as the zstd CLI's. */
export const ZSTD_DEFAULT_LEVEL = 3;

/** The system's libzstd through the tierswap_zstd addon. */
export function loadLibzstd(): LoadedAddon {
  return loadAddon({
    file: 'tierswap_zstd',
    library: 'libzstd',
    debianPackage: 'libzstd1',
    envVar: 'TIERSWAP_LIBZSTD',
    instead:
      "or pick lz4 instead (createCodec('lz4'), or createCodec('lz4', { lz4Library: 'lz4-napi' }) " +
      'without liblz4 either); @mongodb-js/zstd (createZstdBatchCodec) is Promise-only and cannot serve a pool',
  });
}

export class ZstdCodec extends PageCodec {
  readonly name = 'zstd' as const;
  readonly level: number;
  readonly pageSize: number;
  readonly binding: BindingInfo;
  readonly #addon: LoadedAddon['addon'];
  /** Where compress writes: ZSTD_compressBound(pageSize) bytes. */
  readonly #scratch: Uint8Array;
  /** What a decoder returns for input that is not a page of this codec. */
  readonly #corrupt: Refusal<'decompress_fail'>;

  constructor(options?: CodecOptions) {
    super();
    const where = 'zstdCodec.constructor';
    const o = checkOptions(where, options);
    this.pageSize = checkPageSize(where, o.pageSize);
    this.level = checkLevel(where, o.level, ZSTD_DEFAULT_LEVEL);
    checkAbsent(where, o, 'lz4Library', 'it chooses the library of lz4 only');
    const { addon, info } = loadLibzstd();
    this.#addon = addon;
    this.binding = info;
    // ZSTD_compressBound(n) = n + n/256 + (n < 128 KiB ? (128 KiB - n) / 2048 : 0).
    const P = this.pageSize;
    this.#scratch = new Uint8Array(P + (P >> 8) + (P < 131072 ? (131072 - P) >> 11 : 0));
    this.#corrupt = refuse(
      'EIO',
      `zstdCodec: the input is not exactly one zstd frame of a ${P}-byte page`,
      'decompress_fail',
    );
  }

  /** One frame of `page`, a view of scratch memory valid until the next call. */
  override compress(page: Uint8Array): Uint8Array {
    if (!(page instanceof Uint8Array && page.length === this.pageSize)) {
      throw badPage('zstdCodec.compress', 'page', page, this.pageSize);
    }
    const n = addonEncode(this.#addon, page, this.#scratch, 0, this.level);
    if (n <= 0) {
      throw new CompressError(
        'COMPRESS_FAILED',
        'zstdCodec.compress',
        `libzstd ZSTD_compressCCtx failed on ${page.length} bytes at level ${this.level}`,
      );
    }
    return this.#scratch.subarray(0, n);
  }

  protected override decodePage(
    src: Uint8Array,
    srcStart: number,
    srcEnd: number,
    dst: Uint8Array,
    dstStart: number,
    inPlace: boolean,
  ): DecodeResult {
    const P = this.pageSize;
    return addonDecode(this.#addon, src, srcStart, srcEnd, dst, dstStart, P, inPlace) === P
      ? true
      : this.#corrupt;
  }
}
