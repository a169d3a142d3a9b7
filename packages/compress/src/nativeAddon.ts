/**
 * The package's own Node-API addons (native/lz4Native.c, native/zstdNative.c, built by
 * node-gyp when the package is installed): loading them, and the calling convention
 * both share (native/nodeApi.h).
 *
 * Why addons of our own: each runs the system's C library (liblz4, libzstd) on memory
 * the caller already owns, synchronously, for ~0.1 us per call: the speed of the C
 * CLIs the benchmarks compare against. lz4-napi allocates a Buffer per call and
 * @mongodb-js/zstd is Promise-only.
 *
 * Loading: Node's require cache keeps one instance of each addon per environment, so
 * this module keeps no state. A missing piece is CompressError('BINDING_LOAD_FAILED')
 * naming what to install or which codec to pick instead, raised when a codec that needs
 * the addon is created, never later.
 */

import { createRequire } from 'node:module';
import { isAbsolute } from 'node:path';
import { isBlockRange } from './codecChecks.js';
import { CompressError } from './compressError.js';
import type { BindingInfo } from './types.js';

const requireAddon = createRequire(import.meta.url);

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
  /** What to use instead when the addon cannot load, for the error message. */
  readonly instead: string;
}

export interface LoadedAddon {
  readonly addon: NativeAddon;
  readonly info: BindingInfo;
}

/**
 * The addon with a usable library. Throws CompressError('BINDING_LOAD_FAILED') when the
 * addon was not built or its library cannot be opened.
 */
export function loadAddon(spec: AddonSpec): LoadedAddon {
  const where = `nativeAddon.load(${spec.file})`;
  // The override is trusted configuration (the library's initialisers run in this
  // process): only an absolute path, checked before the addon is loaded, so nothing is
  // ever opened from the current directory or the search path. The addon checks again.
  const override = process.env[spec.envVar];
  if (override !== undefined && override !== '' && !isAbsolute(override)) {
    throw new CompressError(
      'BINDING_LOAD_FAILED',
      where,
      `${spec.envVar}=${JSON.stringify(override)} is not an absolute path; it was not loaded ` +
        `(unset it to use the system's ${spec.library}, or give the absolute path of a library you trust)`,
    );
  }
  let addon: NativeAddon;
  try {
    // From src/ and from dist/ alike, node-gyp's output is one level up.
    addon = requireAddon(`../build/Release/${spec.file}.node`) as NativeAddon;
  } catch (cause) {
    throw new CompressError(
      'BINDING_LOAD_FAILED',
      where,
      `the addon is not built (${String(cause)}); rebuild it with a C compiler and Python ` +
        '(Debian: apt-get install gcc make python3, then `pnpm install` runs node-gyp), ' +
        spec.instead,
      { cause },
    );
  }
  if (addon.error !== '' || typeof addon.decode !== 'function') {
    throw new CompressError(
      'BINDING_LOAD_FAILED',
      where,
      `${spec.library} is not usable: ${addon.error}; install it (Debian: apt-get install ` +
        `${spec.debianPackage}), point ${spec.envVar} at it (an absolute path), ${spec.instead}`,
    );
  }
  return { addon, info: { name: spec.library, version: addon.version } };
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
