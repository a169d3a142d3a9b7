/**
 * StackError: the one error class of @tierswap/stack, for what is thrown (misuse and
 * failures that cannot be handled in line). Expected failures of interface files are
 * returned as Refusals from @tierswap/base, never thrown.
 */

import type { Errno } from '@tierswap/base';
import { TierswapError } from '@tierswap/base';

export const STACK_ERROR_CODES = Object.freeze({
  /** An argument or option of the wrong type or outside its range (the message names it). */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** A process id that names no live process. */
  NO_PROCESS: 'NO_PROCESS',
  /** No free page frame even after reclaiming (the machine's RAM is exhausted). */
  OUT_OF_MEMORY: 'OUT_OF_MEMORY',
  /** A swapped-out page could not be read back (decompression or device failure). */
  IO_ERROR: 'IO_ERROR',
} as const);

export type StackErrorCode = (typeof STACK_ERROR_CODES)[keyof typeof STACK_ERROR_CODES];

const ERRNO_OF: Readonly<Record<StackErrorCode, Errno>> = Object.freeze({
  INVALID_ARGUMENT: 'EINVAL',
  NO_PROCESS: 'ENOENT',
  OUT_OF_MEMORY: 'ENOMEM',
  IO_ERROR: 'EIO',
});

export class StackError extends TierswapError<StackErrorCode> {
  override readonly name = 'StackError';
  readonly errno: Errno;

  constructor(code: StackErrorCode, where: string, detail: string, options?: ErrorOptions) {
    super('stack', code, where, detail, options);
    this.errno = ERRNO_OF[code];
  }
}

export function invalid(where: string, detail: string): StackError {
  return new StackError('INVALID_ARGUMENT', where, detail);
}
