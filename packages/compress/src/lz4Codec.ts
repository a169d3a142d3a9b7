/**
 * The `lz4` codec. Stored format: one raw LZ4 block per page, as the kernel's zswap and
 * zram store it (the page size is known, so no header), which every encoder here
 * writes and every decoder reads, so pages stored by one path load through any other.
 * lz4-napi's own format prepends a u32 LE size (lz4_flex `compress_prepend_size`): its
 * output is stored without it, and it is put back in front of a copy for its decoder.
 *
 * Encoder and decoder choice, measured (bench/lz4Encode.bench.ts and
 * bench/lz4Decode.bench.ts: one process, interleaved rounds, real pages):
 * - 'native' (default both ways; lz4Native.ts): the system's C liblz4 through this
 *   package's Node-API addon, on the caller's memory. About the native CLI's own speed
 *   (~0.1 us per call on top), so the only path that meets 0.8x native on loads.
 * - 'wasm' (lz4Wasm.ts, lz4WasmEncoder.ts): our WebAssembly decoder and encoder (C
 *   lz4's fast mode, same ratio), copying through their own memory. No compiler or
 *   system library needed; ~0.6x native on loads, ~0.9x on stores.
 * - 'binding' (lz4-napi): a fresh Buffer per call (~2 us before any work) and an
 *   lz4_flex core slower than C lz4; kept selectable and loaded only when chosen.
 * - 'js' decoder (lz4Block.ts): straight into the caller's page, ~0.2x native; for
 *   runtimes with neither addons nor WebAssembly.
 * Batches run the sync calls in a loop: one page of lz4 costs microseconds, less than
 * a libuv thread-pool hop. Kernel analogue: zswap's per-CPU acomp context with a
 * preallocated destination.
 */

import { isBlockRange } from './byteRange.js';
import { asBuffer, bindingOf, checkBatch, checkPage, checkPageSize, pick } from './codecChecks.js';
import { CompressError } from './compressError.js';
import { type Lz4Binding, loadLz4 } from './loadBinding.js';
import { LZ4_PREFIX_BYTES, lz4DecodeBlock, writeLz4Prefix } from './lz4Block.js';
import { Lz4NativeEncoder, loadLz4Native } from './lz4Native.js';
import { Lz4WasmDecoder } from './lz4Wasm.js';
import { Lz4WasmEncoder } from './lz4WasmEncoder.js';
import { addonDecode, type NativeAddon } from './nativeAddon.js';
import type { BindingInfo, Codec, CodecOptions } from './types.js';

/** The LZ4 decoders the codec can use. */
export type Lz4Decoder = 'native' | 'wasm' | 'binding' | 'js';

/** The LZ4 encoders the codec can use. */
export type Lz4Encoder = 'native' | 'wasm' | 'binding';

const DECODERS: readonly Lz4Decoder[] = ['native', 'wasm', 'binding', 'js'];
const ENCODERS: readonly Lz4Encoder[] = ['native', 'wasm', 'binding'];
const BUILTIN_WASM: BindingInfo = { name: 'tierswap-lz4-wasm', version: '1' };
const BUILTIN_JS: BindingInfo = { name: 'tierswap-lz4-js', version: '1' };

export class Lz4Codec implements Codec {
  readonly name = 'lz4' as const;
  readonly level = 0;
  readonly sync = true;
  readonly pageSize: number;
  /**
   * What does the work: one library when encoder and decoder share it (`liblz4` by
   * default), else `compressor + decompressor`.
   */
  readonly binding: BindingInfo;
  /** Which decoder runs (default 'native'). */
  readonly decoder: Lz4Decoder;
  /** Which encoder runs (default 'native'). */
  readonly encoder: Lz4Encoder;
  /** lz4-napi, only when the encoder or decoder is 'binding'. */
  readonly #lz4: Lz4Binding | undefined;
  /** The addon, only when the decoder is 'native'. */
  readonly #native: NativeAddon | undefined;
  /** The wasm decoder (its own memory), only when the decoder is 'wasm'. */
  readonly #wasm: Lz4WasmDecoder | undefined;
  readonly #nativeEncoder: Lz4NativeEncoder | undefined;
  readonly #wasmEncoder: Lz4WasmEncoder | undefined;

  constructor(options: CodecOptions = {}) {
    this.pageSize = checkPageSize('@tierswap/compress/lz4Codec.constructor', options.pageSize);
    this.decoder = pick('lz4Codec', 'lz4Decoder', DECODERS, options.lz4Decoder);
    this.encoder = pick('lz4Codec', 'lz4Encoder', ENCODERS, options.lz4Encoder);
    const napi = this.decoder === 'binding' || this.encoder === 'binding' ? loadLz4() : undefined;
    const native =
      this.decoder === 'native' || this.encoder === 'native' ? loadLz4Native() : undefined;
    this.#lz4 = napi?.api;
    this.#native = this.decoder === 'native' ? native?.addon : undefined;
    this.#wasm = this.decoder === 'wasm' ? new Lz4WasmDecoder(this.pageSize) : undefined;
    this.#nativeEncoder =
      this.encoder === 'native' ? new Lz4NativeEncoder(this.pageSize) : undefined;
    this.#wasmEncoder = this.encoder === 'wasm' ? new Lz4WasmEncoder() : undefined;
    const infoOf = (kind: Lz4Decoder): BindingInfo =>
      kind === 'native'
        ? native!.info
        : kind === 'binding'
          ? napi!.info
          : kind === 'wasm'
            ? BUILTIN_WASM
            : BUILTIN_JS;
    this.binding = bindingOf(infoOf(this.encoder), infoOf(this.decoder));
  }

  compressSync(page: Uint8Array): Uint8Array {
    checkPage('@tierswap/compress/lz4Codec.compressSync', page, this.pageSize);
    try {
      // A wasm trap (none is expected: every access stays inside the fixed layout) or a
      // liblz4 failure surfaces as COMPRESS_FAILED, which zswap counts as
      // reject_compress_fail.
      if (this.#nativeEncoder !== undefined) return this.#nativeEncoder.compressBlock(page);
      if (this.#wasmEncoder !== undefined) return this.#wasmEncoder.compressBlock(page);
      // lz4-napi prepends the size; the stored format is the bare block.
      return this.#lz4!.compressSync(asBuffer(page)).subarray(LZ4_PREFIX_BYTES);
    } catch (cause) {
      throw new CompressError(
        'COMPRESS_FAILED',
        `@tierswap/compress/lz4Codec.compressSync: ${String(cause)}`,
        { cause },
      );
    }
  }

  decompressSync(src: Uint8Array, dst: Uint8Array): void {
    checkPage('@tierswap/compress/lz4Codec.decompressSync', dst, this.pageSize);
    if (!this.#decode(src, 0, src.length, dst, 0, false)) {
      throw new CompressError(
        'CORRUPT_INPUT',
        `@tierswap/compress/lz4Codec.decompressSync: ${src.length} bytes are not an lz4 page of ${this.pageSize}`,
      );
    }
  }

  /**
   * Decode from a range of a larger buffer (an arena zspage) into `dst[dstStart..]`:
   * the allocation-free path the pool uses. Returns false on corrupt input or a range
   * outside the buffers. Like the kernel's decompression into the faulting folio, it
   * decodes in place: on false the destination page may hold partial output (never
   * anything outside it); decompressSync leaves it untouched.
   */
  decompressRange(
    src: Uint8Array,
    srcStart: number,
    srcEnd: number,
    dst: Uint8Array,
    dstStart: number,
  ): boolean {
    return this.#decode(src, srcStart, srcEnd, dst, dstStart, true);
  }

  #decode(
    src: Uint8Array,
    srcStart: number,
    srcEnd: number,
    dst: Uint8Array,
    dstStart: number,
    inPlace: boolean,
  ): boolean {
    const P = this.pageSize;
    if (this.#native !== undefined) {
      return addonDecode(this.#native, src, srcStart, srcEnd, dst, dstStart, P, inPlace) >= 0;
    }
    if (this.#wasm !== undefined) {
      return this.#wasm.decodeExact(src, srcStart, srcEnd, dst, dstStart, P) >= 0;
    }
    if (this.decoder === 'js') {
      return lz4DecodeBlock(src, srcStart, srcEnd, dst, dstStart, dstStart + P) === P;
    }
    // lz4-napi reads only its own format: put the size in front of a copy.
    if (!isBlockRange(src, srcStart, srcEnd, dst, dstStart, dstStart + P)) return false;
    const prefixed = Buffer.allocUnsafe(LZ4_PREFIX_BYTES + srcEnd - srcStart);
    writeLz4Prefix(prefixed, 0, P);
    prefixed.set(src.subarray(srcStart, srcEnd), LZ4_PREFIX_BYTES);
    let out: Buffer;
    try {
      out = this.#lz4!.uncompressSync(prefixed);
    } catch {
      return false;
    }
    if (out.length !== P) return false;
    dst.set(out, dstStart);
    return true;
  }

  async compressBatch(pages: readonly Uint8Array[]): Promise<Uint8Array[]> {
    // native and wasm results are scratch memory: copy them. A binding result is a
    // fresh Buffer.
    if (this.encoder === 'binding') return pages.map((p) => this.compressSync(p));
    return pages.map((p) => this.compressSync(p).slice());
  }

  async decompressBatch(srcs: readonly Uint8Array[], dsts: readonly Uint8Array[]): Promise<void> {
    checkBatch('lz4Codec', srcs, dsts);
    for (let i = 0; i < srcs.length; i++) this.decompressSync(srcs[i]!, dsts[i]!);
  }
}
