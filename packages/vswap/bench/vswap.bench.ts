/**
 * Benchmark: VirtualSwap's typed-array descriptors against one object per entry, in one run.
 *
 *   1. Bytes per live entry at 1 M and 10 M entries, counted two ways: the typed arrays the
 *      structure reports (memoryUsage()) and the process's own growth (V8 heap used +
 *      ArrayBuffer backing stores, after a full GC), for three populations:
 *        phys        every entry PHYS on one of 4 devices (the worst case: reverse map too)
 *        zswap       every entry ZSWAP (no physical slot, no reverse-map cell)
 *        phys-8memcgs   PHYS, 8 memcgs sharing one allocation stream: every cluster
 *                       names its 8 memcgs through its palette (no per-entry ids)
 *        phys-64memcgs  PHYS, 64 memcgs sharing one stream: every cluster meets more
 *                       than 8 memcgs and spills to per-entry memcg ids (+2 B)
 *      The object baseline is measured at 1 M only (at 10 M it needs ~2 GB of heap).
 *      Goal: <= 12 B per live entry including the reverse map.
 *   2. Operations per second on a population of 1 M live entries: alloc, lookup, transfer
 *      (ZSWAP <-> PHYS, with the reverse map and charge updates and the release callback)
 *      and put (to zero: the entry is freed and its backend released). Batches of both
 *      implementations are interleaved round by round (order alternating), the first round
 *      is a warm-up, and the median is reported, so the ratio holds on a shared machine.
 *
 * Run: npx -y pnpm@10.34.9 --filter @tierswap/vswap bench   (node --expose-gc is in the script)
 * Prints tables and saves them with saveBenchRecord: bench-results/vswap.json and a line in
 * docs/benchmarks/data/vswap.jsonl (the history; not with --quick).
 */

import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { median, rng, saveBenchRecord } from '@tierswap/bench-kit';
import {
  type BackendWord,
  createVirtualSwap,
  type DeviceId,
  type PhysSlot,
  physBackend,
  type SwapEntry,
  type VirtualSwap,
  type VswapRefusal,
  type ZswapHandle,
  zswapBackend,
} from '../src/index.js';
import { ObjectVirtualSwap } from './objectBaseline.js';

const quick = process.argv.includes('--quick');
const log = (msg: string) => process.stderr.write(`${msg}\n`);
const maybeGc = (globalThis as { gc?: () => void }).gc;
if (maybeGc === undefined) throw new Error('run node with --expose-gc (the bench script does)');
const gc: () => void = maybeGc;

const MEMCGS = 8;
const noop = () => {};

/** A refusal where the bench never expects one (cold: out of the measured loops' way). */
function refused(r: VswapRefusal): never {
  throw new Error(`vswap refused: ${r.code} (${r.reason})`);
}
function entryOf(r: SwapEntry | VswapRefusal): SwapEntry {
  return typeof r === 'number' ? r : refused(r);
}

const phys = (i: number) => physBackend((i & 3) as DeviceId, (i >>> 2) as PhysSlot);
const zswap = (i: number) => zswapBackend(i as ZswapHandle);

type Population = 'phys' | 'zswap' | 'phys-8memcgs' | 'phys-64memcgs';

function memcgsOf(kind: Population): number {
  return kind === 'phys-64memcgs' ? 64 : MEMCGS;
}

function backendFor(kind: Population, i: number): BackendWord {
  return kind === 'zswap' ? zswap(i) : phys(i);
}

// ---------------------------------------------------------------------------------------
// 1. Memory
// ---------------------------------------------------------------------------------------

function buildVswap(n: number, kind: Population): VirtualSwap {
  const shared = kind === 'phys-8memcgs' || kind === 'phys-64memcgs';
  const vs = createVirtualSwap({ streams: shared ? 1 : MEMCGS, onRelease: noop });
  const memcgs = memcgsOf(kind);
  for (let i = 0; i < n; i++) {
    const e = entryOf(vs.alloc(1 + (i % memcgs)));
    vs.transfer(e, backendFor(kind, i));
  }
  return vs;
}

function buildObjects(n: number, kind: Population): ObjectVirtualSwap {
  const vs = new ObjectVirtualSwap(noop);
  for (let i = 0; i < n; i++) {
    const e = vs.alloc(1 + (i % MEMCGS));
    vs.transfer(e, backendFor(kind, i));
  }
  return vs;
}

interface MemoryRow {
  impl: string;
  population: Population;
  entries: number;
  'typed B/entry': number | null;
  'process B/entry': number;
  'rss B/entry': number;
  'build s': number;
}

function measure<T>(
  impl: string,
  population: Population,
  n: number,
  build: () => T,
  tableBytes: (t: T) => number | null,
): MemoryRow {
  gc();
  gc();
  const m0 = process.memoryUsage();
  const t0 = performance.now();
  const built = build();
  const seconds = (performance.now() - t0) / 1000;
  gc();
  gc();
  const m1 = process.memoryUsage();
  const processBytes = m1.heapUsed - m0.heapUsed + (m1.arrayBuffers - m0.arrayBuffers);
  const typed = tableBytes(built);
  const row: MemoryRow = {
    impl,
    population,
    entries: n,
    'typed B/entry': typed === null ? null : +(typed / n).toFixed(2),
    'process B/entry': +(processBytes / n).toFixed(2),
    'rss B/entry': +((m1.rss - m0.rss) / n).toFixed(2),
    'build s': +seconds.toFixed(2),
  };
  log(`  ${impl} ${population} ${n}: ${row['process B/entry']} B/entry`);
  return row;
}

// ---------------------------------------------------------------------------------------
// 2. Throughput. One loop per implementation keeps each call site monomorphic.
// ---------------------------------------------------------------------------------------

const POP = quick ? 200_000 : 1_000_000;
const BATCH = quick ? 50_000 : 200_000;
const ROUNDS = quick ? 3 : 7;

interface Subject<T> {
  s: T;
  pop: Int32Array;
  /** Random positions into pop, shared by both implementations. */
  order: Int32Array;
  scratch: Int32Array;
  physNow: boolean;
}

// The vswap loops check every alloc() result for a Refusal, as every caller must: the
// check is part of what an operation costs.
function allocV(x: Subject<VirtualSwap>): number {
  const t0 = performance.now();
  for (let i = 0; i < BATCH; i++) {
    const e = x.s.alloc(1 + (i % MEMCGS));
    if (typeof e !== 'number') refused(e);
    x.scratch[i] = e;
  }
  const ms = performance.now() - t0;
  for (let i = 0; i < BATCH; i++) x.s.put(x.scratch[i]! as SwapEntry);
  return ms;
}
function allocO(x: Subject<ObjectVirtualSwap>): number {
  const t0 = performance.now();
  for (let i = 0; i < BATCH; i++) x.scratch[i] = x.s.alloc(1 + (i % MEMCGS));
  const ms = performance.now() - t0;
  for (let i = 0; i < BATCH; i++) x.s.put(x.scratch[i]! as SwapEntry);
  return ms;
}

function putV(x: Subject<VirtualSwap>): number {
  for (let i = 0; i < BATCH; i++) {
    const e = entryOf(x.s.alloc(1 + (i % MEMCGS)));
    x.s.transfer(e, zswap(i));
    x.scratch[i] = e;
  }
  const t0 = performance.now();
  for (let i = 0; i < BATCH; i++) x.s.put(x.scratch[i]! as SwapEntry);
  return performance.now() - t0;
}
function putO(x: Subject<ObjectVirtualSwap>): number {
  for (let i = 0; i < BATCH; i++) {
    const e = x.s.alloc(1 + (i % MEMCGS));
    x.s.transfer(e, zswap(i));
    x.scratch[i] = e;
  }
  const t0 = performance.now();
  for (let i = 0; i < BATCH; i++) x.s.put(x.scratch[i]! as SwapEntry);
  return performance.now() - t0;
}

let sink = 0;
function lookupV(x: Subject<VirtualSwap>): number {
  const t0 = performance.now();
  let acc = 0;
  for (let i = 0; i < BATCH; i++) acc += x.s.lookup(x.pop[x.order[i]!]! as SwapEntry);
  sink += acc;
  return performance.now() - t0;
}
function lookupO(x: Subject<ObjectVirtualSwap>): number {
  const t0 = performance.now();
  let acc = 0;
  for (let i = 0; i < BATCH; i++) acc += x.s.lookup(x.pop[x.order[i]!]! as SwapEntry);
  sink += acc;
  return performance.now() - t0;
}

/** ZSWAP -> PHYS on one batch, PHYS -> ZSWAP on the next (writeback, then a reload). */
function transferV(x: Subject<VirtualSwap>): number {
  const toPhys = !x.physNow;
  const t0 = performance.now();
  for (let i = 0; i < BATCH; i++) {
    const k = x.order[i]!;
    x.s.transfer(x.pop[k]! as SwapEntry, toPhys ? phys(k) : zswap(k));
  }
  const ms = performance.now() - t0;
  x.physNow = toPhys;
  return ms;
}
function transferO(x: Subject<ObjectVirtualSwap>): number {
  const toPhys = !x.physNow;
  const t0 = performance.now();
  for (let i = 0; i < BATCH; i++) {
    const k = x.order[i]!;
    x.s.transfer(x.pop[k]! as SwapEntry, toPhys ? phys(k) : zswap(k));
  }
  const ms = performance.now() - t0;
  x.physNow = toPhys;
  return ms;
}

function subject<
  T extends {
    alloc(m: number): SwapEntry | VswapRefusal;
    transfer(e: SwapEntry, b: BackendWord): unknown;
  },
>(s: T, order: Int32Array): Subject<T> {
  const pop = new Int32Array(POP);
  for (let i = 0; i < POP; i++) {
    pop[i] = entryOf(s.alloc(1 + (i % MEMCGS)));
    s.transfer(pop[i]! as SwapEntry, zswap(i));
  }
  return { s, pop, order, scratch: new Int32Array(BATCH), physNow: false };
}

// ---------------------------------------------------------------------------------------
// Run
// ---------------------------------------------------------------------------------------

log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'}${quick ? ' (quick)' : ''}`);

log('memory:');
const sizes = quick ? [200_000] : [1_000_000, 10_000_000];
const memory: MemoryRow[] = [];
for (const n of sizes) {
  for (const population of ['phys', 'zswap', 'phys-8memcgs', 'phys-64memcgs'] as const) {
    if (n > 1_000_000 && population !== 'phys' && population !== 'zswap') continue;
    memory.push(
      measure(
        'vswap',
        population,
        n,
        () => buildVswap(n, population),
        (vs) => {
          const m = vs.memoryUsage();
          return m.total;
        },
      ),
    );
  }
  if (n <= 1_000_000) {
    for (const population of ['phys', 'zswap'] as const) {
      memory.push(
        measure(
          'objects',
          population,
          n,
          () => buildObjects(n, population),
          () => null,
        ),
      );
    }
  }
}
gc();

log('throughput:');
const random = rng(42);
const order = new Int32Array(BATCH);
{
  // A random sample of distinct population positions (Fisher-Yates prefix).
  const perm = new Int32Array(POP);
  for (let i = 0; i < POP; i++) perm[i] = i;
  for (let i = 0; i < BATCH; i++) {
    const j = i + Math.floor(random() * (POP - i));
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
    order[i] = perm[i]!;
  }
}
const v = subject(createVirtualSwap({ streams: MEMCGS, onRelease: noop }), order);
const o = subject(new ObjectVirtualSwap(noop), order);

const cases = [
  ['alloc', allocV, allocO],
  ['lookup', lookupV, lookupO],
  ['transfer', transferV, transferO],
  ['put', putV, putO],
] as const;
const times = new Map<string, { v: number[]; o: number[] }>();
for (const [name] of cases) times.set(name, { v: [], o: [] });
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, fv, fo] of cases) {
    const t = times.get(name)!;
    // Alternate which implementation goes first; round 0 is the warm-up and is dropped.
    let a: number;
    let b: number;
    if (round % 2 === 0) {
      a = fv(v);
      b = fo(o);
    } else {
      b = fo(o);
      a = fv(v);
    }
    if (round > 0) {
      t.v.push(a);
      t.o.push(b);
    }
  }
}
v.s.verify();

const throughput = cases.map(([name]) => {
  const t = times.get(name)!;
  const vOps = BATCH / (median(t.v) / 1000);
  const oOps = BATCH / (median(t.o) / 1000);
  return {
    op: name,
    'vswap Mops/s': +(vOps / 1e6).toFixed(2),
    'objects Mops/s': +(oOps / 1e6).toFixed(2),
    'vswap/objects': +(vOps / oOps).toFixed(2),
  };
});

// RSS deltas stay in the JSON only: memory freed by an earlier measurement is reused, so
// they can even be negative.
console.table(memory.map(({ 'rss B/entry': _rss, ...row }) => row));
console.table(throughput);

const written = saveBenchRecord(join(import.meta.dirname, '..'), {
  name: 'vswap',
  quick,
  tables: [
    {
      title: 'bytes per live entry: typed arrays (memoryUsage) and process growth after GC',
      rows: memory.map((m) => ({ ...m })),
    },
    {
      title: `operations per second on ${POP} live entries, batches of ${BATCH}, median of ${ROUNDS - 1} rounds`,
      rows: throughput,
    },
  ],
  goals: [
    {
      goal: '<= 12 B per live PHYS entry (typed, 1 M entries, one memcg per stream)',
      measured: `${memory.find((m) => m.impl === 'vswap' && m.population === 'phys')?.['typed B/entry']} B`,
      met:
        (memory.find((m) => m.impl === 'vswap' && m.population === 'phys')?.['typed B/entry'] ??
          99) <= 12,
    },
  ],
  notes: [
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  ],
  raw: { sink },
});
log(`wrote ${written.join(', ')}`);
