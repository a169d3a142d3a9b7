/**
 * Property test: VirtualSwap against a plain-object model over random sequences of alloc,
 * dup, put, transfer (with and without an expected backend), swap-cache add/delete,
 * device drains and deliberate misuse. After every step the backends, swap counts, memcgs,
 * cache flags, charges and the release log must agree with the model, the reverse map must
 * invert the forward map (checked by verify()), and at the end, once every reference is
 * dropped, nothing may be left: no entry, no table, no charge, every backend released once.
 *
 * Small clusters (64), segments (128..256) and a small space make cluster and segment
 * creation/dropping and "virtual space full" happen often.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Backend,
  BackendTag,
  backendTag,
  decodeBackend,
  encodeBackend,
  formatBackend,
  physDevice,
  physSlot,
} from './backend.js';
import type {
  BackendWord,
  DeviceId,
  FolioHandle,
  PhysSlot,
  ReleaseReason,
  SwapEntry,
} from './types.js';
import { createVirtualSwap, type VirtualSwap } from './virtualSwap.js';
import { VswapError } from './vswapError.js';
import { VSWAP_REFUSALS } from './vswapRefusals.js';

interface ModelEntry {
  count: number;
  cache: FolioHandle | undefined;
  backend: BackendWord;
  memcg: number;
}

interface Release {
  entry: number;
  backend: string;
  reason: ReleaseReason;
}

const backendArb: fc.Arbitrary<Backend> = fc.oneof(
  fc.constant<Backend>({ kind: 'none' }),
  fc.constant<Backend>({ kind: 'zero' }),
  fc.nat({ max: 0xffffffff }).map((h) => ({ kind: 'zswap', handle: h }) as Backend),
  // Few devices and slots, so that slot collisions (SLOT_IN_USE) are frequent.
  fc
    .record({ device: fc.integer({ min: 0, max: 1 }), slot: fc.nat({ max: 7 }) })
    .map(({ device, slot }) => ({ kind: 'phys', device, slot }) as Backend),
  fc.nat({ max: 0xffffffff }).map((f) => ({ kind: 'folio', folio: f }) as Backend),
);

/** Mostly one of the oldest few entries, so that operations meet on the same entry. */
const pickArb = fc.oneof(fc.nat({ max: 3 }), fc.nat());

type Op =
  | { op: 'alloc'; memcg: number; n: number }
  | { op: 'dup'; pick: number }
  | { op: 'put'; pick: number }
  | { op: 'transfer'; pick: number; backend: Backend; expect: 'none' | 'current' | 'stale' }
  | { op: 'cacheAdd'; pick: number; folio: number }
  | { op: 'cacheDelete'; pick: number }
  | { op: 'drain'; device: number; to: number }
  | {
      op: 'misuse';
      pick: number;
      method: 'dup' | 'put' | 'transfer' | 'lookup' | 'cacheAdd' | 'cacheDelete';
    };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('alloc' as const),
      memcg: fc.integer({ min: 0, max: 11 }),
      n: fc.integer({ min: 1, max: 24 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('dup' as const), pick: pickArb }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('put' as const), pick: pickArb }) },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('transfer' as const),
      pick: pickArb,
      backend: backendArb,
      expect: fc.constantFrom('none' as const, 'current' as const, 'stale' as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('cacheAdd' as const),
      pick: pickArb,
      folio: fc.nat({ max: 1000 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('cacheDelete' as const), pick: pickArb }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('drain' as const),
      device: fc.integer({ min: 0, max: 1 }),
      to: fc.integer({ min: 3, max: 5 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('misuse' as const),
      pick: pickArb,
      method: fc.constantFrom(
        'dup' as const,
        'put' as const,
        'transfer' as const,
        'lookup' as const,
        'cacheAdd' as const,
        'cacheDelete' as const,
      ),
    }),
  },
);

/** How often each interesting branch was taken over all runs: each must be > 0. */
const seen = {
  allocFull: 0,
  cacheExists: 0,
  slotInUse: 0,
  sameBackend: 0,
  stale: 0,
  putBelowZero: 0,
  freedByCacheDelete: 0,
  drained: 0,
  misuse: 0,
  paletteClusters: 0,
  mixedClusters: 0,
  clusterDropped: 0,
};

function physKey(word: BackendWord): number {
  return physDevice(word) * 2 ** 27 + physSlot(word);
}

/** expect(a).toBe(b) costs ~10 µs; this runs hundreds of thousands of times. */
function eq(actual: unknown, expected: unknown): void {
  if (!Object.is(actual, expected)) expect(actual).toBe(expected);
}

function countSeen(key: keyof typeof seen, n: number): void {
  seen[key] += n;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof VswapError) return error.code;
    throw error;
  }
  return 'no error';
}

class Harness {
  readonly model = new Map<number, ModelEntry>();
  readonly physOwner = new Map<number, number>();
  readonly freed = new Set<number>();
  readonly expected: Release[] = [];
  readonly actual: Release[] = [];
  /** Backends installed (by alloc or transfer) and not yet released, per entry. */
  installs = 0;
  maxClusters = 0;
  readonly vs: VirtualSwap;

  constructor(
    readonly maxEntries: number,
    segmentSlots: number,
  ) {
    this.vs = createVirtualSwap({
      maxEntries,
      segmentSlots,
      clusterSize: 64,
      rmapClusterSize: 64,
      streams: 2,
      onRelease: (entry, backend, _memcg, reason) => {
        this.actual.push({ entry, backend: formatBackend(backend), reason });
      },
    });
  }

  pickLive(pick: number): SwapEntry | undefined {
    if (this.model.size === 0) return undefined;
    // Walk the Map in insertion order: cheap for the small picks that dominate.
    let i = pick % this.model.size;
    for (const key of this.model.keys()) if (i-- === 0) return key as SwapEntry;
    return undefined;
  }

  private dropModel(entry: number): void {
    const m = this.model.get(entry)!;
    if (backendTag(m.backend) === BackendTag.PHYS) this.physOwner.delete(physKey(m.backend));
    this.expected.push({ entry, backend: formatBackend(m.backend), reason: 'free' });
    this.model.delete(entry);
    this.freed.add(entry);
  }

  alloc(memcg: number): void {
    const e = this.vs.alloc(memcg);
    if (this.model.size === this.maxEntries) {
      eq(e, VSWAP_REFUSALS.allocNoSpace);
      expect(e).toMatchObject({ errno: 'ENOSPC', code: 'allocNoSpace' });
      seen.allocFull++;
      return;
    }
    if (typeof e !== 'number') throw new Error(`alloc refused with room left: ${e.code}`);
    eq(this.model.has(e), false);
    this.model.set(e, {
      count: 1,
      cache: undefined,
      backend: encodeBackend({ kind: 'none' }),
      memcg,
    });
    this.freed.delete(e);
    this.installs++;
  }

  transfer(entry: SwapEntry, backend: Backend, mode: 'none' | 'current' | 'stale'): void {
    const m = this.model.get(entry)!;
    const next = encodeBackend(backend);
    let expectedWord: BackendWord | undefined;
    if (mode === 'current') expectedWord = m.backend;
    if (mode === 'stale') {
      expectedWord = encodeBackend(
        decodeBackend(m.backend).kind === 'zero' ? { kind: 'none' } : { kind: 'zero' },
      );
    }
    if (mode === 'stale') {
      eq(this.vs.transfer(entry, next, expectedWord), VSWAP_REFUSALS.transferStale);
      seen.stale++;
      return;
    }
    if (next === m.backend) {
      eq(
        codeOf(() => this.vs.transfer(entry, next, expectedWord)),
        'SAME_BACKEND',
      );
      seen.sameBackend++;
      return;
    }
    if (backendTag(next) === BackendTag.PHYS && this.physOwner.has(physKey(next))) {
      eq(
        codeOf(() => this.vs.transfer(entry, next, expectedWord)),
        'SLOT_IN_USE',
      );
      seen.slotInUse++;
      return;
    }
    eq(this.vs.transfer(entry, next, expectedWord), true);
    this.expected.push({ entry, backend: formatBackend(m.backend), reason: 'transfer' });
    if (backendTag(m.backend) === BackendTag.PHYS) this.physOwner.delete(physKey(m.backend));
    if (backendTag(next) === BackendTag.PHYS) this.physOwner.set(physKey(next), entry);
    m.backend = next;
    this.installs++;
  }

  step(op: Op): void {
    switch (op.op) {
      case 'alloc':
        for (let i = 0; i < op.n; i++) this.alloc(op.memcg);
        break;
      case 'dup': {
        const e = this.pickLive(op.pick);
        if (e === undefined) break;
        const m = this.model.get(e)!;
        m.count++;
        eq(this.vs.dup(e), m.count);
        break;
      }
      case 'put': {
        const e = this.pickLive(op.pick);
        if (e === undefined) break;
        const m = this.model.get(e)!;
        if (m.count === 0) {
          eq(
            codeOf(() => this.vs.put(e)),
            'PUT_BELOW_ZERO',
          );
          seen.putBelowZero++;
          break;
        }
        m.count--;
        eq(this.vs.put(e), m.count);
        if (m.count === 0 && m.cache === undefined) this.dropModel(e);
        break;
      }
      case 'transfer': {
        const e = this.pickLive(op.pick);
        if (e !== undefined) this.transfer(e, op.backend, op.expect);
        break;
      }
      case 'cacheAdd': {
        const e = this.pickLive(op.pick);
        if (e === undefined) break;
        const m = this.model.get(e)!;
        const result = this.vs.cacheAdd(e, op.folio as FolioHandle);
        if (m.cache !== undefined) {
          eq(result, VSWAP_REFUSALS.cacheExists);
          seen.cacheExists++;
        } else {
          eq(result, true);
          m.cache = op.folio as FolioHandle;
        }
        break;
      }
      case 'cacheDelete': {
        const e = this.pickLive(op.pick);
        if (e === undefined) break;
        const m = this.model.get(e)!;
        if (m.cache === undefined) {
          eq(
            codeOf(() => this.vs.cacheDelete(e)),
            'CACHE_NOT_HELD',
          );
          break;
        }
        this.vs.cacheDelete(e);
        m.cache = undefined;
        if (m.count === 0) {
          this.dropModel(e);
          seen.freedByCacheDelete++;
        }
        break;
      }
      case 'drain': {
        // Move everything off one device (a demotion or swapoff) via the reverse map only.
        const want = [...this.physOwner.entries()]
          .filter(([key]) => Math.floor(key / 2 ** 27) === op.device)
          .sort((a, b) => a[0] - b[0])
          .map(([, entry]) => entry);
        const visited: number[] = [];
        let drainedCount = 0;
        let slot = 0;
        for (const e of this.vs.entriesOn(op.device as DeviceId)) {
          visited.push(e);
          drainedCount++;
          while (this.physOwner.has(op.to * 2 ** 27 + slot)) slot++;
          this.transfer(
            e,
            { kind: 'phys', device: op.to as DeviceId, slot: slot as PhysSlot },
            'current',
          );
        }
        expect(visited).toEqual(want);
        countSeen('drained', drainedCount);
        eq(this.vs.deviceEntries(op.device as DeviceId), 0);
        break;
      }
      case 'misuse': {
        const ids = [...this.freed].filter((id) => !this.model.has(id));
        const e = (
          ids.length === 0 ? this.maxEntries + op.pick : ids[op.pick % ids.length]!
        ) as SwapEntry;
        const call: Record<typeof op.method, () => unknown> = {
          dup: () => this.vs.dup(e),
          put: () => this.vs.put(e),
          transfer: () => this.vs.transfer(e, encodeBackend({ kind: 'zero' })),
          lookup: () => this.vs.lookup(e),
          cacheAdd: () => this.vs.cacheAdd(e, 1 as FolioHandle),
          cacheDelete: () => this.vs.cacheDelete(e),
        };
        let message = '';
        try {
          call[op.method]();
        } catch (error) {
          expect(error).toBeInstanceOf(VswapError);
          // Outside the space it is a bad argument; inside, an entry that is not allocated.
          eq(
            (error as VswapError).code,
            e >= this.maxEntries ? 'INVALID_ARGUMENT' : 'UNKNOWN_ENTRY',
          );
          message = (error as Error).message;
        }
        expect(message).toContain(
          e >= this.maxEntries
            ? `@tierswap/vswap/virtualSwap.${op.method}: entry must be an integer from 0 to ${this.maxEntries - 1}, got ${e}`
            : `@tierswap/vswap/virtualSwap.${op.method}: entry ${e} `,
        );
        eq(this.vs.isLive(e), false);
        countSeen('misuse', 1);
        break;
      }
    }
  }

  /** Release-log entries already compared. */
  private compared = 0;

  /** Cheap checks after every step; everything (and verify()) when `full`. */
  check(full: boolean): void {
    const { vs } = this;
    eq(vs.live, this.model.size);
    eq(this.actual.length, this.expected.length);
    for (let i = this.compared; i < this.actual.length; i++) {
      const a = this.actual[i]!;
      const b = this.expected[i]!;
      if (a.entry !== b.entry || a.backend !== b.backend || a.reason !== b.reason) {
        expect(this.actual.slice(i)).toEqual(this.expected.slice(i));
      }
    }
    this.compared = this.actual.length;
    if (!full) return;
    const phys = new Map<number, number>();
    for (const [e, m] of this.model) {
      const entry = e as SwapEntry;
      if (
        vs.lookup(entry) !== m.backend ||
        vs.swapCount(entry) !== m.count ||
        vs.memcgOf(entry) !== m.memcg ||
        vs.inCache(entry) !== (m.cache !== undefined) ||
        vs.cacheFolio(entry) !== m.cache
      ) {
        expect({
          entry,
          backend: formatBackend(vs.lookup(entry)),
          count: vs.swapCount(entry),
          memcg: vs.memcgOf(entry),
          cache: vs.cacheFolio(entry),
        }).toEqual({
          entry,
          backend: formatBackend(m.backend),
          count: m.count,
          memcg: m.memcg,
          cache: m.cache,
        });
      }
      if (backendTag(m.backend) === BackendTag.PHYS) {
        eq(vs.reverseLookup(physDevice(m.backend), physSlot(m.backend)), e);
        phys.set(m.memcg, (phys.get(m.memcg) ?? 0) + 1);
      }
    }
    for (let memcg = 0; memcg < 12; memcg++) eq(vs.swapCurrent(memcg), phys.get(memcg) ?? 0);
    vs.verify();
    const stats = vs.stats();
    if (stats.multiMemcgClusters > stats.mixedMemcgClusters) seen.paletteClusters++;
    if (stats.mixedMemcgClusters > 0) seen.mixedClusters++;
    if (stats.descriptorClusters < this.maxClusters) seen.clusterDropped++;
    this.maxClusters = Math.max(this.maxClusters, stats.descriptorClusters);
  }

  /** Drops every reference left and checks that nothing remains. */
  teardown(): void {
    for (const [e, m] of [...this.model]) {
      const entry = e as SwapEntry;
      while (m.count > 0) {
        m.count--;
        this.vs.put(entry);
        if (m.count === 0 && m.cache === undefined) this.dropModel(e);
      }
      if (m.cache !== undefined) {
        this.vs.cacheDelete(entry);
        m.cache = undefined;
        this.dropModel(e);
      }
    }
    this.check(true);
    const stats = this.vs.stats();
    eq(stats.live, 0);
    eq(stats.descriptorClusters, 0);
    eq(stats.mixedMemcgClusters, 0);
    eq(stats.multiMemcgClusters, 0);
    eq(stats.reverseMapTables, 0);
    eq(stats.inCache, 0);
    expect(stats.segments).toBeLessThanOrEqual(1);
    eq(stats.releases, this.installs);
    eq(this.vs.memoryUsage().descriptorBytes + this.vs.memoryUsage().reverseMapBytes, 0);
    for (let d = 0; d < 32; d++) eq(this.vs.deviceEntries(d as DeviceId), 0);
  }
}

describe('VirtualSwap against a model', () => {
  it('agrees with the model over random operation sequences, and leaks nothing', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          { maxEntries: 40, segmentSlots: 64 },
          { maxEntries: 100, segmentSlots: 64 },
          { maxEntries: 1000, segmentSlots: 128 },
          { maxEntries: 300, segmentSlots: 256 },
        ),
        fc.array(opArb, { minLength: 1, maxLength: 200, size: 'max' }),
        ({ maxEntries, segmentSlots }, ops) => {
          const h = new Harness(maxEntries, segmentSlots);
          ops.forEach((op, i) => {
            h.step(op);
            h.check(i % 4 === 3);
          });
          h.teardown();
        },
      ),
      { numRuns: 300 },
    );
    // The runs above must have reached every interesting branch at least once.
    const missed = Object.entries(seen).filter(([, n]) => n === 0);
    expect(missed).toEqual([]);
  }, 60_000); // about 1 s alone; generous for a shared 2-core machine
});
