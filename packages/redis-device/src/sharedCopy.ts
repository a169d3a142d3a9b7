/**
 * copyFromShared: copies bytes out of a SharedArrayBuffer quickly.
 *
 * V8 copies out of shared memory element by element (each a relaxed atomic load) when
 * the elements are bytes or 32-bit words: 1.2 us for a 4 KiB page with
 * `Uint8Array.prototype.set` or `Buffer.copy`, measured on this project's machines,
 * against 0.09 us between ordinary buffers. Between 64-bit element arrays the same
 * `set` is one memmove again (0.19 us). So the bulk of a page goes through
 * BigInt64Array views when both ends are 8-byte aligned (the data layout keeps every
 * payload aligned), and the few bytes after it one by one. Copies *into* shared memory
 * are fast already and need none of this.
 */

/** Copies src[srcStart, srcStart + len) to dst[dstStart...]. `src` may be shared. */
export function copyFromShared(
  src: Uint8Array,
  srcStart: number,
  dst: Uint8Array,
  dstStart: number,
  len: number,
): void {
  const from = src.byteOffset + srcStart;
  const to = dst.byteOffset + dstStart;
  const words = len >>> 3;
  if (words > 0 && (from & 7) === 0 && (to & 7) === 0) {
    new BigInt64Array(dst.buffer, to, words).set(new BigInt64Array(src.buffer, from, words));
    for (let i = words << 3; i < len; i++) dst[dstStart + i] = src[srcStart + i]!;
    return;
  }
  dst.set(src.subarray(srcStart, srcStart + len), dstStart);
}
