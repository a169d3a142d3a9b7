/**
 * The package boundary under arbitrary input (issue 11): every public entry point, handed
 * any value (NaN, fractions, huge and negative numbers, strings, null, objects, bigints),
 * either returns a valid result or throws a SlotAllocatorError naming the method, and a
 * call that throws changes nothing (stats, used slots, counts, the full flag and the
 * callbacks' logs are compared before and after). Also: callbacks that throw or call
 * back in leave the allocator consistent, and no counter ever goes negative.
 */

import { hostileValue } from '@tierswap/bench-kit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SlotAllocator } from './index.js';
import {
  ALLOC_REFUSALS,
  createSlotAllocator,
  SLOT_ALLOCATOR_ERROR_CODES,
  SlotAllocatorError,
} from './index.js';

/** Anything a caller might pass where a number is expected. */
const anyValue = hostileValue({ min: -3, max: 80 });

type Method =
  | 'alloc'
  | 'dup'
  | 'put'
  | 'free'
  | 'count'
  | 'isBad'
  | 'markBad'
  | 'clusterOf'
  | 'clusterUsed'
  | 'clusterInfo';
const METHODS: readonly Method[] = [
  'alloc',
  'dup',
  'put',
  'free',
  'count',
  'isBad',
  'markBad',
  'clusterOf',
  'clusterUsed',
  'clusterInfo',
];

function call(a: SlotAllocator, method: Method, x: unknown, y: unknown): unknown {
  const n = x as number;
  switch (method) {
    case 'alloc':
      return y === undefined ? a.alloc(n) : a.alloc(n, y as number);
    case 'free':
      return y === undefined ? a.free(n) : a.free(n, y as number);
    default:
      return a[method](n);
  }
}

/** Everything a caller can observe. */
function snapshot(a: SlotAllocator, log: unknown[]) {
  const used = [...a.usedSlots()];
  return {
    stats: a.stats(),
    used,
    counts: used.map((s) => a.count(s)),
    full: a.isFull(),
    clusters: Array.from({ length: a.clusterCount }, (_, c) => a.clusterInfo(c)),
    log: [...log],
  };
}

function expectNoNegativeCounter(a: SlotAllocator): void {
  const st = a.stats();
  const numbers = [
    st.used,
    st.free,
    st.bad,
    st.pendingDiscards,
    st.overflowCounts,
    ...Object.values(st.clusters),
    ...Object.values(st.failures),
    ...st.allocations,
    ...st.fallbacks,
  ];
  for (const v of numbers) expect(v).toBeGreaterThanOrEqual(0);
  expect(st.used + st.free + st.bad).toBe(st.slots);
}

const validCodes = new Set<string>(Object.values(SLOT_ALLOCATOR_ERROR_CODES));

describe('slot allocator boundary: arbitrary arguments', () => {
  it('every entry point returns a valid result or throws a typed error and changes nothing', () => {
    let tried = 0;
    let refused = 0;
    fc.assert(
      fc.property(
        fc.record({
          clusterShift: fc.integer({ min: 0, max: 4 }),
          clusters: fc.integer({ min: 1, max: 4 }),
          streams: fc.integer({ min: 1, max: 3 }),
          discard: fc.constantFrom('none' as const, 'pages' as const),
          warm: fc.array(fc.tuple(fc.nat(3), fc.nat()), { maxLength: 40 }),
          calls: fc.array(
            fc.tuple(
              fc.constantFrom(...METHODS),
              fc.oneof({ weight: 3, arbitrary: fc.nat(63) }, { weight: 2, arbitrary: anyValue }),
              fc.option(fc.oneof(fc.nat(4), anyValue), { nil: undefined }),
            ),
            { minLength: 10, maxLength: 60 },
          ),
        }),
        (cfg) => {
          const clusterSize = 1 << cfg.clusterShift;
          const slots = cfg.clusters * clusterSize;
          const log: unknown[] = [];
          const a = createSlotAllocator({
            slots,
            clusterSize,
            streams: cfg.streams,
            discard: cfg.discard,
            onDiscard: (first, count) => log.push(['discard', first, count]),
            onFullChange: (full) => log.push(['full', full]),
          });
          // Some state to protect: allocations of several orders, shared and bad slots.
          for (const [kind, v] of cfg.warm) {
            const live = [...a.usedSlots()];
            if (kind === 0 || live.length === 0) a.alloc(v % (cfg.clusterShift + 1));
            else if (kind === 1) a.dup(live[v % live.length]!);
            else if (kind === 2) a.put(live[v % live.length]!);
            else if (a.count(v % slots) <= 1) a.markBad(v % slots);
          }
          for (const [method, x, y] of cfg.calls) {
            const before = snapshot(a, log);
            tried++;
            let result: unknown;
            try {
              result = call(a, method, x, y);
            } catch (e) {
              refused++;
              expect(e).toBeInstanceOf(SlotAllocatorError);
              const err = e as SlotAllocatorError;
              expect(validCodes.has(err.code)).toBe(true);
              expect(err.errno).toMatch(/^E[A-Z]+$/);
              expect(
                err.message.startsWith(`@tierswap/slot-allocator/slotAllocator.${method}: `),
              ).toBe(true);
              expect(snapshot(a, log)).toEqual(before);
              continue;
            }
            switch (method) {
              case 'alloc':
                if (typeof result === 'number') {
                  expect(Number.isInteger(result) && result >= 0 && result < slots).toBe(true);
                } else {
                  expect(Object.values(ALLOC_REFUSALS)).toContain(result);
                }
                break;
              case 'dup':
              case 'put':
              case 'count':
              case 'clusterUsed':
                expect(Number.isInteger(result) && (result as number) >= 0).toBe(true);
                break;
              case 'clusterOf':
                expect(Number.isInteger(result) && (result as number) < a.clusterCount).toBe(true);
                break;
              case 'isBad':
                expect(typeof result).toBe('boolean');
                break;
              case 'clusterInfo':
                expect(result).toMatchObject({ state: expect.any(String) });
                break;
              default:
                expect(result).toBeUndefined();
            }
            a.verify();
            expectNoNegativeCounter(a);
          }
          for (const entry of log) {
            if (Array.isArray(entry) && entry[0] === 'discard') {
              expect(entry[2]).toBeGreaterThanOrEqual(1);
              expect((entry[1] as number) + (entry[2] as number)).toBeLessThanOrEqual(slots);
            }
          }
        },
      ),
      { numRuns: 400 },
    );
    // The property saw both outcomes, so it tested something.
    expect(refused).toBeGreaterThan(tried / 10);
    expect(refused).toBeLessThan(tried);
    if (process.env.TIERSWAP_BOUNDARY_REPORT) {
      console.log(`slot-allocator boundary: ${tried} calls, ${refused} refused`);
    }
  });

  it('options: a valid allocator or INVALID_ARGUMENT naming the option', () => {
    const small = fc.oneof(fc.integer({ min: -2, max: 3000 }), anyValue);
    fc.assert(
      fc.property(
        fc.record(
          {
            slots: small,
            clusterSize: small,
            streams: small,
            rotational: anyValue,
            discard: fc.oneof(fc.constantFrom('none', 'once', 'pages', 'bogus'), anyValue),
            onDiscard: fc.oneof(
              fc.constant(() => {}),
              anyValue,
            ),
            onFullChange: fc.oneof(
              fc.constant(() => {}),
              anyValue,
            ),
          },
          { requiredKeys: [] },
        ),
        (options) => {
          let a: SlotAllocator;
          try {
            a = createSlotAllocator(options as never);
          } catch (e) {
            expect(e).toBeInstanceOf(SlotAllocatorError);
            expect((e as SlotAllocatorError).code).toBe('INVALID_ARGUMENT');
            expect((e as Error).message).toMatch(
              /^@tierswap\/slot-allocator\/slotAllocator\.create: (options|slots|clusterSize|streams|rotational|discard|onDiscard|onFullChange) must be /,
            );
            return;
          }
          a.verify();
          expect(a.stats().free).toBe(a.slots);
        },
      ),
      { numRuns: 500 },
    );
    for (const bad of [undefined, null, 5, 'x']) {
      expect(() => createSlotAllocator(bad as never)).toThrow(/create: options must be an object/);
    }
  });
});

describe('slot allocator callbacks: called once the state is consistent', () => {
  it('an onFullChange that throws on alloc leaves the slot allocated and the allocator consistent', () => {
    const a = createSlotAllocator({
      slots: 4,
      clusterSize: 4,
      onFullChange: (full) => {
        if (full) throw new Error('observer failed');
      },
    });
    for (let i = 0; i < 3; i++) a.alloc();
    expect(() => a.alloc()).toThrow('observer failed');
    a.verify();
    expect(a.isFull()).toBe(true);
    expect([...a.usedSlots()]).toEqual([0, 1, 2, 3]);
    expect(a.stats().allocations[0]).toBe(4);
    a.free(3);
    expect(a.isFull()).toBe(false);
    a.verify();
  });

  it('an onFullChange that throws on free leaves the slot free and the cluster on its list', () => {
    const a = createSlotAllocator({
      slots: 8,
      clusterSize: 4,
      onFullChange: (full) => {
        if (!full) throw new Error('observer failed');
      },
    });
    for (let i = 0; i < 8; i++) a.alloc();
    expect(() => a.put(5)).toThrow('observer failed');
    a.verify();
    expect(a.count(5)).toBe(0);
    expect(a.isFull()).toBe(false);
    expect(a.clusterInfo(1)).toEqual({ state: 'nonfull', order: 0, used: 3 });
    expect(a.alloc()).toBe(5);
  });

  it('an onFullChange that calls back into the allocator sees a consistent state', () => {
    const seen: number[] = [];
    const a = createSlotAllocator({
      slots: 4,
      clusterSize: 4,
      onFullChange: (full) => {
        a.verify();
        if (full) seen.push(a.stats().used);
      },
    });
    for (let i = 0; i < 4; i++) a.alloc();
    expect(seen).toEqual([4]);
  });

  it('an onDiscard that throws leaves its cluster pending, retried by the next call', () => {
    let fail = true;
    const done: number[] = [];
    const a = createSlotAllocator({
      slots: 32,
      clusterSize: 16,
      discard: 'pages',
      onDiscard: (first) => {
        if (fail) throw new Error('discard failed');
        done.push(first);
      },
    });
    const s = a.alloc(4) as number;
    a.free(s, 4);
    expect(a.stats().pendingDiscards).toBe(1);
    expect(() => a.processDiscards()).toThrow('discard failed');
    a.verify();
    expect(a.stats().pendingDiscards).toBe(1);
    expect(a.clusterInfo(0).state).toBe('discard');
    fail = false;
    expect(a.processDiscards()).toBe(1);
    expect(done).toEqual([0]);
    a.verify();
  });

  it('an onDiscard that allocates is never handed a slot of the cluster being discarded', () => {
    const got: number[] = [];
    const a: SlotAllocator = createSlotAllocator({
      slots: 32,
      clusterSize: 16,
      discard: 'pages',
      onDiscard: () => {
        const s = a.alloc(0);
        if (typeof s === 'number') got.push(s);
      },
    });
    const s = a.alloc(4) as number;
    a.free(s, 4);
    a.processDiscards();
    expect(got).toHaveLength(1);
    expect(got[0]).toBeGreaterThanOrEqual(16);
    a.verify();
  });
});
