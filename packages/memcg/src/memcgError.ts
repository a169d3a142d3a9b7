/**
 * MemcgError: the one error class of @tierswap/memcg, for what is thrown: programmer
 * misuse (a bad argument, an id that names no group, a counter or file defined twice,
 * reading a file a group does not have) and `writeOrThrow` turning a refused write into
 * an exception for setup code.
 *
 * Expected refusals (a bad write to memory.max, mkdir of an existing path) are not
 * errors: they are returned as a Refusal from @tierswap/base, as the kernel returns a
 * negative errno from a cgroup file write.
 */

import type { Errno } from '@tierswap/base';
import { TierswapError } from '@tierswap/base';

export const MEMCG_ERROR_CODES = {
  /** An argument of the wrong type or out of range (a fractional page count, NaN). */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** An id that names no allocated group (out of range, freed, never made). */
  BAD_ID: 'BAD_ID',
  /** A counter or interface file defined twice. */
  DUPLICATE: 'DUPLICATE',
  /** An interface file that does not exist on the group (ENOENT). */
  NO_FILE: 'NO_FILE',
  /** Reading a write-only file (EACCES). */
  NOT_READABLE: 'NOT_READABLE',
  /** writeOrThrow: the write was refused; `errno` is the refusal's. */
  REFUSED: 'REFUSED',
} as const;

export type MemcgErrorCode = keyof typeof MEMCG_ERROR_CODES;

const ERRNO_OF: Readonly<Record<MemcgErrorCode, Errno>> = {
  INVALID_ARGUMENT: 'EINVAL',
  BAD_ID: 'ENOENT',
  DUPLICATE: 'EEXIST',
  NO_FILE: 'ENOENT',
  NOT_READABLE: 'EACCES',
  REFUSED: 'EINVAL',
};

export interface MemcgErrorOptions extends ErrorOptions {
  /** The errno to report instead of the code's own (REFUSED carries the refusal's). */
  readonly errno?: Errno;
}

export class MemcgError extends TierswapError<MemcgErrorCode> {
  override readonly name = 'MemcgError';
  readonly errno: Errno;

  constructor(code: MemcgErrorCode, where: string, detail: string, options?: MemcgErrorOptions) {
    super('memcg', code, where, detail, options);
    this.errno = options?.errno ?? ERRNO_OF[code];
  }
}
