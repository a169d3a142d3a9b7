/**
 * TieredStoreError: the one error class of @tierswap/tiered-store, a TierswapError
 * from @tierswap/base (constructor `(code, where, detail, options?)`, message
 * `@tierswap/tiered-store/<where>: <detail>`).
 *
 * What is thrown: device I/O failures (IO_ERROR, CHECKSUM_MISMATCH, BUSY), which are
 * exceptional for a device and which the swap layer above catches, counts and reacts
 * to (marks a slot bad, places the page elsewhere), and misuse (INVALID_ARGUMENT,
 * BAD_STATE, CLOSED, NOT_WRITTEN). Expected refusals of the swap layer (no room, over
 * memory.swap.max) are returned as a Refusal from @tierswap/base, never thrown.
 */
import type { Errno } from '@tierswap/base';
import { TierswapError } from '@tierswap/base';

export const TIERED_STORE_ERROR_CODES = {
  /** A device read or write failed (the kernel's -EIO). */
  IO_ERROR: 'IO_ERROR',
  /** The crc32c kept beside a page does not match the bytes read back. */
  CHECKSUM_MISMATCH: 'CHECKSUM_MISMATCH',
  /** SQLite stayed busy for longer than the retry bound. */
  BUSY: 'BUSY',
  /** A read of a slot that holds no page (never written, or discarded). */
  NOT_WRITTEN: 'NOT_WRITTEN',
  /** A value of the wrong type, or a slot, length or option outside its valid range. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** The device was closed. */
  CLOSED: 'CLOSED',
  /** swapon of an active device, swapoff of an inactive one, a slot not in use, a call from inside a callback. */
  BAD_STATE: 'BAD_STATE',
  /** A caller's callback (swapoff's onMove, the tiers' onRemoved) threw; `cause` holds what it threw. */
  CALLBACK_FAILED: 'CALLBACK_FAILED',
} as const;
export type TieredStoreErrorCode = keyof typeof TIERED_STORE_ERROR_CODES;

/** The errno each code is reported as through an interface file. */
const ERRNO_OF: Readonly<Record<TieredStoreErrorCode, Errno>> = {
  IO_ERROR: 'EIO',
  CHECKSUM_MISMATCH: 'EIO',
  BUSY: 'EBUSY',
  NOT_WRITTEN: 'ENOENT',
  INVALID_ARGUMENT: 'EINVAL',
  CLOSED: 'ENODEV',
  BAD_STATE: 'EINVAL',
  CALLBACK_FAILED: 'EIO',
};

export class TieredStoreError extends TierswapError<TieredStoreErrorCode> {
  override readonly name = 'TieredStoreError';
  readonly errno: Errno;

  constructor(code: TieredStoreErrorCode, where: string, detail: string, options?: ErrorOptions) {
    super('tiered-store', code, where, detail, options);
    this.errno = ERRNO_OF[code];
  }
}

/** Normalises anything thrown by a binding into a TieredStoreError (IO_ERROR unless already typed). */
export function toTieredStoreError(e: unknown, where: string): TieredStoreError {
  if (e instanceof TieredStoreError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new TieredStoreError('IO_ERROR', where, msg, { cause: e });
}
