/**
 * Tests of the backend word encoding: every backend round-trips through one exact
 * integer, the bit edges (device 31, slot 2^27-1, handle 2^32-1) stay apart, corrupt
 * words are recognised, and out-of-range parts throw a typed error naming the helper.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Backend } from './backend.js';
import {
  BackendTag,
  backendPayload,
  backendTag,
  decodeBackend,
  encodeBackend,
  folioBackend,
  formatBackend,
  isValidBackend,
  NONE_BACKEND,
  physBackend,
  physDevice,
  physSlot,
  ZERO_BACKEND,
  zswapBackend,
} from './backend.js';
import type { DeviceId, FolioHandle, PhysSlot, ZswapHandle } from './types.js';
import { VswapError } from './vswapError.js';

const backendArb: fc.Arbitrary<Backend> = fc.oneof(
  fc.constant<Backend>({ kind: 'none' }),
  fc.constant<Backend>({ kind: 'zero' }),
  fc.nat({ max: 0xffffffff }).map((h) => ({ kind: 'zswap', handle: h as ZswapHandle }) as const),
  fc
    .record({ device: fc.nat({ max: 31 }), slot: fc.nat({ max: 2 ** 27 - 1 }) })
    .map(
      ({ device, slot }) =>
        ({ kind: 'phys', device: device as DeviceId, slot: slot as PhysSlot }) as const,
    ),
  fc.nat({ max: 0xffffffff }).map((f) => ({ kind: 'folio', folio: f as FolioHandle }) as const),
);

describe('backend encoding', () => {
  it('round-trips every backend through one word, whose tag names its kind', () => {
    const kinds = ['none', 'zero', 'zswap', 'phys', 'folio'];
    fc.assert(
      fc.property(backendArb, (b) => {
        const word = encodeBackend(b);
        expect(isValidBackend(word)).toBe(true);
        expect(Number.isSafeInteger(word)).toBe(true);
        expect(decodeBackend(word)).toEqual(b);
        expect(kinds[backendTag(word)]).toBe(b.kind);
      }),
    );
  });

  it('keeps the edges apart: device 31 sets bit 31 of the payload, NONE is the word 0', () => {
    const top = physBackend(31 as DeviceId, (2 ** 27 - 1) as PhysSlot);
    expect(backendTag(top)).toBe(BackendTag.PHYS);
    expect(backendPayload(top)).toBe(0xffffffff);
    expect(physDevice(top)).toBe(31);
    expect(physSlot(top)).toBe(2 ** 27 - 1);
    expect(NONE_BACKEND).toBe(0);
    expect(backendTag(ZERO_BACKEND)).toBe(BackendTag.ZERO);
    expect(backendPayload(zswapBackend(0xffffffff as ZswapHandle))).toBe(0xffffffff);
    expect(formatBackend(top)).toBe('PHYS(31, 134217727)');
    expect(formatBackend(folioBackend(9 as FolioHandle))).toBe('FOLIO(9)');
    expect(formatBackend(NONE_BACKEND)).toBe('NONE');
  });

  it('rejects words no helper can produce', () => {
    for (const bad of [-1, 0.5, 2 ** 32 + 1, 5 * 2 ** 32, Number.NaN, 2 ** 53]) {
      expect(isValidBackend(bad), String(bad)).toBe(false);
    }
    expect(formatBackend((2 ** 32 + 7) as never)).toBe(`INVALID(${2 ** 32 + 7})`);
  });

  it('throws a typed error naming the helper and the value for out-of-range parts', () => {
    const cases: [() => unknown, string][] = [
      [() => physBackend(32 as DeviceId, 0 as PhysSlot), 'backend.physBackend: device must'],
      [() => physBackend(0 as DeviceId, (2 ** 27) as PhysSlot), 'got 134217728'],
      [() => zswapBackend(-1 as ZswapHandle), 'backend.zswapBackend: zswap handle must'],
      [() => folioBackend((2 ** 32) as FolioHandle), 'got 4294967296'],
      [() => backendTag(-1 as never), 'backend.backendTag: -1 is not a backend word'],
      [() => physSlot(ZERO_BACKEND), 'backend.physSlot: ZERO is not a PHYS backend word'],
      [() => decodeBackend(Number.NaN as never), 'NaN is not a backend word'],
      [() => encodeBackend({ kind: 'disk' } as never), `got "disk"`],
    ];
    for (const [fn, text] of cases) {
      expect(fn).toThrow(VswapError);
      expect(fn).toThrow(text);
      try {
        fn();
      } catch (e) {
        expect((e as VswapError).code).toBe('INVALID_ARGUMENT');
        expect((e as VswapError).errno).toBe('EINVAL');
      }
    }
  });
});
