/**
 * The sixteen 256-entry tables of crc32c slice-by-16 (Castagnoli, reflected
 * polynomial 0x82F63B78) of the TS reference implementation (crc32cReference.ts).
 * T[k][b] (at index k × 256 + b) is the CRC of byte b followed by k zero bytes, so
 * sixteen lookups combine sixteen input bytes into one step. Built once at module
 * load (16 KiB, well under a millisecond) and never changed.
 */

export const CRC32C_POLY = 0x82f63b78;
export const CRC32C_SLICES = 16;

function buildTables(): Uint32Array {
  const t = new Uint32Array(CRC32C_SLICES * 256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ CRC32C_POLY : c >>> 1;
    t[b] = c >>> 0;
  }
  for (let b = 0; b < 256; b++) {
    let c = t[b]!;
    for (let k = 1; k < CRC32C_SLICES; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + b] = c >>> 0;
    }
  }
  return t;
}

export const CRC32C_TABLES: Uint32Array = buildTables();
