/**
 * What the device's tests share (not shipped: tsconfig.build and "files" leave
 * src/testing/ out): a page of bytes that depend on a seed, the typed failure of a call,
 * and a bounded poll for a device that reconnects on its own.
 */

import { TieredStoreError } from '@tierswap/tiered-store';
import { expect } from 'vitest';

/** `len` bytes that differ for every seed. */
export function page(seed: number, len = 4096): Uint8Array {
  const p = new Uint8Array(len);
  for (let i = 0; i < len; i++) p[i] = (i * 13 + seed * 101 + 1) & 0xff;
  return p;
}

/** The TieredStoreError `fn` throws; fails the test if it throws anything else or nothing. */
export function failure(fn: () => unknown): TieredStoreError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TieredStoreError);
    return e as TieredStoreError;
  }
  throw new Error('expected the call to throw');
}

/** Polls every 50 ms, for at most `ms`, until `fn` stops throwing. */
export async function eventually(fn: () => void, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      fn();
      return;
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
