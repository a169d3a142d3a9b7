/**
 * WorkloadError: the one error class of @tierswap/workload, for what is thrown: a bad
 * argument, a scenario, trace or snapshot file that does not validate or parse, a
 * process that is gone, a kernel interface (DAMON, /proc) that is missing, busy or
 * refuses. Every message names the value that was wrong (for a file, its path and line).
 * A refused interface-file write during a scenario is not an error: the runner records
 * it as data in the timeline log.
 */

import type { Errno } from '@tierswap/base';
import { TierswapError } from '@tierswap/base';

export const WORKLOAD_ERROR_CODES = Object.freeze({
  /** An argument or option of the wrong type or outside its range (the message names it). */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** A scenario file or object that does not validate (the message names the field and value). */
  INVALID_SCENARIO: 'INVALID_SCENARIO',
  /** A trace or snapshot file whose content does not parse (the message names the file, line and value). */
  BAD_FORMAT: 'BAD_FORMAT',
  /** A file, process or server that could not be read or reached. */
  IO_ERROR: 'IO_ERROR',
  /** Something missing on this machine or not built into this version (the message says which). */
  UNSUPPORTED: 'UNSUPPORTED',
  /** A process id that names no live process (or one that went away while being read). */
  NO_PROCESS: 'NO_PROCESS',
  /** Not allowed: the caller is not root, or the kernel refused access. */
  PERMISSION: 'PERMISSION',
  /** A kernel resource in use by someone else (a running kdamond). */
  BUSY: 'BUSY',
} as const);

export type WorkloadErrorCode = (typeof WORKLOAD_ERROR_CODES)[keyof typeof WORKLOAD_ERROR_CODES];

const ERRNO_OF: Readonly<Record<WorkloadErrorCode, Errno>> = Object.freeze({
  INVALID_ARGUMENT: 'EINVAL',
  INVALID_SCENARIO: 'EINVAL',
  BAD_FORMAT: 'EINVAL',
  IO_ERROR: 'EIO',
  UNSUPPORTED: 'ENOENT',
  NO_PROCESS: 'ENOENT',
  PERMISSION: 'EPERM',
  BUSY: 'EBUSY',
});

export class WorkloadError extends TierswapError<WorkloadErrorCode> {
  override readonly name = 'WorkloadError';
  readonly errno: Errno;

  constructor(code: WorkloadErrorCode, where: string, detail: string, options?: ErrorOptions) {
    super('workload', code, where, detail, options);
    this.errno = ERRNO_OF[code];
  }
}

/** The error for a bad argument: `where` is `module.method`, `detail` names the value. */
export function invalid(where: string, detail: string): WorkloadError {
  return new WorkloadError('INVALID_ARGUMENT', where, detail);
}
