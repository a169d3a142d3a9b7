/**
 * Tests of the TypeScript LZ4 block decoder against lz4-napi: byte-exact on real and
 * generated pages, bounds kept under fuzzed corruption, and hand-made edge cases.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entropyPage, filePages, NODE_BINARY, textPages } from '../bench/corpus.js';
import { loadLz4 } from './loadBinding.js';
import { lz4DecodeBlock, lz4DecodePrefixed } from './lz4Block.js';

const lz4 = loadLz4().api;

describe('lz4DecodePrefixed against lz4-napi', () => {
  it('decodes lz4-napi output byte-exact on real and generated pages', () => {
    const pages = [
      ...filePages(NODE_BINARY, 4096, 100, 200),
      ...textPages('/usr/share/common-licenses', 4096, 40),
      ...[0, 2, 4, 6, 8].map((bits) => entropyPage(4096, bits, 0.5, bits + 1)),
      entropyPage(4096, 8, 0, 7),
      entropyPage(4096, 3, 0.95, 8),
    ];
    const out = new Uint8Array(4096);
    for (const page of pages) {
      const c = lz4.compressSync(Buffer.from(page));
      out.fill(0xaa);
      expect(lz4DecodePrefixed(c, 0, c.length, out, 0, 4096)).toBe(4096);
      expect(Buffer.compare(out, lz4.uncompressSync(c))).toBe(0);
      expect(Buffer.compare(out, page)).toBe(0);
    }
  });

  it('decodes into the middle of a larger buffer without touching its neighbours', () => {
    const page = filePages(NODE_BINARY, 4096, 7, 1)[0]!;
    const c = lz4.compressSync(Buffer.from(page));
    const big = new Uint8Array(3 * 4096).fill(0x55);
    const src = new Uint8Array(c.length + 10);
    src.set(c, 10);
    expect(lz4DecodePrefixed(src, 10, 10 + c.length, big, 4096, 4096)).toBe(4096);
    expect(Buffer.compare(big.subarray(4096, 8192), page)).toBe(0);
    expect(big.subarray(0, 4096).every((b) => b === 0x55)).toBe(true);
    expect(big.subarray(8192).every((b) => b === 0x55)).toBe(true);
  });

  it('property: generated pages of any entropy round-trip through lz4-napi and this decoder', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 8 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.nat(),
        (bits, repeat, seed) => {
          const page = entropyPage(4096, bits, repeat, seed);
          const c = lz4.compressSync(Buffer.from(page));
          const out = new Uint8Array(4096);
          expect(lz4DecodePrefixed(c, 0, c.length, out, 0, 4096)).toBe(4096);
          expect(Buffer.compare(out, page)).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('property: corrupted input is refused or decoded inside the destination, never thrown', () => {
    const page = filePages(NODE_BINARY, 4096, 300, 1)[0]!;
    const c = new Uint8Array(lz4.compressSync(Buffer.from(page)));
    fc.assert(
      fc.property(fc.nat(c.length - 1), fc.nat(255), fc.nat(c.length), (pos, val, cut) => {
        const bad = c.slice(0, Math.max(1, cut));
        if (pos < bad.length) bad[pos] = val;
        const dst = new Uint8Array(3 * 4096).fill(7);
        const n = lz4DecodePrefixed(bad, 0, bad.length, dst, 4096, 4096);
        expect(n === -1 || n === 4096).toBe(true);
        expect(dst.subarray(0, 4096).every((b) => b === 7)).toBe(true);
        expect(dst.subarray(8192).every((b) => b === 7)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('refuses a wrong size prefix, a zero offset and an offset before the start', () => {
    const out = new Uint8Array(4096);
    const page = new Uint8Array(4096).fill(3);
    const c = lz4.compressSync(Buffer.from(page));
    expect(lz4DecodePrefixed(c, 0, c.length, out, 0, 2048)).toBe(-1);
    // token: 1 literal, match 4; literal 'a'; offset 0
    expect(lz4DecodeBlock(new Uint8Array([0x10, 97, 0, 0]), 0, 4, out, 0, 16)).toBe(-1);
    // offset 2 with only 1 byte decoded
    expect(lz4DecodeBlock(new Uint8Array([0x10, 97, 2, 0]), 0, 4, out, 0, 16)).toBe(-1);
    // a valid overlapping match: 'a' then 4 more copies of offset 1, then a last literal
    const ok = new Uint8Array([0x10, 97, 1, 0, 0x10, 98]);
    expect(lz4DecodeBlock(ok, 0, ok.length, out, 0, 16)).toBe(6);
    expect(Buffer.from(out.subarray(0, 6)).toString()).toBe('aaaaab');
  });
});
