/**
 * RedisDevice against redis-benchmark on the same local server, one run.
 *
 * The native limit is `redis-benchmark -t set,get -d 4096 -P 16 -q` (and `-P 1`)
 * against the server this bench starts, with one client (`-c 1`: one synchronous
 * device is one client, so this is the like-for-like limit the goals are judged on) and
 * with its default 50 clients (reported). The machine is shared and noisy, so the
 * throughput pairs run in ROUNDS rounds, each redis-benchmark run followed at once by
 * the device's run, and the ratio reported is the median of the rounds' ratios.
 * Measured through the device: writeBatch / readBatch of 16 pages of 4 KiB (pages/s),
 * single-page read and write latency (p50) and a PING. For comparison, the same MSET,
 * MGET, GET and PING awaited in-process on ioredis, a well-kept asynchronous client
 * (what the device ran on before: docs/redis-tier-performance.md).
 *
 * Over TLS too, reported without a goal: a second server with a TLS port (certificates
 * from src/testing/tlsFixture.ts), the device on `rediss://` with the test CA, in the
 * same rounds against `redis-benchmark --tls -c 1 -P 16` on that port.
 *
 * `--quick` runs a smoke test (fewer operations, saved to bench-results only).
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { BenchGoal } from '@tierswap/bench-kit';
import { median, saveBenchRecord } from '@tierswap/bench-kit';
import { Redis } from 'ioredis';
import { createRedisDevice, type RedisDevice } from '../src/index.js';
import { makeTlsFixture } from '../src/testing/tlsFixture.js';
import { freePort, startRedisServer } from '../src/testing.js';

const quick = process.argv.includes('--quick');
const PAGE = 4096;
const DEPTH = 16;
const N = quick ? 8_000 : 64_000;
const LAT_N = quick ? 2_000 : 20_000;
const ROUNDS = quick ? 1 : 5;

const startLoad = loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');
const server = await startRedisServer();
const port = server.port;
const certs = makeTlsFixture();
const tlsPort = await freePort();
// Its plain port serves redis-cli; the bench's clients use the TLS one.
const tlsServer = await startRedisServer({ args: certs.serverArgs(tlsPort, 'no') });

interface Native {
  setRps: number;
  getRps: number;
  setP50: number;
  getP50: number;
}

/**
 * redis-benchmark -q prints `SET: 208333.34 requests per second, p50=1.855 msec`.
 * `tls`: against the TLS server's TLS port, verifying it against the test CA.
 */
function redisBenchmark(pipeline: number, clients?: number, n = N, tls = false): Native {
  const args = [
    '-p',
    String(tls ? tlsPort : port),
    ...(tls ? ['--tls', '--cacert', certs.files.ca] : []),
    '-t',
    'set,get',
    '-d',
    String(PAGE),
    '-P',
    String(pipeline),
    '-q',
    '-n',
    String(n),
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

const slots = 1 << 14;
const pages = Array.from({ length: DEPTH }, (_, i) => page(i));
const batches = N / DEPTH;

/** Writes every slot once: a warm-up, and pages for the reads to find. */
function fill(dev: RedisDevice): void {
  const batchSlots = new Uint32Array(DEPTH);
  for (let b = 0; b < slots / DEPTH; b++) {
    for (let i = 0; i < DEPTH; i++) batchSlots[i] = b * DEPTH + i;
    dev.writeBatch(batchSlots, pages);
  }
}

interface Throughput {
  native16c1: Native;
  writeRate: number;
  readRate: number;
  /** Median over the rounds of each round's device / redis-benchmark ratio. */
  writeRatio: number;
  readRatio: number;
}

/**
 * ROUNDS rounds of: redis-benchmark -P 16 -c 1 (`native`), then at once N pages through
 * the device's writeBatch(16) and N through its readBatch(16).
 */
function throughputRounds(dev: RedisDevice, native: () => Native): Throughput {
  const batchSlots = new Uint32Array(DEPTH);
  const out = new Uint8Array(DEPTH * PAGE);
  const lengths = new Uint32Array(DEPTH);
  const rounds: { native: Native; writeRate: number; readRate: number }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const nat = native();
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
    rounds.push({ native: nat, writeRate, readRate });
  }
  return {
    native16c1: {
      setRps: median(rounds.map((x) => x.native.setRps)),
      getRps: median(rounds.map((x) => x.native.getRps)),
      setP50: median(rounds.map((x) => x.native.setP50)),
      getP50: median(rounds.map((x) => x.native.getP50)),
    },
    writeRate: median(rounds.map((x) => x.writeRate)),
    readRate: median(rounds.map((x) => x.readRate)),
    writeRatio: median(rounds.map((x) => x.writeRate / x.native.setRps)),
    readRatio: median(rounds.map((x) => x.readRate / x.native.getRps)),
  };
}

try {
  const native16 = redisBenchmark(DEPTH);
  const native1 = redisBenchmark(1);
  server.cli(['flushall']);

  const dev = createRedisDevice({ device: 'bench', slots, url: server.url, maxBatch: 256 });
  fill(dev);
  const { native16c1, writeRate, readRate, writeRatio, readRatio } = throughputRounds(dev, () =>
    redisBenchmark(DEPTH, 1),
  );

  // The same over TLS, on the TLS server (report only, no goal).
  tlsServer.cli(['flushall']);
  const tlsDev = createRedisDevice({
    device: 'bench-tls',
    slots,
    url: `rediss://127.0.0.1:${tlsPort}`,
    tls: { ca: certs.pem.ca },
    maxBatch: 256,
  });
  fill(tlsDev);
  const tls = throughputRounds(tlsDev, () => redisBenchmark(DEPTH, 1, N, true));
  tlsDev.close();

  // Latency in rounds too: redis-benchmark's one-client GET p50, then the device's
  // one-page read p50, the ratio per round; the median of the ratios is the goal's.
  const one = new Uint8Array(PAGE);
  const latRounds: { native: number; device: number }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const native = redisBenchmark(1, 1, LAT_N).getP50;
    const device = median(
      latencies(LAT_N / ROUNDS, (i) => dev.read(((round * LAT_N + i) * 7919) % slots, one)),
    );
    latRounds.push({ native, device });
  }
  const readP50 = median(latRounds.map((x) => x.device));
  const getP50c1 = median(latRounds.map((x) => x.native));
  const readLatRatio = median(latRounds.map((x) => x.device / x.native));
  const writeP50 = median(
    latencies(LAT_N, (i) => dev.write((i * 7919) % slots, pages[i % DEPTH]!)),
  );
  const pingP50 = median(latencies(LAT_N, () => dev.ping()));

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
          what: `redis-benchmark SET -P ${DEPTH} -c 1 (TLS)`,
          'pages/s': r(tls.native16c1.setRps, 0),
        },
        { what: `device writeBatch(${DEPTH}) (TLS)`, 'pages/s': r(tls.writeRate, 0) },
        {
          what: `redis-benchmark GET -P ${DEPTH} -c 1 (TLS)`,
          'pages/s': r(tls.native16c1.getRps, 0),
        },
        { what: `device readBatch(${DEPTH}) (TLS)`, 'pages/s': r(tls.readRate, 0) },
        {
          what: `ioredis MSET ${DEPTH} in-process (awaited, no checks)`,
          'pages/s': r(inMsetRate, 0),
        },
        {
          what: `ioredis MGET ${DEPTH} in-process (awaited, no checks)`,
          'pages/s': r(inMgetRate, 0),
        },
      ],
    },
    {
      title: 'Latency of one call, p50 (us)',
      rows: [
        { what: 'redis-benchmark GET -P 1 (50 clients)', us: r(native1.getP50, 1) },
        { what: 'redis-benchmark SET -P 1 (50 clients)', us: r(native1.setP50, 1) },
        { what: 'redis-benchmark GET -P 1 -c 1', us: r(getP50c1, 1) },
        { what: 'device read (one page)', us: r(readP50, 1) },
        { what: 'device write (one page)', us: r(writeP50, 1) },
        { what: 'device PING', us: r(pingP50, 1) },
        { what: 'ioredis GET in-process (awaited)', us: r(inGet, 1) },
        { what: 'ioredis PING in-process (awaited)', us: r(inPing, 1) },
      ],
    },
  ];
  const goals: BenchGoal[] = [
    {
      goal: `writeBatch(${DEPTH}) >= 0.8x redis-benchmark SET -P ${DEPTH} -c 1`,
      measured: `${r(writeRatio)}x (median of ${ROUNDS} rounds; ${r(writeRate / native16.setRps)}x of 50 clients)`,
      met: writeRatio >= 0.8,
    },
    {
      goal: `readBatch(${DEPTH}) >= 0.8x redis-benchmark GET -P ${DEPTH} -c 1`,
      measured: `${r(readRatio)}x (median of ${ROUNDS} rounds; ${r(readRate / native16.getRps)}x of 50 clients)`,
      met: readRatio >= 0.8,
    },
    {
      goal: 'single-page read p50 <= 1.5x redis-benchmark GET -P 1 -c 1 p50',
      measured: `${r(readLatRatio)}x (median of ${ROUNDS} rounds; ${r(readP50 / native1.getP50)}x of 50 clients)`,
      met: readLatRatio <= 1.5,
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
      'the device is one synchronous client: a batch waits for its reply before the next is sent, so redis-benchmark -c 1 is the like-for-like limit; its default 50 clients are shown for scale',
      `TLS (report only, no goal): a second server's TLS port, the device on rediss:// verifying the test CA, redis-benchmark --tls --cacert; writeBatch(${DEPTH}) ${r(tls.writeRatio)}x and readBatch(${DEPTH}) ${r(tls.readRatio)}x of redis-benchmark -P ${DEPTH} -c 1 over TLS (median of ${ROUNDS} rounds' ratios)`,
      `load average at the start: ${startLoad}`,
    ],
  });
  console.log(`\nsaved ${written.join(', ')}`);
} finally {
  server.stop();
  tlsServer.stop();
  certs.remove();
}
