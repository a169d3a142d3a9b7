/**
 * A DAMON recording of a real process, replayed through the stack on both designs.
 *
 * Starts a Node process that builds a heap of ~100 MiB of objects and then serves
 * lookups from a hot tenth of it, moving the hot tenth every 8 s; records its accesses
 * with the kernel's DAMON for `seconds` (recordDamon: needs root and DAMON, and pauses a
 * running kdamond for milliseconds, restoring it), snapshots its memory (processSource),
 * stops it, and runs a scenario whose process is that snapshot replaying that
 * recording under a memory.max of half its pages and a memory.zswap.max of 24 MiB. Prints the recording and the two
 * time series.
 *
 * Run (as root, from packages/workload):
 *   node --conditions=@tierswap/source --import tsx examples/damonReplay.ts [seconds] [outDir]
 */

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  damonUnavailableReason,
  processSource,
  readSnapshot,
  recordDamon,
  runScenario,
  type ScenarioInput,
  seriesToCsv,
  writeSnapshot,
} from '@tierswap/workload';

const seconds = Number(process.argv[2] ?? 20);
const out = process.argv[3] ?? mkdtempSync(join(tmpdir(), 'damon-replay-'));
mkdirSync(out, { recursive: true });
const why = damonUnavailableReason();
if (why !== undefined) throw new Error(`DAMON is not usable here: ${why}`);

// The program: a heap of objects with string and number fields, then lookups of a
// moving hot tenth (and an occasional cold one), as a cache in front of a database does.
const PROGRAM = `
const items = [];
for (let i = 0; i < 600000; i++) items.push({ id: i, name: 'user-' + i, score: i % 977, tags: ['a' + (i % 13), 'b' + (i % 7)] });
console.log('ready');
const hot = items.length / 10;
let sum = 0;
setInterval(() => {
  const phase = Math.floor(Date.now() / 8000) % 10;
  for (let k = 0; k < 20000; k++) {
    const i = Math.random() < 0.95 ? phase * hot + Math.floor(Math.random() * hot) : Math.floor(Math.random() * items.length);
    const it = items[i];
    it.score = (it.score + 1) % 977;
    sum += it.name.length;
  }
}, 5);
`;
const child = spawn(process.execPath, ['-e', PROGRAM], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise<void>((ready, fail) => {
  child.stdout!.once('data', () => ready());
  child.once('exit', (code) => fail(new Error(`the program exited with ${code}`)));
});

let snapshot: string;
let tracePath: string;
try {
  tracePath = join(out, 'program.damon.csv');
  const rec = await recordDamon({ pid: child.pid!, seconds, pauseOthers: true, path: tracePath });
  const t = rec.trace;
  const regions = t.length / Math.max(rec.snapshots, 1);
  console.log(
    `DAMON: pid ${child.pid}, ${seconds} s, ${rec.snapshots} snapshots, ${t.length} region rows (${regions.toFixed(0)} regions a snapshot), sampling ${t.sampleUs} us, aggregation ${t.aggregationUs / 1000} ms`,
  );
  const source = processSource(child.pid!);
  snapshot = join(out, 'program.snap');
  const w = await writeSnapshot(source, snapshot);
  console.log(`snapshot: ${source.pageCount} pages (${JSON.stringify(w)})`);
} finally {
  child.kill('SIGKILL');
}

const pages = readSnapshot(snapshot).pageCount;
for (const mode of ['vswap', 'classic'] as const) {
  const spec: ScenarioInput = {
    name: `damon-replay-${mode}`,
    seed: 1,
    durationSeconds: seconds,
    sampleEverySeconds: Math.max(1, Math.round(seconds / 10)),
    stack: { mode, ramBytes: '512M', tiers: '+ssd:-1' },
    devices: [{ name: 'ssd', kind: 'file', slots: pages }],
    // Half the pages in memory; zswap may hold 24 MiB of them, the rest is written back.
    cgroups: [
      {
        path: '/program',
        files: { 'memory.max': Math.floor(pages / 2) * 4096, 'memory.zswap.max': '24M' },
      },
    ],
    processes: [
      {
        name: 'program',
        cgroup: '/program',
        source: { kind: 'snapshot', path: snapshot },
        pattern: { kind: 'trace', path: tracePath, rate: 20_000, addresses: 'source' },
      },
    ],
  };
  const r = await runScenario(spec);
  writeFileSync(join(out, `series-${mode}.csv`), seriesToCsv(r));
  console.log(`\n${mode}: memory.max ${Math.floor(pages / 2)} of ${pages} pages`);
  console.log(
    '   t  accesses  faults  memory.current  zswap.current  swap.current  pool pages  ratio  zswpwb  refault zswap/disk  ssd MB w/r',
  );
  for (const s of r.series) {
    const c = s.cgroups['/program']!;
    const ssd = s.tiers.ssd;
    console.log(
      [
        String(s.t).padStart(4),
        String(s.accesses).padStart(9),
        String(s.faults).padStart(7),
        `${(c.current / 2 ** 20).toFixed(1)} MiB`.padStart(15),
        `${(c.zswapCurrent / 2 ** 20).toFixed(1)} MiB`.padStart(14),
        `${(c.swapCurrent / 2 ** 20).toFixed(1)} MiB`.padStart(13),
        String(s.pool.storedPages).padStart(11),
        s.pool.compressionRatio.toFixed(2).padStart(6),
        String(s.vmstat.zswpwb).padStart(7),
        `${s.vmstat.workingset_refault_zswap}/${s.vmstat.workingset_refault_disk}`.padStart(19),
        `${((ssd?.bytesWritten ?? 0) / 2 ** 20).toFixed(1)}/${((ssd?.bytesRead ?? 0) / 2 ** 20).toFixed(1)}`.padStart(
          11,
        ),
      ].join(' '),
    );
  }
}
console.log(`\nfiles in ${out}`);
