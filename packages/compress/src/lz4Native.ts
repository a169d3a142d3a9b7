/**
 * The native lz4 path: the package's own Node-API addon (native/lz4Native.c, built by
 * node-gyp when the package is installed) running the system's C lz4 library on the
 * caller's memory.
 *
 * Why: it is the only path that reaches the 0.8x of the native CLI on loads
 * (bench/lz4Decode.bench.ts): a call costs ~0.1 us over liblz4 itself, where lz4-napi
 * allocates a Buffer per call (~2 us) and the WebAssembly decoder is ~1.6x slower than
 * C. It writes the compressed block straight into a reusable scratch buffer and decodes
 * straight from the arena, so neither direction allocates.
 *
 * Loading follows loadBinding.ts: the addon and the library are opened once, and a
 * missing piece is CompressError('BINDING_LOAD_FAILED') naming it and the fix, raised
 * when a codec that needs it is created, never later.
 */

import { createRequire } from 'node:module';
import { CompressError } from './compressError.js';
import { LZ4_PREFIX_BYTES, readLz4Prefix, writeLz4Prefix } from './lz4Block.js';
import type { BindingInfo } from './types.js';

/** The addon's exports (native/lz4Native.c). */
interface Lz4Addon {
  /** Empty when the library is usable, else why it is not. */
  readonly error: string;
  /** LZ4_versionString() of the library opened. */
  readonly version: string;
  /**
   * The integer arguments of the next call, written before it (the addon reads them
   * from this memory: cheaper than converting JS numbers in every call).
   * decode: [srcStart, srcEnd, dstStart, size]; encode: [_, _, dstStart, _].
   */
  readonly args: Int32Array;
  /**
   * src[srcStart, srcEnd) (one LZ4 block) into dst[dstStart, +size); size or -1, and
   * on -1 dst is untouched (decoded through a scratch page).
   */
  decode(src: Uint8Array, dst: Uint8Array): number;
  /** As decode, in place: on -1 dst[dstStart, +size) may hold partial output. */
  decodeInto(src: Uint8Array, dst: Uint8Array): number;
  /** src into dst[dstStart..]; the block length, or 0 when it does not fit. */
  encode(src: Uint8Array, dst: Uint8Array): number;
}

/**
 * Decode one LZ4 block through the addon: the size, or -1. With `inPlace` false, -1
 * leaves dst untouched (Lz4Addon.decode); with true it saves a page copy and may leave
 * partial output in dst[dstStart, dstStart + size) (Lz4Addon.decodeInto).
 */
export function nativeDecodeBlock(
  addon: Lz4Addon,
  src: Uint8Array,
  srcStart: number,
  srcEnd: number,
  dst: Uint8Array,
  dstStart: number,
  size: number,
  inPlace = false,
): number {
  const args = addon.args;
  args[0] = srcStart;
  args[1] = srcEnd;
  args[2] = dstStart;
  args[3] = size;
  return inPlace ? addon.decodeInto(src, dst) : addon.decode(src, dst);
}

/** Compress `src` into dst[dstStart..] through the addon; the block length or 0. */
export function nativeEncodeBlock(
  addon: Lz4Addon,
  src: Uint8Array,
  dst: Uint8Array,
  dstStart: number,
): number {
  addon.args[2] = dstStart;
  return addon.encode(src, dst);
}

/** Where node-gyp puts the addon, from src/ and from dist/ alike. */
const ADDON_PATH = '../build/Release/tierswap_lz4.node';

let loaded: { addon: Lz4Addon; info: BindingInfo } | undefined;

/**
 * The addon with a usable liblz4, loaded once per process. Throws
 * CompressError('BINDING_LOAD_FAILED') when the addon was not built or the library
 * cannot be opened.
 */
export function loadLz4Native(): { addon: Lz4Addon; info: BindingInfo } {
  if (loaded !== undefined) return loaded;
  let addon: Lz4Addon;
  try {
    addon = createRequire(import.meta.url)(ADDON_PATH) as Lz4Addon;
  } catch (cause) {
    throw new CompressError(
      'BINDING_LOAD_FAILED',
      `@tierswap/compress/lz4Native.load: the tierswap_lz4 addon is not built (${String(cause)}); ` +
        'run `pnpm install` (it runs node-gyp; needs a C compiler) or create the codec with ' +
        "{ lz4Encoder: 'wasm', lz4Decoder: 'wasm' }",
      { cause },
    );
  }
  if (addon.error !== '' || typeof addon.decode !== 'function') {
    throw new CompressError(
      'BINDING_LOAD_FAILED',
      `@tierswap/compress/lz4Native.load: liblz4 is not usable: ${addon.error}; install it ` +
        "(Debian: apt-get install liblz4-1), point TIERSWAP_LIBLZ4 at it, or create the codec with { lz4Encoder: 'wasm', lz4Decoder: 'wasm' }",
    );
  }
  loaded = { addon, info: { name: 'liblz4', version: addon.version } };
  return loaded;
}

/**
 * One page compressor over liblz4 (fast mode, acceleration 1: `lz4 -1`). Its results
 * are views of one scratch buffer, valid until the next call, as Codec.compressSync
 * allows.
 */
export class Lz4NativeEncoder {
  readonly #addon: Lz4Addon;
  readonly #scratch: Uint8Array;

  constructor(pageSize: number) {
    this.#addon = loadLz4Native().addon;
    // LZ4_compressBound(n) = n + n/255 + 16: the block always fits, however poor.
    this.#scratch = new Uint8Array(LZ4_PREFIX_BYTES + pageSize + Math.floor(pageSize / 255) + 16);
  }

  /** `[u32 LE size][LZ4 block]` of `src`; throws when liblz4 reports a failure. */
  compressPrefixed(src: Uint8Array): Uint8Array {
    const out = this.#scratch;
    const blockLen = nativeEncodeBlock(this.#addon, src, out, LZ4_PREFIX_BYTES);
    if (blockLen <= 0) {
      throw new Error(
        `liblz4 LZ4_compress_fast_extState returned ${blockLen} for ${src.length} bytes`,
      );
    }
    const n = src.length;
    writeLz4Prefix(out, 0, n);
    return out.subarray(0, LZ4_PREFIX_BYTES + blockLen);
  }
}

/**
 * Same contract as lz4DecodePrefixed: decode `[u32 LE size][block]` at
 * `src[srcStart, srcEnd)` into `dst[dstStart, dstStart + expectedSize)`; returns the
 * size, or -1. On -1 `dst` is untouched unless `inPlace` (see nativeDecodeBlock).
 */
export function lz4NativeDecodePrefixed(
  addon: Lz4Addon,
  src: Uint8Array,
  srcStart: number,
  srcEnd: number,
  dst: Uint8Array,
  dstStart: number,
  expectedSize: number,
  inPlace = false,
): number {
  if (
    !Number.isInteger(srcStart) ||
    !Number.isInteger(srcEnd) ||
    !Number.isInteger(dstStart) ||
    srcStart < 0 ||
    srcEnd > src.length ||
    srcEnd - srcStart <= LZ4_PREFIX_BYTES
  ) {
    return -1;
  }
  const size = readLz4Prefix(src, srcStart);
  if (size !== expectedSize) return -1;
  return nativeDecodeBlock(
    addon,
    src,
    srcStart + LZ4_PREFIX_BYTES,
    srcEnd,
    dst,
    dstStart,
    size,
    inPlace,
  );
}

export type { Lz4Addon };
