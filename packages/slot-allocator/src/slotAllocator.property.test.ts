/**
 * Random alloc / free / dup / put / mark-bad / discard sequences against a trivial model
 * (a Map of slot -> count plus a set of bad slots). After every step: no slot is handed out
 * twice, runs are aligned and inside one cluster, counts agree with the model, and
 * verify() confirms the cluster lists agree with the cluster counts. At the end everything
 * is freed and the allocator must be empty.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALLOC_REFUSALS, createSlotAllocator } from './index.js';

type Op =
  | { kind: 'alloc'; order: number; stream: number }
  | { kind: 'dup'; pick: number }
  | { kind: 'put'; pick: number }
  | { kind: 'freeRun'; pick: number }
  | { kind: 'markBad'; slot: number }
  | { kind: 'discard' };

const opArb = (maxOrder: number, streams: number): fc.Arbitrary<Op> =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('alloc' as const),
        order: fc.integer({ min: 0, max: maxOrder }),
        stream: fc.integer({ min: 0, max: streams - 1 }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('dup' as const), pick: fc.nat() }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('put' as const), pick: fc.nat() }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('freeRun' as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('markBad' as const), slot: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('discard' as const) }) },
  );

const configArb = fc.record({
  clusterShift: fc.integer({ min: 0, max: 4 }),
  clusters: fc.integer({ min: 1, max: 6 }),
  shortBy: fc.nat(),
  streams: fc.integer({ min: 1, max: 3 }),
  rotational: fc.boolean(),
  discard: fc.constantFrom('none' as const, 'once' as const, 'pages' as const),
});

describe('slot allocator against a model', () => {
  it('never hands out a slot twice and keeps lists, counts and totals consistent', () => {
    fc.assert(
      fc.property(
        configArb.chain((cfg) =>
          fc.tuple(
            fc.constant(cfg),
            fc.array(opArb(cfg.clusterShift, cfg.streams), { minLength: 1, maxLength: 150 }),
          ),
        ),
        ([cfg, ops]) => {
          const clusterSize = 1 << cfg.clusterShift;
          const slots = Math.max(1, cfg.clusters * clusterSize - (cfg.shortBy % clusterSize));
          const discarded: number[] = [];
          const a = createSlotAllocator({
            slots,
            clusterSize,
            streams: cfg.streams,
            rotational: cfg.rotational,
            discard: cfg.discard,
            onDiscard: (first, count) => discarded.push(first, count),
          });
          const counts = new Map<number, number>(); // live slot -> count
          const runs = new Map<number, number>(); // run start -> order, for runs still whole
          const bad = new Set<number>();
          const live = () => [...counts.keys()];

          for (const op of ops) {
            switch (op.kind) {
              case 'alloc': {
                const nr = 1 << op.order;
                const s = a.alloc(op.order, op.stream);
                if (typeof s !== 'number') {
                  // Only refused when there is genuinely no room of that size anywhere
                  // aligned, or (order > 0) the allocator declined: never for order 0 with room.
                  expect(s).toBe(ALLOC_REFUSALS[s.code]);
                  if (op.order === 0) {
                    expect(s.code).toBe('full');
                    expect(counts.size + bad.size).toBe(slots);
                  }
                  break;
                }
                expect(s % nr).toBe(0);
                expect(Math.floor(s / clusterSize)).toBe(Math.floor((s + nr - 1) / clusterSize));
                for (let i = s; i < s + nr; i++) {
                  expect(i).toBeLessThan(slots);
                  expect(counts.has(i)).toBe(false);
                  expect(bad.has(i)).toBe(false);
                  counts.set(i, 1);
                }
                runs.set(s, op.order);
                break;
              }
              case 'dup': {
                const l = live();
                if (l.length === 0) break;
                const s = l[op.pick % l.length]!;
                counts.set(s, counts.get(s)! + 1);
                expect(a.dup(s)).toBe(counts.get(s));
                break;
              }
              case 'put': {
                const l = live();
                if (l.length === 0) break;
                const s = l[op.pick % l.length]!;
                const left = counts.get(s)! - 1;
                expect(a.put(s)).toBe(left);
                if (left === 0) counts.delete(s);
                else counts.set(s, left);
                break;
              }
              case 'freeRun': {
                const whole = [...runs].filter(([s, o]) => {
                  for (let i = s; i < s + (1 << o); i++) if (counts.get(i) !== 1) return false;
                  return true;
                });
                if (whole.length === 0) break;
                const [s, o] = whole[op.pick % whole.length]!;
                a.free(s, o);
                for (let i = s; i < s + (1 << o); i++) counts.delete(i);
                runs.delete(s);
                break;
              }
              case 'markBad': {
                const s = op.slot % slots;
                const c = counts.get(s);
                if (c !== undefined && c > 1) {
                  expect(() => a.markBad(s)).toThrow(/references/);
                  break;
                }
                a.markBad(s);
                counts.delete(s);
                bad.add(s);
                break;
              }
              case 'discard':
                a.processDiscards();
                break;
            }
            for (const [s, o] of runs) {
              for (let i = s; i < s + (1 << o); i++) if (!counts.has(i)) runs.delete(s);
            }
            a.verify();
            const st = a.stats();
            expect(st.used).toBe(counts.size);
            expect(st.bad).toBe(bad.size);
            expect(a.isFull()).toBe(counts.size + bad.size === slots);
          }

          // Every live slot is reported, with its count.
          expect([...a.usedSlots()]).toEqual(live().sort((x, y) => x - y));
          for (const [s, c] of counts) expect(a.count(s)).toBe(c);

          // Release everything: the allocator must be empty, with only bad slots held.
          for (const [s, c] of counts) for (let i = 0; i < c; i++) a.put(s);
          a.processDiscards();
          a.verify();
          const st = a.stats();
          expect(st.used).toBe(0);
          expect(st.free).toBe(slots - bad.size);
          for (let c = 0; c < a.clusterCount; c++) {
            const info = a.clusterInfo(c);
            const start = c * clusterSize;
            const end = Math.min(start + clusterSize, slots);
            let held = start + clusterSize - end;
            for (let i = start; i < end; i++) if (bad.has(i)) held++;
            expect(info.used).toBe(held);
            if (held === 0) expect(info.state).toBe('free');
          }
          if (cfg.discard === 'once') expect(discarded.slice(0, 2)).toEqual([0, slots]);
          // Every discarded range is a real, non-empty range of the device.
          for (let i = 0; i < discarded.length; i += 2) {
            const [first, count] = [discarded[i]!, discarded[i + 1]!];
            expect(Number.isInteger(first) && first >= 0).toBe(true);
            expect(count).toBeGreaterThanOrEqual(1);
            expect(first + count).toBeLessThanOrEqual(slots);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
