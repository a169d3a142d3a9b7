/**
 * CliError: the one error class of the tierswap command, for a failure the command
 * reports and exits 1 on (a file it cannot read, a process that is gone). Usage errors
 * (an unknown option, a bad argument value) are commander's and exit 2.
 */

import type { Errno } from '@tierswap/base';
import { TierswapError } from '@tierswap/base';

export const CLI_ERROR_CODES = Object.freeze({
  /** An argument or option value the command cannot use (the message names it). */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** A file or process the command was pointed at is missing or unreadable. */
  NOT_FOUND: 'NOT_FOUND',
  /** The work itself failed (a stack refused a scripted write, a report failed). */
  FAILED: 'FAILED',
} as const);

export type CliErrorCode = (typeof CLI_ERROR_CODES)[keyof typeof CLI_ERROR_CODES];

const ERRNO_OF: Readonly<Record<CliErrorCode, Errno>> = Object.freeze({
  INVALID_ARGUMENT: 'EINVAL',
  NOT_FOUND: 'ENOENT',
  FAILED: 'EIO',
});

export class CliError extends TierswapError<CliErrorCode> {
  override readonly name = 'CliError';
  readonly errno: Errno;

  constructor(code: CliErrorCode, where: string, detail: string, options?: ErrorOptions) {
    super('cli', code, where, detail, options);
    this.errno = ERRNO_OF[code];
  }
}
