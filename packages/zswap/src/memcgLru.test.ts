/**
 * Tests of the per-memcg LRU on its own: list order under add / rotate / delete from
 * the middle / move to head, isolation between memcgs, growth, the second-chance walk
 * (referenced bit cleared and rotated), the age rule, the page / byte / scan limits,
 * and a property test of the lists against arrays.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isReferenced, REFERENCED, stamp, ticksAt } from './entryStamp.js';
import { MemcgLru, NONE } from './memcgLru.js';

/** An LRU over `cap` entries with its own stamp and length columns, memcgs 0..3 ready. */
function makeLru(cap = 64): { lru: MemcgLru; stamps: Uint32Array; lens: Uint16Array } {
  const stamps = new Uint32Array(cap);
  const lens = new Uint16Array(cap);
  const lru = new MemcgLru(cap, stamps, lens);
  for (let m = 0; m < 4; m++) lru.ensureMemcg(m);
  return { lru, stamps, lens };
}

/** Memcg m's list, head (oldest) first, checked against its length. */
function listOf(lru: MemcgLru, m: number): number[] {
  const out: number[] = [];
  for (let i = lru.headOf(m); i !== NONE; i = lru.nextOf(i)) out.push(i);
  expect(out.length).toBe(lru.length(m));
  return out;
}

describe('MemcgLru lists', () => {
  it('adds at the tail and the head, rotates, and moves to the head', () => {
    const { lru } = makeLru();
    for (const i of [3, 1, 4]) lru.addTail(1, i);
    expect(listOf(lru, 1)).toEqual([3, 1, 4]);
    lru.addHead(1, 5);
    expect(listOf(lru, 1)).toEqual([5, 3, 1, 4]);
    lru.rotate(1, 3);
    expect(listOf(lru, 1)).toEqual([5, 1, 4, 3]);
    lru.rotate(1, 3); // already the tail: no change
    expect(listOf(lru, 1)).toEqual([5, 1, 4, 3]);
    lru.rotate(1, 5); // the head
    expect(listOf(lru, 1)).toEqual([1, 4, 3, 5]);
    lru.moveToHead(1, 3);
    expect(listOf(lru, 1)).toEqual([3, 1, 4, 5]);
    lru.moveToHead(1, 3);
    expect(listOf(lru, 1)).toEqual([3, 1, 4, 5]);
  });

  it('deletes from the middle, the head, the tail and the last entry', () => {
    const { lru } = makeLru();
    for (const i of [10, 11, 12, 13, 14]) lru.addTail(2, i);
    lru.delete(2, 12);
    expect(listOf(lru, 2)).toEqual([10, 11, 13, 14]);
    lru.delete(2, 10);
    expect(listOf(lru, 2)).toEqual([11, 13, 14]);
    lru.delete(2, 14);
    expect(listOf(lru, 2)).toEqual([11, 13]);
    lru.delete(2, 11);
    lru.delete(2, 13);
    expect(listOf(lru, 2)).toEqual([]);
    expect(lru.headOf(2)).toBe(NONE);
    lru.addTail(2, 12); // an emptied list takes entries again
    expect(listOf(lru, 2)).toEqual([12]);
  });

  it('keeps memcgs apart', () => {
    const { lru } = makeLru();
    for (let i = 0; i < 12; i++) lru.addTail(i % 3, i);
    lru.delete(1, 4);
    lru.rotate(0, 0);
    expect(listOf(lru, 0)).toEqual([3, 6, 9, 0]);
    expect(listOf(lru, 1)).toEqual([1, 7, 10]);
    expect(listOf(lru, 2)).toEqual([2, 5, 8, 11]);
    expect(listOf(lru, 3)).toEqual([]);
    // A memcg never made room for is empty, and a walk of it finds nothing.
    expect(lru.length(5000)).toBe(0);
    expect(lru.headOf(5000)).toBe(NONE);
    expect(lru.select(5000, 8, Number.POSITIVE_INFINITY, 8, undefined, 0)).toEqual([]);
  });

  it('keeps its lists when the entries and the memcgs grow', () => {
    const { lru, stamps, lens } = makeLru(4);
    for (let i = 0; i < 4; i++) lru.addTail(1, i);
    const bigStamps = new Uint32Array(16);
    bigStamps.set(stamps);
    const bigLens = new Uint16Array(16);
    bigLens.set(lens);
    lru.resize(16, bigStamps, bigLens);
    for (let i = 4; i < 8; i++) lru.addTail(1, i);
    lru.ensureMemcg(300);
    lru.addTail(300, 8);
    lru.rotate(1, 2);
    expect(listOf(lru, 1)).toEqual([0, 1, 3, 4, 5, 6, 7, 2]);
    expect(listOf(lru, 300)).toEqual([8]);
    expect(lru.entryBytes).toBe(16 * 8);
    expect(lru.memcgBytes).toBe(512 * 20); // head, tail, length, disk swap-ins
  });
});

describe('MemcgLru second chance', () => {
  it('clears referenced entries and rotates them, takes unreferenced ones, rotated', () => {
    const { lru, stamps } = makeLru();
    // Entries 0..5 of memcg 1; 0, 2, 3 referenced.
    for (let i = 0; i < 6; i++) {
      stamps[i] = stamp(100 + i, 2, i === 0 || i === 2 || i === 3 ? 1 : 0);
      lru.addTail(1, i);
    }
    const v = lru.select(1, 2, Number.POSITIVE_INFINITY, 100, undefined, 200);
    expect(v).toEqual([1, 4]);
    // Met in order 0 (ref), 1 (taken), 2 (ref), 3 (ref), 4 (taken): each went to the tail.
    expect(lru.lastScanned).toBe(5);
    expect(listOf(lru, 1)).toEqual([5, 0, 1, 2, 3, 4]);
    for (let i = 0; i < 6; i++) expect(isReferenced(stamps[i]!)).toBe(false);
    // The codec slot and the store time are untouched.
    expect(stamps[2]).toBe(stamp(102, 2, 0));
    // The second walk takes the ones that had their second chance.
    expect(lru.select(1, 3, Number.POSITIVE_INFINITY, 100, undefined, 200)).toEqual([5, 0, 1]);
  });

  it('stops at the scan limit, leaving bits it did not reach', () => {
    const { lru, stamps } = makeLru();
    for (let i = 0; i < 5; i++) {
      stamps[i] = stamp(7, 0, 1);
      lru.addTail(3, i);
    }
    expect(lru.select(3, 5, Number.POSITIVE_INFINITY, 3, undefined, 7)).toEqual([]);
    expect(lru.lastScanned).toBe(3);
    expect(listOf(lru, 3)).toEqual([3, 4, 0, 1, 2]);
    expect(isReferenced(stamps[3]!)).toBe(true);
    expect(isReferenced(stamps[0]!)).toBe(false);
    // A walk over all-referenced entries that may scan twice the list takes them all.
    expect(lru.select(3, 5, Number.POSITIVE_INFINITY, 10, undefined, 7)).toEqual([0, 1, 2, 3, 4]);
  });

  it('with an age cutoff rotates young entries and takes old ones whatever their bit', () => {
    const { lru, stamps } = makeLru();
    const now = ticksAt(3_600_000); // one hour of 64 ms ticks
    const ages = [100, 5, 100, 50, 9];
    for (let i = 0; i < ages.length; i++) {
      stamps[i] = stamp(now - ages[i]!, 1, REFERENCED);
      lru.addTail(0, i);
    }
    const v = lru.select(0, 10, Number.POSITIVE_INFINITY, 5, 10, now);
    expect(v).toEqual([0, 2, 3]);
    expect(listOf(lru, 0)).toEqual([0, 1, 2, 3, 4]); // all five met, each rotated
    expect(isReferenced(stamps[0]!)).toBe(false); // taken: bit cleared
    expect(isReferenced(stamps[1]!)).toBe(true); // young: rotated, bit kept
  });

  it('measures ages across the 28-bit wrap of the tick counter', () => {
    const { lru, stamps } = makeLru();
    stamps[0] = stamp((1 << 28) - 2, 0, 0); // stored 2 ticks before the wrap
    lru.addTail(0, 0);
    expect(lru.select(0, 1, Number.POSITIVE_INFINITY, 1, 6, 3)).toEqual([]); // age 5
    expect(lru.select(0, 1, Number.POSITIVE_INFINITY, 1, 5, 3)).toEqual([0]);
  });

  it('stops once the compressed byte budget is reached', () => {
    const { lru, stamps, lens } = makeLru();
    const sizes = [1000, 1500, 800, 2000];
    for (let i = 0; i < sizes.length; i++) {
      stamps[i] = stamp(0, 0, 0);
      lens[i] = sizes[i]! - 1;
      lru.addTail(2, i);
    }
    // 1000 < 2000, 2500 >= 2000: the second one passes the budget and ends the walk.
    expect(lru.select(2, 10, 2000, 10, undefined, 0)).toEqual([0, 1]);
    expect(lru.select(2, 10, 1, 10, undefined, 0)).toEqual([2]);
  });
});

describe('MemcgLru property', () => {
  it('matches an array model per memcg under random operations', () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant('add' as const), m: fc.nat(3), head: fc.boolean() }),
      fc.record({ k: fc.constant('del' as const), pick: fc.nat() }),
      fc.record({ k: fc.constant('rot' as const), pick: fc.nat() }),
      fc.record({ k: fc.constant('front' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const { lru } = makeLru(400);
        const model: number[][] = [[], [], [], []];
        const memcgOf = new Map<number, number>();
        let next = 0;
        for (const o of ops) {
          if (o.k === 'add') {
            const idx = next++;
            memcgOf.set(idx, o.m);
            if (o.head) {
              lru.addHead(o.m, idx);
              model[o.m]!.unshift(idx);
            } else {
              lru.addTail(o.m, idx);
              model[o.m]!.push(idx);
            }
            continue;
          }
          const live = [...memcgOf.keys()];
          if (live.length === 0) continue;
          const idx = live[o.pick % live.length]!;
          const m = memcgOf.get(idx)!;
          const list = model[m]!;
          list.splice(list.indexOf(idx), 1);
          if (o.k === 'del') {
            lru.delete(m, idx);
            memcgOf.delete(idx);
          } else if (o.k === 'rot') {
            lru.rotate(m, idx);
            list.push(idx);
          } else {
            lru.moveToHead(m, idx);
            list.unshift(idx);
          }
        }
        for (let m = 0; m < 4; m++) expect(listOf(lru, m)).toEqual(model[m]);
      }),
      { numRuns: 200 },
    );
  });
});
