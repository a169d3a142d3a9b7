/**
 * The one range check every decoder makes before it touches a buffer (the TypeScript
 * and WebAssembly LZ4 decoders, the codec's lz4-napi path, the native addons' callers):
 * both ranges in integers and inside their arrays. The Int32Array the addons read
 * their arguments from would truncate fractions and wrap large numbers, so this must
 * hold before a call, whatever the C side checks again.
 */

/**
 * Whether `src[srcStart, srcEnd)` is a non-empty range of src and `dst[dstStart, dstEnd)` a
 * range of dst, in integers: what every decoder checks before it touches either buffer.
 */
export function isBlockRange(
  src: Uint8Array,
  srcStart: number,
  srcEnd: number,
  dst: Uint8Array,
  dstStart: number,
  dstEnd: number,
): boolean {
  return (
    Number.isInteger(srcStart) &&
    Number.isInteger(srcEnd) &&
    Number.isInteger(dstStart) &&
    Number.isInteger(dstEnd) &&
    srcStart >= 0 &&
    srcStart < srcEnd &&
    srcEnd <= src.length &&
    dstStart >= 0 &&
    dstStart <= dstEnd &&
    dstEnd <= dst.length
  );
}
