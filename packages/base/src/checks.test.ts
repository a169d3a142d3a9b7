import { describe, expect, it } from 'vitest';
import { isIntInRange, isPowerOfTwoInRange } from './index.js';

describe('isIntInRange', () => {
  it('takes integers in [lo, hi], both ends included', () => {
    for (const v of [0, 1, 4096, -0]) expect(isIntInRange(v, 0, 4096)).toBe(true);
    expect(isIntInRange(-1, -1, -1)).toBe(true);
    expect(isIntInRange(2 ** 32 - 1, 0, 0xffffffff)).toBe(true);
    expect(isIntInRange(5, 1, Number.POSITIVE_INFINITY)).toBe(true);
  });
  it('refuses values outside, fractions, NaN, infinities and anything but a number', () => {
    const refused: unknown[] = [
      -1,
      4097,
      0.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      '1',
      1n,
      null,
      undefined,
      true,
      [1],
      { valueOf: () => 1 },
    ];
    for (const v of refused) expect(isIntInRange(v, 0, 4096)).toBe(false);
    expect(isIntInRange(Number.POSITIVE_INFINITY, 0, Number.POSITIVE_INFINITY)).toBe(false);
    expect(isIntInRange(1, 2, 1)).toBe(false);
  });
});

describe('isPowerOfTwoInRange', () => {
  it('takes exactly the powers of two in [lo, hi], beyond 32 bits too', () => {
    const inRange = (lo: number, hi: number) =>
      Array.from({ length: 1025 }, (_, i) => i).filter((v) => isPowerOfTwoInRange(v, lo, hi));
    expect(inRange(1, 1024)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]);
    expect(inRange(64, 512)).toEqual([64, 128, 256, 512]);
    for (let k = 0; k <= 1023; k++) {
      expect(isPowerOfTwoInRange(2 ** k, 1, Number.POSITIVE_INFINITY)).toBe(true);
    }
    // 32-bit tricks take these for powers of two: (3 * 2^32) | 0 === 0.
    for (const v of [
      3 * 2 ** 32,
      2 ** 32 + 2 ** 31,
      2 ** 40 + 2 ** 20,
      2 ** 60 + 2 ** 8,
      0x7fffffff,
    ]) {
      expect(isPowerOfTwoInRange(v, 1, Number.POSITIVE_INFINITY)).toBe(false);
    }
    for (const v of [0, -4, 0.5, Number.NaN, Number.POSITIVE_INFINITY, '64', 64n, null]) {
      expect(isPowerOfTwoInRange(v, 0, Number.POSITIVE_INFINITY)).toBe(false);
    }
  });
});
