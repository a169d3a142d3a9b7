/**
 * MemcgError: the one error class of @tierswap/memcg.
 *
 * Two kinds of failure share it. Interface-file writes fail the way the kernel's
 * cgroup files do, with an errno name and its negative value (a write to
 * memory.max of "abc" is EINVAL, -22); those are *returned* by
 * `InterfaceFiles.write` as values and counted by errno, because a bad write is an
 * expected event for a file interface. Programmer misuse (an id that was never
 * allocated, a counter name defined twice) is thrown with one of the non-errno codes.
 *
 * The errno numbers are the x86-64 Linux ones (include/uapi/asm-generic/errno-base.h),
 * so a caller that mirrors a real cgroupfs can compare them directly.
 */

/** errno name → positive errno value (asm-generic/errno-base.h). */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EIO: 5,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ENOSPC: 28,
  ERANGE: 34,
} as const;
export type Errno = keyof typeof ERRNO;

/** Codes for programmer misuse (thrown, never returned). */
export const MEMCG_MISUSE_CODES = {
  BAD_ID: 'BAD_ID',
  BAD_ARGUMENT: 'BAD_ARGUMENT',
  DUPLICATE: 'DUPLICATE',
} as const;
export type MemcgMisuseCode = keyof typeof MEMCG_MISUSE_CODES;

export type MemcgErrorCode = Errno | MemcgMisuseCode;

export function isErrno(code: string): code is Errno {
  return Object.hasOwn(ERRNO, code);
}

export class MemcgError extends Error {
  override readonly name = 'MemcgError';
  readonly code: MemcgErrorCode;
  /** The kernel-style return value (-22 for EINVAL); 0 for misuse codes. */
  readonly errno: number;
  /** The reason alone, without the location prefix (what a CLI would print after the errno). */
  readonly reason: string;

  constructor(code: MemcgErrorCode, where: string, reason: string, options?: { cause?: unknown }) {
    const errno = isErrno(code) ? -ERRNO[code] : 0;
    const tag = isErrno(code) ? `${code} (${errno})` : code;
    super(`@tierswap/memcg/${where}: ${tag}: ${reason}`, options);
    this.code = code;
    this.errno = errno;
    this.reason = reason;
  }
}

/**
 * What an interface-file writer returns when it refuses a write. The registry turns
 * it into a MemcgError that names the file and the text written, so writers only
 * state the reason.
 */
export interface Refusal {
  readonly errno: Errno;
  readonly reason: string;
}

export function refuse(errno: Errno, reason: string): Refusal {
  return { errno, reason };
}

export function isRefusal(value: unknown): value is Refusal {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Refusal).errno === 'string' &&
    typeof (value as Refusal).reason === 'string'
  );
}
