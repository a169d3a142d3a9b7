/**
 * Loads an npm compression binding (lz4-napi, @mongodb-js/zstd) and reports its name and
 * version.
 *
 * Why: a binding that cannot load is a clear error when the codec is created, never a
 * silent fallback. The version comes from the package's own package.json, found next
 * to its resolved entry point (lz4-napi's `exports` map hides `./package.json`). Node's
 * require cache keeps one instance of each, so this module keeps no state.
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CompressError } from './compressError.js';
import type { BindingInfo } from './types.js';

const requireBinding = createRequire(import.meta.url);

/** The subset of lz4-napi this package uses. */
export interface Lz4Binding {
  compressSync(data: Buffer): Buffer;
  uncompressSync(data: Uint8Array): Buffer;
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

/** The version in the package.json of `pkg`, found walking up from its entry file. */
function versionOf(pkg: string, main: string): string {
  let dir = dirname(main);
  for (let i = 0; i < 4; i++) {
    const pj = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      name?: string;
      version?: string;
    };
    if (pj.name === pkg) return pj.version ?? 'unknown';
    dir = dirname(dir);
  }
  return 'unknown';
}

/**
 * Load `entry` (a module of package `pkg`) and check that it has the functions `fns`.
 * Throws CompressError('BINDING_LOAD_FAILED') naming the package and what to do instead.
 */
export function loadNative<T>(
  pkg: string,
  entry: string,
  fns: readonly string[],
  instead = '',
): Loaded<T> {
  const where = `loadBinding.load(${pkg})`;
  let api: unknown;
  let version: string;
  try {
    api = requireBinding(entry);
    version = versionOf(pkg, requireBinding.resolve(entry));
  } catch (cause) {
    throw new CompressError(
      'BINDING_LOAD_FAILED',
      where,
      `cannot load ${pkg} (${entry}): ${String(cause)}${instead}`,
      { cause },
    );
  }
  const rec = (typeof api === 'object' && api !== null ? api : {}) as Record<string, unknown>;
  if (!fns.every((n) => typeof rec[n] === 'function')) {
    throw new CompressError(
      'BINDING_LOAD_FAILED',
      where,
      `${pkg} ${version} lacks one of ${fns.join(', ')}${instead}`,
    );
  }
  return { api: api as T, info: { name: pkg, version } };
}

export function loadLz4Napi(): Loaded<Lz4Binding> {
  return loadNative<Lz4Binding>(
    'lz4-napi',
    'lz4-napi',
    ['compressSync', 'uncompressSync'],
    "; the default lz4Library, 'liblz4', does not need it",
  );
}

export function loadMongodbZstd(): Loaded<ZstdBinding> {
  // bindings.js is the native module itself; index.js would silently drop the level.
  return loadNative<ZstdBinding>('@mongodb-js/zstd', '@mongodb-js/zstd/bindings.js', [
    'compress',
    'decompress',
  ]);
}
