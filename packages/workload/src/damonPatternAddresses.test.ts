// damonPattern with `addresses`: a recording replayed onto the pages of a source that
// knows where each page was (a snapshot of the recorded process). The end-to-end case,
// a real recording on a real snapshot, is damonScenarioReplay.test.ts.
import { describe, expect, it } from 'vitest';
import { damonPattern } from './damonPattern.js';
import { damonTrace } from './damonTrace.js';
import { WorkloadError } from './workloadError.js';

const P = 4096;
// Two regions: [0x10000, 0x14000) hot (nr_accesses 9), [0x20000, 0x30000) cold (1).
const trace = damonTrace({ pid: 1, sampleUs: 5000, aggregationUs: 100_000 }, [
  { time: 0, start: 0x10000, end: 0x14000, nrAccesses: 9, age: 0 },
  { time: 0, start: 0x20000, end: 0x30000, nrAccesses: 1, age: 0 },
  { time: 0, start: 0x40000, end: 0x41000, nrAccesses: 0, age: 5 },
]);
// The source's pages, not in address order: two inside the hot region, three inside the
// cold one, one outside both, and the hot region's third page missing (not present).
const addresses = [0x11000, 0x20000, 0x50000, 0x10000, 0x2f000, 0x25000];

describe('damonPattern on a source’s addresses', () => {
  it('sends each access to a source page inside the drawn region, by the source’s index', () => {
    const pattern = damonPattern(trace, { rate: 1000, addresses });
    expect(pattern.pageCount).toBe(addresses.length);
    const seen = new Map<number, number>();
    for (const a of pattern.accesses({ pages: addresses.length, durationSeconds: 1, seed: 3 })) {
      seen.set(a.page, (seen.get(a.page) ?? 0) + 1);
    }
    // Never the page outside every region (index 2).
    expect(seen.has(2)).toBe(false);
    expect([...seen.keys()].sort()).toEqual([0, 1, 3, 4, 5]);
    // The hot region's weight: 9 × 4 pages against 1 × 16 pages, 36 : 16.
    const hot = (seen.get(0) ?? 0) + (seen.get(3) ?? 0);
    const cold = (seen.get(1) ?? 0) + (seen.get(4) ?? 0) + (seen.get(5) ?? 0);
    expect(hot + cold).toBe(100); // the 0.1 s aggregation at 1000/s
    expect(hot).toBeGreaterThan(cold);
  });

  it('drops an access to a region the source holds no page of, keeping the times', () => {
    const only = damonTrace({ pid: 1, sampleUs: 5000, aggregationUs: 100_000 }, [
      { time: 0, start: 0x10000, end: 0x12000, nrAccesses: 1, age: 0 },
      { time: 0, start: 0x80000, end: 0x82000, nrAccesses: 1, age: 0 },
    ]);
    const pattern = damonPattern(only, { rate: 1000, addresses: [0x11000] });
    const all = [...pattern.accesses({ pages: 1, durationSeconds: 1, seed: 1 })];
    expect(all.length).toBeGreaterThan(20);
    expect(all.length).toBeLessThan(80);
    expect(new Set(all.map((a) => a.page))).toEqual(new Set([0]));
    for (const a of all) expect(Math.round(a.time * 1000)).toBeCloseTo(a.time * 1000, 6);
  });

  it('is the dense replay when no addresses are given', () => {
    const pattern = damonPattern(trace, { rate: 1000 });
    expect(pattern.pageCount).toBe(4 + 16);
  });

  it.each([
    [[], '1..2^26'],
    [[0x1001], 'addresses[0] must be a page-aligned byte address, got 4097'],
    [[P, -P], 'addresses[1]'],
    ['0x1000', 'addresses must be an array'],
  ])('refuses addresses %j, naming the value', (bad, message) => {
    expect(() => damonPattern(trace, { addresses: bad as unknown as number[] })).toThrow(
      WorkloadError,
    );
    expect(() => damonPattern(trace, { addresses: bad as unknown as number[] })).toThrow(message);
  });
});
