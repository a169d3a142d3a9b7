/**
 * Shared types of @tierswap/compress: the page `Codec` a pool uses, the `BatchCodec`
 * the benchmarks compare bindings with, their options, and what a codec reports about
 * the library doing its work.
 *
 * Why a synchronous Codec: the kernel's zswap compresses in zswap_store() and
 * decompresses in zswap_load() page by page, synchronously, into a preallocated
 * destination; a pool built on this interface does the same. The only Promise-based
 * library kept (@mongodb-js/zstd) sits behind the separate BatchCodec, for measuring
 * and comparing, never for a pool.
 */

import type { Refusal } from '@tierswap/base';

/** The codecs a pool can use. `none` stores pages as they are. */
export type CodecName = 'lz4' | 'zstd' | 'none';

/** Default page size: 4 KiB, as on x86-64. */
export const DEFAULT_PAGE_SIZE = 4096;

/** Which library does a codec's work, for benchmark output and logs. */
export interface BindingInfo {
  /** `liblz4`, `libzstd` (the system's, through this package's addons), `lz4-napi`,
   * `@mongodb-js/zstd`, or `builtin` for `none`. */
  readonly name: string;
  /** The library's own version string. */
  readonly version: string;
}

/** Which library the `lz4` codec runs on. */
export type Lz4Library = 'liblz4' | 'lz4-napi';

/** Options for `createCodec`. */
export interface CodecOptions {
  /** Page size in bytes: a power of two in [256, 65536]. Default 4096. */
  readonly pageSize?: number;
  /** zstd only: the compression level, an integer in 1..19 (default 3). */
  readonly level?: number;
  /**
   * lz4 only: `'liblz4'` (default: the system's C library through this package's
   * addon) or `'lz4-napi'` (the npm package's prebuilt binary: no compiler and no
   * system library needed, ~0.4-0.7x as fast).
   */
  readonly lz4Library?: Lz4Library;
}

/** Options for `createZstdBatchCodec`. */
export interface BatchCodecOptions {
  /** Page size in bytes: a power of two in [256, 65536]. Default 4096. */
  readonly pageSize?: number;
  /** The compression level, an integer in 1..19 (default 3). */
  readonly level?: number;
}

/**
 * What a decoder returns: `true` when the input decoded to exactly one page, else the
 * codec's refusal `{ errno: 'EIO', code: 'decompress_fail', reason }` (the kernel's
 * zswap counts such a load under decompress_fail and fails it with -EIO). Test it with
 * `=== true` or `isRefusal()`: a refusal is a truthy object.
 */
export type DecodeResult = true | Refusal<'decompress_fail'>;

/**
 * A page codec. Stored formats are the kernel's: lz4 is one raw LZ4 block per page (no
 * header: the page size is known), zstd is exactly one zstd frame per page, none is the
 * page itself. Every method is synchronous and works on one page.
 */
export interface Codec {
  readonly name: CodecName;
  /** The compression level (0 for codecs without one). */
  readonly level: number;
  readonly pageSize: number;
  readonly binding: BindingInfo;
  /**
   * Compress one page (`pageSize` bytes). The result may be a view of codec-owned
   * scratch memory, valid until the next call on this codec: copy it before then. An
   * incompressible page gives a result longer than the page (the caller decides what is
   * poor compression, as zswap does); it is never refused.
   */
  compress(page: Uint8Array): Uint8Array;
  /**
   * Decode all of `src` into `dst` (exactly `pageSize` bytes). On a refusal `dst` is
   * untouched.
   */
  decompress(src: Uint8Array, dst: Uint8Array): DecodeResult;
  /**
   * Decode `src[srcStart, srcEnd)` (a range of a larger buffer, such as an arena
   * zspage) into `dst[dstStart, dstStart + pageSize)` in place, without allocating: a
   * pool's load path. On a refusal that destination page may hold partial output;
   * nothing outside it is ever written.
   */
  decodeInto(
    src: Uint8Array,
    srcStart: number,
    srcEnd: number,
    dst: Uint8Array,
    dstStart: number,
  ): DecodeResult;
}

/**
 * A Promise-based page codec over @mongodb-js/zstd, for measuring ratios over page sets
 * and for comparing bindings. Not a pool codec: it has no synchronous path.
 */
export interface BatchCodec {
  readonly name: 'zstd';
  readonly level: number;
  readonly pageSize: number;
  readonly binding: BindingInfo;
  /**
   * Compress pages, one independent zstd frame each, owned by the caller. The pages are
   * read before the promise is returned: callers may reuse their memory at once.
   */
  compressBatch(pages: readonly Uint8Array[]): Promise<Uint8Array[]>;
  /**
   * Decode `srcs[i]` (each exactly one frame) into `dsts[i]` (each `pageSize` bytes).
   * `srcs` are read before the promise is returned. Resolves `true`, or a refusal naming
   * the first page that does not decode (the destinations may then be partly written).
   */
  decompressBatch(srcs: readonly Uint8Array[], dsts: readonly Uint8Array[]): Promise<DecodeResult>;
}
