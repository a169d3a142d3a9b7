/**
 * Tests of the TypeScript LZ4 block decoder against lz4-napi: byte-exact on real pages
 * (node binary, /usr/share text, a V8 heap snapshot of this process) and generated
 * ones, every copy path (wild fast path, 4-byte chunks, builtins, short-period
 * patterns, end of page), bounds kept under fuzzed corruption and on random blocks,
 * and hand-made malformed blocks.
 */

import {
  entropyPage,
  filePages,
  heapSnapshotPages,
  NODE_BINARY,
  rng,
  textPages,
} from '@tierswap/bench-kit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeBlock,
  literalMatchPages,
  periodicPages,
  referenceDecode,
  sequenceArb,
} from '../bench/lz4Reference.js';
import { loadLz4 } from './loadBinding.js';
import { LZ4_PREFIX_BYTES, lz4DecodeBlock, lz4DecodePrefixed } from './lz4Block.js';

const lz4 = loadLz4().api;

/** Compress with lz4-napi into a plain Uint8Array (the arena holds Uint8Arrays). */
function compress(page: Uint8Array): Uint8Array {
  return new Uint8Array(lz4.compressSync(Buffer.from(page)));
}

/**
 * Decode a possibly corrupt lz4 page into the middle page of three: it is refused or
 * decoded whole, and the neighbouring pages are untouched.
 */
function expectRefusedOrInside(bad: Uint8Array): void {
  const dst = new Uint8Array(3 * 4096).fill(7);
  const n = lz4DecodePrefixed(bad, 0, bad.length, dst, 4096, 4096);
  expect(n === -1 || n === 4096).toBe(true);
  expect(dst.subarray(0, 4096).every((b) => b === 7)).toBe(true);
  expect(dst.subarray(8192).every((b) => b === 7)).toBe(true);
}

/** Decode `c` with both decoders and check both give `page`. */
function expectExact(c: Uint8Array, page: Uint8Array): void {
  const out = new Uint8Array(page.length).fill(0xaa);
  expect(lz4DecodePrefixed(c, 0, c.length, out, 0, page.length)).toBe(page.length);
  expect(Buffer.compare(out, lz4.uncompressSync(c))).toBe(0);
  expect(Buffer.compare(out, page)).toBe(0);
}

describe('lz4DecodePrefixed against lz4-napi', () => {
  it('decodes lz4-napi output byte-exact on real and generated pages', () => {
    const pages = [
      ...filePages(NODE_BINARY, 4096, 100, 200),
      ...textPages(40, 4096, '/usr/share/common-licenses'),
      ...heapSnapshotPages(60),
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
        expectRefusedOrInside(bad);
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

describe('lz4DecodeBlock copy paths', () => {
  it('decodes short-period patterns (offsets 1-9) at every phase, and runs up to the page end', () => {
    for (const page of periodicPages(9)) expectExact(compress(page), page);
  });

  it('decodes long literal runs and long non-overlapping matches (the builtin paths)', () => {
    for (const page of literalMatchPages([127, 128, 129, 300, 1000]))
      expectExact(compress(page), page);
  });

  it('decodes sequences whose copies end exactly at the destination end, inside a larger buffer', () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const page = entropyPage(4096, 4, 0.9, seed);
      const c = compress(page);
      const big = new Uint8Array(4096 + 64).fill(0x5a);
      expect(lz4DecodePrefixed(c, 0, c.length, big, 3, 4096)).toBe(4096);
      expect(Buffer.compare(big.subarray(3, 4099), page)).toBe(0);
      expect(big[2]).toBe(0x5a);
      expect(big.subarray(4099).every((b) => b === 0x5a)).toBe(true);
    }
  });
});

describe('lz4DecodeBlock against a reference decoder', () => {
  it('property: generated blocks decode as the format says, inside the room or not at all', () => {
    fc.assert(
      fc.property(
        fc.array(sequenceArb, { maxLength: 60 }),
        fc.uint8Array({ maxLength: 30 }),
        fc.integer({ min: -60, max: 20 }),
        fc.nat(48),
        (seqs, last, slack, pad) => {
          const block = encodeBlock(seqs, last);
          const full = referenceDecode(block, Number.POSITIVE_INFINITY);
          const total = full === undefined ? 200 : full.length;
          const room = Math.max(0, total + slack);
          const want = referenceDecode(block, room);
          const dst = new Uint8Array(room + 2 * pad).fill(0x3c);
          const n = lz4DecodeBlock(block, 0, block.length, dst, pad, pad + room);
          if (want === undefined) {
            expect(n).toBe(-1);
          } else {
            expect(n).toBe(want.length);
            expect(Array.from(dst.subarray(pad, pad + n))).toEqual(want);
          }
          expect(dst.subarray(0, pad).every((b) => b === 0x3c)).toBe(true);
          expect(dst.subarray(pad + room).every((b) => b === 0x3c)).toBe(true);
        },
      ),
      { numRuns: 1500 },
    );
  });
});

describe('lz4DecodeBlock near the end of the destination', () => {
  it('decodes every short sequence shape at every distance from the end, exactly in its room', () => {
    // 40 literal bytes (so every offset is valid), then one sequence of each literal
    // length 0..14, match length 4..18 and offset, then 0..40 closing literals: the
    // room is exactly the decoded length, inside a larger buffer.
    const r = rng(3);
    const head = Array.from({ length: 40 }, () => Math.floor(r() * 256));
    const tail = Array.from({ length: 40 }, () => Math.floor(r() * 256));
    const dst = new Uint8Array(200);
    let checked = 0;
    for (let lit = 0; lit <= 14; lit++) {
      for (let mlen = 4; mlen <= 18; mlen++) {
        for (const offset of [1, 2, 3, 4, 5, 7, 8, 9, 16, 40]) {
          for (let t = 0; t <= 40; t++) {
            const block = new Uint8Array([
              0xf0,
              40 - 15,
              ...head,
              0,
              0,
              (lit << 4) | (mlen - 4),
              ...tail.slice(0, lit),
              offset,
              0,
              Math.min(t, 15) << 4,
              ...(t >= 15 ? [t - 15] : []),
              ...tail.slice(0, t),
            ]);
            // The first sequence's match: 4 bytes at offset 1 would be invalid with an
            // offset of 0, so give it offset 1.
            block[2 + 40] = 1;
            const want = referenceDecode(block, Number.POSITIVE_INFINITY)!;
            dst.fill(0x42);
            const n = lz4DecodeBlock(block, 0, block.length, dst, 50, 50 + want.length);
            if (n !== want.length || dst[49] !== 0x42 || dst[50 + want.length] !== 0x42) {
              expect({ lit, mlen, offset, t, n }).toEqual({ lit, mlen, offset, t, n: want.length });
            }
            for (let k = 0; k < want.length; k++) {
              if (dst[50 + k] !== want[k]) expect({ lit, mlen, offset, t, k }).toBe('byte-exact');
            }
            expect(dst.subarray(50 + want.length).every((b) => b === 0x42)).toBe(true);
            checked++;
          }
        }
      }
    }
    expect(checked).toBe(15 * 15 * 10 * 41);
  });
});

describe('lz4DecodeBlock on malformed input', () => {
  it('refuses truncated extensions, matches past the end and offsets before the start', () => {
    const out = new Uint8Array(64).fill(9);
    const cases: number[][] = [
      [0xf0], // literal length 15 needs an extension byte
      [0xf0, 255], // ... and another
      [0x0f, 0, 1, 0], // no literals: offset 1 reaches before the start
      [0x1f, 65, 1, 0, 255], // match extension cut short
      [0x1f, 65, 1, 0, 60, 0x10, 66], // match of 4 + 15 + 60 bytes > 64
      [0x50, 1, 2, 3], // 5 literals announced, 3 present
      [0x10, 65, 1], // offset cut to one byte
    ];
    for (const block of cases) {
      const src = new Uint8Array(block);
      expect(lz4DecodeBlock(src, 0, src.length, out, 0, 64)).toBe(-1);
    }
    // Decoding into the middle of a buffer: an offset reaching into the bytes before
    // dstStart is refused, though they are inside `dst`.
    const mid = new Uint8Array(64).fill(9);
    const src = new Uint8Array([0x10, 65, 2, 0, 0x10, 66]);
    expect(lz4DecodeBlock(src, 0, src.length, mid, 10, 64)).toBe(-1);
    // Ranges that are not ranges.
    expect(lz4DecodeBlock(src, 0, 7, mid, 0, 64)).toBe(-1);
    expect(lz4DecodeBlock(src, 0, src.length, mid, 0, 65)).toBe(-1);
    expect(lz4DecodeBlock(src, 3, 3, mid, 0, 64)).toBe(-1);
    expect(lz4DecodeBlock(src, 0.5, src.length, mid, 0, 64)).toBe(-1);
    expect(lz4DecodeBlock(src, 0, src.length, mid, 20, 10)).toBe(-1);
  });

  it('property: random blocks never throw, never write outside the range, never touch src', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 600 }),
        fc.nat(40),
        fc.nat(40),
        fc.integer({ min: 0, max: 300 }),
        (block, srcPad, dstPad, room) => {
          const src = new Uint8Array(block.length + 2 * srcPad).fill(0xee);
          src.set(block, srcPad);
          const srcCopy = src.slice();
          const dst = new Uint8Array(room + 2 * dstPad).fill(0x77);
          const n = lz4DecodeBlock(src, srcPad, srcPad + block.length, dst, dstPad, dstPad + room);
          expect(n === -1 || (n >= 0 && n <= room)).toBe(true);
          expect(dst.subarray(0, dstPad).every((b) => b === 0x77)).toBe(true);
          expect(dst.subarray(dstPad + room).every((b) => b === 0x77)).toBe(true);
          expect(Buffer.compare(src, srcCopy)).toBe(0);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('property: real lz4 pages with several corrupted bytes decode inside their page or are refused', () => {
    const pages = [
      ...filePages(NODE_BINARY, 4096, 500, 2),
      ...textPages(2, 4096, '/usr/share/common-licenses'),
    ].map(compress);
    fc.assert(
      fc.property(
        fc.nat(pages.length - 1),
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 6 }),
        (which, edits) => {
          const bad = pages[which]!.slice();
          for (const [pos, val] of edits) bad[LZ4_PREFIX_BYTES + (pos % (bad.length - 4))] = val;
          expectRefusedOrInside(bad);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
