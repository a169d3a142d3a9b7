/**
 * The `lz4` codec over lz4-napi (lz4_flex block with a u32 size prefix: the stored
 * format).
 *
 * Decoder choice, measured (bench/lz4Decode.bench.ts, one process, interleaved
 * rounds, real pages): lz4-napi's uncompressSync allocates a fresh Buffer per page
 * (~2.6 us per call before any work). The WebAssembly decoder (lz4Wasm.ts: copy the
 * block into wasm memory, decode there, copy the page out) takes 2.5-2.8 us per 4 KiB
 * page against 3.9-4.9 for the binding plus its copy, so `decoder: 'wasm'` is the
 * default. `'binding'` stays available, and `'js'` (lz4Block.ts, straight into the
 * caller's page, 6.6-7.3 us: about 300 sequences per page at ~15-20 ns each in JIT
 * code) for runtimes without WebAssembly.
 *
 * Encoder choice, measured the same way (bench/lz4Encode.bench.ts): lz4-napi's
 * compressSync costs ~1.8 us per call before any work and its lz4_flex core is slower
 * than C lz4; the WebAssembly encoder (lz4WasmEncoder.ts: C lz4's fast mode, copy in,
 * compress in wasm memory, return a view of it) is about twice as fast with the same
 * ratio (within 1%), so `lz4Encoder: 'wasm'` is the default and `'binding'` stays
 * selectable. Its result is scratch memory (the Codec contract allows it); batches
 * copy it. Batches run the sync calls in a loop: one
 * page of lz4 costs microseconds, less than a libuv thread-pool hop.
 * Kernel analogue: zswap's per-CPU acomp context with a preallocated destination.
 */

import { asBuffer, checkPage, checkPageSize } from './checkPageSize.js';
import { CompressError } from './compressError.js';
import { type Lz4Binding, loadLz4 } from './loadBinding.js';
import { lz4DecodePrefixed } from './lz4Block.js';
import { Lz4WasmDecoder } from './lz4Wasm.js';
import { Lz4WasmEncoder } from './lz4WasmEncoder.js';
import type { BindingInfo, Codec, CodecOptions } from './types.js';

/** The LZ4 decoders the codec can use. */
export type Lz4Decoder = 'wasm' | 'binding' | 'js';

/** The LZ4 encoders the codec can use. */
export type Lz4Encoder = 'wasm' | 'binding';

export class Lz4Codec implements Codec {
  readonly name = 'lz4' as const;
  readonly level = 0;
  readonly sync = true;
  readonly pageSize: number;
  readonly binding: BindingInfo;
  /** Which decoder runs: WebAssembly (default), the binding, or the TypeScript one. */
  readonly decoder: Lz4Decoder;
  readonly #lz4: Lz4Binding;
  /** The wasm decoder (its own memory), only when `decoder === 'wasm'`. */
  readonly #wasm: Lz4WasmDecoder | undefined;
  /** Which encoder runs: WebAssembly (default) or the binding. */
  readonly encoder: Lz4Encoder;
  /** The wasm encoder (its own memory), only when `encoder === 'wasm'`. */
  readonly #wasmEncoder: Lz4WasmEncoder | undefined;

  constructor(options: CodecOptions = {}) {
    this.pageSize = checkPageSize('@tierswap/compress/lz4Codec.constructor', options.pageSize);
    const loaded = loadLz4();
    this.#lz4 = loaded.api;
    this.binding = loaded.info;
    this.decoder = options.lz4Decoder ?? 'wasm';
    this.#wasm = this.decoder === 'wasm' ? new Lz4WasmDecoder(this.pageSize) : undefined;
    this.encoder = options.lz4Encoder ?? 'wasm';
    this.#wasmEncoder = this.encoder === 'wasm' ? new Lz4WasmEncoder() : undefined;
  }

  compressSync(page: Uint8Array): Uint8Array {
    checkPage('@tierswap/compress/lz4Codec.compressSync', page, this.pageSize);
    try {
      // a wasm trap (none is expected: every access stays inside the fixed layout) would
      // surface as COMPRESS_FAILED too, which zswap counts as a compression failure
      if (this.#wasmEncoder !== undefined) return this.#wasmEncoder.compressPrefixed(page);
      return this.#lz4.compressSync(asBuffer(page));
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
    if (!this.decompressRange(src, 0, src.length, dst, 0)) {
      throw new CompressError(
        'CORRUPT_INPUT',
        `@tierswap/compress/lz4Codec.decompressSync: ${src.length} bytes are not an lz4 page of ${this.pageSize}`,
      );
    }
  }

  /**
   * Decode from a range of a larger buffer (an arena zspage) into `dst[dstStart..]`:
   * the allocation-free path the pool uses. Returns false on corrupt input.
   */
  decompressRange(
    src: Uint8Array,
    srcStart: number,
    srcEnd: number,
    dst: Uint8Array,
    dstStart: number,
  ): boolean {
    if (this.#wasm !== undefined) {
      return this.#wasm.decodePrefixed(src, srcStart, srcEnd, dst, dstStart, this.pageSize) >= 0;
    }
    if (this.decoder === 'js') {
      return lz4DecodePrefixed(src, srcStart, srcEnd, dst, dstStart, this.pageSize) >= 0;
    }
    if (dstStart + this.pageSize > dst.length) return false;
    let out: Buffer;
    try {
      out = this.#lz4.uncompressSync(src.subarray(srcStart, srcEnd));
    } catch {
      return false;
    }
    if (out.length !== this.pageSize) return false;
    dst.set(out, dstStart);
    return true;
  }

  async compressBatch(pages: readonly Uint8Array[]): Promise<Uint8Array[]> {
    // A wasm result is scratch memory: copy it. A binding result is a fresh Buffer.
    if (this.#wasmEncoder !== undefined) return pages.map((p) => this.compressSync(p).slice());
    return pages.map((p) => this.compressSync(p));
  }

  async decompressBatch(srcs: readonly Uint8Array[], dsts: readonly Uint8Array[]): Promise<void> {
    checkBatch('lz4Codec', srcs, dsts);
    for (let i = 0; i < srcs.length; i++) this.decompressSync(srcs[i]!, dsts[i]!);
  }
}

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
