/**
 * The LZ4 block format as a test oracle, shared by the tests of both decoders (TS and
 * WebAssembly): a plain reference decoder, a generator of block sequences, and an encoder
 * of such sequences into blocks. Written for clarity, not speed.
 */

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
