/**
 * VswapError: the one error class of @tierswap/vswap.
 *
 * It is thrown only for programmer misuse: an entry that is not allocated (never, or no
 * longer), a put below zero, a backend that cannot be encoded, two entries claiming one
 * physical slot. Expected refusals (virtual space full, EEXIST in the swap cache, a stale
 * transfer) are returned as values and counted in stats(), the way the kernel counts its
 * reject_* reasons instead of failing.
 */

export const VSWAP_ERROR_CODES = {
  INVALID_OPTION: 'INVALID_OPTION',
  UNKNOWN_ENTRY: 'UNKNOWN_ENTRY',
  PUT_BELOW_ZERO: 'PUT_BELOW_ZERO',
  BAD_BACKEND: 'BAD_BACKEND',
  SAME_BACKEND: 'SAME_BACKEND',
  SLOT_IN_USE: 'SLOT_IN_USE',
  CACHE_NOT_HELD: 'CACHE_NOT_HELD',
  BAD_MEMCG: 'BAD_MEMCG',
  BAD_STREAM: 'BAD_STREAM',
  BAD_DEVICE: 'BAD_DEVICE',
  CORRUPT: 'CORRUPT',
} as const;

export type VswapErrorCode = (typeof VSWAP_ERROR_CODES)[keyof typeof VSWAP_ERROR_CODES];

export class VswapError extends Error {
  override readonly name = 'VswapError';
  readonly code: VswapErrorCode;

  /** `where` is `module.method`; the message then names the package, the method and the values. */
  constructor(code: VswapErrorCode, where: string, detail: string, options?: { cause?: unknown }) {
    super(`@tierswap/vswap/${where}: ${detail}`, options);
    this.code = code;
  }
}
