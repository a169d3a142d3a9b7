/**
 * WorkloadError: the one error class of @tierswap/workload, for what is thrown: a bad
 * argument, a path or process that is not there, a permission the caller lacks, a file
 * that is not a snapshot, a program a recipe needs that is not installed.
 *
 * Why a closed map of codes: a CLI or a study tells "the process exited" from "run this
 * as root" from "fix your argument" without parsing messages, and each code says which
 * errno it would be reported as. The kernel reports a gone process through /proc as
 * ENOENT (the /proc/PID directory is gone); ESRCH is not in @tierswap/base's table, so
 * PROCESS_GONE keeps ENOENT, which is what a reader of /proc/PID/* sees.
 *
 * Other parts of the package add their codes here (one line each, with the errno).
 */

import { type Errno, TierswapError } from '@tierswap/base';

export const WORKLOAD_ERROR_CODES = Object.freeze({
  /** An argument of the wrong type or out of range; the message names it. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** A path the caller named does not exist. */
  NOT_FOUND: 'NOT_FOUND',
  /** The caller may not read a file or a process's memory; the message says what to do. */
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  /** The process exited (or never existed) before or while it was read. */
  PROCESS_GONE: 'PROCESS_GONE',
  /** A read or write failed for another reason (an I/O error, a full disk). */
  IO_FAILED: 'IO_FAILED',
  /** A file is not a snapshot of this format (foreign, truncated, unknown version). */
  BAD_SNAPSHOT: 'BAD_SNAPSHOT',
  /** A program a recipe starts is not installed. */
  PROGRAM_MISSING: 'PROGRAM_MISSING',
  /** A program a recipe started failed (exited early, never became ready). */
  PROGRAM_FAILED: 'PROGRAM_FAILED',
} as const);

export type WorkloadErrorCode = (typeof WORKLOAD_ERROR_CODES)[keyof typeof WORKLOAD_ERROR_CODES];

/** The errno each code is reported as. */
const ERRNO_OF: Readonly<Record<WorkloadErrorCode, Errno>> = Object.freeze({
  INVALID_ARGUMENT: 'EINVAL',
  NOT_FOUND: 'ENOENT',
  PERMISSION_DENIED: 'EACCES',
  PROCESS_GONE: 'ENOENT',
  IO_FAILED: 'EIO',
  BAD_SNAPSHOT: 'EINVAL',
  PROGRAM_MISSING: 'ENOENT',
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
