/**
 * Refusal: the one shape of an expected failure in tierswap, returned and never thrown.
 *
 * The kernel returns a negative errno where a caller is expected to cope (a full swap
 * device, a pool over its limit, a bad write to a cgroup file) and counts the reason
 * (reject_compress_poor, swpout_fallback, ...). A Refusal carries both: the errno the
 * kernel would return and the `code` it is counted under, plus a readable reason that
 * names the values involved. Success is a plain value (a slot number, an entry, `true`),
 * so a caller tells the two apart with `isRefusal()`.
 *
 * Why an object and not a sentinel number or a string: one check works for every
 * layer, the errno survives up to the interface file that reports it, and the reason
 * reaches the user. Hot paths return frozen refusals made once at module load
 * (`refusal()` at top level), so refusing allocates nothing; only refusals whose reason
 * names a value (interface files) are built per call.
 */

import type { Errno } from './errno.js';
import { isErrno } from './errno.js';

export interface Refusal<Code extends string = string> {
  /** What the kernel would return (as a name; ERRNO maps it to the number). */
  readonly errno: Errno;
  /** The reason's name, and the stats counter it is counted under. */
  readonly code: Code;
  /** For a person: what was refused and the values involved. */
  readonly reason: string;
}

/** A frozen refusal. With no `code`, the errno's name is the code. */
export function refuse<Code extends string = Errno>(
  errno: Errno,
  reason: string,
  code?: Code,
): Refusal<Code> {
  return Object.freeze({ errno, code: (code ?? errno) as Code, reason });
}

export function isRefusal(value: unknown): value is Refusal {
  return (
    typeof value === 'object' &&
    value !== null &&
    isErrno((value as Refusal).errno) &&
    typeof (value as Refusal).code === 'string' &&
    typeof (value as Refusal).reason === 'string'
  );
}
