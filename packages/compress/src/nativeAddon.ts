/**
 * The package's own Node-API addons (native/lz4Native.c, native/zstdNative.c, built
 * by node-gyp when the package is installed): loading them, and the calling convention
 * both share (native/nodeApi.h).
 *
 * Why addons of our own: each runs the system's C library (liblz4, libzstd) on memory
 * the caller already owns, synchronously, for ~0.1 us per call. The npm bindings
 * allocate a Buffer per call (lz4-napi) or hop to the libuv thread pool (zstd).
 *
 * Loading follows loadBinding.ts: each addon and its library are opened once per
 * process, and a missing piece is CompressError('BINDING_LOAD_FAILED') naming it and the
 * fix, raised when a codec that needs it is created, never later.
 */

import { createRequire } from 'node:module';
import { isBlockRange } from './byteRange.js';
import { CompressError } from './compressError.js';
import type { BindingInfo } from './types.js';

/** What both addons export. */
export interface NativeAddon {
  /** Empty when the library is usable, else why it is not. */
  readonly error: string;
  /** The version string of the library opened. */
  readonly version: string;
  /**
   * The integer arguments of the next call, written before it (cheaper than passing JS
   * numbers): decode [srcStart, srcEnd, dstStart, size]; encode [_, _, dstStart, level].
   */
  readonly args: Int32Array;
  /** src[srcStart, srcEnd) into dst[dstStart, +size): size, or -1 with dst untouched. */
  decode(src: Uint8Array, dst: Uint8Array): number;
  /** As decode, in place: on -1 dst[dstStart, +size) may hold partial output. */
  decodeInto(src: Uint8Array, dst: Uint8Array): number;
  /** All of src into dst[dstStart..]: the compressed length, or 0 when it fails. */
  encode(src: Uint8Array, dst: Uint8Array): number;
}

/** One addon as the loader describes it. */
export interface AddonSpec {
  /** node-gyp target name: build/Release/<file>.node */
  readonly file: 'tierswap_lz4' | 'tierswap_zstd';
  /** The library's name in BindingInfo: liblz4, libzstd. */
  readonly library: string;
  /** Debian package and environment variable that provide or point at the library. */
  readonly debianPackage: string;
  readonly envVar: string;
  /** The codec options that avoid this addon, for the error message. */
  readonly avoid: string;
}

const loaded = new Map<string, { addon: NativeAddon; info: BindingInfo }>();

/**
 * The addon with a usable library, loaded once per process. Throws
 * CompressError('BINDING_LOAD_FAILED') when the addon was not built or its library
 * cannot be opened.
 */
export function loadAddon(spec: AddonSpec): { addon: NativeAddon; info: BindingInfo } {
  const hit = loaded.get(spec.file);
  if (hit !== undefined) return hit;
  let addon: NativeAddon;
  try {
    // From src/ and from dist/ alike, node-gyp's output is one level up.
    addon = createRequire(import.meta.url)(`../build/Release/${spec.file}.node`) as NativeAddon;
  } catch (cause) {
    throw new CompressError(
      'BINDING_LOAD_FAILED',
      `@tierswap/compress/nativeAddon.load: the ${spec.file} addon is not built (${String(cause)}); ` +
        'run `pnpm install` (it runs node-gyp; needs a C compiler) or create the codec with ' +
        spec.avoid,
      { cause },
    );
  }
  if (addon.error !== '' || typeof addon.decode !== 'function') {
    throw new CompressError(
      'BINDING_LOAD_FAILED',
      `@tierswap/compress/nativeAddon.load: ${spec.library} is not usable: ${addon.error}; install it ` +
        `(Debian: apt-get install ${spec.debianPackage}), point ${spec.envVar} at it, or create the codec with ${spec.avoid}`,
    );
  }
  const entry = { addon, info: { name: spec.library, version: addon.version } };
  loaded.set(spec.file, entry);
  return entry;
}

/**
 * Decode one block or frame through an addon: the size, or -1. With `inPlace` false,
 * -1 leaves dst untouched (NativeAddon.decode); with true it saves a page copy and may
 * leave partial output in dst[dstStart, dstStart + size) (NativeAddon.decodeInto).
 */
export function addonDecode(
  addon: NativeAddon,
  src: Uint8Array,
  srcStart: number,
  srcEnd: number,
  dst: Uint8Array,
  dstStart: number,
  size: number,
  inPlace = false,
): number {
  if (!isBlockRange(src, srcStart, srcEnd, dst, dstStart, dstStart + size)) return -1;
  const args = addon.args;
  args[0] = srcStart;
  args[1] = srcEnd;
  args[2] = dstStart;
  args[3] = size;
  return inPlace ? addon.decodeInto(src, dst) : addon.decode(src, dst);
}

/** Compress `src` into dst[dstStart..] through an addon; the compressed length or 0. */
export function addonEncode(
  addon: NativeAddon,
  src: Uint8Array,
  dst: Uint8Array,
  dstStart: number,
  level = 0,
): number {
  addon.args[2] = dstStart;
  addon.args[3] = level;
  return addon.encode(src, dst);
}
