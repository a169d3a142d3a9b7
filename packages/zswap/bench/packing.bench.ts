/**
 * packing.bench.ts: how tightly the arena packs compressed pages, and why.
 *
 * For each corpus (8 MiB each: the node binary, this process's own anonymous memory
 * read through /proc/self/mem, text files under /usr/share, a V8 heap snapshot of this
 * process) and codec (lz4, zstd level 1), the pool is filled to 128 MiB and to 1 GiB of
 * original data with the corpus's real compressed results (replayed, so the fill takes
 * seconds), with 8-page zspages (the kernel's default CONFIG_ZSMALLOC_CHAIN_SIZE) and
 * with 16 (its maximum). Packing overhead = arena footprint / sum of compressed sizes
 * - 1, as zram's mem_used_total / compr_data_size.
 *
 * Next to each measurement, the class-table bound: what the size classes alone cost
 * for these sizes (each object takes pagesPerZspage * pageSize / objsPerZspage bytes of
 * its class: the 16 B rounding plus its share of the zspage's unusable tail), with no
 * partly filled zspage at all. A measurement at the bound means the arena wastes
 * nothing beyond what the kernel's class table itself implies; the remaining gap is
 * the one partly filled zspage per class, which large pools amortize.
 *
 * Run: pnpm --filter @tierswap/zswap bench:packing
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  filePages,
  heapSnapshotPages,
  NODE_BINARY,
  procSelfPages,
  textPages,
} from '@tierswap/bench-kit';
import { type Codec, createCodec } from '@tierswap/compress';
import { ZsArena } from '../src/zsArena.js';
import { newBenchPool, replayCodec } from './helpers.js';

const PAGE = 4096;
const PAGES = 2048;

/** Footprint over compressed bytes - 1, in percent, of a pool of `scale` x the corpus. */
function measured(
  replay: Codec & { rewind(): void },
  pages: Uint8Array[],
  scale: number,
  chain: number,
): number {
  replay.rewind();
  const pool = newBenchPool(replay, chain);
  const n = pages.length * scale;
  for (let i = 0; i < n; i++) pool.store(i, 1, pages[i % pages.length]!);
  return ((pool.stats().pool_total_size - pool.compressedBytes) / pool.compressedBytes) * 100;
}

/** The class table's own cost for these sizes, in percent (no partial zspages). */
function classBound(sizes: readonly number[], chain: number): number {
  const arena = new ZsArena(PAGE, { chainSize: chain });
  let used = 0;
  let asked = 0;
  for (const size of sizes) {
    const cls = arena.classOf(size);
    const pages = arena.classPages(cls);
    const objs = Math.floor((pages * PAGE) / arena.classSize(cls));
    used += (pages * PAGE) / objs;
    asked += size;
  }
  return (used / asked - 1) * 100;
}

async function main(): Promise<void> {
  const r2 = (x: number): number => Math.round(x * 100) / 100;
  const corpora = [
    { name: 'node binary', pages: filePages(NODE_BINARY, PAGE, 0, PAGES) },
    { name: '/proc/self/mem', pages: procSelfPages(PAGES) },
    { name: '/usr/share text', pages: textPages(PAGES, PAGE, '/usr/share') },
    { name: 'V8 heap snapshot', pages: heapSnapshotPages(PAGES) },
  ];
  const codecs = [createCodec('lz4'), createCodec('zstd', { level: 1 })];
  const rows: Record<string, string | number>[] = [];
  for (const c of corpora) {
    for (const codec of codecs) {
      const outs = (await codec.compressBatch(c.pages)).map((o) => o.slice());
      // What the pool stores compressed (raw pages are page-sized objects, not packing).
      const stored = outs.filter((o) => o.length < PAGE);
      const sizes = stored.map((o) => o.length);
      const keep = c.pages.filter((_, i) => outs[i]!.length < PAGE);
      const replay = replayCodec(codec, stored);
      const total = sizes.reduce((a, b) => a + b, 0);
      rows.push({
        corpus: c.name,
        codec: codec.level ? `${codec.name}-${codec.level}` : codec.name,
        ratio: r2((keep.length * PAGE) / total),
        'avg object B': Math.round(total / sizes.length),
        '128 MiB, chain 8 %': r2(measured(replay, keep, Math.ceil(32768 / keep.length), 8)),
        '1 GiB, chain 8 %': r2(measured(replay, keep, Math.ceil(262144 / keep.length), 8)),
        'class bound, chain 8 %': r2(classBound(sizes, 8)),
        '1 GiB, chain 16 %': r2(measured(replay, keep, Math.ceil(262144 / keep.length), 16)),
        'class bound, chain 16 %': r2(classBound(sizes, 16)),
      });
    }
  }
  console.log(
    `node ${process.version}; ${PAGES} pages of ${PAGE} B per corpus; packing overhead = footprint / compressed - 1`,
  );
  console.table(rows);
  const outDir = join(import.meta.dirname, '..', 'bench-results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    join(outDir, 'packing.json'),
    JSON.stringify({ date: new Date().toISOString(), node: process.version, rows }, null, 2),
  );
}

await main();
