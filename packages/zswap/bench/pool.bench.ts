/**
 * pool.bench.ts: the zswap pool against the native CLIs on the same bytes.
 *
 * What it measures, per corpus (8 MiB of the node binary; 8 MiB of this process's own
 * anonymous memory read through /proc/self/mem) and per codec (lz4 and zstd level 1
 * through the system's libraries, page by page):
 * - native `lz4 -b1 -B4096 -i1 FILE` / `zstd -b1 -B4096 -i1 FILE` (each 4 KiB block
 *   compressed independently), run twice, interleaved with the JS rounds, best kept;
 * - the codec alone, the pool's store and load (same pages, fresh pool per round), and
 *   the pool with a replay codec that returns precomputed results: the time the store
 *   path spends outside the codec;
 * - p50 / p99 of single store and load calls (page by page codecs);
 * - metadata bytes per entry on a pool of 128 MiB of original data (the corpus's
 *   compressed results replayed 16 times). Packing has its own bench
 *   (packing.bench.ts).
 * Ratios are "native time per page / ours", so 1.0 means as fast as the CLI. The
 * record is saved with saveBenchRecord (docs/benchmarks/data/zswap.jsonl).
 *
 * Run: pnpm --filter @tierswap/zswap bench (node --conditions=@tierswap/source --import tsx).
 * `--quick` runs a smoke test (fewer rounds, saved to bench-results only, not the history).
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  best,
  filePages,
  type Native,
  NODE_BINARY,
  nativeCli,
  procSelfPages,
  saveBenchRecord,
} from '@tierswap/bench-kit';
import { type Codec, createCodec } from '@tierswap/compress';
import type { GroupId } from '@tierswap/memcg';
import type { ZswapPool } from '../src/index.js';
import { newBenchPool, replayCodec } from '../src/testing/fixtures.js';

/** The bench pool and its group. */
function newPool(codec: Codec): { pool: ZswapPool; g: GroupId } {
  const { pool, group } = newBenchPool(codec);
  return { pool, g: group };
}

const PAGE = 4096;
const PAGES = 2048; // 8 MiB per corpus
const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 2 : 12;
const LATENCY_PASSES = quick ? 1 : 5;

/** Native CLI benchmark at level 1 (`lz4 -b1` / `zstd -b1`, 4 KiB blocks). */
function cli(tool: 'lz4' | 'zstd', file: string): Native {
  return nativeCli(tool, 1, file);
}

/**
 * The store path without compression: a fresh pool (zspages allocated as it fills),
 * then the same pool refilled after invalidating everything (zspage memory reused).
 */
function replayRound(replay: Codec & { rewind(): void }, pages: Uint8Array[]): [number, number] {
  replay.rewind();
  const { pool, g } = newPool(replay);
  let t = performance.now();
  for (let i = 0; i < pages.length; i++) pool.store(i, g, pages[i]!);
  const cold = usPerPage(t, pages.length);
  for (let i = 0; i < pages.length; i++) pool.invalidate(i);
  replay.rewind();
  t = performance.now();
  for (let i = 0; i < pages.length; i++) pool.store(i, g, pages[i]!);
  return [cold, usPerPage(t, pages.length)];
}

function usPerPage(t0: number, n: number): number {
  return ((performance.now() - t0) * 1000) / n;
}

interface Row {
  corpus: string;
  codec: string;
  binding: string;
  ratio: number;
  nativeRatio: number;
  nativeStoreUs: number;
  codecCompUs: number;
  poolStoreUs: number;
  storeVsNative: number;
  storeOutsideCodecUs: number;
  storeOutsideCodecWarmUs: number;
  nativeLoadUs: number;
  codecDecompUs: number;
  poolLoadUs: number;
  loadVsNative: number;
  loadOutsideCodecUs: number;
  /** Per-call latency percentiles (page by page codecs only). */
  storeP50Us: number | string;
  storeP99Us: number | string;
  loadP50Us: number | string;
  loadP99Us: number | string;
  entryBytes: number;
  indexBytes: number;
  arenaMetaBytes: number;
  metadataBytesPerEntry: number;
}

/** One round's timings, us per page: codec alone, pool, and the store path outside the codec. */
interface RoundTimes {
  comp: number;
  decomp: number;
  store: number;
  load: number;
  replay: number;
  replayWarm: number;
}

/** Each timing's best over the kept rounds. */
function bestOf(rounds: readonly RoundTimes[]): RoundTimes {
  const of = (k: keyof RoundTimes): number => best(rounds.map((r) => r[k]));
  return {
    comp: of('comp'),
    decomp: of('decomp'),
    store: of('store'),
    load: of('load'),
    replay: of('replay'),
    replayWarm: of('replayWarm'),
  };
}

/** A synchronous codec (lz4; zstd through libzstd): store and load page by page. */
async function benchSync(
  codec: Codec,
  pages: Uint8Array[],
  native: Native,
  corpus: string,
): Promise<Row> {
  const outs = pages.map((p) => codec.compress(p).slice());
  const replay = replayCodec(codec, outs);
  const kept: RoundTimes[] = [];
  const page = new Uint8Array(PAGE);
  for (let r = 0; r < ROUNDS + 2; r++) {
    let t = performance.now();
    for (const p of pages) codec.compress(p);
    const c = usPerPage(t, pages.length);
    t = performance.now();
    // The pool's own decode path: in place, from a range.
    for (const o of outs) codec.decodeInto(o, 0, o.length, page, 0);
    const d = usPerPage(t, pages.length);
    const { pool, g } = newPool(codec);
    t = performance.now();
    for (let i = 0; i < pages.length; i++) pool.store(i, g, pages[i]!);
    const s = usPerPage(t, pages.length);
    t = performance.now();
    for (let i = 0; i < pages.length; i++) pool.load(i, page);
    const l = usPerPage(t, pages.length);
    const [rs, rw] = replayRound(replay, pages);
    if (r >= 2) kept.push({ comp: c, decomp: d, store: s, load: l, replay: rs, replayWarm: rw });
  }
  return row(corpus, codec, pages, outs, native, bestOf(kept), latencies(codec, pages));
}

/**
 * p50 / p99 of single store and load calls (performance.now() around each, ~0.05 us of
 * its own), over LATENCY_PASSES fresh pools: the anchors' in-process load latency goal
 * (lz4 p50 <= 3 us, p99 <= 10 us; zstd <= 8 / 20 us; kernel zram 1.71 / 3.6 us for lz4).
 */
function latencies(
  codec: Codec,
  pages: Uint8Array[],
): Pick<Row, 'storeP50Us' | 'storeP99Us' | 'loadP50Us' | 'loadP99Us'> {
  const st: number[] = [];
  const ld: number[] = [];
  const page = new Uint8Array(PAGE);
  for (let pass = 0; pass < LATENCY_PASSES; pass++) {
    const { pool, g } = newPool(codec);
    for (let i = 0; i < pages.length; i++) {
      const t = performance.now();
      pool.store(i, g, pages[i]!);
      st.push((performance.now() - t) * 1000);
    }
    for (let i = 0; i < pages.length; i++) {
      const t = performance.now();
      pool.load(i, page);
      ld.push((performance.now() - t) * 1000);
    }
  }
  const q = (xs: number[], p: number): number => {
    xs.sort((a, b) => a - b);
    return Math.round(xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]! * 100) / 100;
  };
  return {
    storeP50Us: q(st, 0.5),
    storeP99Us: q(st, 0.99),
    loadP50Us: q(ld, 0.5),
    loadP99Us: q(ld, 0.99),
  };
}

/** Metadata on a pool of `scale` x the corpus (replayed compressed results). */
function atScale(
  base: Codec,
  pages: Uint8Array[],
  outs: Uint8Array[],
  scale: number,
): { entryB: number; indexB: number; arenaB: number; totalB: number } {
  const replay = replayCodec(base, outs);
  const { pool, g } = newPool(replay);
  const n = pages.length * scale;
  for (let i = 0; i < n; i++) pool.store(i, g, pages[i % pages.length]!);
  const m = pool.metadataBytes();
  return {
    entryB: m.entryArrays / n,
    indexB: m.index / n,
    arenaB: m.arena / n,
    totalB: (m.entryArrays + m.index + m.arena + m.memcgTable) / n,
  };
}

function row(
  corpus: string,
  codec: Codec,
  pages: Uint8Array[],
  outs: Uint8Array[],
  native: Native,
  m: RoundTimes,
  lat?: Pick<Row, 'storeP50Us' | 'storeP99Us' | 'loadP50Us' | 'loadP99Us'>,
): Row {
  let total = 0;
  for (const o of outs) total += o.length;
  const r2 = (x: number) => Math.round(x * 100) / 100;
  const sc = atScale(codec, pages, outs, 16);
  return {
    corpus,
    codec: codec.level ? `${codec.name}-${codec.level}` : codec.name,
    binding: `${codec.binding.name}@${codec.binding.version}`,
    ratio: r2((pages.length * PAGE) / total),
    nativeRatio: native.ratio,
    nativeStoreUs: r2(native.compUs),
    codecCompUs: r2(m.comp),
    poolStoreUs: r2(m.store),
    storeVsNative: r2(native.compUs / m.store),
    storeOutsideCodecUs: r2(m.replay),
    storeOutsideCodecWarmUs: r2(m.replayWarm),
    nativeLoadUs: r2(native.decompUs),
    codecDecompUs: r2(m.decomp),
    poolLoadUs: r2(m.load),
    loadVsNative: r2(native.decompUs / m.load),
    loadOutsideCodecUs: r2(Math.max(0, m.load - m.decomp)),
    storeP50Us: lat?.storeP50Us ?? '-',
    storeP99Us: lat?.storeP99Us ?? '-',
    loadP50Us: lat?.loadP50Us ?? '-',
    loadP99Us: lat?.loadP99Us ?? '-',
    entryBytes: r2(sc.entryB),
    indexBytes: r2(sc.indexB),
    arenaMetaBytes: r2(sc.arenaB),
    metadataBytesPerEntry: r2(sc.totalB),
  };
}

async function main(): Promise<void> {
  // Give the heap some real content before sampling our own memory.
  const junk: unknown[] = [];
  for (let i = 0; i < 200_000; i++)
    junk.push({ i, s: `entry-${i}-${(i * 7919) % 1000}`, a: [i, i * 2] });
  const corpora: { name: string; pages: Uint8Array[] }[] = [
    { name: 'node-binary', pages: filePages(NODE_BINARY, PAGE, 0, PAGES) },
    { name: 'proc-self-mem', pages: procSelfPages(PAGES) },
  ];
  junk.length = 0;
  const dir = mkdtempSync(join(tmpdir(), 'tierswap-zswap-bench-'));
  const rows: Row[] = [];
  try {
    for (const c of corpora) {
      const file = join(dir, `${c.name}.bin`);
      writeFileSync(file, Buffer.concat(c.pages));
      const lz4a = cli('lz4', file);
      const zstda = cli('zstd', file);
      const l = await benchSync(createCodec('lz4'), c.pages, lz4a, c.name);
      const z = await benchSync(createCodec('zstd', { level: 1 }), c.pages, zstda, c.name);
      const lz4b = cli('lz4', file);
      const zstdb = cli('zstd', file);
      const bestNative = (a: Native, b: Native): Native => ({
        ratio: a.ratio,
        compUs: Math.min(a.compUs, b.compUs),
        decompUs: Math.min(a.decompUs, b.decompUs),
      });
      const zstdBest = bestNative(zstda, zstdb);
      rows.push(fixNative(l, bestNative(lz4a, lz4b)), fixNative(z, zstdBest));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `node ${process.version}; ${PAGES} pages of ${PAGE} B per corpus; best of ${ROUNDS} rounds`,
  );
  console.table(rows);
  saveBenchRecord(join(import.meta.dirname, '..'), {
    name: 'pool',
    quick,
    tables: [
      {
        title: 'pool store/load vs the native lz4/zstd CLIs (us per page; ratio = native / ours)',
        rows: rows.map((r) => ({ ...r })),
      },
    ],
  });
}

function fixNative(r: Row, n: Native): Row {
  const r2 = (x: number) => Math.round(x * 100) / 100;
  return {
    ...r,
    nativeStoreUs: r2(n.compUs),
    nativeLoadUs: r2(n.decompUs),
    storeVsNative: r2(n.compUs / r.poolStoreUs),
    loadVsNative: r2(n.decompUs / r.poolLoadUs),
  };
}

await main();
