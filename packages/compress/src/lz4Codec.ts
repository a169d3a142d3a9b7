/**
 * The `lz4` codec. Stored format: one raw LZ4 block per page, as the kernel's zswap and
 * zram store it (the page size is known, so no header). Both libraries write and read
 * it, so a page stored through one loads through the other.
 *
 * Two libraries, one chosen per codec (`lz4Library`):
 * - 'liblz4' (default): the system's C liblz4 (the library of the `lz4` CLI) through
 *   this package's addon (native/lz4Native.c), on the caller's memory: fast mode,
 *   acceleration 1 (`lz4 -1`), into one reusable scratch buffer; decoding straight from
 *   the arena. About the CLI's own speed (~0.1 us per call on top).
 * - 'lz4-napi': the npm package's prebuilt binary (lz4_flex), for machines without a C
 *   compiler or liblz4. Its own format puts a u32 LE size in front of the block: that is
 *   dropped from its output and put back in front of a copy for its decoder. It
 *   allocates a Buffer per call, so it reaches ~0.4-0.7x the CLI.
 * Kernel analogue: zswap's per-CPU acomp context with a preallocated destination.
 */

import { type Refusal, refuse } from '@tierswap/base';
import {
  badPage,
  checkAbsent,
  checkOptions,
  checkPageSize,
  isBlockRange,
  pick,
} from './codecChecks.js';
import { CompressError } from './compressError.js';
import { type Lz4Binding, loadLz4Napi } from './loadBinding.js';
import { addonDecode, addonEncode, type LoadedAddon, loadAddon } from './nativeAddon.js';
import { PageCodec } from './pageCodec.js';
import type { BindingInfo, CodecOptions, DecodeResult, Lz4Library } from './types.js';

const LIBRARIES: readonly Lz4Library[] = Object.freeze(['liblz4', 'lz4-napi']);

/** Size of the u32 LE page size lz4-napi puts in front of its blocks. */
const NAPI_SIZE_BYTES = 4;

/** The system's liblz4 through the tierswap_lz4 addon. */
export function loadLiblz4(): LoadedAddon {
  return loadAddon({
    file: 'tierswap_lz4',
    library: 'liblz4',
    debianPackage: 'liblz4-1',
    envVar: 'TIERSWAP_LIBLZ4',
    instead:
      "or pick lz4-napi, which needs neither: createCodec('lz4', { lz4Library: 'lz4-napi' })",
  });
}

export class Lz4Codec extends PageCodec {
  readonly name = 'lz4' as const;
  readonly level = 0;
  readonly pageSize: number;
  readonly binding: BindingInfo;
  /** Which library runs. */
  readonly library: Lz4Library;
  /** The addon (liblz4), or undefined with lz4-napi. */
  readonly #addon: LoadedAddon['addon'] | undefined;
  /** lz4-napi, or undefined with liblz4. */
  readonly #napi: Lz4Binding | undefined;
  /** Where liblz4 compresses to: LZ4_compressBound(pageSize) bytes. */
  readonly #scratch: Uint8Array;
  /** What a decoder returns for input that is not a page of this codec. */
  readonly #corrupt: Refusal<'decompress_fail'>;

  constructor(options?: CodecOptions) {
    super();
    const where = 'lz4Codec.constructor';
    const o = checkOptions(where, options);
    this.pageSize = checkPageSize(where, o.pageSize);
    this.library = pick(where, 'lz4Library', LIBRARIES, o.lz4Library);
    checkAbsent(where, o, 'level', 'lz4 has no level');
    const P = this.pageSize;
    if (this.library === 'liblz4') {
      const { addon, info } = loadLiblz4();
      this.#addon = addon;
      this.binding = info;
      // LZ4_compressBound(n) = n + n/255 + 16: the block always fits, however poor.
      this.#scratch = new Uint8Array(P + Math.floor(P / 255) + 16);
    } else {
      const { api, info } = loadLz4Napi();
      this.#napi = api;
      this.binding = info;
      this.#scratch = new Uint8Array(0);
    }
    this.#corrupt = refuse(
      'EIO',
      `lz4Codec: the input is not one LZ4 block of a ${P}-byte page`,
      'decompress_fail',
    );
  }

  override compress(page: Uint8Array): Uint8Array {
    if (!(page instanceof Uint8Array && page.length === this.pageSize)) {
      throw badPage('lz4Codec.compress', 'page', page, this.pageSize);
    }
    if (this.#addon !== undefined) {
      const n = addonEncode(this.#addon, page, this.#scratch, 0);
      if (n <= 0) {
        throw new CompressError(
          'COMPRESS_FAILED',
          'lz4Codec.compress',
          `liblz4 LZ4_compress_fast_extState returned ${n} for ${page.length} bytes`,
        );
      }
      return this.#scratch.subarray(0, n);
    }
    let out: Buffer;
    try {
      out = this.#napi!.compressSync(asBuffer(page));
    } catch (cause) {
      throw new CompressError('COMPRESS_FAILED', 'lz4Codec.compress', String(cause), { cause });
    }
    return out.subarray(NAPI_SIZE_BYTES);
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
    if (this.#addon !== undefined) {
      return addonDecode(this.#addon, src, srcStart, srcEnd, dst, dstStart, P, inPlace) === P
        ? true
        : this.#corrupt;
    }
    // lz4-napi reads only its own format: put the size in front of a copy. It writes
    // into dst only once the whole page decoded.
    if (!isBlockRange(src, srcStart, srcEnd, dst, dstStart, dstStart + P)) return this.#corrupt;
    const sized = Buffer.allocUnsafe(NAPI_SIZE_BYTES + srcEnd - srcStart);
    sized.writeUInt32LE(P, 0);
    sized.set(src.subarray(srcStart, srcEnd), NAPI_SIZE_BYTES);
    let out: Buffer;
    try {
      out = this.#napi!.uncompressSync(sized);
    } catch {
      return this.#corrupt;
    }
    if (out.length !== P) return this.#corrupt;
    dst.set(out, dstStart);
    return true;
  }
}

/** A Buffer view of `u8` without copying (lz4-napi wants a Buffer). */
function asBuffer(u8: Uint8Array): Buffer {
  return Buffer.isBuffer(u8) ? u8 : Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}
