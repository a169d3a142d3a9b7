/**
 * crc32c computed in TS only (table-driven slice-by-16 over 32-bit words): the oracle
 * the tests hold the native crc32c to, and documentation of the algorithm. Test-only:
 * not exported by the package.
 */
import { CRC32C_TABLES } from './crc32cTables.js';

const T: Uint32Array = CRC32C_TABLES;
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** crc32c of bytes[start, end), continuing `crc`. */
export function crc32cTable(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number {
  const t = T;
  let c = ~crc;
  let i = start;
  if (LITTLE_ENDIAN && end - start >= 64) {
    // Unaligned head, byte by byte, until the absolute offset is a multiple of 4.
    while (((bytes.byteOffset + i) & 3) !== 0) {
      c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
      i++;
    }
    const first = (bytes.byteOffset + i) >>> 2;
    const steps = (end - i) >>> 4;
    const words = new Int32Array(bytes.buffer, first << 2, steps << 2);
    // Each step consumes words[w..w+3]; w + 3 < steps * 4 = words.length.
    for (let w = 0; w < words.length; w += 4) {
      const a = words[w]! ^ c;
      const b = words[w + 1]!;
      const d = words[w + 2]!;
      const e = words[w + 3]!;
      c =
        t[3840 + (a & 0xff)]! ^
        t[3584 + ((a >>> 8) & 0xff)]! ^
        t[3328 + ((a >>> 16) & 0xff)]! ^
        t[3072 + (a >>> 24)]! ^
        t[2816 + (b & 0xff)]! ^
        t[2560 + ((b >>> 8) & 0xff)]! ^
        t[2304 + ((b >>> 16) & 0xff)]! ^
        t[2048 + (b >>> 24)]! ^
        t[1792 + (d & 0xff)]! ^
        t[1536 + ((d >>> 8) & 0xff)]! ^
        t[1280 + ((d >>> 16) & 0xff)]! ^
        t[1024 + (d >>> 24)]! ^
        t[768 + (e & 0xff)]! ^
        t[512 + ((e >>> 8) & 0xff)]! ^
        t[256 + ((e >>> 16) & 0xff)]! ^
        t[e >>> 24]!;
    }
    i += steps << 4;
  }
  while (i < end) {
    c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
    i++;
  }
  return ~c >>> 0;
}
