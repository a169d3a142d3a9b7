/**
 * The package benchmarks study on the repository's own records: one record per bench,
 * the latest full one, and the three charts built from real rows; and the choice of
 * the latest record on a small directory of real records copied with changed dates.
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  defaultDataDir,
  latestRecords,
  packageBenchmarksSchema,
  packageBenchmarksStudy,
} from './packageBenchmarks.js';

describe('packageBenchmarksStudy', () => {
  it("gathers the repository's records, one per bench, with the allocator, vswap and tier I/O charts", async () => {
    const out = await packageBenchmarksStudy({ quick: true });
    const d = out.data;
    expect(packageBenchmarksSchema.parse(d)).toEqual(d);
    const keys = d.records.map((r) => `${r.package} ${r.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const pkg of ['@tierswap/slot-allocator', '@tierswap/vswap', '@tierswap/tiered-store']) {
      expect(
        keys.some((k) => k.startsWith(pkg)),
        pkg,
      ).toBe(true);
    }
    expect(out.charts.map((c) => c.id)).toEqual(['allocator', 'vswap-bytes', 'tier-io']);
    for (const c of out.charts) expect(JSON.stringify(c.spec)).toContain('"values":[{');
    expect(out.summary).toContain('## @tierswap/vswap');
  });

  it('takes the latest full record of a bench over older and --quick ones; non-records are listed', () => {
    const line = readFileSync(join(defaultDataDir(), 'vswap.jsonl'), 'utf8').split('\n')[0]!;
    const rec = JSON.parse(line);
    const dir = mkdtempSync(join(tmpdir(), 'bench-records-'));
    try {
      const lines = [
        { ...rec, date: '2026-01-01T00:00:00Z', commit: 'old' },
        { ...rec, date: '2026-03-01T00:00:00Z', commit: 'quick', quick: true },
        { ...rec, date: '2026-02-01T00:00:00Z', commit: 'new' },
      ].map((r) => JSON.stringify(r));
      writeFileSync(join(dir, 'vswap.jsonl'), `${lines.join('\n')}\nnot json\n`);
      const { records, skipped } = latestRecords(dir);
      expect(records.map((r) => r.commit)).toEqual(['new']);
      expect(skipped).toEqual(['vswap.jsonl:4']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
