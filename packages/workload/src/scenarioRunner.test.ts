import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entropyPage, rng, textPages } from '@tierswap/bench-kit';
import { startRedisCluster, startRedisServer } from '@tierswap/redis-device/testing';
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
    // The devices' temporary directory goes into a TMPDIR of this test's own (other
    // processes may run scenarios meanwhile), and must be gone afterwards.
    const tmp = mkdtempSync(join(tmpdir(), 'scenario-tmp-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    const progress: number[] = [];
    const made: string[] = [];
    let r: ScenarioResult;
    try {
      r = await runScenario(scenario('vswap'), {
        ...inputs,
        onProgress: (p) => {
          progress.push(p.t);
          if (p.t === 0) made.push(...readdirSync(tmp));
        },
      });
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    expect(made).toHaveLength(1);
    expect(made[0]).toMatch(/^tierswap-scenario-/);
    expect(readdirSync(tmp)).toEqual([]);
    rmSync(tmp, { recursive: true });
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
    // Every process is under /job: its hierarchical memory.stat counts all of the swap traffic.
    for (const k of ['pswpin', 'pswpout', 'zswpout', 'zswpwb'] as const) {
      expect(last.cgroups['/job']![k]).toBe(last.vmstat[k]);
    }
    expect(last.cgroups['/job/a']!.zswpout).toBeLessThan(last.cgroups['/job']!.zswpout);
    expect(r.final.metadata.pageTables).toBeGreaterThan(0);
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
  });

  it('gives the same series twice for one seed, apart from measured CPU time', async () => {
    const a = await runScenario(scenario('classic', 11), inputs);
    const b = await runScenario(scenario('classic', 11), inputs);
    expect(modelled(b)).toEqual(modelled(a));
    const c = await runScenario(scenario('classic', 12), inputs);
    expect(modelled(c).series).not.toEqual(modelled(a).series);
  });

  it('samples at multiples of the period on a fine step, with times as written', async () => {
    const one = await runScenario(
      {
        ...scenario('vswap'),
        durationSeconds: 1,
        stepSeconds: 0.1,
        sampleEverySeconds: 0.3,
        processes: [scenario('vswap').processes![0]!],
        timeline: [],
      },
      { sources: { a: inputs.sources.a }, patterns: { a: inputs.patterns.a } },
    );
    expect(one.series.map((s) => s.t)).toEqual([0, 0.3, 0.6, 0.9, 1]);
    expect(one.series.reduce((n, s) => n + s.accesses, 0)).toBe(400);
  });

  it('stops at the next sample when its signal is aborted, and removes its devices', async () => {
    const stop = new AbortController();
    const seen: number[] = [];
    const tmp = mkdtempSync(join(tmpdir(), 'scenario-abort-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const run = runScenario(scenario('vswap'), {
        ...inputs,
        signal: stop.signal,
        onProgress: (p) => {
          seen.push(p.t);
          if (p.t === 10) stop.abort();
        },
      });
      await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    expect(seen).toEqual([0, 5, 10]);
    expect(readdirSync(tmp)).toEqual([]);
    rmSync(tmp, { recursive: true });
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

  it('records what refused actions answered and runs on', async () => {
    const base = scenario('vswap');
    const r = await runScenario(
      {
        ...base,
        durationSeconds: 20,
        processes: [
          base.processes![0]!,
          { ...base.processes![1]!, start: undefined, exit: undefined },
        ],
        timeline: [
          { at: 1, kind: 'spawn', process: 'b' },
          { at: 2, kind: 'spawn', process: 'b' }, // already running
          { at: 3, kind: 'swapon', device: 'ssd' }, // already on: EBUSY, as swapon(2)
          { at: 4, kind: 'rmdir', path: '/sys/fs/cgroup/job/a' }, // a process is in it
          { at: 5, kind: 'exit', process: 'b' },
          { at: 6, kind: 'exit', process: 'b' }, // not running
          { at: 7, kind: 'write', path: '/sys/fs/cgroup/job/memory.nope', value: '1' },
          { at: 8, kind: 'swapoff', device: 'ssd' }, // its pages move to hdd
          { at: 9, kind: 'swapoff', device: 'ssd' }, // already off
          { at: 9.5, kind: 'swapoff', device: 'hdd' }, // its pages have nowhere to go
          { at: 10, kind: 'mkdir', path: '/sys/fs/cgroup/job' }, // exists
          { at: 11, kind: 'spawn', process: 'b' }, // again, after its exit
        ],
      },
      inputs,
    );
    const got = r.timeline
      .filter((l) => l.origin === 'timeline')
      .map((l) => [l.t, l.ok ? 'ok' : l.errno]);
    expect(got).toEqual([
      [1, 'ok'],
      [2, 'EBUSY'],
      [3, 'EBUSY'],
      [4, 'EBUSY'],
      [5, 'ok'],
      [6, 'ENOENT'],
      [7, 'ENOENT'],
      [8, 'ok'],
      [9, 'ENOENT'],
      [9.5, 'ENOMEM'],
      [10, 'EEXIST'],
      [11, 'ok'],
    ]);
    expect(r.timeline.find((l) => l.t === 2)!.reason).toMatch(/already running as pid/);
    // b ran 1..5 s and 11..20 s at 200 accesses a second; a all along at 400.
    expect(r.final.accesses.reads + r.final.accesses.writes).toBe(400 * 20 + 200 * 4 + 200 * 9);
  });

  it('refuses a spawn into a removed cgroup, and sources that are not PageSources', async () => {
    const base = scenario('classic');
    const r = await runScenario(
      {
        ...base,
        durationSeconds: 10,
        cgroups: [...base.cgroups!, { path: '/other' }],
        processes: [
          { ...base.processes![1]!, cgroup: '/other', start: undefined, exit: undefined },
        ],
        timeline: [
          { at: 1, kind: 'rmdir', path: '/sys/fs/cgroup/other' },
          { at: 2, kind: 'spawn', process: 'b' },
        ],
      },
      { sources: { b: inputs.sources.b }, patterns: { b: inputs.patterns.b } },
    );
    expect(r.timeline.map((l) => [l.t, l.kind, l.ok ? 'ok' : l.errno])).toEqual([
      [1, 'rmdir', 'ok'],
      [2, 'spawn', 'ENOENT'],
    ]);
    expect(r.timeline[1]!.reason).toBe('b: cgroup /other does not exist');
    expect(r.final.accesses).toEqual({ reads: 0, writes: 0, skipped: 0 });
    const empty: PageSource = { ...inputs.sources.a, pageCount: 0 };
    await expect(
      runScenario(scenario('vswap'), { ...inputs, sources: { a: empty } }),
    ).rejects.toThrow(/source mixed-192 of process a has 0 pages/);
    const notOne = { pages: 3 } as unknown as PageSource;
    await expect(
      runScenario(scenario('vswap'), { ...inputs, sources: { a: notOne } }),
    ).rejects.toThrow(/the source of process a must be a PageSource, got an object/);
  });

  it("says when the machine ran out of RAM, and passes a callback's error through", async () => {
    const base = scenario('vswap');
    const tiny = {
      ...base,
      stack: { mode: 'vswap' as const, ramBytes: '64K', zswap: { enabled: false } },
      devices: [],
      processes: [base.processes![0]!],
      timeline: [],
    };
    const only = { sources: { a: inputs.sources.a }, patterns: { a: inputs.patterns.a } };
    const err = await runScenario(tiny, only).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkloadError);
    // 64K is 16 page frames; with zswap off and no device, page 16 has nowhere to go.
    expect((err as WorkloadError).code).toBe('INVALID_SCENARIO');
    expect((err as WorkloadError).message).toMatch(
      /at 0 s, loading process a's page \d+: .*all 16 page frames are in use/,
    );
    await expect(
      runScenario(scenario('vswap'), {
        ...inputs,
        onProgress: (p) => {
          if (p.t === 10) throw new RangeError('stop here');
        },
      }),
    ).rejects.toThrow(RangeError);
  });

  /** A 10-second vswap run with one tier, `net`, on the Redis device given; its last sample. */
  async function netTierRun(device: Record<string, unknown>) {
    const base = scenario('vswap');
    const r = await runScenario(
      {
        ...base,
        durationSeconds: 10,
        stack: { ...base.stack, tiers: '+net:-1' },
        devices: [{ name: 'net', kind: 'redis', slots: 512, ...device }],
        timeline: [],
      } as typeof base,
      inputs,
    );
    return r.series.at(-1)!;
  }

  it('puts a tier on a Redis Cluster, by its seed nodes', async () => {
    const cluster = await startRedisCluster(3);
    try {
      const last = await netTierRun({ cluster: [cluster.urls[1]!] });
      expect(last.tiers.net!.swpout).toBeGreaterThan(0);
      expect(last.devices.net!.bytesRead).toBeGreaterThan(0);
    } finally {
      cluster.stop();
    }
  }, 60_000);

  it('puts a tier on a Redis server', async () => {
    const server = await startRedisServer();
    try {
      const last = await netTierRun({ url: server.url });
      expect(last.tiers.net!.swpout).toBeGreaterThan(0);
      expect(last.devices.net!.bytesWritten).toBeGreaterThan(0);
      expect(last.devices.net!.bytesRead).toBeGreaterThan(0);
    } finally {
      server.stop();
    }
  });
});
