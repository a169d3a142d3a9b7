/**
 * WorkloadError: the one error class of @tierswap/workload, for what is thrown: a bad
 * argument, a trace or snapshot file that does not parse, a process that is gone, a
 * kernel interface (DAMON, /proc) that is missing or refuses. Every message names the
 * value that was wrong (and for a file, its path and line).
 */

import type { Errno } from '@tierswap/base';
import { TierswapError } from '@tierswap/base';

export const WORKLOAD_ERROR_CODES = Object.freeze({
  /** An argument or option of the wrong type or outside its range (the message names it). */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** A file (trace, snapshot, scenario) whose content does not parse: the message names the file, line and value. */
  BAD_FORMAT: 'BAD_FORMAT',
  /** A process id that names no live process (or one that went away while being read). */
  NO_PROCESS: 'NO_PROCESS',
  /** Not allowed: the caller is not root, or the kernel refused access. */
  PERMISSION: 'PERMISSION',
  /** A kernel feature that is not there (no DAMON sysfs, no vaddr operations). */
  NOT_SUPPORTED: 'NOT_SUPPORTED',
  /** A kernel resource in use by someone else (a running kdamond). */
  BUSY: 'BUSY',
  /** Reading or writing a file or a kernel interface failed. */
  IO_ERROR: 'IO_ERROR',
} as const);

export type WorkloadErrorCode = (typeof WORKLOAD_ERROR_CODES)[keyof typeof WORKLOAD_ERROR_CODES];

const ERRNO_OF: Readonly<Record<WorkloadErrorCode, Errno>> = Object.freeze({
  INVALID_ARGUMENT: 'EINVAL',
  BAD_FORMAT: 'EINVAL',
  NO_PROCESS: 'ENOENT',
  PERMISSION: 'EPERM',
  NOT_SUPPORTED: 'ENODEV',
  BUSY: 'EBUSY',
  IO_ERROR: 'EIO',
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
