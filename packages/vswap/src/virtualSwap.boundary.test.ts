/**
 * The package boundary under arbitrary input (issue 11): every public entry point of a
 * VirtualSwap, of the backend-word helpers and of the id converters, handed any value
 * (NaN, fractions, huge and negative numbers, strings, null, objects, bigints, corrupt
 * backend words), either returns a valid result or throws a VswapError naming the method
 * and the value, and a call that throws changes nothing: stats, memory, every live
 * entry's backend, counts, memcg and cache state, and the release log are compared
 * before and after.
 */

import { hostileValue } from '@tierswap/bench-kit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BackendWord, FolioHandle, SwapEntry } from './index.js';
import {
  backendPayload,
  backendTag,
  createVirtualSwap,
  decodeBackend,
  encodeBackend,
  folioBackend,
  formatBackend,
  isValidBackend,
  physBackend,
  physDevice,
  physSlot,
  toDeviceId,
  toFolioHandle,
  toPhysSlot,
  toSwapEntry,
  toZswapHandle,
  VSWAP_ERROR_CODES,
  VSWAP_REFUSALS,
  VswapError,
  zswapBackend,
} from './index.js';
import type { VirtualSwap } from './virtualSwap.js';

/** Anything a caller might pass where a number is expected, with vswap's own edges. */
const anyValue = hostileValue({
  min: -3,
  max: 300,
  edges: [31, 32, 65535, 65536, 2 ** 27, 3 * 2 ** 32 + 5, 5 * 2 ** 32],
});

/** A backend word that is valid more often than not, so transfers get through. */
const wordArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.nat(40).map((h) => zswapBackend(toZswapHandle(h))),
  fc.tuple(fc.nat(3), fc.nat(40)).map(([d, s]) => physBackend(toDeviceId(d), toPhysSlot(s))),
  fc.nat(40).map((f) => folioBackend(toFolioHandle(f))),
  fc.constant(0),
  fc.constant(2 ** 32),
  anyValue,
);

type Method =
  | 'alloc'
  | 'dup'
  | 'put'
  | 'swapCount'
  | 'lookup'
  | 'memcgOf'
  | 'isLive'
  | 'transfer'
  | 'cacheAdd'
  | 'cacheFolio'
  | 'inCache'
  | 'cacheDelete'
  | 'reverseLookup'
  | 'entriesOn'
  | 'deviceEntries'
  | 'swapCurrent';
const METHODS: readonly Method[] = [
  'alloc',
  'dup',
  'put',
  'swapCount',
  'lookup',
  'memcgOf',
  'isLive',
  'transfer',
  'cacheAdd',
  'cacheFolio',
  'inCache',
  'cacheDelete',
  'reverseLookup',
  'entriesOn',
  'deviceEntries',
  'swapCurrent',
];

function call(vs: VirtualSwap, method: Method, x: unknown, y: unknown, z: unknown): unknown {
  const a = x as never;
  const b = y as never;
  switch (method) {
    case 'alloc':
      return y === undefined ? vs.alloc(a) : vs.alloc(a, b);
    case 'transfer':
      return z === undefined ? vs.transfer(a, b) : vs.transfer(a, b, z as never);
    case 'cacheAdd':
      return vs.cacheAdd(a, b);
    case 'reverseLookup':
      return vs.reverseLookup(a, b);
    case 'entriesOn':
      return [...vs.entriesOn(a)];
    default:
      return vs[method](a);
  }
}

function snapshot(vs: VirtualSwap, log: string[]) {
  const entries = [...vs.entries()];
  return {
    stats: vs.stats(),
    memory: vs.memoryUsage(),
    entries: entries.map((e) => [
      e,
      formatBackend(vs.lookup(e)),
      vs.swapCount(e),
      vs.memcgOf(e),
      vs.inCache(e),
      vs.cacheFolio(e),
    ]),
    log: [...log],
  };
}

const validCodes = new Set<string>(Object.values(VSWAP_ERROR_CODES));
const refusals = new Set<unknown>(Object.values(VSWAP_REFUSALS));

describe('vswap boundary: arbitrary arguments', () => {
  it('every VirtualSwap entry point returns a valid result or a typed error, changing nothing', () => {
    let tried = 0;
    let refused = 0;
    fc.assert(
      fc.property(
        fc.record({
          maxEntries: fc.integer({ min: 1, max: 200 }),
          streams: fc.integer({ min: 1, max: 3 }),
          calls: fc.array(
            fc.tuple(
              fc.constantFrom(...METHODS),
              // x: mostly entries near the live ones (small ids), sometimes anything.
              fc.oneof({ weight: 3, arbitrary: fc.nat(40) }, { weight: 2, arbitrary: anyValue }),
              fc.oneof(fc.nat(3), wordArb, fc.constant(undefined)),
              fc.oneof(fc.constant(undefined), wordArb),
            ),
            { minLength: 10, maxLength: 60 },
          ),
        }),
        (cfg) => {
          const log: string[] = [];
          const vs = createVirtualSwap({
            maxEntries: cfg.maxEntries,
            segmentSlots: 64,
            clusterSize: 64,
            rmapClusterSize: 64,
            streams: cfg.streams,
            onRelease: (entry, backend, memcg, reason) =>
              log.push(`${entry}:${formatBackend(backend)}:${memcg}:${reason}`),
          });
          for (let i = 0; i < 12; i++) vs.alloc(i % 3);
          for (const [method, x, y, z] of cfg.calls) {
            const before = snapshot(vs, log);
            tried++;
            let result: unknown;
            try {
              result = call(vs, method, x, y, z);
            } catch (e) {
              refused++;
              expect(e).toBeInstanceOf(VswapError);
              const err = e as VswapError;
              expect(validCodes.has(err.code)).toBe(true);
              expect(err.errno).toMatch(/^E[A-Z]+$/);
              expect(err.message.startsWith(`@tierswap/vswap/virtualSwap.${method}: `)).toBe(true);
              expect(snapshot(vs, log)).toEqual(before);
              continue;
            }
            switch (method) {
              case 'alloc':
                if (typeof result === 'number') expect(vs.isLive(result)).toBe(true);
                else expect(result).toBe(VSWAP_REFUSALS.allocNoSpace);
                break;
              case 'transfer':
              case 'cacheAdd':
                expect(result === true || refusals.has(result)).toBe(true);
                break;
              case 'lookup':
                expect(isValidBackend(result)).toBe(true);
                break;
              case 'isLive':
              case 'inCache':
                expect(typeof result).toBe('boolean');
                break;
              case 'cacheDelete':
                expect(result).toBeUndefined();
                break;
              case 'cacheFolio':
                expect(result === undefined || Number.isInteger(result)).toBe(true);
                break;
              case 'entriesOn':
                for (const e of result as SwapEntry[]) expect(vs.isLive(e)).toBe(true);
                break;
              case 'reverseLookup':
                expect(result === -1 || vs.isLive(result as number)).toBe(true);
                break;
              default:
                expect(Number.isInteger(result) && (result as number) >= 0).toBe(true);
            }
            vs.verify();
            const st = vs.stats();
            for (const v of [
              st.live,
              st.inCache,
              st.cacheOnly,
              ...Object.values(st.byBackend),
              ...Object.values(st.refused),
            ]) {
              expect(v).toBeGreaterThanOrEqual(0);
            }
          }
        },
      ),
      { numRuns: 250 },
    );
    expect(refused).toBeGreaterThan(tried / 10);
    expect(refused).toBeLessThan(tried);
    if (process.env.TIERSWAP_BOUNDARY_REPORT) {
      console.log(`vswap boundary: ${tried} calls, ${refused} refused`);
    }
  });

  it('options: a valid space or INVALID_ARGUMENT naming the option', () => {
    const small = fc.oneof(fc.constantFrom(64, 128, 1024, 4096), anyValue);
    fc.assert(
      fc.property(
        fc.record(
          {
            maxEntries: small,
            segmentSlots: small,
            clusterSize: small,
            streams: fc.oneof(fc.integer({ min: 0, max: 4 }), anyValue),
            rmapClusterSize: small,
            onRelease: fc.oneof(
              fc.constant(() => {}),
              anyValue,
            ),
            bogus: anyValue,
          },
          { requiredKeys: [] },
        ),
        (options) => {
          let vs: VirtualSwap;
          try {
            vs = createVirtualSwap(options as never);
          } catch (e) {
            expect(e).toBeInstanceOf(VswapError);
            expect((e as VswapError).code).toBe('INVALID_ARGUMENT');
            expect((e as Error).message).toMatch(
              /^@tierswap\/vswap\/virtualSwap\.create: (options must|unknown option "bogus"|(maxEntries|segmentSlots|clusterSize|streams|rmapClusterSize|onRelease) must be )/,
            );
            return;
          }
          vs.verify();
          expect(vs.live).toBe(0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('the backend helpers and id converters answer or throw INVALID_ARGUMENT', () => {
    const helpers: [string, (v: unknown) => unknown][] = [
      ['backendTag', (v) => backendTag(v as BackendWord)],
      ['backendPayload', (v) => backendPayload(v as BackendWord)],
      ['physDevice', (v) => physDevice(v as BackendWord)],
      ['physSlot', (v) => physSlot(v as BackendWord)],
      ['decodeBackend', (v) => decodeBackend(v as BackendWord)],
      ['encodeBackend', (v) => encodeBackend(v as never)],
      ['zswapBackend', (v) => zswapBackend(v as never)],
      ['folioBackend', (v) => folioBackend(v as FolioHandle)],
      ['physBackend', (v) => physBackend(v as never, 3 as never)],
      ['toSwapEntry', (v) => toSwapEntry(v as number)],
      ['toDeviceId', (v) => toDeviceId(v as number)],
      ['toPhysSlot', (v) => toPhysSlot(v as number)],
      ['toZswapHandle', (v) => toZswapHandle(v as number)],
      ['toFolioHandle', (v) => toFolioHandle(v as number)],
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...helpers),
        fc.oneof(anyValue, wordArb, fc.constant({ kind: 'phys', device: 40, slot: 1 })),
        ([name, fn], value) => {
          let result: unknown;
          try {
            result = fn(value);
          } catch (e) {
            expect(e).toBeInstanceOf(VswapError);
            expect((e as VswapError).code).toBe('INVALID_ARGUMENT');
            expect((e as Error).message).toMatch(/^@tierswap\/vswap\/(backend|types)\.\w+: /);
            return;
          }
          if (name.endsWith('Backend') && name !== 'decodeBackend') {
            expect(isValidBackend(result)).toBe(true);
          } else if (name === 'decodeBackend') {
            // === and not toBe: -0 is the word 0 (NONE), and encodes back as +0.
            expect(encodeBackend(result as never) === value).toBe(true);
          } else {
            expect(Number.isInteger(result) && (result as number) >= 0).toBe(true);
          }
        },
      ),
      { numRuns: 2000 },
    );
    // Predicates and formatting never throw.
    for (const v of [Number.NaN, -1, 1n, 'x', null, {}, 7 * 2 ** 32]) {
      expect(isValidBackend(v)).toBe(false);
      expect(formatBackend(v as BackendWord)).toMatch(/^INVALID\(/);
    }
  });
});

describe('vswap release callback: called once the state is consistent', () => {
  it('a callback that throws leaves the change made and the space consistent', () => {
    const vs = createVirtualSwap({
      maxEntries: 64,
      segmentSlots: 64,
      clusterSize: 64,
      onRelease: (_entry, backend) => {
        if (backendTag(backend) === 3) throw new Error('device refused the release');
      },
    });
    const e = vs.alloc(1) as SwapEntry;
    vs.transfer(e, physBackend(toDeviceId(1), toPhysSlot(9)));
    // transfer: the new backend is installed before the old one is released.
    expect(() => vs.transfer(e, zswapBackend(toZswapHandle(4)))).toThrow('device refused');
    vs.verify();
    expect(formatBackend(vs.lookup(e))).toBe('ZSWAP(4)');
    expect(vs.reverseLookup(toDeviceId(1), toPhysSlot(9))).toBe(-1);
    expect(vs.swapCurrent(1)).toBe(0);
    // free: the entry is gone before its backend is released.
    vs.transfer(e, physBackend(toDeviceId(1), toPhysSlot(9)));
    expect(() => vs.put(e)).toThrow('device refused');
    vs.verify();
    expect(vs.isLive(e)).toBe(false);
    expect(vs.stats().live).toBe(0);
    expect(vs.deviceEntries(toDeviceId(1))).toBe(0);
  });
});
