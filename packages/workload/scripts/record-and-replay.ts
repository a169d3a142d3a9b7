/**
 * Record a real process with DAMON and replay it through the tierswap stack, end to end:
 *
 *   1. starts redis-server on a private unix socket and loads it (cold keys first, then
 *      a small set of hot keys, so the hot values sit together on the heap);
 *   2. puts a skewed load on it with redis-benchmark (GETs of the hot keys, and a
 *      slower stream of GETs over all keys);
 *   3. records its memory accesses with recordDamon (DAMON, root) while the load runs,
 *      then snapshots its memory (processSource -> writeSnapshot) and stops it all;
 *   4. writes a scenario file (YAML) that loads the snapshot as the process's pages
 *      and replays the recording onto them under memory pressure, with proactive
 *      reclaim, proactive zswap writeback and a demotion on the timeline;
 *   5. runs it on both stack designs (vswap and classic), prints a summary table and
 *      writes each time series as CSV.
 *
 * Run from the repository (needs root for DAMON, redis-server and redis-benchmark):
 *
 *   node --conditions=@tierswap/source --import tsx packages/workload/scripts/record-and-replay.ts \
 *     [--seconds 20] [--size-mib 48] [--hot-keys 4000] [--rate 10000] [--max-regions 100]
 *     [--snapshot-ms 1000] [--out DIR]
 *
 * `--replay-only --out DIR` runs step 5 again on what an earlier run left in DIR (no
 * root needed then).
 *
 * --snapshot-ms is how often the regions are read (recordDamon's snapshotMs: each read
 * holds DAMON's sysfs lock until the next 100 ms aggregation); 100 reads every one.
 * Everything lands in --out (default a new directory under the temp dir, printed):
 * redis.snap, redis.damon.csv, damon-replay.yaml, series-vswap.csv, series-classic.csv.
 * The DAMON state is restored by recordDamon; redis and the load are always stopped.
 */

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  damonUnavailableReason,
  loadScenario,
  processSource,
  readTrace,
  recordDamon,
  runScenario,
  type ScenarioResult,
  type ScenarioSample,
  seriesToCsv,
  writeSnapshot,
} from '@tierswap/workload';
import { stringify } from 'yaml';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    'size-mib': { type: 'string', default: '48' },
    'hot-keys': { type: 'string', default: '4000' },
    rate: { type: 'string', default: '10000' },
    'max-regions': { type: 'string', default: '100' },
    'snapshot-ms': { type: 'string', default: '1000' },
    out: { type: 'string' },
    'replay-only': { type: 'boolean', default: false },
  },
});
const positive = (name: string, text: string | undefined): number => {
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0)
    throw new Error(`--${name} must be a positive number, got ${text}`);
  return v;
};
const seconds = positive('seconds', args.seconds);
const sizeMiB = positive('size-mib', args['size-mib']);
const hotKeys = Math.round(positive('hot-keys', args['hot-keys']));
const rate = positive('rate', args.rate);
const maxRegions = Math.round(positive('max-regions', args['max-regions']));
const snapshotMs = Math.round(positive('snapshot-ms', args['snapshot-ms']));
const VALUE_BYTES = 512;
const coldKeys = Math.round((sizeMiB * 1048576) / VALUE_BYTES);

function need(bin: string): void {
  if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) {
    console.error(`${bin} is not installed (apt-get install redis-server brings it)`);
    process.exit(2);
  }
}
if (args['replay-only']) {
  if (args.out === undefined) {
    console.error('--replay-only needs --out DIR, the directory of an earlier run');
    process.exit(2);
  }
} else {
  const unavailable = damonUnavailableReason();
  if (unavailable !== undefined) {
    console.error(`cannot record with DAMON: ${unavailable}`);
    process.exit(2);
  }
  for (const bin of ['redis-server', 'redis-cli', 'redis-benchmark']) need(bin);
}

const out = resolve(args.out ?? mkdtempSync(join(tmpdir(), 'tierswap-record-replay-')));
mkdirSync(out, { recursive: true });
const socket = join(out, 'redis.sock');
const children: ChildProcess[] = [];
const stopAll = () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
};
process.on('exit', stopAll);

/** Seeded words for the values' text (a 64-word vocabulary, as real text repeats words). */
const WORDS = Array.from({ length: 64 }, (_, k) =>
  (Math.imul(k + 7, 0x9e3779b1) >>> 0).toString(36).slice(0, 3 + (k % 6)),
);
/** A value of VALUE_BYTES: a JSON record with numbers, a token and text (lz4: about 2-3x). */
function value(i: number, kind: string): string {
  let h = Math.imul(i + 1, 2654435761) >>> 0;
  const next = () => {
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
    h = (h ^ (h >>> 12)) >>> 0;
    return h;
  };
  const token = `${next().toString(36)}${next().toString(36)}`;
  let s = `{"id":${i},"kind":"${kind}","token":"${token}","score":${(next() % 100000) / 100},"text":"`;
  while (s.length < VALUE_BYTES - 2) s += `${WORDS[next() % WORDS.length]} `;
  return `${s.slice(0, VALUE_BYTES - 2)}"}`;
}
function resp(parts: string[]): string {
  return `*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join('')}`;
}
const key = (kind: string, i: number) => `${kind}:${String(i).padStart(12, '0')}`;

async function main(): Promise<void> {
  if (args['replay-only']) return replay(join(out, 'damon-replay.yaml'));
  // 1. redis-server, loaded.
  const server = spawn(
    'redis-server',
    ['--port', '0', '--unixsocket', socket, '--save', '', '--appendonly', 'no', '--dir', out],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(server);
  await new Promise<void>((ok, fail) => {
    let seen = '';
    server.stdout?.on('data', (d: Buffer) => {
      seen += d.toString();
      if (/ready to accept connections/i.test(seen)) ok();
    });
    server.once('exit', (code) => fail(new Error(`redis-server exited (${code}): ${seen}`)));
  });
  const pid = server.pid as number;
  const load: string[] = [];
  for (let i = 0; i < coldKeys; i++) load.push(resp(['SET', key('cold', i), value(i, 'cold')]));
  for (let i = 0; i < hotKeys; i++) load.push(resp(['SET', key('hot', i), value(i, 'hot')]));
  const piped = spawnSync('redis-cli', ['-s', socket, '--pipe'], {
    input: load.join(''),
    maxBuffer: 1 << 26,
  });
  if (piped.status !== 0) throw new Error(`redis-cli --pipe failed: ${piped.stderr}`);
  console.log(
    `redis-server pid ${pid}: ${coldKeys} cold + ${hotKeys} hot keys of ${VALUE_BYTES} B`,
  );

  // 2. The skewed load: hot GETs pipelined, a slow stream over the cold keys.
  const bench = (args2: string[]) => {
    const c = spawn('redis-benchmark', ['-s', socket, '-n', '1000000000', '-q', ...args2], {
      stdio: 'ignore',
    });
    children.push(c);
  };
  bench(['-c', '2', '-P', '4', '-r', String(hotKeys), 'GET', 'hot:__rand_int__']);
  bench(['-c', '1', '-r', String(coldKeys), 'GET', 'cold:__rand_int__']);
  await new Promise((r) => setTimeout(r, 2000));

  // 3. Record, then snapshot (reading the pages sets their accessed bits: after DAMON).
  const before = damonTree();
  const tracePath = join(out, 'redis.damon.csv');
  const rec = await recordDamon({
    pid,
    seconds,
    maxRegions,
    snapshotMs,
    pauseOthers: true,
    path: tracePath,
  });
  const after = damonTree();
  const snapPath = join(out, 'redis.snap');
  const written = await writeSnapshot(processSource(pid), snapPath);
  stopAll();
  const trace = await readTrace(tracePath);
  if (trace.kind !== 'damon') throw new Error('expected a DAMON trace');
  const perSnapshot = new Map<number, number>();
  for (let i = 0; i < trace.length; i++)
    perSnapshot.set(trace.time[i] as number, (perSnapshot.get(trace.time[i] as number) ?? 0) + 1);
  const counts = [...perSnapshot.values()].sort((a, b) => a - b);
  const pages = written.pages;
  console.log(
    `DAMON: ${rec.snapshots} snapshots in ${seconds} s (${rec.ended}), ${trace.length} region rows, regions per snapshot min ${counts[0]} median ${counts[counts.length >> 1]} max ${counts.at(-1)}`,
  );
  console.log(`snapshot: ${pages} pages (${(pages / 256).toFixed(1)} MiB) in ${snapPath}`);
  console.log(`DAMON tree before: ${before}\nDAMON tree after:  ${after}`);
  if (before !== after) {
    console.log(
      'DAMON tree differs: another DAMON user (a recorder in another process) changed it meanwhile, or it was not restored',
    );
  }

  // 4. The scenario: the process's own pages, its recording replayed, under pressure.
  const dur = Math.ceil(trace.time[trace.length - 1] as number) + 1;
  const every = Math.max(1, Math.round(dur / 6));
  // memory.max 40% of the pages, zswap's share of it an eighth of them: the working set
  // DAMON saw (a quarter to a half of the pages) does not all fit, so it refaults.
  const limitPages = Math.floor(pages * 0.4);
  const scenario = {
    name: `redis-damon-replay (pid ${pid}, ${seconds} s)`,
    seed: 1,
    durationSeconds: dur,
    sampleEverySeconds: Math.max(1, Math.round(dur / 10)),
    stack: {
      mode: 'vswap',
      ramBytes: `${Math.ceil((pages * 4) / 1024) * 2 + 64}M`,
      zswap: { compressor: 'lz4', maxPoolPercent: 20 },
      tiers: '+ssd:100 +hdd:-1',
    },
    devices: [
      { name: 'ssd', kind: 'file', slots: pages + 1024, priority: 200 },
      { name: 'hdd', kind: 'sqlite', slots: pages + 1024, priority: 10 },
    ],
    cgroups: [
      {
        path: '/redis',
        files: {
          'memory.max': limitPages * 4096,
          'memory.zswap.max': `${Math.ceil((pages * 4) / 1024 / 8)}M`,
        },
      },
    ],
    processes: [
      {
        name: 'redis',
        cgroup: '/redis',
        source: { kind: 'snapshot', path: 'redis.snap' },
        pattern: { kind: 'trace', path: 'redis.damon.csv', rate, addresses: 'source' },
      },
    ],
    timeline: [
      {
        every,
        kind: 'write',
        path: '/sys/fs/cgroup/redis/memory.zswap.proactive_writeback',
        value: `max=${Math.max(1, Math.round((pages * 4) / 1024 / 20))}M ${every}`,
      },
      {
        at: Math.round(dur * 0.4),
        kind: 'write',
        path: '/sys/fs/cgroup/redis/memory.reclaim',
        value: `${Math.max(1, Math.round((pages * 4) / 1024 / 10))}M`,
      },
      {
        at: Math.round(dur * 0.7),
        kind: 'write',
        path: '/sys/fs/cgroup/redis/memory.reclaim',
        value: `${Math.max(1, Math.round((pages * 4) / 1024 / 20))}M demote=ssd`,
      },
    ],
  };
  const scenarioPath = join(out, 'damon-replay.yaml');
  writeFileSync(
    scenarioPath,
    `# Written by packages/workload/scripts/record-and-replay.ts: redis-server's own pages\n# (redis.snap) replaying its DAMON recording (redis.damon.csv) under memory.max.\n${stringify(scenario)}`,
  );
  console.log(`scenario: ${scenarioPath}`);

  await replay(scenarioPath);
}

/** 5. Runs the scenario on both designs: prints a table of each series, writes each as CSV. */
async function replay(scenarioPath: string): Promise<void> {
  const spec = loadScenario(scenarioPath);
  for (const mode of ['vswap', 'classic'] as const) {
    const started = performance.now();
    const result = await runScenario({ ...spec, stack: { ...spec.stack, mode } });
    const csv = join(out, `series-${mode}.csv`);
    writeFileSync(csv, seriesToCsv(result));
    console.log(
      `\n${mode}: ${result.final.accesses.reads} accesses replayed (${result.final.accesses.skipped} past the pages) in ${((performance.now() - started) / 1000).toFixed(1)} s; series in ${csv}`,
    );
    console.log(table(result));
    for (const l of result.timeline)
      if (!l.ok)
        console.log(`  refused at ${l.t} s: ${l.target} "${l.value}": ${l.errno} ${l.reason}`);
  }
}

/** The kdamonds tree's states and operations, to compare before and after. */
function damonTree(): string {
  const dir = '/sys/kernel/mm/damon/admin/kdamonds';
  // Another process's recorder may add or remove a kdamond while this reads: read again.
  for (let attempt = 0; ; attempt++) {
    try {
      const ks = readdirSync(dir).filter((n) => /^\d+$/.test(n));
      const parts = ks.map((k) => {
        const read = (f: string) => readFileSync(join(dir, k, f), 'utf8').trim();
        return `${k}:${read('state')}/${read('contexts/0/operations')}`;
      });
      return `${readFileSync(join(dir, 'nr_kdamonds'), 'utf8').trim()} kdamond(s) [${parts.join(' ')}]`;
    } catch (e) {
      if (attempt >= 20) throw e;
      spawnSync('sleep', ['0.1']);
    }
  }
}

const MiB = (b: number) => (b / 1048576).toFixed(1);

/** The time series as a compact table: memory, pool, refaults per tier, writeback, I/O, CPU. */
export function table(result: ScenarioResult): string {
  const tiers = Object.keys(result.series[0]?.tiers ?? {});
  const head = [
    't s',
    'accesses',
    'memory.current MiB',
    'swap.current MiB',
    'pool MiB',
    'pool ratio',
    'zswap refaults',
    ...tiers.map((t) => `${t} refaults`),
    'zswpwb (proactive)',
    'demoted',
    'written MiB',
    'read MiB',
    'compress ms',
  ];
  const row = (s: ScenarioSample) => {
    const cg = s.cgroups['/redis'];
    const dev = Object.values(s.devices);
    return [
      s.t,
      s.accesses,
      MiB(cg?.current ?? 0),
      MiB(cg?.swapCurrent ?? 0),
      MiB(s.pool.poolBytes),
      s.pool.ratio.toFixed(2),
      s.vmstat.workingset_refault_zswap,
      ...tiers.map((t) => s.tiers[t]?.refault ?? 0),
      `${s.vmstat.zswpwb} (${s.vmstat.zswpwb_proactive})`,
      s.vmstat.swap_demote,
      MiB(dev.reduce((a, d) => a + d.bytesWritten, 0)),
      MiB(dev.reduce((a, d) => a + d.bytesRead, 0)),
      (s.cpu.compressNs / 1e6).toFixed(0),
    ].map(String);
  };
  const rows = [head, ...result.series.map(row)];
  const widths = head.map((_, c) => Math.max(...rows.map((r) => (r[c] as string).length)));
  const line = (r: string[]) =>
    `| ${r.map((v, c) => v.padStart(widths[c] as number)).join(' | ')} |`;
  return [
    line(head),
    `|${widths.map((w) => `${'-'.repeat(w + 1)}:`).join('|')}|`,
    ...rows.slice(1).map(line),
  ].join('\n');
}

main().then(
  () => stopAll(),
  (e: unknown) => {
    stopAll();
    console.error(e);
    process.exit(1);
  },
);
