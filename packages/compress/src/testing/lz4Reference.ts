/**
 * The LZ4 block format as a test oracle for the tests of the lz4 codec (src/lz4Codec.test.ts,
 * src/codecs.test.ts) and the bench: a plain reference decoder, a check of the format's
 * end-of-block rules, a generator of block sequences, an encoder of such sequences into
 * blocks, and pages shaped to reach each copy path of a decoder. Written for clarity,
 * not speed; test-only (src/testing/ is neither exported nor shipped).
 */

import { entropyPage, rng, textPages } from '@tierswap/bench-kit';
import fc from 'fast-check';

/**
 * The LZ4 block format as plainly as it can be written (test oracle): the decoded
 * bytes, or undefined when the block is malformed or longer than `room`.
 */
export function referenceDecode(block: Uint8Array, room: number): number[] | undefined {
  const out: number[] = [];
  let i = 0;
  const ext = (n: number): number => {
    let v = n;
    for (;;) {
      if (i >= block.length) return -1;
      const b = block[i++]!;
      v += b;
      if (b !== 255) return v;
    }
  };
  while (i < block.length) {
    const token = block[i++]!;
    let lit = token >> 4;
    if (lit === 15) lit = ext(15);
    if (lit < 0 || i + lit > block.length) return undefined;
    for (let k = 0; k < lit; k++) out.push(block[i++]!);
    if (i === block.length) break;
    if (i + 2 > block.length) return undefined;
    const offset = block[i]! | (block[i + 1]! << 8);
    i += 2;
    let mlen = token & 15;
    if (mlen === 15) mlen = ext(15);
    if (mlen < 0 || offset === 0 || offset > out.length) return undefined;
    for (let k = 0; k < mlen + 4; k++) out.push(out[out.length - offset]!);
  }
  return out.length <= room ? out : undefined;
}

/**
 * Walk a block and check the format rules every LZ4 decoder relies on: the block ends
 * with a literals-only sequence, the last 5 input bytes are literals, and no match
 * starts within the last 12 bytes; `n` is the decoded size. False on any violation.
 */
export function blockFollowsEndRules(block: Uint8Array, n: number): boolean {
  let sp = 0;
  let pos = 0;
  let lastMatchStart = -1;
  let lastMatchEnd = 0;
  const ext = (v: number): number => {
    let b: number;
    do {
      b = block[sp++]!;
      v += b;
    } while (b === 255);
    return v;
  };
  for (;;) {
    const token = block[sp++]!;
    let lit = token >>> 4;
    if (lit === 15) lit = ext(lit);
    sp += lit;
    pos += lit;
    if (sp === block.length) break;
    const off = block[sp]! | (block[sp + 1]! << 8);
    sp += 2;
    if (off === 0 || off > pos) return false;
    let ml = token & 15;
    if (ml === 15) ml = ext(ml);
    lastMatchStart = pos;
    pos += ml + 4;
    lastMatchEnd = pos;
    if (sp > block.length) return false;
  }
  if (pos !== n) return false;
  if (lastMatchStart < 0) return true;
  return lastMatchStart <= n - 12 && lastMatchEnd <= n - 5;
}

/** Sequences of a syntactically valid block (offsets may still reach too far). */
export const sequenceArb = fc.record({
  literals: fc.uint8Array({ maxLength: 70 }),
  matchLength: fc.integer({ min: 4, max: 300 }),
  offset: fc.integer({ min: 1, max: 70_000 }),
});

/** Encode sequences (and closing literals) as an LZ4 block. */
export function encodeBlock(
  seqs: readonly { literals: Uint8Array; matchLength: number; offset: number }[],
  last: Uint8Array,
): Uint8Array {
  const out: number[] = [];
  const lengthBytes = (n: number): void => {
    let v = n - 15;
    while (v >= 255) {
      out.push(255);
      v -= 255;
    }
    out.push(v);
  };
  let produced = 0;
  for (const s of seqs) {
    const lit = s.literals.length;
    const m = s.matchLength - 4;
    out.push((Math.min(lit, 15) << 4) | Math.min(m, 15));
    if (lit >= 15) lengthBytes(lit);
    out.push(...s.literals);
    produced += lit;
    // Mostly valid offsets (within what is decoded so far, capped at 65535).
    const offset = produced > 0 ? 1 + (s.offset % Math.min(produced, 65535)) : s.offset & 0xffff;
    out.push(offset & 255, offset >> 8);
    if (m >= 15) lengthBytes(m);
    produced += s.matchLength;
  }
  out.push(Math.min(last.length, 15) << 4);
  if (last.length >= 15) lengthBytes(last.length);
  out.push(...last);
  return new Uint8Array(out);
}

/**
 * 4 KiB pages of short-period patterns (periods 1..maxPeriod, after random prefixes of
 * 0..4000 bytes): every match offset a decoder special-cases, at every phase, with runs
 * up to the page end. The same seed gives the same pages.
 */
export function periodicPages(maxPeriod: number): Uint8Array[] {
  const r = rng(11);
  const pages: Uint8Array[] = [];
  for (let period = 1; period <= maxPeriod; period++) {
    for (const prefix of [0, 1, 3, 17, 200, 4000]) {
      const page = new Uint8Array(4096);
      for (let i = 0; i < prefix; i++) page[i] = Math.floor(r() * 256);
      const unit = Array.from({ length: period }, () => Math.floor(r() * 256));
      for (let i = prefix; i < 4096; i++) page[i] = unit[(i - prefix) % period]!;
      pages.push(page);
    }
  }
  return pages;
}

/**
 * 4 KiB pages of 1500 bytes of noise (a long literal run), then `len` bytes of text
 * twice (the second a long, non-overlapping match), then noise: one page per length.
 */
export function literalMatchPages(lens: readonly number[]): Uint8Array[] {
  const text = textPages(8, 4096, '/usr/share/common-licenses');
  const noise = entropyPage(4096, 8, 0, 5);
  return lens.map((len) => {
    const page = new Uint8Array(4096);
    page.set(noise.subarray(0, 1500));
    page.set(text[0]!.subarray(0, len), 1500);
    page.set(text[0]!.subarray(0, len), 1500 + len + 7);
    page.set(noise.subarray(2000, 4096 - (1500 + 2 * len + 7)), 1500 + 2 * len + 7);
    return page;
  });
}
