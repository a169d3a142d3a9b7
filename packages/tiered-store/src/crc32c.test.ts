import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32c } from './crc32c.js';
import { pageIo } from './pageIo.js';
import { crc32cTable } from './testing/crc32cReference.js';
import { TieredStoreError } from './tieredStoreError.js';

/** Bit-at-a-time reference (the definition), used only to check the fast version. */
function reference(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

describe('crc32c', () => {
  it('matches the known vectors', () => {
    const enc = new TextEncoder();
    expect(crc32c(enc.encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43); // RFC 3720: 32 bytes of 0xff
    const inc = Uint8Array.from({ length: 32 }, (_, i) => i);
    expect(crc32c(inc)).toBe(0x46dd794e); // RFC 3720: 0x00..0x1f
  });

  it('agrees with the bit-at-a-time definition on random data of any length and offset', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(20), (data, cut) => {
        const start = Math.min(cut, data.length);
        const want = reference(data.subarray(start));
        expect(crc32c(data, start)).toBe(want);
        expect(crc32cTable(data, start)).toBe(want);
      }),
    );
  });

  it('agrees with the definition on large inputs and continues a running checksum', () => {
    const big = new Uint8Array(randomBytes(200_003));
    const want = reference(big);
    expect(crc32c(big)).toBe(want);
    expect(crc32cTable(big)).toBe(want);
    expect(crc32c(big, 5, 70_000)).toBe(reference(big.subarray(5, 70_000)));
    // Continuing over two pieces gives the checksum of the whole.
    expect(crc32c(big, 70_000, big.length, crc32c(big, 0, 70_000))).toBe(want);
    expect(crc32cTable(big, 70_000, big.length, crc32cTable(big, 0, 70_000))).toBe(want);
  });

  it('agrees with the definition on long, unaligned views (the word-wise path)', () => {
    const big = new Uint8Array(randomBytes(9000));
    fc.assert(
      fc.property(fc.nat(8), fc.integer({ min: 0, max: 8991 }), fc.nat(600), (shift, from, len) => {
        const view = big.subarray(shift);
        const end = Math.min(view.length, from + len);
        const start = Math.min(from, end);
        const want = reference(view.subarray(start, end));
        expect(crc32c(view, start, end)).toBe(want);
        expect(crc32cTable(view, start, end)).toBe(want);
      }),
      { numRuns: 300 },
    );
  });

  it('continues a running checksum across pieces', () => {
    const page = randomBytes(4096);
    const whole = crc32c(page);
    expect(crc32c(page, 1000, 4096, crc32c(page, 0, 1000))).toBe(whole);
    page[7] = page[7]! ^ 1;
    expect(crc32c(page)).not.toBe(whole);
  });
});

describe('the addon behind crc32c', () => {
  it('both paths (crc32 instruction and tables) agree with the reference across the three-stream blocks', () => {
    const big = new Uint8Array(randomBytes(12_000));
    fc.assert(
      fc.property(
        fc.nat(15),
        fc.integer({ min: 0, max: 9000 }),
        fc.nat(0xffffffff),
        (start, len, crc) => {
          const end = start + len;
          const want = crc32cTable(big, start, end, crc);
          expect(pageIo.crc32c(big, start, end, crc)).toBe(want);
          expect(pageIo.crc32cPortable(big, start, end, crc)).toBe(want);
        },
      ),
      { numRuns: 400 },
    );
    for (const len of [767, 768, 769, 2303, 2304, 2305, 4096, 4097]) {
      expect(pageIo.crc32c(big, 3, 3 + len, 0)).toBe(reference(big.subarray(3, 3 + len)));
    }
  });

  it('refuses ranges outside the buffer and non-Uint8Array input instead of reading past it', () => {
    const b = new Uint8Array(16);
    for (const [s, e, c] of [
      [0, 17, 0],
      [9, 8, 0],
      [-1, 8, 0],
      [0.5, 8, 0],
      [0, 8, -1],
      [0, 8, 2 ** 32],
      [Number.NaN, 8, 0],
    ] as const) {
      expect(() => crc32c(b, s, e, c)).toThrow(TieredStoreError);
    }
    expect(() => crc32c(new Uint16Array(8) as unknown as Uint8Array)).toThrow(
      /INVALID_ARGUMENT|Uint8Array/,
    );
    expect(() => crc32c('abc' as unknown as Uint8Array)).toThrow(TieredStoreError);
    // The addon checks again for memory safety whatever its caller did.
    expect(() => pageIo.crc32c(b, 0, 17, 0)).toThrow(RangeError);
    expect(() => pageIo.crc32c(new Uint16Array(8) as unknown as Uint8Array, 0, 8, 0)).toThrow(
      TypeError,
    );
    expect(() => pageIo.pread(-1, b, 0, 8, 0)).toThrow(RangeError);
    expect(() => pageIo.pread(0, b, 10, 8, 0)).toThrow(RangeError);
    const lengths = Uint32Array.of(8, 8, 9);
    const crcs = new Uint32Array(3);
    // A length above the page, a run outside the buffer, more than 256 pages, a bad index.
    expect(() => pageIo.preadRunCrc(0, b, 0, 0, 8, lengths, 0, 3, crcs)).toThrow(RangeError);
    expect(() => pageIo.preadRunCrc(0, b, 4, 0, 8, lengths, 0, 2, crcs)).toThrow(RangeError);
    expect(() => pageIo.preadRunCrc(0, b, 0, 0, 8, lengths, 0, 300, crcs)).toThrow(RangeError);
    expect(() => pageIo.preadRunCrc(0, b, 0, 0, 8, lengths, 2.5, 1, crcs)).toThrow(RangeError);
    expect(() => pageIo.pwritevCrc(0, [b, b], 1, 2, 0, crcs)).toThrow(RangeError);
    expect(() => pageIo.pwritevCrc(0, [b, 'x' as unknown as Uint8Array], 0, 2, 0, crcs)).toThrow(
      TypeError,
    );
    expect(() => pageIo.pwritevCrc(0, b as unknown as Uint8Array[], 0, 1, 0, crcs)).toThrow(
      TypeError,
    );
  });
});
