/**
 * Tests of the segmented virtual slot space over the real @tierswap/slot-allocator:
 * segments appear on demand and lowest first, one empty spare is kept (no create/drop per
 * operation at a boundary), allocation returns to a lower segment as soon as it has room,
 * and the allocator's usage count serves as the entry's reference count.
 */

import { describe, expect, it } from 'vitest';
import { VirtualSpace } from './virtualSpace.js';

function space(maxEntries: number, segmentSlots = 64) {
  return new VirtualSpace({ maxEntries, segmentSlots, clusterSize: 16, streams: 2 });
}

describe('VirtualSpace', () => {
  it('creates segments on demand, lowest first, up to the size of the space', () => {
    const s = space(150);
    const got = Array.from({ length: 150 }, (_, i) => s.alloc(i % 2));
    expect(new Set(got).size).toBe(150);
    expect(Math.min(...got)).toBe(0);
    expect(Math.max(...got)).toBe(149); // the last segment is short (22 slots)
    expect(s.segmentCount()).toBe(3);
    expect(s.alloc(0)).toBe(-1);
    s.verify();
  });

  it('keeps one empty segment as a spare and drops the others', () => {
    const s = space(1000);
    const got = Array.from({ length: 64 * 4 }, () => s.alloc(0));
    expect(s.segmentCount()).toBe(4);
    // Empty segments 3, then 1: 3 becomes the spare, then 1 replaces it (the lower is kept).
    for (const e of got.filter((e) => e >= 192)) s.put(e);
    expect(s.segmentCount()).toBe(4);
    for (const e of got.filter((e) => e >= 64 && e < 128)) s.put(e);
    expect(s.segmentCount()).toBe(3);
    expect(s.churn()).toEqual({ created: 4, dropped: 1 });
    s.verify();
    // The next allocations refill the lowest segment with room: segment 1, the spare.
    expect(s.alloc(0) >> 6).toBe(1);
    s.verify();
  });

  it('does not create and drop a segment on every operation at a boundary', () => {
    const s = space(1000);
    for (let i = 0; i < 64; i++) s.alloc(0); // segment 0 full
    for (let i = 0; i < 1000; i++) {
      const e = s.alloc(0);
      expect(e >> 6).toBe(1);
      s.put(e);
    }
    expect(s.churn()).toEqual({ created: 2, dropped: 0 });
  });

  it('moves allocation back to a lower segment as soon as it has room', () => {
    const s = space(1000);
    const got = Array.from({ length: 100 }, () => s.alloc(0));
    s.put(got[5]!);
    expect(s.alloc(1)).toBe(got[5]);
    s.verify();
  });

  it('counts references with the allocator: dup, put, count', () => {
    const s = space(100);
    const e = s.alloc(0);
    expect(s.dup(e)).toBe(2);
    expect(s.count(e)).toBe(2);
    expect(s.put(e)).toBe(1);
    expect(s.put(e)).toBe(0);
    expect(s.count(e)).toBe(0);
    expect(() => s.put(e)).toThrow('@tierswap/slot-allocator');
    expect(() => s.dup(5000)).toThrow(
      'virtualSpace.dup: entry 5000 lies in a segment that does not exist',
    );
  });

  it('rejects a segment size that is not a power of two or smaller than a cluster', () => {
    expect(() => space(100, 48)).toThrow(
      'segmentSlots must be a power of two from clusterSize (16) to 2^30, got 48',
    );
    expect(() => space(100, 8)).toThrow('got 8');
  });
});
