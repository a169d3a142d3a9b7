/**
 * The argument checks every public entry point of @tierswap/memcg makes before it
 * changes anything: a refused call throws MemcgError('INVALID_ARGUMENT') naming the
 * value, and leaves the tree as it was. Page counts and limits are finite non-negative
 * integers (a NaN or a fraction would spread up the tree and make a file unreadable).
 */

import { isIntInRange, showValue } from '@tierswap/base';
import { MemcgError } from './memcgError.js';

export function checkString(v: unknown, where: string, what: string): asserts v is string {
  if (typeof v !== 'string') {
    throw new MemcgError(
      'INVALID_ARGUMENT',
      where,
      `${what} must be a string, got ${showValue(v)}`,
    );
  }
}

/** A non-negative safe integer (a page or byte count). */
export function checkCount(v: unknown, where: string, what: string): asserts v is number {
  if (!isIntInRange(v, 0, Number.MAX_SAFE_INTEGER)) {
    throw new MemcgError(
      'INVALID_ARGUMENT',
      where,
      `${what} must be an integer >= 0, got ${showValue(v)}`,
    );
  }
}

/** A safe integer in [min, max]. */
export function checkInt(
  v: unknown,
  min: number,
  max: number,
  where: string,
  what: string,
): asserts v is number {
  if (!isIntInRange(v, min, max)) {
    throw new MemcgError(
      'INVALID_ARGUMENT',
      where,
      `${what} must be an integer in ${min}..${max}, got ${showValue(v)}`,
    );
  }
}

export function checkBoolean(v: unknown, where: string, what: string): asserts v is boolean {
  if (typeof v !== 'boolean') {
    throw new MemcgError(
      'INVALID_ARGUMENT',
      where,
      `${what} must be a boolean, got ${showValue(v)}`,
    );
  }
}
