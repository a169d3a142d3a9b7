import { isRefusal } from '@tierswap/base';
import { describe, expect, it } from 'vitest';
import type { AllocRefusal } from './index.js';
import { ALLOC_REFUSALS, createSlotAllocator, SlotAllocatorError } from './index.js';

/** The slot of a successful alloc(); a refusal here is a test failure. */
function taken(r: number | AllocRefusal): number {
  if (typeof r !== 'number') throw new Error(`alloc refused: ${r.code} (${r.reason})`);
  return r;
}

function allocN(a: ReturnType<typeof createSlotAllocator>, n: number, order = 0, stream = 0) {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(taken(a.alloc(order, stream)));
  return out;
}

describe('cluster list moves (mm/swapfile.c relocate_cluster / partial_free_cluster)', () => {
  it('starts with every whole cluster free', () => {
    const a = createSlotAllocator({ slots: 4096 });
    expect(a.clusterCount).toBe(8);
    expect(a.stats().clusters).toMatchObject({ free: 8, nonfull: 0, frag: 0, full: 0 });
    a.verify();
  });

  it('moves a free cluster to frag[order] after its first allocation, fixing its order', () => {
    const a = createSlotAllocator({ slots: 2048, clusterSize: 512 });
    const s = taken(a.alloc(4));
    expect(s).toBe(0);
    expect(a.clusterInfo(0)).toEqual({ state: 'frag', order: 4, used: 16 });
    a.verify();
  });

  it('moves a cluster to full when its last slot is taken', () => {
    const a = createSlotAllocator({ slots: 64, clusterSize: 16 });
    allocN(a, 16);
    expect(a.clusterInfo(0)).toEqual({ state: 'full', order: 0, used: 16 });
    a.verify();
  });

  it('moves a full cluster to nonfull[order] on a partial free', () => {
    const a = createSlotAllocator({ slots: 64, clusterSize: 16 });
    allocN(a, 4, 2); // 4 runs of 4 fill cluster 0 with order 2
    expect(a.clusterInfo(0).state).toBe('full');
    a.free(4, 2);
    expect(a.clusterInfo(0)).toEqual({ state: 'nonfull', order: 2, used: 12 });
    a.verify();
  });

  it('moves a cluster back to free, order reset, when its last slot is freed', () => {
    const a = createSlotAllocator({ slots: 64, clusterSize: 16 });
    const s = taken(a.alloc(3));
    a.free(s, 3);
    expect(a.clusterInfo(0)).toEqual({ state: 'free', order: 0, used: 0 });
    a.verify();
  });

  it('rescans nonfull clusters and moves one that cannot serve the order to frag', () => {
    const a = createSlotAllocator({ slots: 32, clusterSize: 16 });
    // Cluster 0 serves order 1; free two non-adjacent order-1 runs' halves... simpler:
    // fill cluster 0 with order-1 runs, then free one run: nonfull[1] with one free pair.
    const runs = allocN(a, 8, 1);
    a.free(runs[3]!, 1);
    expect(a.clusterInfo(0).state).toBe('nonfull');
    // The next order-1 allocation takes that pair from nonfull[1] (fast path is exhausted).
    expect(a.alloc(1)).toBe(runs[3]);
    expect(a.clusterInfo(0).state).toBe('full');
    a.verify();
  });

  it('sends freed clusters through the discard list with discard=pages', () => {
    const discarded: Array<[number, number]> = [];
    const a = createSlotAllocator({
      slots: 32,
      clusterSize: 16,
      discard: 'pages',
      onDiscard: (first, count) => discarded.push([first, count]),
    });
    const s = taken(a.alloc(0));
    a.free(s);
    expect(a.clusterInfo(0).state).toBe('discard');
    expect(a.stats().pendingDiscards).toBe(1);
    expect(a.processDiscards()).toBe(1);
    expect(discarded).toEqual([[0, 16]]);
    expect(a.clusterInfo(0).state).toBe('free');
    a.verify();
  });

  it('processes pending discards when an allocation would otherwise fail (swap_sync_discard)', () => {
    const discarded: number[] = [];
    const a = createSlotAllocator({
      slots: 16,
      clusterSize: 16,
      discard: 'pages',
      onDiscard: (first) => discarded.push(first),
    });
    const s = taken(a.alloc(4));
    a.free(s, 4);
    expect(a.clusterInfo(0).state).toBe('discard');
    expect(a.alloc(4)).toBe(0);
    expect(discarded).toEqual([0]);
    a.verify();
  });

  it('discards the whole area once at creation with discard=once', () => {
    const discarded: Array<[number, number]> = [];
    createSlotAllocator({
      slots: 1000,
      discard: 'once',
      onDiscard: (f, c) => discarded.push([f, c]),
    });
    expect(discarded).toEqual([[0, 1000]]);
  });

  it('treats the slots past a short last cluster as used so it is never free', () => {
    const a = createSlotAllocator({ slots: 1000, clusterSize: 512 });
    expect(a.clusterInfo(1)).toEqual({ state: 'nonfull', order: 0, used: 24 });
    // An order-9 run needs a whole cluster: only cluster 0 qualifies.
    expect(a.alloc(9)).toBe(0);
    expect(a.alloc(9)).toBe(ALLOC_REFUSALS.full);
    // All 488 real slots of the last cluster are usable by order 0.
    expect(allocN(a, 488).every((s) => s >= 512 && s < 1000)).toBe(true);
    expect(a.isFull()).toBe(true);
    a.verify();
  });
});

describe('allocation policy', () => {
  it('keeps a cluster for the order of its first allocation', () => {
    const a = createSlotAllocator({ slots: 64, clusterSize: 16 });
    expect(a.alloc(2)).toBe(0); // cluster 0 becomes order 2
    expect(a.alloc(1)).toBe(16); // order 1 cannot share it: a fresh cluster
    expect(a.clusterInfo(0).order).toBe(2);
    expect(a.clusterInfo(1).order).toBe(1);
  });

  it('lets order 0 steal from a larger order cluster only when nothing else is left', () => {
    const a = createSlotAllocator({ slots: 32, clusterSize: 16 });
    expect(a.alloc(2)).toBe(0); // cluster 0: order 2
    const order0 = allocN(a, 16); // fills cluster 1 (free list) ...
    expect(order0.every((s) => s >= 16)).toBe(true);
    expect(a.alloc(0)).toBe(4); // ... then steals from cluster 0
    expect(a.clusterInfo(0).order).toBe(2);
    a.verify();
  });

  it('gives each stream its own cluster so independent writers get contiguous runs', () => {
    const a = createSlotAllocator({ slots: 4096, streams: 2 });
    const s0: number[] = [];
    const s1: number[] = [];
    for (let i = 0; i < 100; i++) {
      s0.push(taken(a.alloc(0, 0)));
      s1.push(taken(a.alloc(0, 1)));
    }
    expect(s0).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(s1).toEqual(Array.from({ length: 100 }, (_, i) => 512 + i));
  });

  it('keeps writes sequential across streams on a rotational device', () => {
    const a = createSlotAllocator({ slots: 4096, streams: 2, rotational: true });
    const seen: number[] = [];
    for (let i = 0; i < 50; i++) seen.push(taken(a.alloc(0, i % 2)));
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i));
    // A freed slot behind the cursor is not reused while the cursor's cluster has room.
    a.free(3);
    expect(a.alloc(0)).toBe(50);
  });

  it('moves on to the next cluster when the cached one is used up', () => {
    const a = createSlotAllocator({ slots: 64, clusterSize: 16 });
    const run = allocN(a, 20);
    expect(run).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(a.clusterInfo(0).state).toBe('full');
    expect(a.clusterInfo(1).state).toBe('frag');
  });

  it('aligns every order-n run to 2^n inside one cluster', () => {
    const a = createSlotAllocator({ slots: 4096, clusterSize: 64 });
    for (let order = 0; order <= 6; order++) {
      for (let i = 0; i < 5; i++) {
        const s = taken(a.alloc(order));
        expect(s % (1 << order)).toBe(0);
        expect(a.clusterOf(s)).toBe(a.clusterOf(s + (1 << order) - 1));
      }
    }
    a.verify();
  });
});

describe('refusals are values, counted by reason', () => {
  it('refuses when full, signals full and room again', () => {
    const events: boolean[] = [];
    const a = createSlotAllocator({
      slots: 8,
      clusterSize: 4,
      onFullChange: (f) => events.push(f),
    });
    const slots = allocN(a, 8);
    expect(a.isFull()).toBe(true);
    const refused = a.alloc(0);
    expect(refused).toBe(ALLOC_REFUSALS.full);
    expect(isRefusal(refused)).toBe(true);
    expect(refused).toMatchObject({ errno: 'ENOSPC', code: 'full' });
    expect(Object.isFrozen(refused)).toBe(true);
    expect(a.stats().failures.full).toBe(1);
    a.put(slots[5]!);
    expect(a.isFull()).toBe(false);
    expect(events).toEqual([true, false]);
  });

  it('counts a large order that finds no cluster as a fallback, and order 0 still succeeds', () => {
    const a = createSlotAllocator({ slots: 64, clusterSize: 32 });
    a.alloc(0); // cluster 0 becomes order 0, 31 slots left in it
    expect(a.alloc(4)).toBe(32); // cluster 1 becomes order 4
    expect(a.alloc(4)).toBe(48);
    // 31 free slots remain, but none in a cluster that may serve order 4.
    expect(a.alloc(4)).toBe(ALLOC_REFUSALS.fragmented);
    expect(ALLOC_REFUSALS.fragmented).toMatchObject({ errno: 'ENOSPC', code: 'fragmented' });
    const st = a.stats();
    expect(st.fallbacks[4]).toBe(1);
    expect(st.failures).toEqual({ full: 0, fragmented: 1 });
    expect(a.alloc(0)).toBe(1);
  });

  it('refuses a run larger than the free space as full', () => {
    const a = createSlotAllocator({ slots: 32, clusterSize: 16 });
    a.alloc(0);
    a.alloc(4);
    expect(a.alloc(4)).toBe(ALLOC_REFUSALS.full);
    expect(a.stats().failures).toEqual({ full: 1, fragmented: 0 });
    expect(a.stats().fallbacks[4]).toBe(1);
  });

  it('reports fragmentation as the share of free slots outside whole free clusters', () => {
    const a = createSlotAllocator({ slots: 64, clusterSize: 16 });
    expect(a.stats().fragmentation).toBe(0);
    a.alloc(0);
    // 63 free slots, 48 of them in whole free clusters.
    expect(a.stats().fragmentation).toBeCloseTo(15 / 63);
  });
});

describe('usage counts', () => {
  it('dups and puts, freeing at zero', () => {
    const a = createSlotAllocator({ slots: 16, clusterSize: 16 });
    const s = taken(a.alloc());
    expect(a.dup(s)).toBe(2);
    expect(a.put(s)).toBe(1);
    expect(a.count(s)).toBe(1);
    expect(a.put(s)).toBe(0);
    expect(a.count(s)).toBe(0);
    expect(a.stats().used).toBe(0);
  });

  it('keeps counts past the one-byte map in an overflow map', () => {
    const a = createSlotAllocator({ slots: 16, clusterSize: 16 });
    const s = taken(a.alloc());
    for (let i = 2; i <= 1000; i++) expect(a.dup(s)).toBe(i);
    expect(a.stats().overflowCounts).toBe(1);
    for (let i = 999; i >= 1; i--) expect(a.put(s)).toBe(i);
    expect(a.stats().overflowCounts).toBe(0);
    expect(a.put(s)).toBe(0);
    a.verify();
  });

  it('iterates used slots in order', () => {
    const a = createSlotAllocator({ slots: 2048, clusterSize: 512, streams: 2 });
    const got = [a.alloc(0, 0), a.alloc(0, 1), a.alloc(0, 0), a.alloc(2, 0)].map(taken);
    a.markBad(1000);
    expect([...a.usedSlots()]).toEqual([0, 1, 512, 1024, 1025, 1026, 1027]);
    expect(got).toEqual([0, 512, 1, 1024]);
  });
});

describe('bad slots', () => {
  it('never hands out a bad slot', () => {
    const a = createSlotAllocator({ slots: 16, clusterSize: 16 });
    a.markBad(0);
    a.markBad(5);
    const got = allocN(a, 14);
    expect(got).not.toContain(0);
    expect(got).not.toContain(5);
    expect(a.isFull()).toBe(true);
    expect(a.stats()).toMatchObject({ used: 14, bad: 2, free: 0 });
    a.verify();
  });

  it('turns an in-use slot with one reference into a bad slot (failed write)', () => {
    const a = createSlotAllocator({ slots: 16, clusterSize: 16 });
    const s = taken(a.alloc());
    a.markBad(s);
    expect(a.isBad(s)).toBe(true);
    expect(a.stats()).toMatchObject({ used: 0, bad: 1 });
    expect(a.alloc()).not.toBe(s);
    a.verify();
  });

  it('keeps a cluster with a bad slot off the free list', () => {
    const a = createSlotAllocator({ slots: 32, clusterSize: 16 });
    a.markBad(20);
    expect(a.clusterInfo(1)).toEqual({ state: 'nonfull', order: 0, used: 1 });
    expect(a.alloc(4)).toBe(0);
    expect(a.alloc(4)).toBe(ALLOC_REFUSALS.full);
  });
});

describe('misuse throws a typed error naming the method and values, and changes nothing', () => {
  const expectError = (fn: () => unknown, code: string, text: RegExp) => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(SlotAllocatorError);
      expect((e as SlotAllocatorError).code).toBe(code);
      expect((e as Error).message).toMatch(text);
      return;
    }
    throw new Error('expected a SlotAllocatorError');
  };

  it('rejects bad options', () => {
    expectError(
      () => createSlotAllocator({ slots: 0 }),
      'INVALID_ARGUMENT',
      /create: slots .* got 0/,
    );
    expectError(
      () => createSlotAllocator({ slots: 10, clusterSize: 100 }),
      'INVALID_ARGUMENT',
      /clusterSize must be a power of two .* got 100/,
    );
    expectError(
      () => createSlotAllocator({ slots: 10, streams: 0 }),
      'INVALID_ARGUMENT',
      /streams .* got 0/,
    );
  });

  it('rejects out-of-range slots, bad orders and bad streams', () => {
    const a = createSlotAllocator({ slots: 100, clusterSize: 16 });
    expectError(
      () => a.put(100),
      'INVALID_ARGUMENT',
      /slotAllocator\.put: slot must be an integer from 0 to 99, got 100/,
    );
    expectError(() => a.dup(-1), 'INVALID_ARGUMENT', /slotAllocator\.dup: slot .* got -1/);
    expectError(() => a.count(1.5), 'INVALID_ARGUMENT', /got 1.5/);
    expectError(
      () => a.alloc(5),
      'INVALID_ARGUMENT',
      /slotAllocator\.alloc: order .* 0 to 4, got 5/,
    );
    expectError(() => a.alloc(0, 1), 'INVALID_ARGUMENT', /stream .* got 1/);
  });

  it('rejects double free, put on a free slot and dup of a free slot', () => {
    const a = createSlotAllocator({ slots: 16, clusterSize: 16 });
    const s = taken(a.alloc());
    a.free(s);
    expectError(() => a.free(s), 'DOUBLE_FREE', /slotAllocator\.free: slot 0 is already free/);
    expectError(() => a.put(s), 'DOUBLE_FREE', /slotAllocator\.put: slot 0 is free/);
    expectError(() => a.dup(s), 'NOT_ALLOCATED', /slotAllocator\.dup: slot 0 is free/);
    a.verify();
  });

  it('refuses to free a run with a shared slot, leaving every count as it was', () => {
    const a = createSlotAllocator({ slots: 16, clusterSize: 16 });
    const s = taken(a.alloc(2));
    a.dup(s + 2);
    expectError(() => a.free(s, 2), 'SLOT_SHARED', /slot 2 still has 2 references/);
    expect([0, 1, 2, 3].map((i) => a.count(s + i))).toEqual([1, 1, 2, 1]);
    expectError(
      () => a.free(s + 1, 2),
      'INVALID_ARGUMENT',
      /slot 1 is not aligned to an order-2 run/,
    );
    a.verify();
  });

  it('refuses to mark a shared slot bad', () => {
    const a = createSlotAllocator({ slots: 16, clusterSize: 16 });
    const s = taken(a.alloc());
    a.dup(s);
    expectError(() => a.markBad(s), 'SLOT_SHARED', /markBad: slot 0 has 2 references/);
    expect(a.count(s)).toBe(2);
  });
});
