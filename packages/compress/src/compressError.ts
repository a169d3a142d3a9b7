/**
 * CompressError: the one error class of @tierswap/compress.
 *
 * Why: callers (the zswap pool) must tell a failed compression (counted as
 * reject_compress_fail) from corrupt input on decompression (decompress_fail) from a
 * missing binding (a startup error) without parsing messages, so every error carries a
 * `code` from the closed map below, and messages name `@tierswap/compress/module.method`
 * with the values involved.
 */

export const COMPRESS_ERROR_CODES = {
  /** A native binding could not be loaded. Raised at codec creation, never later. */
  BINDING_LOAD_FAILED: 'BINDING_LOAD_FAILED',
  /** Arguments out of range (page size, level, buffer length). */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** The codec has no synchronous path (zstd through @mongodb-js/zstd). */
  NO_SYNC_PATH: 'NO_SYNC_PATH',
  /** The binding failed to compress a page. */
  COMPRESS_FAILED: 'COMPRESS_FAILED',
  /** The compressed input is not a valid page for this codec. */
  CORRUPT_INPUT: 'CORRUPT_INPUT',
  /** An unknown codec name was asked for (zswap.compressor answers -ENOENT). */
  UNKNOWN_CODEC: 'UNKNOWN_CODEC',
} as const;

export type CompressErrorCode = (typeof COMPRESS_ERROR_CODES)[keyof typeof COMPRESS_ERROR_CODES];

export class CompressError extends Error {
  override readonly name = 'CompressError';
  readonly code: CompressErrorCode;

  constructor(code: CompressErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
