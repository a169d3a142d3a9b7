/**
 * `tierswap demo` on the built CLI: the README's first command completes with its
 * defaults and prints its tables and chart; --json carries the same report as data; the
 * temporary directory is gone afterwards, also after Ctrl-C.
 */

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScenarioSample } from '@tierswap/workload';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ScenarioSummary } from './scenarioSummary.js';
import { runBuiltCli } from './testing/runBuiltCli.js';

interface Demo {
  readonly summary: ScenarioSummary;
  readonly series: readonly ScenarioSample[];
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tierswap-test-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('tierswap demo', () => {
  it('runs with no configuration, prints its tables and chart, and removes its directory', {
    timeout: 300_000,
  }, async () => {
    const r = await runBuiltCli(['demo'], { env: { TMPDIR: dir } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const text of [
      'tierswap demo: 96.0M of pages, vswap design, 3600 virtual seconds',
      '/usr/share',
      'What the timeline’s writes answered',
      'memory.zswap.proactive_writeback',
      'demote=ssd',
      'ALGORITHM',
      'COMPR',
      'Per cgroup',
      'memory.zswap.current',
      'Swap tiers',
      'Over virtual time',
      '3600 s (virtual)',
    ]) {
      expect(r.stdout).toContain(text);
    }
    // The zramctl-style row: lz4, then sizes, a ratio and page counts.
    expect(r.stdout).toMatch(
      /│ lz4\s+│\s+[\d.]+[KMG] │\s+[\d.]+[KMG] │\s+[\d.]+[KMG] │\s+\d\.\d\d │/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('--json: the summary and the series as data, every page accounted for, every tier used', async () => {
    const r = await runBuiltCli(['demo', '--pages', '2048', '--seconds', '600', '--json'], {
      env: { TMPDIR: dir },
    });
    expect(r.code).toBe(0);
    const { summary, series } = JSON.parse(r.stdout) as Demo;
    expect(summary.pages).toBe(3 * 2048);
    const placed = Object.values(summary.placement).reduce((a, b) => a + b, 0);
    expect(placed).toBe(summary.pages);
    expect(summary.placement.ssd).toBeGreaterThan(0);
    expect(summary.placement.hdd).toBeGreaterThan(0);
    expect(summary.zswap.compressedBytes).toBeGreaterThan(0);
    expect(summary.zswap.ratio).toBeCloseTo(
      summary.zswap.dataBytes / summary.zswap.compressedBytes,
      10,
    );
    expect(summary.tiers.hdd?.demoted_in).toBeGreaterThan(0);
    expect(series[0]?.t).toBe(0);
    expect(series[series.length - 1]?.t).toBe(600);
    const writes = summary.timeline.filter((e) => e.kind === 'write');
    expect(writes.some((e) => e.target.endsWith('proactive_writeback') && e.ok)).toBe(true);
    expect(writes.some((e) => e.value?.endsWith('demote=ssd') && e.ok)).toBe(true);
    expect(summary.majorFaults).toBeGreaterThan(0);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('the same seed gives the same run', async () => {
    const args = ['demo', '--pages', '256', '--seconds', '300', '--json', '--seed', '7'];
    const a = JSON.parse((await runBuiltCli(args, { env: { TMPDIR: dir } })).stdout) as Demo;
    const b = JSON.parse((await runBuiltCli(args, { env: { TMPDIR: dir } })).stdout) as Demo;
    // Measured codec time (`cpu`) is the one thing that may differ.
    const counters = (d: Demo) =>
      JSON.stringify(d.series, (k, v: unknown) => (k === 'cpu' ? undefined : v));
    expect(counters(b)).toBe(counters(a));
    expect(b.summary.placement).toEqual(a.summary.placement);
  });

  it('--report DIR writes the run as `tierswap run` does: result.json, series.csv, the charts', async () => {
    const out = join(dir, 'report');
    const r = await runBuiltCli(['demo', '--pages', '256', '--seconds', '300', '--report', out], {
      env: { TMPDIR: dir },
    });
    expect(r.code).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toContain('result.json');
    expect(files).toContain('series.csv');
    expect(files.filter((f) => f.endsWith('.svg')).length).toBeGreaterThan(0);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as Demo;
    expect(result.series.length).toBeGreaterThan(1);
    const csv = readFileSync(join(out, 'series.csv'), 'utf8').trim().split('\n');
    expect(csv.length).toBe(result.series.length + 1);
    expect(r.stdout).toContain(join(out, 'series.csv'));
  });

  it('Ctrl-C ends the run with exit 130, printing no result, and its temporary directory is gone', async () => {
    const r = await runBuiltCli(['demo', '--pages', '1024', '--seconds', '1800'], {
      env: { TMPDIR: dir },
      onSpawn: (child) => {
        // Interrupt once the demo's directory exists (the run has started).
        const poll = setInterval(() => {
          if (readdirSync(dir).some((n) => n.startsWith('tierswap-scenario-'))) {
            clearInterval(poll);
            child.kill('SIGINT');
          }
        }, 20);
        child.on('close', () => clearInterval(poll));
      },
    });
    expect(r.code).toBe(130);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('tierswap: interrupted by SIGINT');
    expect(readdirSync(dir)).toEqual([]);
  });
});
