/**
 * WorkloadError: the one error class of @tierswap/workload, for what is thrown (a bad
 * argument, a scenario file that does not validate, a source or trace that cannot be
 * read). A refused interface-file write during a scenario is not an error: the runner
 * records it as data in the timeline log.
 */

import type { Errno } from '@tierswap/base';
import { TierswapError } from '@tierswap/base';

export const WORKLOAD_ERROR_CODES = Object.freeze({
  /** An argument or option of the wrong type or outside its range (the message names it). */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** A scenario file or object that does not validate (the message names the field and value). */
  INVALID_SCENARIO: 'INVALID_SCENARIO',
  /** A file, process or server that could not be read or reached. */
  IO_ERROR: 'IO_ERROR',
  /** Something missing on this machine or not built into this version (the message says which). */
  UNSUPPORTED: 'UNSUPPORTED',
} as const);

export type WorkloadErrorCode = (typeof WORKLOAD_ERROR_CODES)[keyof typeof WORKLOAD_ERROR_CODES];

const ERRNO_OF: Readonly<Record<WorkloadErrorCode, Errno>> = Object.freeze({
  INVALID_ARGUMENT: 'EINVAL',
  INVALID_SCENARIO: 'EINVAL',
  IO_ERROR: 'EIO',
  UNSUPPORTED: 'ENOENT',
});

export class WorkloadError extends TierswapError<WorkloadErrorCode> {
  override readonly name = 'WorkloadError';
  readonly errno: Errno;

  constructor(code: WorkloadErrorCode, where: string, detail: string, options?: ErrorOptions) {
    super('workload', code, where, detail, options);
    this.errno = ERRNO_OF[code];
  }
}
