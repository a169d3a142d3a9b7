/**
 * RedisDevice against redis-benchmark on the same local server, one run.
 *
 * The native limit is `redis-benchmark -t set,get -d 4096 -P 16 -q -n 100000` (and
 * `-P 1`) against the server this bench starts; both are run as given (50 clients, its
 * default) and with one client (`-c 1`), which is what one synchronous device is.
 * Measured through the device: writeBatch / readBatch of 16 pages of 4 KiB (pages/s),
 * single-page read and write latency (p50), and what the synchronous bridge costs: a
 * round trip to the worker alone, a PING through it, and the same PING and GET, and
 * 16-page MSET and MGET batches, awaited in-process on an ioredis client (no worker).
 * Also the bridge itself with pages passed by structured clone (a MessagePort, as
 * synckit does) instead of shared memory.
 *
 * `--quick` runs a smoke test (fewer operations, saved to bench-results only).
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { BenchGoal } from '@tierswap/bench-kit';
import { median, saveBenchRecord } from '@tierswap/bench-kit';
import { Redis } from 'ioredis';
import { createRedisDevice } from '../src/index.js';
import { startRedisServer } from '../src/testing.js';

const quick = process.argv.includes('--quick');
const PAGE = 4096;
const DEPTH = 16;
const N = quick ? 8_000 : 100_000;
const LAT_N = quick ? 2_000 : 20_000;

const startLoad = loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');
const server = await startRedisServer();
const port = server.port;

interface Native {
  setRps: number;
  getRps: number;
  setP50: number;
  getP50: number;
}

/** redis-benchmark -q prints `SET: 208333.34 requests per second, p50=1.855 msec`. */
function redisBenchmark(pipeline: number, clients?: number): Native {
  const args = [
    '-p',
    String(port),
    '-t',
    'set,get',
    '-d',
    String(PAGE),
    '-P',
    String(pipeline),
    '-q',
    '-n',
    String(N),
  ];
  if (clients !== undefined) args.push('-c', String(clients));
  const out = execFileSync('redis-benchmark', args, { encoding: 'utf8' });
  const line = (t: string) => {
    const m = new RegExp(`${t}: ([\\d.]+) requests per second, p50=([\\d.]+) msec`).exec(out);
    if (m === null) throw new Error(`redis-benchmark printed no ${t} line:\n${out}`);
    return { rps: Number(m[1]), p50: Number(m[2]) };
  };
  const set = line('SET');
  const get = line('GET');
  return { setRps: set.rps, getRps: get.rps, setP50: set.p50 * 1000, getP50: get.p50 * 1000 };
}

function page(seed: number): Uint8Array {
  const p = new Uint8Array(PAGE);
  for (let i = 0; i < PAGE; i++) p[i] = (i * 31 + seed) & 0xff;
  return p;
}

/** Per-call latencies in microseconds. */
function latencies(n: number, fn: (i: number) => void): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn(i);
    out[i] = (performance.now() - t) * 1000;
  }
  return out;
}

async function asyncLatencies(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out[i] = (performance.now() - t) * 1000;
  }
  return out;
}

/** A synchronous bridge that passes pages by structured clone over a MessagePort. */
function cloneBridgeMicros(pages: number, n: number): number {
  const control = new Int32Array(new SharedArrayBuffer(8));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(
    `const { workerData } = require('node:worker_threads');
     const { port, control } = workerData;
     const c = new Int32Array(control);
     port.on('message', (m) => { port.postMessage(m); Atomics.add(c, 0, 1); Atomics.notify(c, 0); });`,
    { eval: true, workerData: { port: port2, control: control.buffer }, transferList: [port2] },
  );
  const batch = Array.from({ length: pages }, (_, i) => page(i));
  const times = latencies(n, () => {
    const seen = Atomics.load(control, 0);
    port1.postMessage(batch);
    while (Atomics.load(control, 0) === seen) Atomics.wait(control, 0, seen, 1000);
    let r = receiveMessageOnPort(port1);
    while (r === undefined) r = receiveMessageOnPort(port1);
  });
  void worker.terminate();
  port1.close();
  return median(times);
}

try {
  const native16 = redisBenchmark(DEPTH);
  const native1 = redisBenchmark(1);
  const native16c1 = redisBenchmark(DEPTH, 1);
  const native1c1 = redisBenchmark(1, 1);
  server.cli(['flushall']);

  const slots = 1 << 14;
  const dev = createRedisDevice({ device: 'bench', slots, url: server.url, maxBatch: 256 });
  const pages = Array.from({ length: DEPTH }, (_, i) => page(i));
  const batchSlots = new Uint32Array(DEPTH);
  const out = new Uint8Array(DEPTH * PAGE);
  const lengths = new Uint32Array(DEPTH);
  const batches = N / DEPTH;
  // Warm-up, and every slot written once so that reads find pages.
  for (let b = 0; b < slots / DEPTH; b++) {
    for (let i = 0; i < DEPTH; i++) batchSlots[i] = b * DEPTH + i;
    dev.writeBatch(batchSlots, pages);
  }
  let t = performance.now();
  for (let b = 0; b < batches; b++) {
    const base = (b * DEPTH) % slots;
    for (let i = 0; i < DEPTH; i++) batchSlots[i] = base + i;
    dev.writeBatch(batchSlots, pages);
  }
  const writeRate = N / ((performance.now() - t) / 1000);
  t = performance.now();
  for (let b = 0; b < batches; b++) {
    const base = (b * DEPTH * 7) % slots;
    for (let i = 0; i < DEPTH; i++) batchSlots[i] = base + i;
    dev.readBatch(batchSlots, out, lengths);
  }
  const readRate = N / ((performance.now() - t) / 1000);

  const one = new Uint8Array(PAGE);
  const readP50 = median(latencies(LAT_N, (i) => dev.read((i * 7919) % slots, one)));
  const writeP50 = median(
    latencies(LAT_N, (i) => dev.write((i * 7919) % slots, pages[i % DEPTH]!)),
  );
  const bridgeP50 = median(latencies(LAT_N, () => dev.roundTrip('bridge')));
  const pingP50 = median(latencies(LAT_N, () => dev.roundTrip('ping')));

  const client = new Redis({ host: '127.0.0.1', port });
  await client.set('inproc', Buffer.from(page(1)));
  const inPing = median(await asyncLatencies(LAT_N, () => client.ping()));
  const inGet = median(await asyncLatencies(LAT_N, () => client.getBuffer('inproc')));
  const keys = Array.from({ length: DEPTH }, (_, i) => `tierswap:{bench}:${i}`);
  const t2 = performance.now();
  for (let b = 0; b < batches; b++) await client.mgetBuffer(...keys);
  const inMgetRate = N / ((performance.now() - t2) / 1000);
  const msetArgs: (string | Buffer)[] = [];
  for (let i = 0; i < DEPTH; i++) msetArgs.push(`inproc:${i}`, Buffer.from(pages[i]!));
  const t3 = performance.now();
  for (let b = 0; b < batches; b++) await client.mset(...msetArgs);
  const inMsetRate = N / ((performance.now() - t3) / 1000);
  client.disconnect();
  const stats = dev.stats();
  dev.close();

  const clone1 = cloneBridgeMicros(1, LAT_N / 4);
  const clone16 = cloneBridgeMicros(DEPTH, LAT_N / 4);

  const r = (x: number, d = 2) => Number(x.toFixed(d));
  const tables = [
    {
      title: `Throughput, 4 KiB pages, depth ${DEPTH} (pages/s)`,
      rows: [
        { what: `redis-benchmark SET -P ${DEPTH} (50 clients)`, 'pages/s': r(native16.setRps, 0) },
        { what: `redis-benchmark GET -P ${DEPTH} (50 clients)`, 'pages/s': r(native16.getRps, 0) },
        { what: `redis-benchmark SET -P ${DEPTH} -c 1`, 'pages/s': r(native16c1.setRps, 0) },
        { what: `redis-benchmark GET -P ${DEPTH} -c 1`, 'pages/s': r(native16c1.getRps, 0) },
        { what: `device writeBatch(${DEPTH})`, 'pages/s': r(writeRate, 0) },
        { what: `device readBatch(${DEPTH})`, 'pages/s': r(readRate, 0) },
        {
          what: `ioredis MSET ${DEPTH} in-process (no worker, no checks)`,
          'pages/s': r(inMsetRate, 0),
        },
        {
          what: `ioredis MGET ${DEPTH} in-process (no worker, no checks)`,
          'pages/s': r(inMgetRate, 0),
        },
      ],
    },
    {
      title: 'Latency of one call, p50 (us)',
      rows: [
        { what: 'redis-benchmark GET -P 1 (50 clients)', us: r(native1.getP50, 1) },
        { what: 'redis-benchmark SET -P 1 (50 clients)', us: r(native1.setP50, 1) },
        { what: 'redis-benchmark GET -P 1 -c 1', us: r(native1c1.getP50, 1) },
        { what: 'device read (one page)', us: r(readP50, 1) },
        { what: 'device write (one page)', us: r(writeP50, 1) },
        { what: 'ioredis GET in-process (awaited)', us: r(inGet, 1) },
        { what: 'ioredis PING in-process (awaited)', us: r(inPing, 1) },
        { what: 'device PING through the bridge', us: r(pingP50, 1) },
        { what: 'bridge alone (shared memory, no Redis)', us: r(bridgeP50, 1) },
        { what: 'bridge by structured clone, 1 page (no Redis)', us: r(clone1, 1) },
        { what: `bridge by structured clone, ${DEPTH} pages (no Redis)`, us: r(clone16, 1) },
      ],
    },
  ];
  const goals: BenchGoal[] = [
    {
      goal: `writeBatch(${DEPTH}) >= 0.8x redis-benchmark SET -P ${DEPTH}`,
      measured: `${r(writeRate / native16.setRps)}x (${r(writeRate / native16c1.setRps)}x of -c 1)`,
      met: writeRate >= 0.8 * native16.setRps,
    },
    {
      goal: `readBatch(${DEPTH}) >= 0.8x redis-benchmark GET -P ${DEPTH}`,
      measured: `${r(readRate / native16.getRps)}x (${r(readRate / native16c1.getRps)}x of -c 1)`,
      met: readRate >= 0.8 * native16.getRps,
    },
    {
      goal: 'single-page read p50 <= 1.5x redis-benchmark GET -P 1 p50',
      measured: `${r(readP50 / native1.getP50)}x (${r(readP50 / native1c1.getP50)}x of -c 1)`,
      met: readP50 <= 1.5 * native1.getP50,
    },
  ];
  for (const tb of tables) {
    console.log(`\n${tb.title}`);
    console.table(tb.rows);
  }
  console.log('\nGoals');
  console.table(goals);
  console.log(`device stats: ${JSON.stringify(stats)}`);
  const written = saveBenchRecord(join(import.meta.dirname, '..'), {
    name: 'redis-device',
    quick,
    tables,
    goals,
    notes: [
      `redis-server ${execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).split(' ')[2]}, loopback, no persistence; ${N} operations per redis-benchmark run and per device throughput run`,
      'the device is one synchronous client: a batch waits for its reply before the next is sent',
      `load average at the start: ${startLoad}`,
    ],
  });
  console.log(`\nsaved ${written.join(', ')}`);
} finally {
  server.stop();
}
