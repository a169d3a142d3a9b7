/**
 * The kernel's errno names and values (include/uapi/asm-generic/errno-base.h and
 * errno.h, x86-64), the one table every layer answers with: interface files refuse a
 * write with EINVAL, a device read fails with EIO, a full pool is ENOSPC. Keeping the
 * numbers means a caller mirroring a real cgroupfs or sysfs can compare them directly.
 */

/** errno name → positive errno value. */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EIO: 5,
  E2BIG: 7,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ENOSPC: 28,
  EROFS: 30,
  ERANGE: 34,
  ENOTEMPTY: 39,
  ETIMEDOUT: 110,
} as const;

export type Errno = keyof typeof ERRNO;

/** The text strerror(3) prints for each errno, as a shell shows it after `write error:`. */
export const ERRNO_TEXT: Readonly<Record<Errno, string>> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  EINTR: 'Interrupted system call',
  EIO: 'Input/output error',
  E2BIG: 'Argument list too long',
  EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  ENODEV: 'No such device',
  EINVAL: 'Invalid argument',
  ENOSPC: 'No space left on device',
  EROFS: 'Read-only file system',
  ERANGE: 'Numerical result out of range',
  ENOTEMPTY: 'Directory not empty',
  ETIMEDOUT: 'Connection timed out',
};

export function isErrno(name: unknown): name is Errno {
  return typeof name === 'string' && Object.hasOwn(ERRNO, name);
}
