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
 * Loading and the calling convention are nativeAddon.ts's.
 */

import { addonEncode, loadAddon, type NativeAddon } from './nativeAddon.js';
import type { BindingInfo } from './types.js';

/**
 * The lz4 addon with a usable liblz4, loaded once per process; throws
 * CompressError('BINDING_LOAD_FAILED') naming what is missing.
 */
export function loadLz4Native(): { addon: NativeAddon; info: BindingInfo } {
  return loadAddon({
    file: 'tierswap_lz4',
    library: 'liblz4',
    debianPackage: 'liblz4-1',
    envVar: 'TIERSWAP_LIBLZ4',
    avoid: "{ lz4Encoder: 'wasm', lz4Decoder: 'wasm' }",
  });
}

/**
 * One page compressor over liblz4 (fast mode, acceleration 1: `lz4 -1`). Its results
 * are views of one scratch buffer, valid until the next call, as Codec.compressSync
 * allows.
 */
export class Lz4NativeEncoder {
  readonly #addon: NativeAddon;
  readonly #scratch: Uint8Array;

  constructor(pageSize: number) {
    this.#addon = loadLz4Native().addon;
    // LZ4_compressBound(n) = n + n/255 + 16: the block always fits, however poor.
    this.#scratch = new Uint8Array(pageSize + Math.floor(pageSize / 255) + 16);
  }

  /** One raw LZ4 block of `src` (the codec's format); throws when liblz4 fails. */
  compressBlock(src: Uint8Array): Uint8Array {
    const blockLen = addonEncode(this.#addon, src, this.#scratch, 0);
    if (blockLen <= 0) {
      throw new Error(
        `liblz4 LZ4_compress_fast_extState returned ${blockLen} for ${src.length} bytes`,
      );
    }
    return this.#scratch.subarray(0, blockLen);
  }
}
