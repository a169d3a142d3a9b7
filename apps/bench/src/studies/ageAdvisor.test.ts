/**
 * The age advisor in --quick mode on the node binary's pages: the baseline saves
 * nothing, shorter ages save more and write more back, and the advice is an age under
 * the SLO line.
 */

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
    console.log(out.summary);
  }, 60_000);
});
