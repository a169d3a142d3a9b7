/**
 * copyFromShared: copies bytes out of a SharedArrayBuffer quickly.
 *
 * V8 copies out of shared memory element by element (each a relaxed atomic load) when
 * the elements are bytes or 32-bit words: 1.2 us for a 4 KiB page with
 * `Uint8Array.prototype.set` or `Buffer.copy`, measured on this project's machines,
 * against 0.09 us between ordinary buffers. Between 64-bit element arrays the same
 * `set` is one memmove again (0.19 us). So the bulk of a page goes through
 * BigInt64Array views when both ends are 8-byte aligned (the data layout keeps every
 * payload aligned), and the few bytes after it one by one.
 *
 * Copies *into* shared memory are one memmove when source and destination are equally
 * aligned (0.17 us a page) but element-wise again when they are not (1.2 us): a reply's
 * values are slices of the parser's buffer at any offset, so copyToShared moves an
 * unaligned one through an ordinary aligned scratch buffer first (0.29 us in all).
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

/** An ordinary 8-byte-aligned buffer for copyToShared's unaligned case (grows on demand). */
let bounce = new Uint8Array(0);

/** Copies src[0, len) to dst[dstStart...]. `dst` may be shared; `src` must not be. */
export function copyToShared(
  src: Uint8Array,
  dst: Uint8Array,
  dstStart: number,
  len: number,
): void {
  if (((src.byteOffset - (dst.byteOffset + dstStart)) & 7) === 0 || len < 64) {
    dst.set(src.subarray(0, len), dstStart);
    return;
  }
  if (bounce.length < len) bounce = new Uint8Array(new ArrayBuffer((len + 7) & ~7));
  bounce.set(src.subarray(0, len));
  const to = dst.byteOffset + dstStart;
  const head = (8 - (to & 7)) & 7;
  if (head === 0) {
    // 64-bit elements: V8 copies them with one memmove even into shared memory.
    const words = len >>> 3;
    new BigInt64Array(dst.buffer, to, words).set(new BigInt64Array(bounce.buffer, 0, words));
    for (let i = words << 3; i < len; i++) dst[dstStart + i] = bounce[i]!;
    return;
  }
  dst.set(bounce.subarray(0, len), dstStart);
}
