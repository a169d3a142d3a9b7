/**
 * Every public entry point of the tree and the registry validates its arguments (issue
 * 11): ids out of range, negative, NaN or fractional are BAD_ID and never loop; page
 * counts and limits take only finite integers >= 0; writes longer than a page are
 * E2BIG. A property test throws arbitrary values at each entry point and checks that a
 * call either succeeds leaving readable state or fails with MemcgError (or returns a
 * Refusal) having changed nothing.
 */

import { isRefusal, showValue } from '@tierswap/base';
import { hostileValue } from '@tierswap/bench-kit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemcg, type Memcg } from './createMemcg.js';
import { MemcgError } from './memcgError.js';
import { STANDARD_STATS } from './statCounters.js';
import type { GroupId, Resource } from './types.js';
import { RESOURCES } from './types.js';

const BAD_IDS = [0, -1, 70000, 65536, Number.NaN, 1.5, Number.POSITIVE_INFINITY, -0.5];

function setup() {
  const m = createMemcg();
  const a = m.tree.create('/a');
  const b = m.tree.create('/a/b');
  return { ...m, a, b };
}

describe('ids out of range throw BAD_ID, never loop', () => {
  it('resolve, charges, stats and switches', () => {
    const { tree } = setup();
    const counter = tree.stats.lookup('zswpout')!;
    for (const bad of BAD_IDS) {
      const id = bad as GroupId;
      expect(() => tree.resolve(id), String(bad)).toThrow(MemcgError);
      expect(() => tree.tryCharge(id, 'memory', 1)).toThrow(/not allocated/);
      expect(() => tree.forceCharge(id, 'swap', 1)).toThrow(MemcgError);
      expect(() => tree.uncharge(id, 'memory', 0)).toThrow(MemcgError);
      expect(() => tree.zswapMayStore(id)).toThrow(MemcgError);
      expect(() => tree.addStat(id, counter, 1)).toThrow(MemcgError);
      expect(() => tree.effectiveTierMask(id)).toThrow(MemcgError);
      expect(() => tree.zswapWritebackEnabled(id)).toThrow(MemcgError);
      expect(() => tree.usagePages(id, 'memory')).toThrow(MemcgError);
      expect(() => tree.idGet(id)).toThrow(MemcgError);
      expect(() => tree.statTotal(id, counter)).toThrow(MemcgError);
      expect(tree.isOnline(id)).toBe(false);
    }
    // tryCharge(0, ...) used to report "charged" and charge nothing.
    expect(() => tree.tryCharge(0 as GroupId, 'memory', 1)).toThrow(MemcgError);
    expect(tree.usagePages(tree.root, 'memory')).toBe(0);
    expect(() => tree.resolve('1' as unknown as GroupId)).toThrow(MemcgError);
  });
});

describe('page counters and limits take finite integers >= 0', () => {
  it('NaN, negatives and fractions are refused and change nothing', () => {
    const { tree, files, a, b } = setup();
    tree.tryCharge(b, 'memory', 5);
    for (const bad of [Number.NaN, -1, 0.5, Number.POSITIVE_INFINITY, '3' as unknown as number]) {
      expect(() => tree.tryCharge(b, 'memory', bad)).toThrow(/pages must be an integer >= 0/);
      expect(() => tree.forceCharge(b, 'memory', bad)).toThrow(MemcgError);
      expect(() => tree.uncharge(b, 'memory', bad)).toThrow(MemcgError);
      expect(() => tree.setLimitPages(a, 'memory', bad)).toThrow(MemcgError);
      expect(() => tree.setHighPages(a, bad)).toThrow(MemcgError);
    }
    expect(() => tree.idGet(a, -1)).toThrow(/n must be an integer/);
    expect(() => tree.idPut(a, 0.5)).toThrow(MemcgError);
    expect(() => tree.setLimitPages(a, 'memory', 2 ** 52)).toThrow(MemcgError);
    expect(() => tree.tryCharge(b, 'nope' as Resource, 1)).toThrow(/resource must be one of/);
    expect(() => tree.setTierMask(a, -1)).toThrow(MemcgError);
    expect(() => tree.setZswapWriteback(a, 1 as unknown as boolean)).toThrow(MemcgError);
    expect(() => tree.addStat(a, tree.stats.lookup('zswpout')!, Number.NaN)).toThrow(MemcgError);
    expect(tree.idRefs(a)).toBe(0);
    expect(files.read(tree.root, 'memory.stat')).not.toContain('NaN');
    expect(files.read(a, 'memory.current')).toBe(`${5 * 4096}\n`);
    expect(files.read(a, 'memory.max')).toBe('max\n');
    expect(files.read(a, 'memory.high')).toBe('max\n');
  });
});

describe('interface writes longer than a page', () => {
  it('are E2BIG, as kernfs answers; a page exactly is handed to the writer', () => {
    const { files, a } = setup();
    const long = `${'0'.repeat(4096)}1`;
    const r = files.write(a, 'memory.max', long);
    expect(r?.errno).toBe('E2BIG');
    expect(files.refusals.E2BIG).toBe(1);
    expect(files.read(a, 'memory.max')).toBe('max\n');
    // 4096 bytes: parsed (a long run of zeros then 1M is a size).
    const page = `${'0'.repeat(4094)}1M`;
    expect(files.write(a, 'memory.max', page)).toBeUndefined();
    expect(files.read(a, 'memory.max')).toBe(`${1 << 20}\n`);
    // Multi-byte characters count as bytes.
    expect(files.write(a, 'memory.max', 'é'.repeat(2049))?.errno).toBe('E2BIG');
  });
});

// ---------------------------------------------------------------- property

/** Everything a caller can observe, to compare before and after a refused call. */
function snapshot(m: Memcg): unknown {
  const { tree, files } = m;
  const groups: unknown[] = [];
  for (let id = 1; id <= 8; id++) {
    const g = id as GroupId;
    const state = tree.stateOf(g);
    const row: unknown[] = [state, tree.idRefs(g)];
    if (state !== 0) {
      for (const r of RESOURCES) row.push(tree.usagePages(g, r), tree.limitPages(g, r));
      row.push(tree.highPages(g), tree.tierMask(g), tree.zswapWritebackOwn(g));
      for (let c = 0; c < STANDARD_STATS.length; c++) {
        row.push(tree.statLocal(g, tree.stats.lookup(STANDARD_STATS[c]![0])!));
      }
    }
    groups.push(row);
  }
  return {
    groups,
    size: tree.size,
    failures: { ...tree.chargeFailures },
    refusals: { ...files.refusals },
    stat: files.read(tree.root, 'memory.stat'),
  };
}

const anything = fc.oneof(
  hostileValue({ min: -3, max: 10, extra: ['memory', 'zswap', '/a/x', 'memory.max'] }),
  fc.integer({ min: 60000, max: 70000 }),
  fc.string({ maxLength: 8 }),
);

type Call = [string, unknown[]];
const callArb: fc.Arbitrary<Call> = fc.oneof(
  fc.tuple(
    fc.constantFrom(
      'tryCharge',
      'forceCharge',
      'uncharge',
      'setLimitPages',
      'usagePages',
      'limitPages',
    ),
    fc.tuple(anything, fc.oneof(fc.constantFrom(...RESOURCES), anything), anything),
  ),
  fc.tuple(
    fc.constantFrom(
      'idGet',
      'idPut',
      'setHighPages',
      'setTierMask',
      'setZswapWriteback',
      'iter',
      'isAncestor',
    ),
    fc.tuple(anything, anything),
  ),
  fc.tuple(
    fc.constantFrom(
      'resolve',
      'pathOf',
      'parentOf',
      'children',
      'rmdir',
      'mkdir',
      'lookup',
      'zswapMayStore',
      'cursorOf',
      'overHigh',
      'effectiveTierMask',
      'setTierBitEverywhere',
      'statTotals',
    ),
    fc.tuple(anything),
  ),
  fc.tuple(fc.constant('addStat'), fc.tuple(anything, anything, anything)),
  fc.tuple(
    fc.constantFrom('chargeZswap', 'unchargeZswap'),
    fc.tuple(
      fc.oneof(fc.integer({ min: 1, max: 4 }), anything),
      fc.oneof(fc.nat(10_000), anything),
      fc.oneof(fc.constant(4096), anything),
      fc.oneof(fc.boolean(), anything),
    ),
  ),
  fc.tuple(
    fc.constant('files.write'),
    fc.tuple(
      anything,
      fc.oneof(fc.constantFrom('memory.max', 'memory.zswap.writeback'), anything),
      anything,
    ),
  ),
  fc.tuple(fc.constant('files.read'), fc.tuple(anything, anything)),
);

describe('every entry point, arbitrary values', () => {
  it('property: a call succeeds with readable state, or fails typed with nothing changed', () => {
    fc.assert(
      fc.property(fc.array(callArb, { maxLength: 30 }), (calls) => {
        const m = createMemcg();
        m.tree.create('/a');
        m.tree.create('/a/b');
        m.tree.tryCharge(3 as GroupId, 'memory', 2);
        for (const [name, args] of calls) {
          const before = snapshot(m);
          const target = name.startsWith('files.') ? m.files : m.tree;
          const method = name.replace('files.', '');
          const fn = (target as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!;
          let result: unknown;
          try {
            result = fn.apply(target, args);
            if (name === 'subtree') result = [...(result as Iterable<unknown>)];
          } catch (e) {
            expect(e, `${name}(${args.map(showValue).join(', ')})`).toBeInstanceOf(MemcgError);
            expect(snapshot(m)).toEqual(before);
            continue;
          }
          if (isRefusal(result)) {
            // Only the refusal counters move (a refused charge or write is counted).
            const { refusals: _r, failures: _f, ...after } = snapshot(m) as Record<string, unknown>;
            const { refusals: _r0, failures: _f0, ...was } = before as Record<string, unknown>;
            expect(after).toEqual(was);
            continue;
          }
          // Whatever succeeded left every file readable and every counter an integer.
          for (let id = 1; id <= 8; id++) {
            const g = id as GroupId;
            if (!m.tree.isOnline(g)) continue;
            for (const r of RESOURCES) {
              expect(Number.isSafeInteger(m.tree.usagePages(g, r))).toBe(true);
              expect(m.tree.usagePages(g, r)).toBeGreaterThanOrEqual(0);
            }
            if (g !== m.tree.root) {
              expect(m.files.read(g, 'memory.current')).toMatch(/^\d+\n$/);
              expect(m.files.read(g, 'memory.max')).toMatch(/^(\d+|max)\n$/);
              expect(m.files.read(g, 'memory.high')).toMatch(/^(\d+|max)\n$/);
            }
          }
          expect(m.files.read(m.tree.root, 'memory.stat')).not.toMatch(/NaN|Infinity|\.\d/);
        }
      }),
      { numRuns: 300 },
    );
  });
});
