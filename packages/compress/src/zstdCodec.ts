/**
 * The `zstd` codec over @mongodb-js/zstd 1.2.2, which is Promise-only.
 *
 * Why batches: every call of the binding is a libuv thread-pool hop plus a fresh
 * ZSTD context, a heavy fixed cost at 4 KiB. Compression cannot be merged (each page
 * must stay an independent frame so it can be loaded alone), so a batch issues all its
 * calls at once and waits once: the hops overlap on the pool's threads. Decompression
 * *can* be merged: zstd decodes a concatenation of frames into the concatenation of
 * their contents, so a batch of N pages crosses the native boundary once. If that merged
 * call fails, the pages are retried one by one to name the corrupt one.
 * The binding reads its input buffers on the thread pool, after the call returns, so
 * both directions copy their inputs into one Buffer first: the Codec contract lets
 * callers reuse their memory as soon as the promise is returned.
 * The level is passed to the native function directly: the package's index.js wrapper
 * drops it.
 */

import { checkPage, checkPageSize } from './checkPageSize.js';
import { CompressError } from './compressError.js';
import { loadZstd, type ZstdBinding } from './loadBinding.js';
import { checkBatch } from './lz4Codec.js';
import type { BindingInfo, Codec, CodecOptions } from './types.js';

/** @mongodb-js/zstd's default level. */
export const ZSTD_DEFAULT_LEVEL = 3;

export class ZstdCodec implements Codec {
  readonly name = 'zstd' as const;
  readonly sync = false;
  readonly level: number;
  readonly pageSize: number;
  readonly binding: BindingInfo;
  readonly #zstd: ZstdBinding;

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
    const loaded = loadZstd();
    this.#zstd = loaded.api;
    this.binding = loaded.info;
  }

  compressSync(_page: Uint8Array): Uint8Array {
    throw new CompressError(
      'NO_SYNC_PATH',
      '@tierswap/compress/zstdCodec.compressSync: @mongodb-js/zstd has no sync API; use compressBatch',
    );
  }

  decompressSync(_src: Uint8Array, _dst: Uint8Array): void {
    throw new CompressError(
      'NO_SYNC_PATH',
      '@tierswap/compress/zstdCodec.decompressSync: @mongodb-js/zstd has no sync API; use decompressBatch',
    );
  }

  decompressRange(
    _src: Uint8Array,
    _srcStart: number,
    _srcEnd: number,
    _dst: Uint8Array,
    _dstStart: number,
  ): boolean {
    throw new CompressError(
      'NO_SYNC_PATH',
      '@tierswap/compress/zstdCodec.decompressRange: @mongodb-js/zstd has no sync API; use decompressBatch',
    );
  }

  async compressBatch(pages: readonly Uint8Array[]): Promise<Uint8Array[]> {
    for (const p of pages) {
      checkPage('@tierswap/compress/zstdCodec.compressBatch', p, this.pageSize);
    }
    // The binding reads its input on the thread pool, after this call has returned
    // (measured: mutating the input right after compress() corrupts the result), so
    // take one copy of the batch now and hand out views of it.
    const joined = Buffer.concat(pages);
    const P = this.pageSize;
    try {
      return await Promise.all(
        pages.map((_, i) => this.#zstd.compress(joined.subarray(i * P, (i + 1) * P), this.level)),
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
      out = await this.#zstd.decompress(joined);
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
        one = await this.#zstd.decompress(frame);
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
