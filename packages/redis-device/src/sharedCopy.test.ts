import { describe, expect, it } from 'vitest';
import { copyFromShared, copyToShared } from './sharedCopy.js';

describe('copyFromShared', () => {
  it('copies every byte, aligned (64-bit path plus a tail) or not (byte path)', () => {
    const shared = new Uint8Array(new SharedArrayBuffer(256));
    for (let i = 0; i < shared.length; i++) shared[i] = (i * 37 + 11) & 0xff;
    for (const [srcStart, dstStart, len] of [
      [8, 0, 100], // aligned, 12 words and 4 tail bytes
      [16, 8, 64], // aligned, no tail
      [8, 0, 7], // shorter than a word
      [3, 0, 50], // source unaligned
      [8, 5, 50], // destination unaligned
      [0, 0, 0],
    ] as const) {
      const dst = new Uint8Array(200).fill(0xee);
      copyFromShared(shared, srcStart, dst, dstStart, len);
      expect(dst.subarray(dstStart, dstStart + len)).toEqual(
        new Uint8Array(shared.subarray(srcStart, srcStart + len)),
      );
      expect(dst.subarray(0, dstStart).every((b) => b === 0xee)).toBe(true);
      expect(dst.subarray(dstStart + len).every((b) => b === 0xee)).toBe(true);
    }
  });

  it('honours the views’ own offsets into their buffers', () => {
    const shared = new Uint8Array(new SharedArrayBuffer(64), 8, 40);
    shared.forEach((_, i) => {
      shared[i] = i + 1;
    });
    const backing = new Uint8Array(80).fill(0);
    const dst = new Uint8Array(backing.buffer, 16, 40);
    copyFromShared(shared, 0, dst, 0, 40);
    expect(Array.from(dst)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(backing.subarray(0, 16).every((b) => b === 0)).toBe(true);
  });
});

describe('copyToShared', () => {
  it('copies every byte whatever the alignment of either end, and nothing more', () => {
    const src = new Uint8Array(5000);
    for (let i = 0; i < src.length; i++) src[i] = (i * 53 + 7) & 0xff;
    for (const [srcStart, dstStart, len] of [
      [13, 8, 4100], // unaligned source, aligned destination: 64-bit path plus a tail
      [16, 8, 4096], // equally aligned: direct
      [3, 5, 300], // both unaligned, differently
      [13, 4, 4100], // the worker's layout: a value starts 4 bytes before a word boundary
      [2, 7, 100], // one byte before the first word boundary
      [5, 1, 71], // seven bytes before it, and a tail after the last word
      [1, 8, 40], // short: direct
      [0, 0, 0],
    ] as const) {
      const shared = new Uint8Array(new SharedArrayBuffer(4200)).fill(0xee);
      const from = src.subarray(srcStart, srcStart + len + 9); // longer than len: only len is copied
      copyToShared(from, shared, dstStart, len);
      expect(new Uint8Array(shared.subarray(dstStart, dstStart + len))).toEqual(
        src.subarray(srcStart, srcStart + len),
      );
      expect(shared.subarray(0, dstStart).every((b) => b === 0xee)).toBe(true);
      expect(shared.subarray(dstStart + len).every((b) => b === 0xee)).toBe(true);
    }
  });
});
