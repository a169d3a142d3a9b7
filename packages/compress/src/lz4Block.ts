/**
 * A pure-TypeScript LZ4 *block* decoder that writes into memory the caller owns.
 *
 * Why: lz4-napi's uncompressSync allocates a new Buffer for every result, and on 4 KiB
 * pages that allocation (plus the copy into the caller's page) is most of its cost.
 * zswap loads decompress straight into the faulting page, so this decoder takes
 * (src range, dst range) and allocates nothing but two DataViews. It reads the exact
 * format lz4-napi writes (lz4_flex `compress_prepend_size`: u32 little-endian original
 * size, then one raw LZ4 block) and is proven byte-exact against lz4-napi in
 * lz4Block.test.ts. Measured (bench/lz4Decode.bench.ts) it is still 1.6-1.9x slower
 * than the binding on this machine, so the codec uses it only with `lz4Decoder: 'js'`.
 *
 * Format (lz4 block, see lz4/doc/lz4_Block_format.md): a sequence is a token byte
 * (high nibble literal length, low nibble match length - 4), optional 255-run length
 * extensions, the literals, a 2-byte little-endian offset and optional match-length
 * extensions. The last sequence has literals only.
 *
 * How it is fast in JS (measured on 4 KiB pages of real data: about 300 sequences per
 * page, most with <= 4 literals and <= 8 match bytes):
 * - Bytes move 4 at a time through DataView getInt32/setInt32 (inlined by TurboFan,
 *   about 8x faster per byte than a Uint8Array byte loop here); builtins
 *   (`set`, `copyWithin`, `fill`) only for runs of 128+ bytes (16+ for a one-byte
 *   pattern), where their ~25-60 ns call cost is repaid.
 * - A fast path for the common sequence (literal run < 15, match < 19, far enough
 *   from both ends): it copies 4 or 16 literal bytes and 8 or 20 match bytes
 *   unconditionally ("wild copies", as the C decoder does). The bytes written past
 *   the sequence's end are inside `dst[dstStart, dstEnd)` (the fast path keeps 34
 *   bytes of room) and are overwritten by the following sequences; reads stay inside
 *   `src[srcStart, srcEnd)` (16 bytes of room).
 * - A match copies forward in 4-byte chunks only when offset >= 4 (each chunk then
 *   reads bytes already written); offsets 1-3 repeat a short pattern byte by byte,
 *   offset 1 with `fill` when long.
 * Bounds: every length and offset is checked before it is used, outside the fast
 * path's proven room; corrupt input returns -1 and never writes outside
 * `dst[dstStart, dstEnd)` nor reads outside `src[srcStart, srcEnd)` or before
 * `dstStart` (a fuzz test checks both, and that nothing throws).
 */

import { isBlockRange } from './byteRange.js';

/** Size of the lz4-napi size prefix. */
export const LZ4_PREFIX_BYTES = 4;

/** Runs at least this long go through a builtin (`set` / `copyWithin`). */
const LONG_RUN = 128;
/** One-byte patterns at least this long go through `fill`. */
const LONG_FILL = 16;
/** The fast path reads at most this far past a token (16 literal bytes). */
const SRC_ROOM = 16;
/**
 * The fast path writes at most this far past its start: up to 14 literals (16 bytes
 * written wild), then 20 match bytes. The test of every short sequence shape at every
 * distance from the end fails with 33.
 */
const DST_ROOM = 34;

/**
 * Decode one LZ4 block `src[srcStart, srcEnd)` into `dst[dstStart, dstEnd)`. Returns the
 * number of bytes written, or -1 when the block is malformed or does not fit. Bytes of
 * `dst[dstStart, dstEnd)` past the returned length may have been written too.
 */
export function lz4DecodeBlock(
  src: Uint8Array,
  srcStart: number,
  srcEnd: number,
  dst: Uint8Array,
  dstStart: number,
  dstEnd: number,
): number {
  if (!isBlockRange(src, srcStart, srcEnd, dst, dstStart, dstEnd)) return -1;
  const sv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const dv = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
  const srcSafe = srcEnd - SRC_ROOM;
  const dstSafe = dstEnd - DST_ROOM;
  let sp = srcStart;
  let dp = dstStart;
  for (;;) {
    // Invariant: srcStart <= sp < srcEnd and dstStart <= dp <= dstEnd here.
    const token = src[sp++]!;
    let lit = token >>> 4;
    let mlen = (token & 15) + 4;

    // ------------------------------------------------------------ fast path
    if (lit < 15 && mlen < 19 && sp <= srcSafe && dp <= dstSafe) {
      // sp + 16 <= srcEnd covers the literal reads and the 2 offset bytes
      // (sp + lit + 2 <= sp + 16); dp + 34 <= dstEnd covers 16 literal bytes
      // and 20 match bytes after at most 14 literals.
      dv.setInt32(dp, sv.getInt32(sp, true), true);
      if (lit > 4) {
        dv.setInt32(dp + 4, sv.getInt32(sp + 4, true), true);
        dv.setInt32(dp + 8, sv.getInt32(sp + 8, true), true);
        dv.setInt32(dp + 12, sv.getInt32(sp + 12, true), true);
      }
      sp += lit;
      dp += lit;
      const offset = src[sp]! | (src[sp + 1]! << 8);
      sp += 2;
      if (offset === 0 || offset > dp - dstStart) return -1;
      let from = dp - offset;
      if (offset >= 8) {
        // Chunk k reads [from + 4k, from + 4k + 4), all written (offset >= 4).
        dv.setInt32(dp, dv.getInt32(from, true), true);
        dv.setInt32(dp + 4, dv.getInt32(from + 4, true), true);
        if (mlen > 8) {
          dv.setInt32(dp + 8, dv.getInt32(from + 8, true), true);
          dv.setInt32(dp + 12, dv.getInt32(from + 12, true), true);
          dv.setInt32(dp + 16, dv.getInt32(from + 16, true), true);
        }
        dp += mlen;
      } else {
        const end = dp + mlen;
        while (dp < end) dst[dp++] = dst[from++]!;
      }
      continue;
    }

    // ------------------------------------------------------------ literals
    if (lit === 15) {
      let b = 255;
      while (b === 255) {
        if (sp >= srcEnd) return -1;
        b = src[sp++]!;
        lit += b;
      }
    }
    if (lit > srcEnd - sp || lit > dstEnd - dp) return -1;
    if (lit >= LONG_RUN) {
      dst.set(src.subarray(sp, sp + lit), dp);
    } else {
      let s = sp;
      let d = dp;
      const end4 = sp + lit - 3;
      while (s < end4) {
        dv.setInt32(d, sv.getInt32(s, true), true);
        s += 4;
        d += 4;
      }
      const end = sp + lit;
      while (s < end) dst[d++] = src[s++]!;
    }
    sp += lit;
    dp += lit;
    if (sp === srcEnd) return dp - dstStart; // last sequence: literals only

    // ------------------------------------------------------------ match
    if (srcEnd - sp < 2) return -1;
    const offset = src[sp]! | (src[sp + 1]! << 8);
    sp += 2;
    if (offset === 0 || offset > dp - dstStart) return -1;
    if (mlen === 19) {
      let b = 255;
      while (b === 255) {
        if (sp >= srcEnd) return -1;
        b = src[sp++]!;
        mlen += b;
      }
    }
    if (mlen > dstEnd - dp) return -1;
    let from = dp - offset;
    const end = dp + mlen;
    if (offset >= 4) {
      if (mlen >= LONG_RUN && offset >= mlen) {
        dst.copyWithin(dp, from, from + mlen); // no overlap: a plain memmove
        dp = end;
      } else {
        const end4 = end - 3;
        while (dp < end4) {
          dv.setInt32(dp, dv.getInt32(from, true), true);
          dp += 4;
          from += 4;
        }
        while (dp < end) dst[dp++] = dst[from++]!;
      }
    } else if (offset === 1 && mlen >= LONG_FILL) {
      dst.fill(dst[from]!, dp, end);
      dp = end;
    } else {
      // Offsets 2-3 (or a short run of 1): the overlapping copy repeats the last
      // `offset` bytes, which is what a forward byte loop does.
      while (dp < end) dst[dp++] = dst[from++]!;
    }
  }
}

/** The page size in an lz4-napi prefix (`[u32 LE size]`) at `src[at]` (4 bytes there). */
export function readLz4Prefix(src: Uint8Array, at: number): number {
  return (src[at]! | (src[at + 1]! << 8) | (src[at + 2]! << 16) | (src[at + 3]! << 24)) >>> 0;
}

/** Write the lz4-napi prefix for a page of `size` bytes at `dst[at]`. */
export function writeLz4Prefix(dst: Uint8Array, at: number, size: number): void {
  dst[at] = size & 0xff;
  dst[at + 1] = (size >>> 8) & 0xff;
  dst[at + 2] = (size >>> 16) & 0xff;
  dst[at + 3] = size >>> 24;
}

/**
 * Decode an lz4-napi page (`[u32 LE size][block]`) into `dst[dstStart, dstStart+size)`.
 * Returns the decoded size, or -1 when the prefix does not match `expectedSize` or the
 * block is malformed.
 */
export function lz4DecodePrefixed(
  src: Uint8Array,
  srcStart: number,
  srcEnd: number,
  dst: Uint8Array,
  dstStart: number,
  expectedSize: number,
): number {
  if (srcEnd - srcStart < LZ4_PREFIX_BYTES + 1) return -1;
  const size = readLz4Prefix(src, srcStart);
  if (size !== expectedSize || dstStart + size > dst.length) return -1;
  const n = lz4DecodeBlock(
    src,
    srcStart + LZ4_PREFIX_BYTES,
    srcEnd,
    dst,
    dstStart,
    dstStart + size,
  );
  return n === size ? n : -1;
}
