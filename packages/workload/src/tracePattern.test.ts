import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { damonTrace } from './damonTrace.js';
import { accessTrace } from './trace.js';
import { tracePattern } from './tracePattern.js';
import { WorkloadError } from './workloadError.js';

const run = { pages: 1000, durationSeconds: 100, seed: 1 };

describe('tracePattern', () => {
  it('maps each process pages to dense indices in address order and replays in time order', () => {
    const trace = accessTrace([
      { time: 0, process: 'a', page: 0x7f0005, write: false },
      { time: 0.5, process: 'b', page: 9, write: true },
      { time: 0.2, process: 'a', page: 0x100, write: true },
      { time: 1, process: 'a', page: 0x7f0005, write: false },
      { time: 1, process: 'a', page: 0x7f0003, write: false },
    ]);
    const a = tracePattern(trace);
    expect(a.pageCount).toBe(3);
    expect(a.durationSeconds).toBe(1);
    expect([...a.accesses(run)]).toEqual([
      { time: 0, stream: 0, page: 2, write: false },
      { time: 0.2, stream: 0, page: 0, write: true },
      { time: 1, stream: 0, page: 2, write: false },
      { time: 1, stream: 0, page: 1, write: false },
    ]);
    expect([...tracePattern(trace, { stream: 1 }).accesses(run)]).toEqual([
      { time: 0.5, stream: 0, page: 0, write: true },
    ]);
    const all = [...tracePattern(trace, { stream: 'all' }).accesses(run)];
    expect(all.map((x) => x.stream)).toEqual([0, 0, 1, 0, 0]);
    // Fewer pages wrap; a shorter duration stops early.
    expect([...a.accesses({ ...run, pages: 2 })].map((x) => x.page)).toEqual([0, 0, 0, 1]);
    expect([...a.accesses({ ...run, durationSeconds: 0.5 })]).toHaveLength(2);
  });

  it('replays dense traces unchanged (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 100 }),
        (pages) => {
          // Touch 0..max first so the page set is dense, then the drawn pages.
          const max = Math.max(...pages);
          const all = [...Array.from({ length: max + 1 }, (_, i) => i), ...pages];
          const t = accessTrace(
            all.map((page, i) => ({ time: i, process: 'p', page, write: false })),
          );
          expect(
            [...tracePattern(t).accesses({ ...run, durationSeconds: 1e9 })].map((x) => x.page),
          ).toEqual(all);
        },
      ),
    );
  });

  it('refuses a stream the trace does not have', () => {
    const t = accessTrace([{ time: 0, process: 'p', page: 1, write: false }]);
    expect(() => tracePattern(t, { stream: 1 })).toThrow(
      /stream must be 'all' or a process index in 0\.\.0 .* got 1/,
    );
    expect(() => tracePattern(t, { stream: -1 })).toThrow(WorkloadError);
    expect(() => tracePattern(null as never)).toThrow(/AccessTrace or a DamonTrace/);
  });
});

describe('tracePattern of a DAMON trace', () => {
  const MiB = 1 << 20;
  const base = 0x7f0000000000;
  // A 1 MiB hot region (nr_accesses 20), a 3 MiB cold one (0), a 1 MiB warm one (5) far away.
  const snapshot = (time: number) => [
    { time, start: base, end: base + MiB, nrAccesses: 20, age: 5 },
    { time, start: base + MiB, end: base + 4 * MiB, nrAccesses: 0, age: 5 },
    { time, start: base + 64 * MiB, end: base + 65 * MiB, nrAccesses: 5, age: 5 },
  ];
  const trace = damonTrace({ pid: 1, sampleUs: 5000, aggregationUs: 100_000 }, [
    ...snapshot(0.1),
    ...snapshot(0.2),
  ]);

  it('accesses regions in proportion to nr_accesses x size, cold regions never, only accessed ranges get indices', () => {
    const p = tracePattern(trace, { rate: 100_000 });
    expect(p.pageCount).toBe(512);
    expect(p.durationSeconds).toBeCloseTo(0.3, 9);
    const a = [...p.accesses({ pages: 512, durationSeconds: 10, seed: 3 })];
    expect(Math.abs(a.length - 30_000)).toBeLessThanOrEqual(1); // 0.2 + 0.1 is a hair above 0.3
    const hot = a.filter((x) => x.page < 256).length / a.length;
    expect(hot).toBeGreaterThan(0.78);
    expect(hot).toBeLessThan(0.82);
    expect(a.every((x) => x.page >= 0 && x.page < 512 && x.stream === 0)).toBe(true);
    expect([...p.accesses({ pages: 512, durationSeconds: 10, seed: 3 })]).toEqual(a);
  });

  it('refuses a bad rate', () => {
    expect(() => tracePattern(trace, { rate: 0 })).toThrow(/rate must be .* got 0/);
  });
});
