import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runReadmeExample } from '@tierswap/bench-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenario } from './scenarioLoad.js';
import { runScenario } from './scenarioRunner.js';

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

  it("runs the README's Scenarios example", () => {
    const out = runReadmeExample(join(import.meta.dirname, '..'), '## Scenarios').split('\n');
    expect(out[0]).toBe('13 120');
    expect(out[1]).toBe('true true');
    expect(out[2]).toMatch(/96 s: .*swappiness "300" is not 0\.\.200 or max/);
  });
});
