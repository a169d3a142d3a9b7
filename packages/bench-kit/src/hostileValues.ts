/**
 * Hostile values for the boundary tests of every package: what a caller might pass where
 * a number, a page or an options object is expected. Each package's boundary test checks
 * that any of these either gets a valid result or a typed error that changed nothing;
 * the lists live here so that every package is held to the same values.
 *
 * Why numbers and non-numbers apart: most entry points take integers, and their checks
 * fail in different ways for a NaN (comparisons are false), a fraction, a value past
 * 2^31, 2^32 or 2^53 (bit operations wrap, doubles lose precision) and for a value that
 * is not a number at all (a numeric string or an object with valueOf coerces, a bigint or
 * a symbol throws inside arithmetic and template literals). The arbitrary mixes them
 * with in-range integers, so a run also reaches states where the hostile call matters.
 */

import fc from 'fast-check';

/**
 * Numbers no entry point takes as an index, a slot or an id (none is an integer in
 * 0..2^32-1; -1 is only taken where it means "none", as a priority does).
 */
export const HOSTILE_NUMBERS: readonly number[] = Object.freeze([
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  0.5,
  1.5,
  -0.5,
  -1,
  2 ** 32,
  2 ** 32 + 1,
  2 ** 53,
  Number.MAX_VALUE,
]);

/**
 * Numbers at the edge of what a u32 argument takes, valid or not depending on the entry
 * point: -0 (it is 0 to `>>> 0`), 2^31 (negative to `| 0`) and 2^32 - 1.
 */
export const EDGE_NUMBERS: readonly number[] = Object.freeze([-0, 2 ** 31, 2 ** 32 - 1]);

/** Values that are not numbers but end up where one is expected. */
export const HOSTILE_NON_NUMBERS: readonly unknown[] = Object.freeze<unknown[]>([
  '0',
  '1',
  '',
  ' 1',
  '0x1',
  null,
  undefined,
  true,
  false,
  [],
  [1],
  {},
  { valueOf: () => 0 },
  1n,
  Symbol('hostile'),
  () => 0,
]);

/** Both lists: values no entry point takes where it expects an index, a page or an id. */
export const HOSTILE_VALUES: readonly unknown[] = Object.freeze<unknown[]>([
  ...HOSTILE_NUMBERS,
  ...HOSTILE_NON_NUMBERS,
]);

/** Byte containers that are not one Uint8Array page of `pageSize` bytes. */
export function hostileBuffers(pageSize: number): unknown[] {
  return [
    new DataView(new ArrayBuffer(pageSize)),
    new Uint16Array(pageSize / 2),
    new Uint8ClampedArray(pageSize),
    new ArrayBuffer(pageSize),
    new Uint8Array(0),
    new Uint8Array(pageSize + 1),
  ];
}

export interface HostileValueOptions {
  /** The integers drawn most often, usually the valid range plus a little: default -3..80. */
  readonly min?: number;
  readonly max?: number;
  /** More numbers at this package's edges (its table sizes, 2^27, ...). */
  readonly edges?: readonly number[];
  /** More values of any kind (this package's names, pages, option objects). */
  readonly extra?: readonly unknown[];
}

/**
 * Any value a caller might pass: in-range integers most often (so calls succeed and
 * state builds up), then the hostile and edge numbers and `edges`, any double, short
 * strings, and the hostile non-numbers and `extra`.
 */
export function hostileValue(options: HostileValueOptions = {}): fc.Arbitrary<unknown> {
  const { min = -3, max = 80, edges = [], extra = [] } = options;
  return fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min, max }) },
    { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_NUMBERS, ...EDGE_NUMBERS, ...edges) },
    { weight: 1, arbitrary: fc.double() },
    { weight: 1, arbitrary: fc.string({ maxLength: 4 }) },
    { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_NON_NUMBERS, ...extra) },
  );
}
