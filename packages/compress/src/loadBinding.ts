/**
 * Loads a native compression binding once and reports its name and version.
 *
 * Why: the style guide asks that a binding that cannot load is a clear error at
 * startup, never a silent slow fallback. Codecs call this in their factory, so
 * `createCodec('zstd')` either returns a working codec or throws
 * CompressError('BINDING_LOAD_FAILED') naming the package and the loader's message.
 * The version comes from the package's own package.json (found next to its resolved
 * entry point, because lz4-napi's `exports` map hides `./package.json`).
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CompressError } from './compressError.js';
import type { BindingInfo } from './types.js';

const require = createRequire(import.meta.url);

/** The subset of lz4-napi this package uses. */
export interface Lz4Binding {
  compressSync(data: Buffer): Buffer;
  uncompressSync(data: Uint8Array): Buffer;
  compress(data: Uint8Array): Promise<Buffer>;
}

/** The native functions of @mongodb-js/zstd (its index.js wrapper drops `level`). */
export interface ZstdBinding {
  compress(data: Buffer, level?: number): Promise<Buffer>;
  decompress(data: Buffer): Promise<Buffer>;
}

export interface Loaded<T> {
  readonly api: T;
  readonly info: BindingInfo;
}

const cache = new Map<string, Loaded<unknown>>();

/**
 * Load `entry` (a module of package `pkg`) and check that it has the functions `fns`.
 * Cached per entry and function list. Throws CompressError('BINDING_LOAD_FAILED').
 */
export function loadNative<T>(pkg: string, entry: string, fns: readonly string[]): Loaded<T> {
  const key = `${entry}\0${fns.join(',')}`;
  const hit = cache.get(key) as Loaded<T> | undefined;
  if (hit) return hit;
  let api: unknown;
  let version: string;
  try {
    api = require(entry);
    const main = require.resolve(entry);
    let dir = dirname(main);
    // Walk up to the package root (the folder whose package.json names `pkg`).
    for (let i = 0; i < 4; i++) {
      const pj = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pj.name === pkg) {
        version = pj.version ?? 'unknown';
        break;
      }
      dir = dirname(dir);
    }
    version ??= 'unknown';
  } catch (cause) {
    throw new CompressError(
      'BINDING_LOAD_FAILED',
      `@tierswap/compress/loadBinding.load: cannot load ${pkg} (${entry}): ${String(cause)}`,
      { cause },
    );
  }
  if (!hasFns(api, fns)) {
    throw new CompressError(
      'BINDING_LOAD_FAILED',
      `@tierswap/compress/loadBinding.load: ${pkg} ${version} lacks one of ${fns.join(', ')}`,
    );
  }
  const loaded: Loaded<T> = { api: api as T, info: { name: pkg, version } };
  cache.set(key, loaded);
  return loaded;
}

function hasFns(m: unknown, names: readonly string[]): boolean {
  if (typeof m !== 'object' || m === null) return false;
  const rec = m as Record<string, unknown>;
  return names.every((n) => typeof rec[n] === 'function');
}

export function loadLz4(): Loaded<Lz4Binding> {
  return loadNative<Lz4Binding>('lz4-napi', 'lz4-napi', [
    'compressSync',
    'uncompressSync',
    'compress',
  ]);
}

export function loadZstd(): Loaded<ZstdBinding> {
  // bindings.js is the native module itself; index.js would silently drop the level.
  return loadNative<ZstdBinding>('@mongodb-js/zstd', '@mongodb-js/zstd/bindings.js', [
    'compress',
    'decompress',
  ]);
}
