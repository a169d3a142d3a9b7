/**
 * Opening and wiping a device's file without following symlinks and without an
 * unlink-and-recreate window, shared by FileDevice and SqliteDevice.
 *
 * The path is opened once with O_NOFOLLOW, and everything after that (the type and link
 * count check, chmod 0600, truncation, the zero fill) goes through the descriptor, never
 * the path again: a symlink planted at the path is refused (ELOOP), a symlink or file
 * planted between two steps is never touched. A new file is created with O_EXCL; an
 * existing one is reused only if it is a regular file with one link (a hard link to
 * someone else's file would be overwritten otherwise). When creation fails half way (a
 * full filesystem), a file we created is unlinked if the path still names it, and one
 * we reused is truncated to zero: nothing partial is left behind.
 *
 * Failures are TieredStoreError('IO_ERROR') naming the path and the errno.
 */
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  ftruncateSync,
  lstatSync,
  openSync,
  unlinkSync,
} from 'node:fs';
import { constants as osConstants } from 'node:os';
import { TieredStoreError } from './tieredStoreError.js';

const ERRNO_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(osConstants.errno).map(([name, n]) => [n, name]),
);

/** The name of a positive errno value ("ENOSPC"), or "errno N". */
export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
}

function codeOf(e: unknown): string {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : 'EIO';
}

/** An error of a call on `path`, typed, naming the path and the errno. */
export function pathError(e: unknown, path: string, what: string, where: string): TieredStoreError {
  if (e instanceof TieredStoreError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new TieredStoreError('IO_ERROR', where, `cannot ${what} ${path}: ${codeOf(e)} (${msg})`, {
    cause: e,
  });
}

/** Checks a device path option: a non-empty string without NUL bytes. */
export function checkPath(path: unknown, where: string): string {
  if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) {
    throw new TieredStoreError(
      'INVALID_ARGUMENT',
      where,
      `path ${JSON.stringify(String(path))} must be a non-empty string without NUL bytes`,
    );
  }
  return path;
}

export interface DeviceFile {
  readonly fd: number;
  /** True when this call created the file (so a failure removes it). */
  readonly created: boolean;
}

/** Opens (creating with mode 0600 when absent) `path` for a device, without following symlinks. */
export function openDeviceFile(path: string, where: string): DeviceFile {
  const { O_RDWR, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;
  for (let attempt = 0; attempt < 8; attempt++) {
    let fd: number;
    let created: boolean;
    try {
      fd = openSync(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
      created = true;
    } catch (e) {
      if (codeOf(e) !== 'EEXIST') throw pathError(e, path, 'create', where);
      try {
        fd = openSync(path, O_RDWR | O_NOFOLLOW);
        created = false;
      } catch (e2) {
        if (codeOf(e2) === 'ENOENT') continue; // removed between the two opens: again
        throw pathError(e2, path, 'open', where);
      }
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile() || st.nlink !== 1) {
        throw new TieredStoreError(
          'IO_ERROR',
          where,
          `cannot use ${path}: EEXIST (not a regular file with one link; refusing to overwrite it)`,
        );
      }
      fchmodSync(fd, 0o600); // open() leaves the mode of an existing file alone
    } catch (e) {
      closeSync(fd);
      throw pathError(e, path, 'open', where);
    }
    return { fd, created };
  }
  throw new TieredStoreError('IO_ERROR', where, `cannot open ${path}: EAGAIN (it keeps changing)`);
}

/**
 * Undoes a half-made device file: unlinks it if we created it and the path still names
 * it, else truncates it to zero. Closes the descriptor. Never throws.
 */
export function abandonDeviceFile(file: DeviceFile, path: string): void {
  try {
    if (file.created) {
      const mine = fstatSync(file.fd);
      const there = lstatSync(path, { throwIfNoEntry: false });
      if (there !== undefined && there.ino === mine.ino && there.dev === mine.dev) unlinkSync(path);
      else ftruncateSync(file.fd, 0);
    } else {
      ftruncateSync(file.fd, 0);
    }
  } catch {
    // Best effort: the original error is the one worth reporting.
  } finally {
    try {
      closeSync(file.fd);
    } catch {
      // already closed
    }
  }
}
