/**
 * Tests that the npm bindings load with their versions, and that a missing or
 * incomplete binding is a BINDING_LOAD_FAILED error at load time (no silent fallback).
 */

import { describe, expect, it } from 'vitest';
import { CompressError } from './compressError.js';
import { loadLz4Napi, loadMongodbZstd, loadNative } from './loadBinding.js';

describe('loadNative', () => {
  it('loads the real bindings and reads their versions from their package.json', () => {
    expect(loadLz4Napi().info).toEqual({ name: 'lz4-napi', version: '2.10.0' });
    expect(loadMongodbZstd().info).toEqual({ name: '@mongodb-js/zstd', version: '1.2.2' });
    expect(loadLz4Napi().api).toBe(loadLz4Napi().api); // one instance (Node's require cache)
  });

  it('a package that cannot load is a clear error naming it, not a fallback', () => {
    try {
      loadNative('no-such-binding', 'no-such-binding', ['compress'], '; use another');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CompressError);
      expect((e as CompressError).code).toBe('BINDING_LOAD_FAILED');
      expect((e as CompressError).errno).toBe('ENOENT');
      expect((e as Error).message).toMatch(
        /^@tierswap\/compress\/loadBinding.load\(no-such-binding\): cannot load no-such-binding .*; use another$/s,
      );
    }
  });

  it('a binding without the expected functions is refused', () => {
    expect(() => loadNative('lz4-napi', 'lz4-napi', ['compressSync', 'noSuchFunction'])).toThrow(
      /lz4-napi 2\.10\.0 lacks one of compressSync, noSuchFunction/,
    );
  });
});
