/**
 * The `zstd` codec, over one of two libraries:
 * - 'native' (default): the system's libzstd through this package's addon
 *   (native/zstdNative.c): synchronous, one reusable context per direction, decoding
 *   straight from the arena into the caller's page, like the kernel's zswap.
 * - 'binding': @mongodb-js/zstd 1.2.2, which is Promise-only. Every call is a libuv
 *   thread-pool hop plus a fresh ZSTD context, a heavy fixed cost at 4 KiB, so it is
 *   used in batches. Compression cannot be merged (each page must stay an independent
 *   frame so it can be loaded alone), so a batch issues all its calls at once and waits
 *   once: the hops overlap on the pool's threads (on several cores this compresses
 *   pages in parallel, which the sync path cannot). Decompression *can* be merged: zstd
 *   decodes a concatenation of frames into the concatenation of their contents, so a
 *   batch of N pages crosses the native boundary once. If that merged call fails, the
 *   pages are retried one by one to name the corrupt one. The binding reads its input
 *   buffers on the thread pool, after the call returns, so both directions copy their
 *   inputs into one Buffer first: the Codec contract lets callers reuse their memory as
 *   soon as the promise is returned. The level is passed to the native function
 *   directly: the package's index.js wrapper drops it.
 * Both write standard zstd frames (content size included, no checksum), so each reads
 * the other's pages.
 */

import { bindingOf, checkBatch, checkPage, checkPageSize, pick } from './codecChecks.js';
import { CompressError } from './compressError.js';
import { loadZstd, type ZstdBinding } from './loadBinding.js';
import { addonDecode, addonEncode, loadAddon, type NativeAddon } from './nativeAddon.js';
import type { BindingInfo, Codec, CodecOptions } from './types.js';

/** @mongodb-js/zstd's default level. */
export const ZSTD_DEFAULT_LEVEL = 3;

/** The zstd libraries the codec can use, for each direction. */
export type ZstdLibrary = 'native' | 'binding';
const LIBRARIES: readonly ZstdLibrary[] = ['native', 'binding'];

/** The system's libzstd through the tierswap_zstd addon, loaded once per process. */
export function loadZstdNative(): { addon: NativeAddon; info: BindingInfo } {
  return loadAddon({
    file: 'tierswap_zstd',
    library: 'libzstd',
    debianPackage: 'libzstd1',
    envVar: 'TIERSWAP_LIBZSTD',
    avoid: "{ zstdEncoder: 'binding', zstdDecoder: 'binding' }",
  });
}

export class ZstdCodec implements Codec {
  readonly name = 'zstd' as const;
  /** True when both directions run on libzstd (the default). */
  readonly sync: boolean;
  readonly level: number;
  readonly pageSize: number;
  /** libzstd, @mongodb-js/zstd, or `compressor + decompressor` when they differ. */
  readonly binding: BindingInfo;
  readonly encoder: ZstdLibrary;
  readonly decoder: ZstdLibrary;
  /** @mongodb-js/zstd, only when a direction uses it. */
  readonly #zstd: ZstdBinding | undefined;
  /** The addon, only when a direction uses it. */
  readonly #native: NativeAddon | undefined;
  /** Where compressSync writes: ZSTD_compressBound(pageSize) bytes. */
  readonly #scratch: Uint8Array;

  constructor(options: CodecOptions = {}) {
    this.pageSize = checkPageSize('@tierswap/compress/zstdCodec.constructor', options.pageSize);
    const level = options.level ?? ZSTD_DEFAULT_LEVEL;
    if (!Number.isInteger(level) || level < 1 || level > 19) {
      throw new CompressError(
        'INVALID_ARGUMENT',
        `@tierswap/compress/zstdCodec.constructor: level ${level} not in 1..19`,
      );
    }
    this.level = level;
    this.encoder = pick('zstdCodec', 'zstdEncoder', LIBRARIES, options.zstdEncoder);
    this.decoder = pick('zstdCodec', 'zstdDecoder', LIBRARIES, options.zstdDecoder);
    this.sync = this.encoder === 'native' && this.decoder === 'native';
    const native =
      this.encoder === 'native' || this.decoder === 'native' ? loadZstdNative() : undefined;
    const binding =
      this.encoder === 'binding' || this.decoder === 'binding' ? loadZstd() : undefined;
    this.#native = native?.addon;
    this.#zstd = binding?.api;
    const infoOf = (library: ZstdLibrary): BindingInfo =>
      library === 'native' ? native!.info : binding!.info;
    this.binding = bindingOf(infoOf(this.encoder), infoOf(this.decoder));
    // ZSTD_compressBound(n) = n + n/256 + (n < 128 KiB ? (128 KiB - n) / 2048 : 0).
    const P = this.pageSize;
    this.#scratch = new Uint8Array(
      this.encoder === 'native' ? P + (P >> 8) + (P < 131072 ? (131072 - P) >> 11 : 0) : 0,
    );
  }

  /** One frame of `page`, a view of scratch memory valid until the next call. */
  compressSync(page: Uint8Array): Uint8Array {
    if (this.encoder !== 'native') {
      throw new CompressError(
        'NO_SYNC_PATH',
        '@tierswap/compress/zstdCodec.compressSync: @mongodb-js/zstd has no sync API; use compressBatch',
      );
    }
    checkPage('@tierswap/compress/zstdCodec.compressSync', page, this.pageSize);
    const n = addonEncode(this.#native!, page, this.#scratch, 0, this.level);
    if (n <= 0) {
      throw new CompressError(
        'COMPRESS_FAILED',
        `@tierswap/compress/zstdCodec.compressSync: libzstd ZSTD_compressCCtx failed on ${page.length} bytes at level ${this.level}`,
      );
    }
    return this.#scratch.subarray(0, n);
  }

  /** Decode one frame into `dst`; on CORRUPT_INPUT `dst` is untouched. */
  decompressSync(src: Uint8Array, dst: Uint8Array): void {
    this.#needSyncDecoder('decompressSync');
    checkPage('@tierswap/compress/zstdCodec.decompressSync', dst, this.pageSize);
    if (addonDecode(this.#native!, src, 0, src.length, dst, 0, this.pageSize) < 0) {
      throw new CompressError(
        'CORRUPT_INPUT',
        `@tierswap/compress/zstdCodec.decompressSync: ${src.length} bytes are not a zstd frame of a ${this.pageSize} B page`,
      );
    }
  }

  /**
   * Decode `src[srcStart, srcEnd)` into `dst[dstStart, +pageSize)` in place (the pool's
   * load path): false on corrupt input, and the destination page may then hold partial
   * output.
   */
  decompressRange(
    src: Uint8Array,
    srcStart: number,
    srcEnd: number,
    dst: Uint8Array,
    dstStart: number,
  ): boolean {
    this.#needSyncDecoder('decompressRange');
    return (
      addonDecode(this.#native!, src, srcStart, srcEnd, dst, dstStart, this.pageSize, true) >= 0
    );
  }

  #needSyncDecoder(method: string): void {
    if (this.decoder !== 'native') {
      throw new CompressError(
        'NO_SYNC_PATH',
        `@tierswap/compress/zstdCodec.${method}: @mongodb-js/zstd has no sync API; use decompressBatch`,
      );
    }
  }

  async compressBatch(pages: readonly Uint8Array[]): Promise<Uint8Array[]> {
    for (const p of pages) {
      checkPage('@tierswap/compress/zstdCodec.compressBatch', p, this.pageSize);
    }
    if (this.encoder === 'native') return pages.map((p) => this.compressSync(p).slice());
    const zstd = this.#zstd!;
    // The binding reads its input on the thread pool, after this call has returned
    // (measured: mutating the input right after compress() corrupts the result), so
    // take one copy of the batch now and hand out views of it.
    const joined = Buffer.concat(pages);
    const P = this.pageSize;
    try {
      return await Promise.all(
        pages.map((_, i) => zstd.compress(joined.subarray(i * P, (i + 1) * P), this.level)),
      );
    } catch (cause) {
      throw new CompressError(
        'COMPRESS_FAILED',
        `@tierswap/compress/zstdCodec.compressBatch: ${String(cause)}`,
        { cause },
      );
    }
  }

  async decompressBatch(srcs: readonly Uint8Array[], dsts: readonly Uint8Array[]): Promise<void> {
    checkBatch('zstdCodec', srcs, dsts);
    const n = srcs.length;
    if (n === 0) return;
    for (const d of dsts)
      checkPage('@tierswap/compress/zstdCodec.decompressBatch', d, this.pageSize);
    if (this.decoder === 'native') {
      for (let i = 0; i < n; i++) {
        const src = srcs[i]!;
        if (addonDecode(this.#native!, src, 0, src.length, dsts[i]!, 0, this.pageSize) < 0) {
          throw new CompressError(
            'CORRUPT_INPUT',
            `@tierswap/compress/zstdCodec.decompressBatch: page ${i} of ${n} is not a zstd frame of a ${this.pageSize} B page`,
          );
        }
      }
      return;
    }
    const zstd = this.#zstd!;
    // One copy of all frames, taken before the first await: the binding reads its input
    // on the thread pool later, and callers may reuse the memory behind `srcs` (arena
    // objects) as soon as this call returns its promise.
    const joined = Buffer.concat(srcs);
    const ends: number[] = [];
    let end = 0;
    for (const s of srcs) {
      end += s.length;
      ends.push(end);
    }
    let out: Buffer | undefined;
    try {
      out = await zstd.decompress(joined);
    } catch {
      out = undefined;
    }
    if (out !== undefined && out.length === n * this.pageSize) {
      for (let i = 0; i < n; i++) {
        dsts[i]!.set(out.subarray(i * this.pageSize, (i + 1) * this.pageSize));
      }
      return;
    }
    // Slow path: find the bad page.
    for (let i = 0; i < n; i++) {
      const frame = joined.subarray(i === 0 ? 0 : ends[i - 1]!, ends[i]!);
      let one: Buffer;
      try {
        one = await zstd.decompress(frame);
      } catch (cause) {
        throw new CompressError(
          'CORRUPT_INPUT',
          `@tierswap/compress/zstdCodec.decompressBatch: page ${i} of ${n}: ${String(cause)}`,
          { cause },
        );
      }
      if (one.length !== this.pageSize) {
        throw new CompressError(
          'CORRUPT_INPUT',
          `@tierswap/compress/zstdCodec.decompressBatch: page ${i} of ${n} decodes to ${one.length} bytes, expected ${this.pageSize}`,
        );
      }
      dsts[i]!.set(one);
    }
  }
}
