import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { showValue } from './index.js';

describe('showValue', () => {
  it('tells apart the values a caller confuses', () => {
    const cases: [unknown, string][] = [
      ['4096', '"4096"'],
      [4096, '4096'],
      [10n, '10n'],
      [-0, '-0'],
      [0, '0'],
      [Number.NaN, 'NaN'],
      [Number.NEGATIVE_INFINITY, '-Infinity'],
      [true, 'true'],
      [undefined, 'undefined'],
      [null, 'null'],
      ['', '""'],
      ['a\nb"', '"a\\nb\\""'],
      [Symbol('x'), 'Symbol(x)'],
      [Symbol(), 'Symbol()'],
      [() => 1, 'a function'],
      [new Uint8Array(4096), 'Uint8Array(4096)'],
      [Buffer.alloc(3), 'Uint8Array(3)'],
      [new Float64Array(2), 'Float64Array(2)'],
      [new DataView(new ArrayBuffer(8)), 'a DataView of 8 bytes'],
      [new ArrayBuffer(16), 'an ArrayBuffer of 16 bytes'],
      [[1, 2, 3], 'an array of 3'],
      [{ a: 1 }, 'an object'],
      [Object.create(null), 'an object'],
      [new Map(), 'a Map'],
      [new Error('boom'), 'an Error'],
    ];
    for (const [v, shown] of cases) expect(showValue(v)).toBe(shown);
  });

  it('cuts long strings and descriptions to 40 characters', () => {
    const long = 'x'.repeat(1000);
    expect(showValue(long)).toBe(`"${'x'.repeat(37)}..."`);
    expect(showValue('y'.repeat(40))).toBe(`"${'y'.repeat(40)}"`);
    expect(showValue(10n ** 100n)).toBe(`1${'0'.repeat(36)}...n`);
    expect(showValue(Symbol(long))).toBe(`Symbol(${'x'.repeat(37)}...)`);
    expect(showValue({ [Symbol.toStringTag]: long })).toBe(`a ${'x'.repeat(37)}...`);
  });

  it('never throws, even on a revoked proxy or a throwing tag', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(showValue(proxy)).toBe('an object');
    const hostile = Object.defineProperty({}, Symbol.toStringTag, {
      get() {
        throw new Error('no');
      },
    });
    expect(showValue(hostile)).toBe('an object');
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withTypedArray: true, withMap: true }), (v) => {
        const s = showValue(v);
        expect(typeof s).toBe('string');
        // 40 characters, each at most a 6-character JSON escape, plus the quotes.
        expect(s.length).toBeLessThanOrEqual(40 * 6 + 2);
      }),
    );
  });
});
