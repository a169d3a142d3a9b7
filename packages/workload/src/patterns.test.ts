import { HOSTILE_VALUES } from '@tierswap/bench-kit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { phasedPattern, uniformPattern, zipfPattern } from './patterns.js';
import type { Access, AccessPattern } from './types.js';
import { WorkloadError } from './workloadError.js';

const arbPattern: fc.Arbitrary<AccessPattern> = fc.oneof(
  fc
    .record({
      rate: fc.double({ min: 0.5, max: 2000, noNaN: true }),
      writeShare: fc.double({ min: 0, max: 1, noNaN: true }),
    })
    .map((o) => uniformPattern(o)),
  fc
    .record({
      rate: fc.double({ min: 0.5, max: 2000, noNaN: true }),
      exponent: fc.double({ min: 0, max: 3, noNaN: true }),
    })
    .map((o) => zipfPattern(o)),
  fc
    .record({
      rate: fc.double({ min: 0.5, max: 2000, noNaN: true }),
      workingSetShare: fc.double({ min: 0.001, max: 1, noNaN: true }),
      phaseSeconds: fc.double({ min: 0.01, max: 10, noNaN: true }),
      exponent: fc.option(fc.double({ min: 0, max: 2, noNaN: true }), { nil: undefined }),
    })
    .map(({ exponent, ...rest }) =>
      phasedPattern(exponent === undefined ? rest : { ...rest, exponent }),
    ),
);
const arbRun = fc.record({
  pages: fc.integer({ min: 1, max: 5000 }),
  durationSeconds: fc.double({ min: 0, max: 3, noNaN: true }),
  seed: fc.integer(),
});

function take(
  p: AccessPattern,
  o: { pages: number; durationSeconds: number; seed: number },
): Access[] {
  return [...p.accesses(o)];
}

describe('synthetic patterns', () => {
  it('are deterministic for a seed, in time order, in range, and at the rate', () => {
    fc.assert(
      fc.property(arbPattern, arbRun, (p, run) => {
        const a = take(p, run);
        const b = take(p, run);
        expect(b).toEqual(a);
        let last = -1;
        for (const x of a) {
          expect(x.time).toBeGreaterThanOrEqual(last);
          expect(x.time).toBeLessThan(run.durationSeconds);
          expect(Number.isInteger(x.page) && x.page >= 0 && x.page < run.pages).toBe(true);
          expect(x.stream).toBe(0);
          last = x.time;
        }
      }),
      { numRuns: 60 },
    );
  });

  it('yield ceil(duration * rate) accesses, evenly spaced', () => {
    const a = take(uniformPattern({ rate: 100 }), { pages: 10, durationSeconds: 2.5, seed: 1 });
    expect(a).toHaveLength(250);
    expect(a[1]?.time).toBeCloseTo(0.01, 12);
    expect(a.every((x) => !x.write)).toBe(true);
  });

  it('a different seed gives different pages', () => {
    const o = { pages: 1000, durationSeconds: 1, seed: 1 };
    for (const p of [uniformPattern({ rate: 500 }), zipfPattern({ rate: 500, exponent: 1 })]) {
      const a = take(p, o).map((x) => x.page);
      const b = take(p, { ...o, seed: 2 }).map((x) => x.page);
      expect(b).not.toEqual(a);
    }
  });

  it('writeShare sets the share of writes', () => {
    const a = take(uniformPattern({ rate: 20_000, writeShare: 0.3 }), {
      pages: 100,
      durationSeconds: 1,
      seed: 5,
    });
    const writes = a.filter((x) => x.write).length / a.length;
    expect(writes).toBeGreaterThan(0.28);
    expect(writes).toBeLessThan(0.32);
  });

  it("zipf's hottest 10% of pages get the share Zipf predicts, and they are spread over the pages", () => {
    const pages = 10_000;
    const exponent = 1;
    const a = take(zipfPattern({ rate: 200_000, exponent }), {
      pages,
      durationSeconds: 1,
      seed: 42,
    });
    const counts = new Uint32Array(pages);
    for (const x of a) counts[x.page] = (counts[x.page] as number) + 1;
    const sorted = [...counts].sort((x, y) => y - x);
    const hot = sorted.slice(0, pages / 10).reduce((s, c) => s + c, 0) / a.length;
    let h10 = 0;
    let hAll = 0;
    for (let r = 1; r <= pages; r++) {
      hAll += r ** -exponent;
      if (r <= pages / 10) h10 += r ** -exponent;
    }
    expect(h10 / hAll).toBeCloseTo(0.75, 1);
    expect(Math.abs(hot - h10 / hAll)).toBeLessThan(0.01);
    // The hottest page is not page 0 and the hot pages are not the low indices.
    const hottest = counts.indexOf(sorted[0] as number);
    const lowShare = counts.slice(0, pages / 10).reduce((s, c) => s + c, 0) / a.length;
    expect(lowShare).toBeLessThan(0.3);
    expect(hottest).not.toBe(0);
  });

  it('phased: each phase stays inside a contiguous working set, and the set moves', () => {
    const pages = 1000;
    const a = take(phasedPattern({ rate: 1000, workingSetShare: 0.1, phaseSeconds: 1 }), {
      pages,
      durationSeconds: 4,
      seed: 7,
    });
    const starts: number[] = [];
    for (let phase = 0; phase < 4; phase++) {
      const inPhase = a.filter((x) => Math.floor(x.time) === phase).map((x) => x.page);
      // Every page of the phase lies within 100 pages (mod pages) of the phase's first page's set.
      const set = new Set(inPhase);
      expect(set.size).toBeLessThanOrEqual(100);
      expect(set.size).toBeGreaterThan(90);
      const sorted = [...set].sort((x, y) => x - y);
      // Contiguous modulo the page count: one gap larger than 1 at most (the wrap).
      let bigGaps = 0;
      for (let i = 1; i < sorted.length; i++)
        if ((sorted[i] as number) - (sorted[i - 1] as number) > 5) bigGaps++;
      expect(bigGaps).toBeLessThanOrEqual(1);
      starts.push(sorted[0] as number);
    }
    expect(new Set(starts).size).toBeGreaterThan(1);
  });

  it('refuse bad options with a WorkloadError naming the value', () => {
    for (const v of HOSTILE_VALUES) {
      if (typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= 1e9) continue;
      expect(() => uniformPattern({ rate: v as number })).toThrow(WorkloadError);
    }
    expect(() => zipfPattern({ rate: 1, exponent: -1 })).toThrow(/exponent must be .* got -1/);
    expect(() => phasedPattern({ rate: 1, workingSetShare: 0, phaseSeconds: 1 })).toThrow(
      /workingSetShare/,
    );
    expect(() => phasedPattern({ rate: 1, workingSetShare: 0.5, phaseSeconds: 0 })).toThrow(
      /phaseSeconds/,
    );
    const p = uniformPattern({ rate: 1 });
    for (const v of HOSTILE_VALUES) {
      if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 2 ** 27) continue;
      expect(() => p.accesses({ pages: v as number, durationSeconds: 1, seed: 0 })).toThrow(
        /pages must be/,
      );
    }
    expect(() => p.accesses({ pages: 1, durationSeconds: Number.NaN, seed: 0 })).toThrow(
      /durationSeconds .* NaN/,
    );
    expect(() => p.accesses({ pages: 1, durationSeconds: 1, seed: 0.5 })).toThrow(/seed .* 0.5/);
  });
});
