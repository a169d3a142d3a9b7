/**
 * WorkloadError: the one error class of @tierswap/workload, for what is thrown: a bad
 * argument, a scenario, trace or snapshot file that does not validate or parse, a path or
 * process that is not there, a permission the caller lacks, a kernel interface (DAMON,
 * /proc) that is missing or busy, a program a recipe starts that failed. Every message
 * names the value that was wrong (for a file, its path and line). A refused interface-file
 * write during a scenario is not an error: the runner records it as data in its log.
 *
 * Why a closed map of codes: a CLI or a study tells "the process exited" from "run this as
 * root" from "fix your argument" without parsing messages, and each code says which errno
 * it is reported as. A gone process reads as ENOENT, as /proc/PID/* does once the
 * directory is gone (ESRCH is not in @tierswap/base's table).
 */

import { type Errno, TierswapError } from '@tierswap/base';

export const WORKLOAD_ERROR_CODES = Object.freeze({
  /** An argument or option of the wrong type or outside its range (the message names it). */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** A scenario file or object that does not validate (the message names the field and value). */
  INVALID_SCENARIO: 'INVALID_SCENARIO',
  /** A trace or snapshot file that does not parse: foreign, truncated, an unknown version, a bad line. */
  BAD_FORMAT: 'BAD_FORMAT',
  /** A path the caller named does not exist. */
  NOT_FOUND: 'NOT_FOUND',
  /** The caller may not read a file or a process's memory, or is not root; the message says what to do. */
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  /** The process exited (or never existed) before or while it was read. */
  PROCESS_GONE: 'PROCESS_GONE',
  /** A read or write failed for another reason (an I/O error, a full disk, a server away). */
  IO_ERROR: 'IO_ERROR',
  /** Something missing on this machine (DAMON, a program) or not built into this version. */
  UNSUPPORTED: 'UNSUPPORTED',
  /** A kernel resource in use by someone else (a running kdamond). */
  BUSY: 'BUSY',
  /** A program a recipe started failed (exited early, never became ready). */
  PROGRAM_FAILED: 'PROGRAM_FAILED',
} as const);

export type WorkloadErrorCode = (typeof WORKLOAD_ERROR_CODES)[keyof typeof WORKLOAD_ERROR_CODES];

/** The errno each code is reported as. */
const ERRNO_OF: Readonly<Record<WorkloadErrorCode, Errno>> = Object.freeze({
  INVALID_ARGUMENT: 'EINVAL',
  INVALID_SCENARIO: 'EINVAL',
  BAD_FORMAT: 'EINVAL',
  NOT_FOUND: 'ENOENT',
  PERMISSION_DENIED: 'EACCES',
  PROCESS_GONE: 'ENOENT',
  IO_ERROR: 'EIO',
  UNSUPPORTED: 'ENOENT',
  BUSY: 'EBUSY',
  PROGRAM_FAILED: 'EIO',
});

export class WorkloadError extends TierswapError<WorkloadErrorCode> {
  override readonly name = 'WorkloadError';
  readonly errno: Errno;

  /** `where` is `module.method`; the message reads `@tierswap/workload/<where>: <detail>`. */
  constructor(code: WorkloadErrorCode, where: string, detail: string, options?: ErrorOptions) {
    super('workload', code, where, detail, options);
    this.errno = ERRNO_OF[code];
  }
}

/** The error for a bad argument: `where` is `module.method`, `detail` names the value. */
export function invalid(where: string, detail: string): WorkloadError {
  return new WorkloadError('INVALID_ARGUMENT', where, detail);
}
