/**
 * Swap metadata in --quick mode: the designs' formulas at a known occupancy, and a
 * real run in both modes whose occupancy and stack bytes come from the run.
 */

import { describe, expect, it } from 'vitest';
import { designBytes, swapMetadataSchema, swapMetadataStudy } from './swapMetadata.js';

describe('designBytes', () => {
  it("costs the threads' numbers: 3 + 8 B per slot, a 24 B descriptor, 8 B + an 8 B reverse map", () => {
    const b = designBytes({ swapped: 100, zswap: 60, disk: 30, ghostSlots: 1000, diskSlots: 200 });
    expect(b.classicGhost).toBe(3 * 1200 + 8 * 100 + 9 * 60);
    expect(b.vswapV3).toBe(24 * 100 + 50);
    expect(b.swapTableEdition).toBe(8 * 100 + 8 * 30 + 3 * 200);
  });
});

describe('swapMetadataStudy --quick', () => {
  it('runs both stack modes and costs each design at the occupancy the run had', async () => {
    const out = await swapMetadataStudy({ quick: true });
    const d = out.data;
    expect(swapMetadataSchema.parse(d)).toEqual(d);
    expect(d.runs.map((r) => r.mode)).toEqual(['vswap', 'classic']);
    for (const r of d.runs) {
      expect(r.occupancy.swapped, r.mode).toBeGreaterThan(0);
      expect(r.occupancy.zswap + r.occupancy.disk).toBeLessThanOrEqual(r.occupancy.swapped);
      expect(r.ghostOccupancy).toBeCloseTo(r.occupancy.swapped / r.occupancy.ghostSlots, 3);
      expect(r.stack.bytesPerSwappedPage).toBeGreaterThan(0);
      // At a low occupancy the ghost file's static bytes dominate the classic design.
      expect(r.designBytesPerSwappedPage.classicGhost).toBeGreaterThan(
        r.designBytesPerSwappedPage.vswapV3,
      );
    }
    expect(d.runs[0]!.stack.vswap).toBeGreaterThan(0);
    expect(d.runs[1]!.stack.vswap).toBe(0);
    // The sweep: the classic cost per page falls as the ghost file fills.
    const classic = d.sweep
      .filter((s) => s.design.startsWith('classic'))
      .map((s) => s.bytesPerPage);
    expect(classic).toEqual([...classic].sort((a, b) => b - a));
    console.log(out.summary);
  }, 60_000);
});
