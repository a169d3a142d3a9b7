/**
 * The argument checks every public entry point of @tierswap/memcg makes before it
 * changes anything: a refused call throws MemcgError('INVALID_ARGUMENT') naming the
 * value, and leaves the tree as it was. Page counts and limits are finite non-negative
 * integers (a NaN or a fraction would spread up the tree and make a file unreadable).
 */

import { MemcgError } from './memcgError.js';

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v == null) return String(v);
  if (typeof v === 'bigint') return `${v}n`;
  return Object.prototype.toString.call(v);
}

export function checkString(v: unknown, where: string, what: string): asserts v is string {
  if (typeof v !== 'string') {
    throw new MemcgError('INVALID_ARGUMENT', where, `${what} must be a string, got ${show(v)}`);
  }
}

/** A non-negative safe integer (a page or byte count). */
export function checkCount(v: unknown, where: string, what: string): asserts v is number {
  if (!Number.isSafeInteger(v) || (v as number) < 0) {
    throw new MemcgError(
      'INVALID_ARGUMENT',
      where,
      `${what} must be an integer >= 0, got ${show(v)}`,
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
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new MemcgError(
      'INVALID_ARGUMENT',
      where,
      `${what} must be an integer in ${min}..${max}, got ${show(v)}`,
    );
  }
}

export function checkBoolean(v: unknown, where: string, what: string): asserts v is boolean {
  if (typeof v !== 'boolean') {
    throw new MemcgError('INVALID_ARGUMENT', where, `${what} must be a boolean, got ${show(v)}`);
  }
}

export { show as showValue };
