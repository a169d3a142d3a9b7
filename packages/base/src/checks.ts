/**
 * The range predicate every package's argument checks share. Each package still throws
 * its own error class naming the value (with `showValue`); only the test is common, so
 * "an integer in lo..hi" means the same thing everywhere: a number with no fraction,
 * never NaN, ±Infinity, a numeric string or a bigint.
 *
 * Why a plain function: it is small enough for V8 to inline where it is called, so the
 * checks at each package boundary cost what the expression written out did.
 */

/** Is `v` an integer in [lo, hi] (both ends included)? False for anything but a number. */
export function isIntInRange(v: unknown, lo: number, hi: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
}

/**
 * Is `v` a power of two in [lo, hi]? Exact for every double (the `x & (x - 1)` test
 * alone works on 32 bits, so it took 3 * 2^32 for a power of two).
 */
export function isPowerOfTwoInRange(v: unknown, lo: number, hi: number): v is number {
  if (!isIntInRange(v, lo, hi) || v < 1) return false;
  let x = v;
  while (x > 0x40000000) x /= 2; // halving a double is exact
  return Number.isInteger(x) && (x & (x - 1)) === 0;
}
