/**
 * A pure-TypeScript LZ4 *block* decoder that writes into memory the caller owns.
 *
 * Why: lz4-napi's uncompressSync allocates a new Buffer for every result, and on 4 KiB
 * pages that allocation (plus the copy into the caller's page) costs more than the
 * decompression itself. zswap loads decompress straight into the faulting page, so this
 * decoder takes (src range, dst range) and allocates nothing. It reads the exact format
 * lz4-napi writes (lz4_flex `compress_prepend_size`: u32 little-endian original size,
 * then one raw LZ4 block) and is proven byte-exact against lz4-napi in lz4Block.test.ts.
 *
 * Format (lz4 block, see lz4/doc/lz4_Block_format.md): a sequence is a token byte
 * (high nibble literal length, low nibble match length - 4), optional 255-run length
 * extensions, the literals, a 2-byte little-endian offset and optional match-length
 * extensions. The last sequence has literals only. Every read and write is bounds
 * checked: corrupt input returns -1 instead of writing outside `dst`.
 */

/** Size of the lz4-napi size prefix. */
export const LZ4_PREFIX_BYTES = 4;

// Below this many bytes a JS loop beats the builtin call of copyWithin/set.
const SHORT_COPY = 24;

/**
 * Decode one LZ4 block `src[srcStart, srcEnd)` into `dst[dstStart, dstEnd)`. Returns the
 * number of bytes written, or -1 when the block is malformed or does not fit.
 */
export function lz4DecodeBlock(
  src: Uint8Array,
  srcStart: number,
  srcEnd: number,
  dst: Uint8Array,
  dstStart: number,
  dstEnd: number,
): number {
  let sp = srcStart;
  let dp = dstStart;
  if (srcEnd > src.length || dstEnd > dst.length || sp >= srcEnd) return -1;
  for (;;) {
    const token = src[sp++]!;
    // Literals.
    let lit = token >>> 4;
    if (lit === 15) {
      let b = 255;
      while (b === 255) {
        if (sp >= srcEnd) return -1;
        b = src[sp++]!;
        lit += b;
      }
    }
    if (lit > srcEnd - sp || lit > dstEnd - dp) return -1;
    if (lit < SHORT_COPY) {
      for (let k = 0; k < lit; k++) dst[dp + k] = src[sp + k]!;
    } else {
      dst.set(src.subarray(sp, sp + lit), dp);
    }
    sp += lit;
    dp += lit;
    if (sp === srcEnd) return dp - dstStart; // last sequence: literals only
    // Match.
    if (srcEnd - sp < 2) return -1;
    const offset = src[sp]! | (src[sp + 1]! << 8);
    sp += 2;
    if (offset === 0 || offset > dp - dstStart) return -1;
    let mlen = (token & 15) + 4;
    if ((token & 15) === 15) {
      let b = 255;
      while (b === 255) {
        if (sp >= srcEnd) return -1;
        b = src[sp++]!;
        mlen += b;
      }
    }
    if (mlen > dstEnd - dp) return -1;
    let from = dp - offset;
    if (offset >= mlen && mlen >= SHORT_COPY) {
      dst.copyWithin(dp, from, from + mlen);
      dp += mlen;
    } else {
      // Overlapping copies (offset < length) repeat the last `offset` bytes: this must be
      // a forward byte loop, which is exactly what the format defines.
      const end = dp + mlen;
      while (dp < end) dst[dp++] = dst[from++]!;
    }
  }
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
  const size =
    (src[srcStart]! |
      (src[srcStart + 1]! << 8) |
      (src[srcStart + 2]! << 16) |
      (src[srcStart + 3]! << 24)) >>>
    0;
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
