/**
 * `tierswap demo` on the built CLI: the README's first command completes with its
 * defaults and prints its tables and chart; --json carries the same report as data; the
 * temporary directory is gone afterwards, also after Ctrl-C.
 */

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DemoReport } from './demoReport.js';
import { runBuiltCli } from './testing/runBuiltCli.js';

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
      'tierswap demo: 96.0M of this machine',
      'What the scripted writes did',
      'memory.zswap.proactive_writeback',
      'demote=ssd',
      'ALGORITHM',
      'COMPR',
      'memory.stat highlights',
      'zswpwb_proactive',
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

  it('--json: the report as data, pages all accounted for, every tier used', async () => {
    const r = await runBuiltCli(['demo', '--pages', '2048', '--seconds', '600', '--json'], {
      env: { TMPDIR: dir },
    });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as DemoReport;
    const total = report.sources.reduce((n, s) => n + s.pages, 0);
    expect(total).toBe(3 * 2048);
    const placed = Object.values(report.summary.pages).reduce((a, b) => a + b, 0);
    expect(placed).toBe(total);
    expect(report.summary.pages['tier:ssd']).toBeGreaterThan(0);
    expect(report.summary.pages['tier:hdd']).toBeGreaterThan(0);
    expect(report.summary.compressedBytes).toBeGreaterThan(0);
    expect(report.summary.ratio).toBeCloseTo(
      report.summary.dataBytes / report.summary.compressedBytes,
      10,
    );
    expect(report.samples[0]?.time).toBe(0);
    expect(report.samples[report.samples.length - 1]?.time).toBe(600);
    expect(
      report.events.some(
        (e) => e.path.endsWith('memory.reclaim') && (e.moved.swap_demote ?? 0) > 0,
      ),
    ).toBe(true);
    expect(
      report.events.some(
        (e) => e.path.endsWith('proactive_writeback') && (e.moved.zswpwb ?? 0) > 0,
      ),
    ).toBe(true);
    expect(report.groups['/demo/web']?.stat.pgmajfault).toBeGreaterThan(0);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('the same seed gives the same run', async () => {
    const args = ['demo', '--pages', '256', '--seconds', '300', '--json', '--seed', '7'];
    const a = JSON.parse((await runBuiltCli(args, { env: { TMPDIR: dir } })).stdout) as DemoReport;
    const b = JSON.parse((await runBuiltCli(args, { env: { TMPDIR: dir } })).stdout) as DemoReport;
    // Measured codec time (vmstat zswap_*_ns) is the one thing that may differ.
    const counters = (r: DemoReport) =>
      JSON.stringify(r.samples, (k, v: unknown) => (k.endsWith('_ns') ? undefined : v));
    expect(counters(b)).toBe(counters(a));
    expect(b.summary).toEqual(a.summary);
  });

  it('Ctrl-C removes the temporary directory', async () => {
    const r = await runBuiltCli(['demo', '--pages', '4096', '--seconds', '86400'], {
      env: { TMPDIR: dir },
      onSpawn: (child) => {
        // Interrupt once the demo's directory exists (the run has started).
        const poll = setInterval(() => {
          if (readdirSync(dir).some((n) => n.startsWith('tierswap-demo-'))) {
            clearInterval(poll);
            child.kill('SIGINT');
          }
        }, 20);
        child.on('close', () => clearInterval(poll));
      },
    });
    expect(r.signal).toBe('SIGINT');
    expect(readdirSync(dir)).toEqual([]);
  });
});
