/**
 * ZswapError: the one error class of @tierswap/zswap, for what is thrown: misuse (bad
 * options, an id out of range, a page that is not a Uint8Array of the pool's page
 * size), an arena handle that names nothing, and a codec switch beyond the 8 codecs an
 * entry can name. Expected refusals (pool full, memcg over zswap.max, poor
 * compression, target full) are returned as Refusals instead (refusals.ts), as the
 * kernel's zswap_store() returns false and counts the reason.
 */

import type { Errno } from '@tierswap/base';
import { TierswapError } from '@tierswap/base';

export const ZSWAP_ERROR_CODES = {
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** An arena handle that does not name a live object. */
  BAD_HANDLE: 'BAD_HANDLE',
  /** More codecs in use at once than the entry encoding can name. */
  TOO_MANY_CODECS: 'TOO_MANY_CODECS',
} as const;

export type ZswapErrorCode = keyof typeof ZSWAP_ERROR_CODES;

const ERRNO_OF: Readonly<Record<ZswapErrorCode, Errno>> = {
  INVALID_ARGUMENT: 'EINVAL',
  BAD_HANDLE: 'EINVAL',
  TOO_MANY_CODECS: 'EBUSY',
};

export class ZswapError extends TierswapError<ZswapErrorCode> {
  override readonly name = 'ZswapError';
  readonly errno: Errno;

  constructor(code: ZswapErrorCode, where: string, detail: string, options?: ErrorOptions) {
    super('zswap', code, where, detail, options);
    this.errno = ERRNO_OF[code];
  }
}
