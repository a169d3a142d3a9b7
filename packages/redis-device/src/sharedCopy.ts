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
 * unaligned one through an ordinary scratch buffer first, placed at the destination's
 * offset mod 8, and from there at 64-bit width (0.4 us a page in all). The destination
 * need not be aligned itself: the worker's values start 4 bytes before a word boundary
 * (their crc32c header, then the aligned payload), which an earlier version sent down the
 * element-wise path (20 us for a 16-page read reply in the worker, now 6-9 us).
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

/** An ordinary buffer for copyToShared's unaligned case (grows on demand). */
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
  // The bounce copy takes the destination's alignment (byte k of it sits at the same
  // address mod 8 as dst's), so that its middle goes at 64-bit width; the at most 7
  // bytes before the first word boundary of dst and after the last go one by one.
  const to = dst.byteOffset + dstStart;
  const lead = to & 7;
  if (bounce.length < len + 8) bounce = new Uint8Array(new ArrayBuffer((len + 15) & ~7));
  bounce.set(src.subarray(0, len), lead);
  const head = Math.min((8 - lead) & 7, len);
  for (let i = 0; i < head; i++) dst[dstStart + i] = bounce[lead + i]!;
  const words = (len - head) >>> 3;
  // 64-bit elements: V8 copies them with one memmove even into shared memory.
  new BigInt64Array(dst.buffer, to + head, words).set(
    new BigInt64Array(bounce.buffer, lead + head, words),
  );
  for (let i = head + (words << 3); i < len; i++) dst[dstStart + i] = bounce[lead + i]!;
}
