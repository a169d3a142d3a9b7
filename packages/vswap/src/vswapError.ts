/**
 * VswapError: the one error class of @tierswap/vswap, for what is thrown.
 *
 * It is thrown only for misuse, a programmer error: a bad argument (`INVALID_ARGUMENT`,
 * the message names the value: an id outside its range, a word that is not a backend, an
 * option of the wrong type), an entry that is not allocated (never, or no longer), a put
 * below zero, two entries claiming one physical slot. Expected refusals (virtual space
 * full, EEXIST in the swap cache, a stale transfer) are returned as Refusals and counted
 * in stats(), the way the kernel counts its reject_* reasons instead of failing.
 */

import type { Errno } from '@tierswap/base';
import { TierswapError } from '@tierswap/base';

export const VSWAP_ERROR_CODES = Object.freeze({
  /** An argument or option of the wrong type or outside its range (the message names it). */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** An entry inside the virtual space that is not allocated (never, or already freed). */
  UNKNOWN_ENTRY: 'UNKNOWN_ENTRY',
  /** put() of an entry whose swap count is already 0 (only the swap cache holds it). */
  PUT_BELOW_ZERO: 'PUT_BELOW_ZERO',
  /** transfer() to the backend the entry already has. */
  SAME_BACKEND: 'SAME_BACKEND',
  /** transfer() to a (device, slot) that already backs another entry. */
  SLOT_IN_USE: 'SLOT_IN_USE',
  /** cacheDelete() of an entry that is not in the swap cache. */
  CACHE_NOT_HELD: 'CACHE_NOT_HELD',
  /** verify() (or an internal check) found a broken invariant. */
  CORRUPT: 'CORRUPT',
} as const);

export type VswapErrorCode = (typeof VSWAP_ERROR_CODES)[keyof typeof VSWAP_ERROR_CODES];

const ERRNO_OF: Readonly<Record<VswapErrorCode, Errno>> = Object.freeze({
  INVALID_ARGUMENT: 'EINVAL',
  UNKNOWN_ENTRY: 'ENOENT',
  PUT_BELOW_ZERO: 'EINVAL',
  SAME_BACKEND: 'EINVAL',
  SLOT_IN_USE: 'EBUSY',
  CACHE_NOT_HELD: 'ENOENT',
  CORRUPT: 'EIO',
});

export class VswapError extends TierswapError<VswapErrorCode> {
  override readonly name = 'VswapError';
  readonly errno: Errno;

  /** `where` is `module.method`; the message then names the package, the method and the values. */
  constructor(code: VswapErrorCode, where: string, detail: string, options?: ErrorOptions) {
    super('vswap', code, where, detail, options);
    this.errno = ERRNO_OF[code];
  }
}

/** Throws INVALID_ARGUMENT from `where` (cold: keeps the checking methods small). */
export function invalidArgument(where: string, detail: string): never {
  throw new VswapError('INVALID_ARGUMENT', where, detail);
}
