/**
 * TieredStoreError: the one error class of @tierswap/tiered-store.
 *
 * Device I/O failures are thrown (IO_ERROR, CHECKSUM_MISMATCH, BUSY): they are
 * exceptional for the device and the swap layer above catches them, counts them
 * and reacts (marks a slot bad, retries elsewhere). Programmer misuse throws with
 * the remaining codes. Expected refusals of the swap layer (no room, over
 * memory.swap.max) are returned as values, not thrown; interface-file refusals use
 * the memcg Refusal/MemcgError types so errno handling stays in one place.
 */
export const TIERED_STORE_ERROR_CODES = {
  /** A device read or write failed (the kernel's -EIO). */
  IO_ERROR: 'IO_ERROR',
  /** The crc32c kept beside a page does not match the bytes read back. */
  CHECKSUM_MISMATCH: 'CHECKSUM_MISMATCH',
  /** SQLite stayed busy for longer than the retry bound. */
  BUSY: 'BUSY',
  /** A read of a slot that holds no page (never written, or discarded). */
  NOT_WRITTEN: 'NOT_WRITTEN',
  /** Slot, length or option outside its valid range. */
  BAD_ARGUMENT: 'BAD_ARGUMENT',
  /** The device was closed. */
  CLOSED: 'CLOSED',
  /** swapon of an active device, swapoff of an inactive one, a bad swap slot. */
  BAD_STATE: 'BAD_STATE',
} as const;
export type TieredStoreErrorCode = keyof typeof TIERED_STORE_ERROR_CODES;

export class TieredStoreError extends Error {
  override readonly name = 'TieredStoreError';
  readonly code: TieredStoreErrorCode;

  constructor(
    code: TieredStoreErrorCode,
    where: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`@tierswap/tiered-store/${where}: ${detail}`, options);
    this.code = code;
  }
}

/** Normalises anything thrown by a binding into a TieredStoreError (IO_ERROR unless already typed). */
export function toTieredStoreError(e: unknown, where: string): TieredStoreError {
  if (e instanceof TieredStoreError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new TieredStoreError('IO_ERROR', where, msg, { cause: e });
}
