import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { entropyPage, rng, textPages } from '@tierswap/bench-kit';
import { describe, expect, it } from 'vitest';
import type { ScenarioSample } from './metrics.js';
import { seriesToCsv } from './metricsCsv.js';
import type { ScenarioResult } from './scenarioRunner.js';
import { runScenario } from './scenarioRunner.js';
import type { ScenarioInput } from './scenarioSpec.js';
import type { Access, AccessPattern, PageSource } from './types.js';
import { WorkloadError } from './workloadError.js';

// Inline inputs of this test (the package's own sources and patterns have their own
// tests): real text pages, some incompressible and some zero; a seeded hot/cold pattern.
function mixedSource(pages: number): PageSource {
  const text = textPages(pages);
  const bytes = text.map((p, i) =>
    i % 5 === 4 ? entropyPage(4096, 8, 0, i) : i % 7 === 6 ? new Uint8Array(4096) : p,
  );
  return {
    name: `mixed-${pages}`,
    regions: [{ name: 'mixed', start: 0, end: pages * 4096, perms: 'rw-p' }],
    pageCount: pages,
    *pages() {
      for (const b of bytes) yield { bytes: b, region: 0 };
    },
  };
}

/** `rate` accesses a second; 80% of them go to the first fifth of the pages; 1 in 4 writes. */
function hotColdPattern(rate: number): AccessPattern {
  return {
    name: `hot-cold-${rate}`,
    *accesses({ pages, durationSeconds, seed }): Iterable<Access> {
      const r = rng(seed);
      const n = Math.floor(rate * durationSeconds);
      const hot = Math.max(1, Math.floor(pages / 5));
      for (let i = 0; i < n; i++) {
        const page = r() < 0.8 ? Math.floor(r() * hot) : Math.floor(r() * pages);
        yield { time: i / rate, stream: 0, page, write: r() < 0.25 };
      }
    },
  };
}

function scenario(mode: 'vswap' | 'classic', seed = 7): ScenarioInput {
  return {
    name: 'runner-test',
    seed,
    durationSeconds: 40,
    stepSeconds: 1,
    sampleEverySeconds: 5,
    stack: { mode, ramBytes: '4M', tiers: '+ssd:100 +hdd:-1' },
    devices: [
      { name: 'ssd', kind: 'file', slots: 256, priority: 200 },
      { name: 'hdd', kind: 'sqlite', size: '4M', priority: 10 },
    ],
    cgroups: [
      { path: '/job', files: { 'memory.max': '512K', 'memory.zswap.max': '128K' } },
      { path: '/job/a' },
    ],
    processes: [
      {
        name: 'a',
        cgroup: '/job/a',
        source: { kind: 'generated', pages: 1 },
        pattern: { kind: 'uniform', rate: 1 },
      },
      {
        name: 'b',
        cgroup: '/job',
        source: { kind: 'generated', pages: 1 },
        pattern: { kind: 'uniform', rate: 1 },
        start: 3,
        exit: 30,
      },
    ],
    timeline: [
      { at: 10, kind: 'write', path: '/sys/fs/cgroup/job/memory.reclaim', value: '200K' },
      {
        every: 5,
        kind: 'write',
        path: '/sys/fs/cgroup/job/memory.zswap.proactive_writeback',
        value: 'max=40K 4',
      },
      {
        at: 12,
        kind: 'write',
        path: '/sys/fs/cgroup/job/memory.reclaim',
        value: '1M swappiness=300',
      },
    ],
  };
}

const inputs = {
  sources: { a: mixedSource(192), b: mixedSource(96) },
  patterns: { a: hotColdPattern(400), b: hotColdPattern(200) },
};

/** A result without what is measured rather than modelled (codec CPU time). */
function modelled(r: ScenarioResult) {
  const strip = (s: ScenarioSample) => ({ ...s, cpu: undefined });
  const { compressNs: _c, decompressNs: _d, ...stats } = r.final.stats;
  return { ...r, series: r.series.map(strip), final: { ...r.final, stats } };
}

describe('runScenario', () => {
  it('replays processes through the stack and samples the series', async () => {
    const before = readdirSync(tmpdir()).filter((n) => n.startsWith('tierswap-scenario-')).length;
    const progress: number[] = [];
    const r = await runScenario(scenario('vswap'), {
      ...inputs,
      onProgress: (p) => progress.push(p.t),
    });
    expect(r.series.map((s) => s.t)).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40]);
    expect(progress).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40]);
    const total = r.series.reduce((n, s) => n + s.accesses, 0);
    // a: 400/s for 40 s; b: 200/s from 3 to 30 s.
    expect(total).toBe(400 * 40 + 200 * 27);
    expect(r.final.accesses.reads + r.final.accesses.writes).toBe(total);
    const last = r.series.at(-1)!;
    // memory.max 512K (resident + zswap, zswap at most 128K) holds fewer than the 288
    // pages: the rest went to zswap and the tiers.
    for (const s of r.series) expect(s.cgroups['/job']!.current).toBeLessThanOrEqual(512 * 1024);
    expect(last.vmstat.oom_kill).toBe(0);
    expect(last.vmstat.zswpout).toBeGreaterThan(0);
    expect(last.vmstat.zswpwb).toBeGreaterThan(0);
    expect(last.pool.storedPages).toBeGreaterThan(0);
    expect(last.pool.ratio).toBe(last.pool.storedBytes / last.pool.poolBytes);
    expect(last.pool.compressionRatio).toBeGreaterThan(1);
    expect(last.tiers.ssd!.swpout).toBeGreaterThan(0);
    expect(last.tiers.ssd!.bytesWritten).toBeGreaterThan(0);
    expect(last.devices.ssd!.bytesWritten).toBe(last.tiers.ssd!.bytesWritten);
    expect(last.faults).toBeGreaterThan(r.series[1]!.faults);
    expect(last.processes).toBe(1); // b exited at 30
    expect(last.cpu.compressNs).toBeGreaterThan(0);
    // The log: process starts / exits, each firing of the timeline, the refused write as data.
    const bad = r.timeline.find((l) => l.t === 12);
    expect(bad).toMatchObject({ ok: false, errno: 'EINVAL', kind: 'write', index: 2 });
    expect(bad?.reason).toMatch(/swappiness/);
    expect(
      r.timeline.filter((l) => l.index === 1 && l.origin === 'timeline').map((l) => l.t),
    ).toEqual([5, 10, 15, 20, 25, 30, 35]);
    expect(
      r.timeline.filter((l) => l.origin === 'process').map((l) => [l.t, l.kind, l.target, l.ok]),
    ).toEqual([
      [0, 'spawn', 'a', true],
      [3, 'spawn', 'b', true],
      [30, 'exit', 'b', true],
    ]);
    // Proactive writeback finds too few entries older than 4 s while zswap.max keeps the
    // pool small: the kernel's EAGAIN, recorded as data like any refusal.
    const proactive = r.timeline.filter((l) => l.index === 1 && l.origin === 'timeline');
    for (const l of proactive) expect(l.ok || l.errno === 'EAGAIN').toBe(true);
    const again = proactive.filter((l) => !l.ok).length;
    expect(r.final.refusals).toEqual(again > 0 ? { EINVAL: 1, EAGAIN: again } : { EINVAL: 1 });
    const after = readdirSync(tmpdir()).filter((n) => n.startsWith('tierswap-scenario-')).length;
    expect(after).toBe(before);
  });

  it('gives the same series twice for one seed, apart from measured CPU time', async () => {
    const a = await runScenario(scenario('classic', 11), inputs);
    const b = await runScenario(scenario('classic', 11), inputs);
    expect(modelled(b)).toEqual(modelled(a));
    const c = await runScenario(scenario('classic', 12), inputs);
    expect(modelled(c).series).not.toEqual(modelled(a).series);
  });

  it('writes the series as CSV, one row per sample', async () => {
    const r = await runScenario(scenario('vswap'), inputs);
    const csv = seriesToCsv(r).trimEnd().split('\n');
    expect(csv).toHaveLength(r.series.length + 1);
    const header = csv[0]!.split(',');
    expect(header.slice(0, 3)).toEqual(['t', 'accesses', 'faults']);
    expect(header).toContain('cgroup./job.current');
    expect(header).toContain('tier.ssd.refault');
    expect(header).toContain('vmstat.zswpwb');
    const last = csv.at(-1)!.split(',');
    const col = (name: string) => Number(last[header.indexOf(name)]);
    expect(col('t')).toBe(40);
    expect(col('vmstat.zswpwb')).toBe(r.series.at(-1)!.vmstat.zswpwb);
  });

  it('refuses an invalid scenario before creating anything', async () => {
    const bad = { ...scenario('vswap'), devices: [{ name: 'ssd', kind: 'file', slots: 0 }] };
    await expect(runScenario(bad as ScenarioInput, inputs)).rejects.toThrow(WorkloadError);
    await expect(runScenario(bad as ScenarioInput, inputs)).rejects.toThrow(/devices\[0\]\.slots/);
    await expect(
      runScenario(scenario('vswap'), { sources: { nobody: mixedSource(1) } }),
    ).rejects.toThrow(/"nobody"/);
  });
});
