/**
 * The age advisor in --quick mode on the node binary's pages: the baseline saves
 * nothing, shorter ages save more and write more back, and the advice is an age under
 * the SLO line; and on a snapshot of this process with a recorded trace.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTraceBuilder, processSource, writeSnapshot, writeTrace } from '@tierswap/workload';
import { describe, expect, it } from 'vitest';
import { ageAdvisorSchema, ageAdvisorStudy } from './ageAdvisor.js';

describe('ageAdvisorStudy --quick', () => {
  it('sweeps ages against a baseline and advises one under the SLO', async () => {
    const out = await ageAdvisorStudy({ quick: true });
    const d = out.data;
    expect(ageAdvisorSchema.parse(d)).toEqual(d);
    const [base, short, long] = d.points;
    expect(base!.ageSeconds).toBeNull();
    expect(base!.savedBytes).toBe(0);
    expect(base!.writtenBackPages).toBe(0);
    expect(short!.ageSeconds).toBe(30);
    expect(short!.writtenBackPages).toBeGreaterThan(long!.writtenBackPages);
    expect(short!.savedBytes).toBeGreaterThan(0);
    expect(short!.savedBytes).toBeGreaterThanOrEqual(long!.savedBytes);
    expect(short!.diskRefaultsPerMinute).toBeGreaterThanOrEqual(long!.diskRefaultsPerMinute);
    expect(d.sloRefaultsPerMinute).toBeCloseTo(0.002 * d.pages, 1);
    const advice = d.advice[0]!;
    if (advice.ageSeconds !== null) {
      expect(d.points.find((p) => p.ageSeconds === advice.ageSeconds)!.withinSlo).toBe(true);
    }
    expect(out.summary).toContain('Google');
    expect(out.charts[0]!.spec).toHaveProperty('layer');
  }, 60_000);
});

describe('ageAdvisorStudy on a process snapshot and a recorded trace', () => {
  it('reads the snapshot for the pages and replays the trace for the accesses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'age-advisor-'));
    try {
      const snap = join(dir, 'self.snapshot');
      await writeSnapshot(processSource(process.pid, { maxPages: 512 }), snap);
      // A recorded-style trace: 50 hot pages every second, the rest touched once at the start.
      const b = createTraceBuilder();
      for (let p = 0; p < 512; p++) b.add(p / 1000, 'app', p, false);
      for (let t = 1; t < 300; t++)
        for (let p = 0; p < 50; p++) b.add(t + p / 100, 'app', p, false);
      const tracePath = join(dir, 'app.csv');
      writeTrace(b.finish(), tracePath);
      const out = await ageAdvisorStudy({
        snapshot: snap,
        trace: tracePath,
        durationSeconds: 300,
        ages: [60],
      });
      const d = out.data;
      expect(d.source).toContain('self.snapshot');
      expect(d.pages).toBe(512);
      expect(d.points.map((p) => [p.pattern, p.ageSeconds])).toEqual([
        ['trace', null],
        ['trace', 60],
      ]);
      // The cold pages (touched once) are written back after a minute; the hot ones are not.
      expect(d.points[1]!.writtenBackPages).toBeGreaterThan(0);
      expect(d.points[1]!.savedBytes).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
