/**
 * Tests of zero / same-filled page detection on real pages (node binary), unaligned
 * views, and a property test that any single changed byte is seen.
 */

import { filePages, NODE_BINARY } from '@tierswap/bench-kit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fillWithWord, isZeroPage, sameFilledWord } from './samePage.js';

describe('sameFilledWord', () => {
  it('finds zero and same-filled pages and rejects a single differing byte at any position', () => {
    const page = new Uint8Array(4096);
    expect(isZeroPage(page)).toBe(true);
    for (const pos of [0, 1, 5, 4092, 4095]) {
      page[pos] = 1;
      expect(isZeroPage(page)).toBe(false);
      expect(sameFilledWord(page)).toBe(-1);
      page[pos] = 0;
    }
    fillWithWord(page, 0xdeadbeef);
    expect(sameFilledWord(page)).toBe(0xdeadbeef);
    expect(isZeroPage(page)).toBe(false);
  });

  it('agrees with a byte-wise reference on real pages and on unaligned views', () => {
    const pages = filePages(NODE_BINARY, 4096, 0, 64);
    const reference = (p: Uint8Array): boolean => {
      for (let i = 4; i < p.length; i++) if (p[i] !== p[i & 3]) return false;
      return true;
    };
    for (const p of pages) {
      expect(sameFilledWord(p) !== -1).toBe(reference(p));
    }
    const backing = new Uint8Array(4096 + 1);
    const view = backing.subarray(1);
    fillWithWord(view, 0x01020304);
    expect(sameFilledWord(view)).toBe(0x01020304);
    view[100] = 9;
    expect(sameFilledWord(view)).toBe(-1);
  });

  it('property: fill then detect returns the word; any change is seen', () => {
    fc.assert(
      fc.property(fc.nat(0xffffffff), fc.nat(1023), fc.nat(255), (word, idx, delta) => {
        const p = new Uint8Array(4096);
        fillWithWord(p, word);
        expect(sameFilledWord(p)).toBe(word);
        const byteIdx = idx * 4 + (delta & 3);
        p[byteIdx] = (p[byteIdx]! + 1 + (delta % 255)) & 255;
        expect(sameFilledWord(p)).toBe(-1);
      }),
      { numRuns: 200 },
    );
  });
});
