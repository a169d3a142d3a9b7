import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runReadmeExample } from '@tierswap/bench-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { generatedSource } from './generatedSource.js';
import { loadScenario } from './scenarioLoad.js';
import { runScenario } from './scenarioRunner.js';
import { writeSnapshot } from './snapshotFile.js';

const dir = mkdtempSync(join(tmpdir(), 'scenario-sources-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scenarios on real pages and real traces', () => {
  it('swaps the pages of the node binary (a file source) through both designs', async () => {
    for (const mode of ['vswap', 'classic'] as const) {
      const r = await runScenario({
        name: 'node-binary',
        durationSeconds: 20,
        sampleEverySeconds: 20,
        stack: { mode, ramBytes: '8M', tiers: '+ssd:-1' },
        devices: [{ name: 'ssd', kind: 'file', size: '4M' }],
        cgroups: [{ path: '/node', files: { 'memory.max': '1M', 'memory.zswap.max': '512K' } }],
        processes: [
          {
            name: 'node',
            cgroup: '/node',
            source: { kind: 'files', paths: process.execPath, maxPages: 512 },
            pattern: { kind: 'zipf', rate: 500, exponent: 1, writeShare: 0.1 },
          },
        ],
      });
      const last = r.series.at(-1)!;
      expect(r.timeline[0]).toMatchObject({ kind: 'spawn', ok: true, detail: 'pid 1, 512 pages' });
      expect(r.final.accesses.reads + r.final.accesses.writes).toBe(500 * 20);
      expect(r.final.accesses.writes).toBeGreaterThan(0);
      // Machine code and its tables compress, but nowhere near as well as generated text.
      expect(last.pool.compressionRatio).toBeGreaterThan(1.2);
      expect(last.pool.compressionRatio).toBeLessThan(8);
      expect(last.tiers.ssd!.swpout).toBeGreaterThan(0);
      expect(last.cgroups['/node']!.current).toBeLessThanOrEqual(1 << 20);
    }
  });

  it('replays a trace file named relative to the scenario file', async () => {
    // Two processes in one CSV trace; the scenario replays the second one's accesses.
    const lines = ['time,process,address,op'];
    let writes = 0;
    for (let i = 0; i < 3000; i++) {
      const write = i % 3 === 0;
      if (write) writes++;
      lines.push(
        `${(i * 0.01).toFixed(2)},db,${0x7f0000000000 + (i % 97) * 4096 * 3},${write ? 'write' : 'read'}`,
      );
      lines.push(`${(i * 0.01).toFixed(2)},web,${0x400000 + (i % 11) * 4096},read`);
    }
    writeFileSync(join(dir, 'two.csv'), `${lines.join('\n')}\n`);
    writeFileSync(
      join(dir, 'trace.yaml'),
      `name: trace
durationSeconds: 40
stack: { ramBytes: 8M }
cgroups: [{ path: /db, files: { memory.max: 128K } }]
processes:
  - name: db
    cgroup: /db
    source: { kind: generated, pages: 97, compressibility: 0.8 }
    pattern: { kind: trace, path: two.csv, stream: 0 }
`,
    );
    const r = await runScenario(loadScenario(join(dir, 'trace.yaml')));
    expect(r.final.accesses).toEqual({ reads: 3000 - writes, writes, skipped: 0 });
    // 97 distinct pages through 32 pages of memory.max: it swaps.
    expect(r.series.at(-1)!.vmstat.zswpout).toBeGreaterThan(0);
    expect(r.series.at(-1)!.faults).toBeGreaterThan(97);
  });

  it('runs a snapshot file and a live child process as sources', async () => {
    const snap = join(dir, 'gen.snap');
    await writeSnapshot(generatedSource({ pages: 200, seed: 3, zeroShare: 0.2 }), snap);
    // A child holding 2 MiB of a marker pattern in anonymous memory; killed afterwards.
    const child = spawn(
      process.execPath,
      [
        '-e',
        "const b = Buffer.alloc(2 << 20, 'tierswap-marker '); console.log('ready'); setInterval(() => b[0]++, 1e6);",
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((done, fail) => {
        child.stdout!.once('data', () => done());
        child.once('exit', (code) => fail(new Error(`child exited with ${code}`)));
      });
      const r = await runScenario({
        name: 'snapshot-and-child',
        durationSeconds: 10,
        stack: { ramBytes: '16M' },
        cgroups: [
          { path: '/s', files: { 'memory.max': '256K' } },
          { path: '/c', files: { 'memory.max': '512K' } },
        ],
        processes: [
          {
            name: 'snap',
            cgroup: '/s',
            source: { kind: 'snapshot', path: snap },
            pattern: { kind: 'uniform', rate: 100 },
          },
          {
            name: 'child',
            cgroup: '/c',
            source: { kind: 'process', pid: child.pid!, maxPages: 1024 },
            pattern: { kind: 'phased', rate: 200, workingSetShare: 0.1, phaseSeconds: 5 },
          },
        ],
      });
      expect(r.timeline.map((l) => [l.target, l.ok, l.detail])).toEqual([
        ['snap', true, 'pid 1, 200 pages'],
        ['child', true, expect.stringMatching(/^pid 2, \d+ pages$/)],
      ]);
      const last = r.series.at(-1)!;
      // 20% zero pages of the snapshot swap out as zero entries, the child's marker
      // pages compress very well: both show in the counters.
      expect(last.cgroups['/s']!.zswpout).toBeGreaterThan(0);
      expect(last.cgroups['/c']!.zswpout).toBeGreaterThan(0);
      expect(last.vmstat.swpout_zero).toBeGreaterThan(0);
      expect(last.pool.compressionRatio).toBeGreaterThan(2);
      expect(r.final.accesses.reads).toBe(100 * 10 + 200 * 10);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it("runs the README's Scenarios example", () => {
    const out = runReadmeExample(join(import.meta.dirname, '..'), '## Scenarios').split('\n');
    expect(out[0]).toBe('13 120');
    expect(out[1]).toBe('true true');
    expect(out[2]).toMatch(/96 s: .*swappiness "300" is not 0\.\.200 or max/);
  });
});
