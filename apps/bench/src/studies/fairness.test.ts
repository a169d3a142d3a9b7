/**
 * Fairness in --quick mode on the node binary's pages: with the per-memcg cursor
 * every child is written back from; without it, the first child takes it all first.
 */

import { describe, expect, it } from 'vitest';
import { fairnessSchema, fairnessStudy } from './fairness.js';

describe('fairnessStudy --quick', () => {
  it('measures pages written back per child over time, with and without the cursor', async () => {
    const out = await fairnessStudy({ quick: true });
    const d = out.data;
    expect(fairnessSchema.parse(d)).toEqual(d);
    const withC = d.runs.find((r) => r.cursor)!;
    const without = d.runs.find((r) => !r.cursor)!;
    const children = Object.keys(withC.perChild);
    expect(children).toEqual(['/p/m1', '/p/m2', '/p/m3']);
    for (const c of children) expect(withC.perChild[c], c).toBeGreaterThan(0);
    expect(withC.imbalance).not.toBeNull();
    expect(withC.imbalance!).toBeLessThan(1.5);
    // Without the cursor the first child gets more than its share.
    const first = without.perChild['/p/m1']!;
    const rest = children.slice(1).map((c) => without.perChild[c]!);
    for (const r of rest) expect(first).toBeGreaterThan(r);
    // And pays for it: more of its pages come back from disk than its last sibling's.
    expect(without.swapinsPerChild['/p/m1']!).toBeGreaterThan(without.swapinsPerChild['/p/m3']!);
    // The series is cumulative per child.
    const m1 = d.series.filter((p) => p.cursor && p.child === '/p/m1').map((p) => p.writtenBack);
    expect(m1).toEqual([...m1].sort((a, b) => a - b));
    expect(m1.length).toBeGreaterThan(5);
    console.log(out.summary);
  }, 60_000);
});
