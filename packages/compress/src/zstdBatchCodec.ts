/**
 * ZstdBatchCodec: zstd through @mongodb-js/zstd 1.2.2, which is Promise-only, for
 * measuring ratios over sets of pages and for the benchmarks' comparison of bindings.
 * It is not a pool codec (a pool's loads are synchronous, as zswap_load() is); pools use
 * the `zstd` Codec over libzstd, whose frames this codec reads and the other way round.
 *
 * Why batches: every call of the binding is a libuv thread-pool hop plus a fresh zstd
 * context, a heavy fixed cost at 4 KiB. Compression cannot be merged (each page must
 * stay one independent frame, loadable alone), so a batch issues all its calls at once
 * and waits once: on several cores the pool's threads compress in parallel.
 * Decompression is merged: zstd decodes a concatenation of frames into the
 * concatenation of their contents, so a batch of N pages crosses into the binding once;
 * if that fails, pages are retried one by one to name the one that does not decode.
 * Because merging would also accept two frames that make one page between them, each
 * source is first checked to be exactly one frame (isOneZstdFrame), as the addon does
 * for the pool codec.
 *
 * The binding reads its input buffers on the thread pool, after the call has returned
 * (measured: mutating a buffer right after `compress()` corrupts the result), so both
 * directions copy their inputs into one Buffer first: callers may reuse their memory as
 * soon as the promise is returned. The level goes to the native function directly: the
 * package's index.js wrapper drops it.
 */

import { type Refusal, refuse } from '@tierswap/base';
import {
  checkArray,
  checkBytes,
  checkLevel,
  checkOptions,
  checkPage,
  checkPageSize,
} from './codecChecks.js';
import { CompressError } from './compressError.js';
import { loadMongodbZstd, type ZstdBinding } from './loadBinding.js';
import type { BatchCodec, BatchCodecOptions, BindingInfo, DecodeResult } from './types.js';
import { ZSTD_DEFAULT_LEVEL } from './zstdCodec.js';

export class ZstdBatchCodec implements BatchCodec {
  readonly name = 'zstd' as const;
  readonly level: number;
  readonly pageSize: number;
  readonly binding: BindingInfo;
  readonly #zstd: ZstdBinding;

  constructor(options?: BatchCodecOptions) {
    const where = 'zstdBatchCodec.constructor';
    const o = checkOptions(where, options);
    this.pageSize = checkPageSize(where, o.pageSize);
    this.level = checkLevel(where, o.level, ZSTD_DEFAULT_LEVEL);
    const { api, info } = loadMongodbZstd();
    this.#zstd = api;
    this.binding = info;
  }

  async compressBatch(pages: readonly Uint8Array[]): Promise<Uint8Array[]> {
    const where = 'zstdBatchCodec.compressBatch';
    checkArray(where, 'pages', pages);
    for (let i = 0; i < pages.length; i++) checkPage(where, `pages[${i}]`, pages[i], this.pageSize);
    // One copy of the batch now (the binding reads its input later), views of it after.
    const joined = Buffer.concat(pages);
    const P = this.pageSize;
    try {
      return await Promise.all(
        pages.map((_, i) => this.#zstd.compress(joined.subarray(i * P, (i + 1) * P), this.level)),
      );
    } catch (cause) {
      throw new CompressError('COMPRESS_FAILED', 'zstdBatchCodec.compressBatch', String(cause), {
        cause,
      });
    }
  }

  async decompressBatch(
    srcs: readonly Uint8Array[],
    dsts: readonly Uint8Array[],
  ): Promise<DecodeResult> {
    const where = 'zstdBatchCodec.decompressBatch';
    checkArray(where, 'srcs', srcs);
    checkArray(where, 'dsts', dsts);
    if (srcs.length !== dsts.length) {
      throw new CompressError(
        'INVALID_ARGUMENT',
        where,
        `${srcs.length} sources for ${dsts.length} destinations`,
      );
    }
    for (let i = 0; i < srcs.length; i++) checkBytes(where, `srcs[${i}]`, srcs[i]);
    for (let i = 0; i < dsts.length; i++) checkPage(where, `dsts[${i}]`, dsts[i], this.pageSize);
    const n = srcs.length;
    const P = this.pageSize;
    if (n === 0) return true;
    // A page is exactly one frame: the merged call below would also accept two frames
    // that make one page between them, or a skippable frame in front.
    for (let i = 0; i < n; i++) {
      if (!isOneZstdFrame(srcs[i]!)) return corrupt(i, n, 'not exactly one zstd frame');
    }
    // One copy of all frames, taken before the first await.
    const joined = Buffer.concat(srcs);
    let out: Buffer | undefined;
    try {
      out = await this.#zstd.decompress(joined);
    } catch {
      out = undefined;
    }
    if (out !== undefined && out.length === n * P) {
      for (let i = 0; i < n; i++) dsts[i]!.set(out.subarray(i * P, (i + 1) * P));
      return true;
    }
    // Slow path: find the page that does not decode.
    let start = 0;
    for (let i = 0; i < n; i++) {
      const frame = joined.subarray(start, start + srcs[i]!.length);
      start += srcs[i]!.length;
      let one: Buffer;
      try {
        one = await this.#zstd.decompress(frame);
      } catch (cause) {
        return corrupt(i, n, String(cause));
      }
      if (one.length !== P) return corrupt(i, n, `decodes to ${one.length} bytes, not ${P}`);
      dsts[i]!.set(one);
    }
    // Each page decodes alone but not the whole: a frame's content is not one page.
    return refuse(
      'EIO',
      'zstdBatchCodec: the batch does not decode to one page per frame',
      'decompress_fail',
    );
  }
}

/** The magic number that opens a zstd frame (RFC 8878, 3.1.1). */
const FRAME_MAGIC = 0xfd2fb528;

/**
 * Whether `src` is exactly one zstd frame (RFC 8878, 3.1.1): the magic, a frame
 * header, blocks up to the one marked last, and the optional checksum, ending at the
 * end of `src`. Skippable frames are not pages.
 */
export function isOneZstdFrame(src: Uint8Array): boolean {
  const n = src.length;
  if (n < 6) return false;
  const magic = (src[0]! | (src[1]! << 8) | (src[2]! << 16) | (src[3]! << 24)) >>> 0;
  if (magic !== FRAME_MAGIC) return false;
  const fhd = src[4]!;
  if ((fhd & 0x08) !== 0) return false; // reserved bit
  const singleSegment = (fhd >> 5) & 1;
  const fcsBytes = [singleSegment, 2, 4, 8][fhd >> 6]!;
  const dictBytes = [0, 1, 2, 4][fhd & 3]!;
  let at = 5 + (singleSegment ? 0 : 1) + dictBytes + fcsBytes;
  for (;;) {
    if (at + 3 > n) return false;
    const header = src[at]! | (src[at + 1]! << 8) | (src[at + 2]! << 16);
    at += 3;
    const type = (header >> 1) & 3;
    if (type === 3) return false; // reserved block type
    at += type === 1 ? 1 : header >>> 3; // an RLE block holds one byte
    if (at > n) return false;
    if ((header & 1) !== 0) break; // the last block
  }
  if ((fhd & 0x04) !== 0) at += 4; // content checksum
  return at === n;
}

function corrupt(i: number, n: number, why: string): Refusal<'decompress_fail'> {
  return refuse('EIO', `zstdBatchCodec: page ${i} of ${n}: ${why}`, 'decompress_fail');
}

/** A Promise-based zstd codec over @mongodb-js/zstd (not a pool codec). */
export function createZstdBatchCodec(options: BatchCodecOptions = {}): ZstdBatchCodec {
  return new ZstdBatchCodec(options);
}
