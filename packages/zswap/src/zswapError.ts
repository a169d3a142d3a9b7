/**
 * ZswapError: the one error class of @tierswap/zswap, for programmer misuse only.
 *
 * Why: expected refusals (pool full, memcg over zswap.max, poor compression, target
 * full) are returned as values and counted by reason, as the kernel's reject_* counters
 * do. What throws is misuse: bad options, an id out of range, a sync call on an
 * async-only codec. Messages name `@tierswap/zswap/module.method` and the values.
 */

export const ZSWAP_ERROR_CODES = {
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** A sync method was called on an entry or codec that only has an async path. */
  ASYNC_ONLY: 'ASYNC_ONLY',
  /** An arena handle that does not name a live object. */
  BAD_HANDLE: 'BAD_HANDLE',
  /** More codecs in use at once than the entry encoding can name. */
  TOO_MANY_CODECS: 'TOO_MANY_CODECS',
} as const;

export type ZswapErrorCode = (typeof ZSWAP_ERROR_CODES)[keyof typeof ZSWAP_ERROR_CODES];

export class ZswapError extends Error {
  override readonly name = 'ZswapError';
  readonly code: ZswapErrorCode;

  constructor(code: ZswapErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
