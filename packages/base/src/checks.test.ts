import { describe, expect, it } from 'vitest';
import { isIntInRange } from './index.js';

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
