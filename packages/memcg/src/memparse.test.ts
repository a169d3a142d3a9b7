import { isRefusal } from '@tierswap/base';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatLimit,
  memparse,
  parseKernelInt,
  parseKeyValue,
  parseLimit,
  strstrip,
  tokenize,
} from './memparse.js';
import { PAGE_COUNTER_MAX } from './types.js';

describe('memparse', () => {
  it('parses suffixes in either case, each a shift by 10', () => {
    expect(memparse('1K').bytes).toBe(1024n);
    expect(memparse('1k').bytes).toBe(1024n);
    expect(memparse('10M').bytes).toBe(10n << 20n);
    expect(memparse('3g').bytes).toBe(3n << 30n);
    expect(memparse('2T').bytes).toBe(2n << 40n);
    expect(memparse('1P').bytes).toBe(1n << 50n);
    expect(memparse('4096').bytes).toBe(4096n);
  });
  it('uses base 0 like simple_strtoull: 0x is hex, a leading 0 is octal', () => {
    expect(memparse('0x10').bytes).toBe(16n);
    expect(memparse('010').bytes).toBe(8n);
    expect(memparse('0').bytes).toBe(0n);
    expect(memparse('0x').end).toBe(1); // "0" then junk "x"
  });
  it('reports where it stopped and leaves junk to the caller', () => {
    expect(memparse('12Q')).toEqual({ bytes: 12n, end: 2 });
    expect(memparse('5MB')).toEqual({ bytes: 5n << 20n, end: 2 });
    expect(memparse('abc')).toEqual({ bytes: 0n, end: 0 });
  });
  it('saturates instead of wrapping on overflow', () => {
    expect(memparse('99999999999999999999999').bytes).toBe((1n << 64n) - 1n);
    expect(memparse('16E').bytes).toBe((1n << 64n) - 1n);
  });
  it('round-trips any byte count through formatLimit/parseLimit at page granularity', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 1n << 60n }), (bytes) => {
        const pages = parseLimit(`${bytes}\n`);
        expect(pages).toBe(Number(bytes / 4096n));
        expect(parseLimit(formatLimit(pages as number))).toBe(pages);
      }),
    );
  });
});

describe('parseLimit (page_counter_memparse)', () => {
  it('accepts "max" and sizes, strips whitespace, rounds down to pages', () => {
    expect(parseLimit('max\n')).toBe(PAGE_COUNTER_MAX);
    expect(parseLimit('  8K ')).toBe(2);
    expect(parseLimit('4097')).toBe(1);
    expect(parseLimit('100P')).toBe(100 * 2 ** 38);
    expect(parseLimit('8E')).toBe(PAGE_COUNTER_MAX);
  });
  it('accepts the empty write as 0, like the kernel', () => {
    expect(parseLimit('\n')).toBe(0);
  });
  it('refuses junk, signs and "MAX" with EINVAL', () => {
    for (const bad of ['abc', '12Q', '-1', '5MB', 'MAX', 'max1', '1 2']) {
      const r = parseLimit(bad);
      expect(isRefusal(r) && r.errno).toBe('EINVAL');
    }
  });
  it('formats the limit the way memory.max reads', () => {
    expect(formatLimit(PAGE_COUNTER_MAX)).toBe('max');
    expect(formatLimit(3)).toBe('12288');
  });
});

describe('parseKernelInt (kstrtoint)', () => {
  it('parses signs, bases and one trailing newline', () => {
    expect(parseKernelInt('1\n', -10, 10)).toBe(1);
    expect(parseKernelInt('-0x3', -10, 10)).toBe(-3);
    expect(parseKernelInt('+07', -10, 10)).toBe(7);
  });
  it('refuses junk with EINVAL and out-of-range with ERANGE', () => {
    const junk = ['', 'x', '1x', '1\n\n', ' 1', '--1', '0x'];
    for (const s of junk) expect(parseKernelInt(s, 0, 1)).toMatchObject({ errno: 'EINVAL' });
    expect(parseKernelInt('99999999999', -(2 ** 31), 2 ** 31 - 1)).toMatchObject({
      errno: 'ERANGE',
    });
    expect(parseKernelInt('2', 0, 1)).toMatchObject({ errno: 'ERANGE' });
  });
});

describe('tokens', () => {
  it('splits on whitespace and extra separators', () => {
    expect(tokenize(' max=10M  3600\n')).toEqual(['max=10M', '3600']);
    expect(tokenize('+a:1,-b c', ',')).toEqual(['+a:1', '-b', 'c']);
    expect(tokenize('\n')).toEqual([]);
  });
  it('splits key=value at the first "="', () => {
    expect(parseKeyValue('max=10M')).toEqual({ key: 'max', value: '10M' });
    expect(parseKeyValue('a=b=c')).toEqual({ key: 'a', value: 'b=c' });
    expect(parseKeyValue('3600')).toEqual({ key: '3600', value: undefined });
  });
  it('strstrip trims kernel whitespace only', () => {
    expect(strstrip('\t max \n')).toBe('max');
  });
});
