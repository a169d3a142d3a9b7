// End to end through the scenario model: a child with a hot and a cold buffer is
// recorded with DAMON for a few seconds and snapshotted, and a scenario file (YAML)
// loads the snapshot as its pages and replays the recording onto them (`addresses:
// source`) under memory.max, with proactive reclaim, proactive zswap writeback and a
// demotion on the timeline, on both stack designs.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireDamonLock } from './damonLock.js';
import { damonUnavailableReason, recordDamon } from './damonRecorder.js';
import { saveKdamonds } from './damonSysfs.js';
import type { ScenarioSample } from './metrics.js';
import { processSource } from './processSource.js';
import { patternFromSpec } from './scenarioInputs.js';
import { loadScenario } from './scenarioLoad.js';
import { runScenario } from './scenarioRunner.js';
import { readSnapshot, writeSnapshot } from './snapshotFile.js';

const unavailable = damonUnavailableReason();
const haveCc = spawnSync('sh', ['-c', 'command -v cc']).status === 0;
const skipReason = unavailable ?? (haveCc ? undefined : 'no C compiler (cc) for the child');
const dir = mkdtempSync(join(tmpdir(), 'tierswap-damon-scenario-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

// A hot 2 MiB buffer written page by page in a loop, a cold 16 MiB one filled once
// with text lines (compressible, not same-filled pages); prints both ranges.
const PROGRAM = `
#include <stdio.h>
#include <sys/mman.h>
int main(void) {
  size_t hotSize = 2 << 20, coldSize = 16 << 20;
  char *hot = mmap(0, hotSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char *cold = mmap(0, coldSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  for (size_t i = 0; i + 64 < coldSize; i += 64)
    snprintf(cold + i, 64, "cold record %zu of the child's archive, kept %zu\\n", i / 64, i % 977);
  for (size_t i = 0; i < hotSize; i += 64) snprintf(hot + i, 64, "hot %zu", i);
  printf("%lx %lx %lx %lx\\n", (unsigned long)hot, (unsigned long)hotSize, (unsigned long)cold, (unsigned long)coldSize);
  fflush(stdout);
  for (volatile unsigned long n = 0;; n++)
    for (size_t i = 0; i < hotSize; i += 4096) hot[i] = (char)n;
}
`;

/** The kdamonds while no recorder runs (other worktrees' tests record on this machine too). */
async function quietKdamonds() {
  const lock = await acquireDamonLock('test', 300_000);
  try {
    return saveKdamonds();
  } finally {
    lock.release();
  }
}

const MAX_PAGES = 1536; // 6 MiB: the hot buffer and then some, a fifth of the cold one

describe('a DAMON recording replayed by a scenario file', () => {
  it.skipIf(skipReason !== undefined)(
    `replays a child's recording on its own pages in both designs, and restores DAMON ${skipReason ?? ''}`,
    async () => {
      const bin = join(dir, 'hotcold');
      writeFileSync(`${bin}.c`, PROGRAM);
      execFileSync('cc', ['-O1', '-o', bin, `${bin}.c`]);
      const child = spawn(bin, { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(child);
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout?.once('data', (d: Buffer) => resolve(d.toString()));
        child.once('error', reject);
      });
      const [h, hs] = line
        .trim()
        .split(' ')
        .map((x) => Number.parseInt(x, 16)) as [number, number];
      const pid = child.pid as number;

      const before = await quietKdamonds();
      const rec = await recordDamon({
        pid,
        seconds: 5,
        snapshotMs: 200,
        pauseOthers: true,
        path: join(dir, 'child.damon.csv'),
      });
      expect(await quietKdamonds()).toEqual(before);
      await writeSnapshot(processSource(pid), join(dir, 'child.snap'));
      child.kill('SIGKILL');
      expect(rec.snapshots).toBeGreaterThan(10);

      writeFileSync(
        join(dir, 'replay.yaml'),
        `name: damon-replay
durationSeconds: 6
sampleEverySeconds: 1
stack: { mode: vswap, ramBytes: 64M, zswap: { compressor: lz4 }, tiers: '+ssd:100 +hdd:-1' }
devices:
  - { name: ssd, kind: file, size: 32M, priority: 200 }
  - { name: hdd, kind: sqlite, size: 32M, priority: 10 }
cgroups:
  - { path: /child, files: { memory.max: ${MAX_PAGES * 4096} } }
processes:
  - name: child
    cgroup: /child
    source: { kind: snapshot, path: child.snap }
    pattern: { kind: trace, path: child.damon.csv, rate: 5000, addresses: source }
timeline:
  - { every: 1, kind: write, path: /sys/fs/cgroup/child/memory.zswap.proactive_writeback, value: max=1M 1 }
  - { at: 2, kind: write, path: /sys/fs/cgroup/child/memory.reclaim, value: 2M }
  - { at: 4, kind: write, path: /sys/fs/cgroup/child/memory.reclaim, value: 512K demote=ssd }
`,
      );
      const spec = loadScenario(join(dir, 'replay.yaml'));

      // The pattern lands on the snapshot's pages at the recorded addresses: mostly the hot buffer.
      const snap = readSnapshot(join(dir, 'child.snap'));
      const pattern = await patternFromSpec(spec.processes[0]!.pattern, snap);
      let onHot = 0;
      let all = 0;
      for (const a of pattern.accesses({ pages: snap.pageCount, durationSeconds: 6, seed: 1 })) {
        const address = snap.addressOf(a.page);
        if (address >= h && address < h + hs) onHot++;
        all++;
      }
      expect(all).toBeGreaterThan(10_000);
      expect(onHot / all).toBeGreaterThan(0.6);

      const series = new Map<string, readonly ScenarioSample[]>();
      for (const mode of ['vswap', 'classic'] as const) {
        const result = await runScenario({ ...spec, stack: { ...spec.stack, mode } });
        expect(result.timeline.filter((l) => !l.ok)).toEqual([]);
        const s = result.series;
        expect(s.length).toBe(7); // 0..6 s
        expect(s.reduce((n, x) => n + x.accesses, 0)).toBe(result.final.accesses.reads);
        for (const x of s)
          expect(x.cgroups['/child']?.current ?? 0).toBeLessThanOrEqual(MAX_PAGES * 4096);
        const last = s.at(-1) as ScenarioSample;
        // The reclaim at 2 s pushed hot pages out: they came back as refaults.
        expect(
          last.vmstat.workingset_refault_zswap + last.vmstat.workingset_refault_disk,
        ).toBeGreaterThan(0);
        expect(last.vmstat.zswpwb_proactive).toBeGreaterThan(0);
        expect(last.vmstat.swap_demote).toBeGreaterThan(0);
        expect(last.pool.compressionRatio).toBeGreaterThan(1.5);
        series.set(mode, s);
      }
      // Both designs replayed the same accesses.
      const faults = (m: string) => series.get(m)?.map((x) => [x.accesses, x.faults]);
      expect(faults('classic')).toEqual(faults('vswap'));
    },
  );
});

describe('addresses: source', () => {
  const trace = join(dir, 'tiny.damon.csv');
  const access = join(dir, 'tiny.csv');
  writeFileSync(
    trace,
    '# tierswap damon trace\n# pid=1 sample_us=5000 aggregation_us=100000\ntime,start,end,nr_accesses,age\n0,0x1000,0x3000,4,0\n',
  );
  writeFileSync(access, 'time,process,page,op\n0,web,1,read\n');
  const spec = (source: string, path: string) =>
    `name: t\ndurationSeconds: 1\nstack: { ramBytes: 1M }\ncgroups: [{ path: /a }]\nprocesses:\n  - { name: p, cgroup: /a, source: ${source}, pattern: { kind: trace, path: ${path}, addresses: source } }\n`;

  it('refuses a source that does not know its pages’ addresses, naming it', async () => {
    writeFileSync(join(dir, 'gen.yaml'), spec('{ kind: generated, pages: 4 }', 'tiny.damon.csv'));
    await expect(runScenario(loadScenario(join(dir, 'gen.yaml')))).rejects.toThrow(
      /addresses: source needs a source that knows its pages' addresses \(snapshot or process\), got generated/,
    );
  });

  it('refuses an access trace: it is for DAMON recordings', async () => {
    writeFileSync(
      join(dir, 'snap.yaml'),
      spec(`{ kind: process, pid: ${process.pid}, maxPages: 4 }`, 'tiny.csv'),
    );
    await expect(runScenario(loadScenario(join(dir, 'snap.yaml')))).rejects.toThrow(
      /tiny.csv: addresses: source is for DAMON recordings/,
    );
  });

  it('refuses a value other than dense or source, naming the field', () => {
    writeFileSync(
      join(dir, 'bad.yaml'),
      spec('{ kind: generated, pages: 4 }', 'tiny.damon.csv').replace(
        'addresses: source',
        'addresses: virtual',
      ),
    );
    expect(() => loadScenario(join(dir, 'bad.yaml'))).toThrow(/processes\[0\]\.pattern\.addresses/);
  });
});
