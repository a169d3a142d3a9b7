/**
 * Shared types of @tierswap/compress: the page `Codec` contract and the facts a codec
 * reports about itself.
 *
 * Why this shape: the kernel's zswap talks to compressors through crypto_acomp with a
 * fixed page-sized destination, and zram keeps one stream per CPU. Here the native
 * bindings (lz4-napi, @mongodb-js/zstd) sit behind this one small interface so no other
 * package loads a binding, and so a pool can hold entries of several codecs at once
 * (zswap keeps old entries in their old pool after `zswap.compressor` changes).
 */

/** The codecs this package provides. `none` stores pages as they are. */
export type CodecName = 'lz4' | 'zstd' | 'none';

/** Default page size: 4 KiB, as on x86-64. */
export const DEFAULT_PAGE_SIZE = 4096;

/** Which native binding (or built-in) does the work, for benchmark output and logs. */
export interface BindingInfo {
  /** npm package name of the binding, or `builtin` for the `none` codec. */
  readonly name: string;
  /** Version read from the binding's package.json at load time. */
  readonly version: string;
}

/** Options for `createCodec`. */
export interface CodecOptions {
  /** Page size in bytes; a multiple of 16 between 256 and 65536. Default 4096. */
  readonly pageSize?: number;
  /** zstd compression level (1..19, default 3 as in @mongodb-js/zstd). Ignored by others. */
  readonly level?: number;
  /**
   * lz4 only: 'native' (the system's liblz4 through this package's addon, default),
   * 'wasm' (lz4Wasm.ts), 'binding' (lz4-napi uncompressSync) or 'js' (lz4Block.ts).
   */
  readonly lz4Decoder?: 'native' | 'wasm' | 'binding' | 'js';
  /**
   * lz4 only: 'native' (liblz4, default), 'wasm' (lz4WasmEncoder.ts) or 'binding'
   * (lz4-napi compressSync).
   */
  readonly lz4Encoder?: 'native' | 'wasm' | 'binding';
  /**
   * zstd only: 'native' (the system's libzstd through this package's addon, default;
   * synchronous) or 'binding' (@mongodb-js/zstd, Promise-only, batched).
   */
  readonly zstdEncoder?: 'native' | 'binding';
  /** zstd only: 'native' (libzstd, default; synchronous) or 'binding' (@mongodb-js/zstd). */
  readonly zstdDecoder?: 'native' | 'binding';
}

/**
 * A page codec. Compressed formats are the kernel's: lz4 is one raw LZ4 block per page
 * (no header: the page size is known), zstd is one zstd frame per page, none is the page
 * itself.
 *
 * Sync methods exist only where the binding has a sync call (`sync === true`); the
 * batch methods exist for every codec and are the path that crosses the native boundary
 * once per batch where the binding allows it.
 */
export interface Codec {
  readonly name: CodecName;
  /** Compression level actually passed to the binding (0 when the codec has none). */
  readonly level: number;
  readonly pageSize: number;
  readonly binding: BindingInfo;
  /** True when compressSync/decompressSync are available. */
  readonly sync: boolean;
  /**
   * Compress one page. The result may be a view of codec-owned scratch memory that is
   * only valid until the next call on this codec: copy it (into the arena) before then.
   * Throws CompressError('NO_SYNC_PATH') when `sync` is false, 'COMPRESS_FAILED' on a
   * binding error.
   */
  compressSync(page: Uint8Array): Uint8Array;
  /**
   * Decompress `src` into `dst` (exactly `pageSize` bytes). Throws
   * CompressError('CORRUPT_INPUT') when `src` is not a valid page of this codec.
   */
  decompressSync(src: Uint8Array, dst: Uint8Array): void;
  /**
   * Decompress `src[srcStart, srcEnd)` (a range of a larger buffer, such as an arena
   * zspage) into `dst[dstStart, dstStart + pageSize)` without allocating. Returns false
   * on corrupt input. Throws NO_SYNC_PATH when `sync` is false.
   */
  decompressRange(
    src: Uint8Array,
    srcStart: number,
    srcEnd: number,
    dst: Uint8Array,
    dstStart: number,
  ): boolean;
  /**
   * Compress many pages; each result is owned by the caller. The pages are read before
   * the returned promise's first await (callers may reuse them afterwards).
   */
  compressBatch(pages: readonly Uint8Array[]): Promise<Uint8Array[]>;
  /**
   * Decompress many pages into the matching `dsts` (each `pageSize` bytes). `srcs` are
   * read before the returned promise's first await, so they may be views of memory the
   * caller reuses later (the zswap arena).
   */
  decompressBatch(srcs: readonly Uint8Array[], dsts: readonly Uint8Array[]): Promise<void>;
}
