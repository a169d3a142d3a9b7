/**
 * CompressError: the one error class of @tierswap/compress, for what is thrown: a bad
 * argument, an unknown codec name, a library that cannot be loaded, a library call that
 * fails. Input that does not decode is not thrown: it is an expected refusal, returned
 * as a Refusal (see types.ts, `DecodeResult`).
 *
 * Why a closed map of codes: callers (the zswap pool, the interface files) tell a
 * missing library (a startup error, zswap.compressor's -ENOENT) from a misuse without
 * parsing messages, and each code says which errno it would be reported as.
 */

import { type Errno, TierswapError } from '@tierswap/base';

export const COMPRESS_ERROR_CODES = Object.freeze({
  /** A library (addon, liblz4 / libzstd, lz4-napi, @mongodb-js/zstd) cannot be loaded. */
  BINDING_LOAD_FAILED: 'BINDING_LOAD_FAILED',
  /** An argument of the wrong type or out of range; the message names it. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** The library failed to compress a page (it never should: the output always fits). */
  COMPRESS_FAILED: 'COMPRESS_FAILED',
  /** An unknown codec name (zswap.compressor answers -ENOENT). */
  UNKNOWN_CODEC: 'UNKNOWN_CODEC',
} as const);

export type CompressErrorCode = (typeof COMPRESS_ERROR_CODES)[keyof typeof COMPRESS_ERROR_CODES];

/** The errno each code is reported as through an interface file. */
const ERRNO_OF: Readonly<Record<CompressErrorCode, Errno>> = Object.freeze({
  BINDING_LOAD_FAILED: 'ENOENT',
  INVALID_ARGUMENT: 'EINVAL',
  COMPRESS_FAILED: 'EIO',
  UNKNOWN_CODEC: 'ENOENT',
});

export class CompressError extends TierswapError<CompressErrorCode> {
  override readonly name = 'CompressError';
  readonly errno: Errno;

  /** `where` is `module.method`; the message reads `@tierswap/compress/<where>: <detail>`. */
  constructor(code: CompressErrorCode, where: string, detail: string, options?: ErrorOptions) {
    super('compress', code, where, detail, options);
    this.errno = ERRNO_OF[code];
  }
}
