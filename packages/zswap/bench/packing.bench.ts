/**
 * packing.bench.ts: how tightly the arena packs compressed pages, and why.
 *
 * For each corpus (8 MiB each: the node binary, this process's own anonymous memory
 * read through /proc/self/mem, text files under /usr/share, a V8 heap snapshot of this
 * process) and codec (lz4, zstd level 1), the pool is filled to 128 MiB and to 1 GiB of
 * original data with the corpus's real compressed results (replayed, so the fill takes
 * seconds), with 8-page zspages (the kernel's default CONFIG_ZSMALLOC_CHAIN_SIZE) and
 * with 16 (its maximum). Packing overhead = arena footprint / compressed bytes - 1,
 * counted as zram's mem_used_total / compr_data_size counts it: an object of at least
 * hugeClassSize takes a page alone, and zram stores such a page raw and counts it as
 * a page (zswap counts its real compressed size; that view is shown too).
 *
 * Two references beside each measurement:
 * - the running kernel's own zram (bench-kit's zramFill), filled with the same pages to
 *   the same size, when this machine allows it (root, zram, the codec): what the real
 *   zsmalloc makes of these bytes;
 * - the class-table bound: what the size classes alone cost for these sizes (each
 *   object takes pagesPerZspage * pageSize / objsPerZspage bytes of its class: the 16 B
 *   rounding plus its share of the zspage's unusable tail), with no partly filled
 *   zspage at all. The gap to it is the one partly filled zspage per class, which large
 *   pools amortize.
 *
 * Run: pnpm --filter @tierswap/zswap bench:packing (`--quick`: saved to bench-results only,
 * not the history).
 */

import { join } from 'node:path';
import {
  filePages,
  heapSnapshotPages,
  NODE_BINARY,
  procSelfPages,
  saveBenchRecord,
  textPages,
  type ZramMmStat,
  zramFill,
} from '@tierswap/bench-kit';
import { type Codec, createCodec } from '@tierswap/compress';
import { newBenchPool, replayCodec } from '../src/testing/fixtures.js';
import { ZsArena } from '../src/zsArena.js';

const PAGE = 4096;
const PAGES = 2048;

interface Packing {
  /** Footprint / compressed bytes - 1, in percent (zswap's view: every object at its size). */
  readonly pct: number;
  /** The same with objects >= hugeClassSize counted as a page, as zram's compr_data_size. */
  readonly zramPct: number;
  /** Bytes of zspages held, and compressed bytes counted as zram counts them. */
  readonly footprint: number;
  readonly zramCompressed: number;
}

/** Packing overhead of a pool of `scale` x the corpus (`sizes[i]` is page i's object). */
function measured(
  replay: Codec & { rewind(): void },
  pages: Uint8Array[],
  sizes: readonly number[],
  scale: number,
  chain: number,
): Packing {
  replay.rewind();
  const { pool, group } = newBenchPool(replay, chain);
  const huge = new ZsArena(PAGE, { chainSize: chain }).hugeClassSize;
  const n = pages.length * scale;
  let zramCompressed = 0;
  for (let i = 0; i < n; i++) {
    pool.store(i, group, pages[i % pages.length]!);
    const size = sizes[i % pages.length]!;
    zramCompressed += size >= huge ? PAGE : size;
  }
  const footprint = pool.stats().pool_total_size;
  return {
    pct: ((footprint - pool.compressedBytes) / pool.compressedBytes) * 100,
    zramPct: ((footprint - zramCompressed) / zramCompressed) * 100,
    footprint,
    zramCompressed,
  };
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
    // Counted as zram counts: a huge object as the page it takes.
    asked += size >= arena.hugeClassSize ? PAGE : size;
  }
  return (used / asked - 1) * 100;
}

/**
 * The running kernel's zram filled with the same pages to `pages` x `scale`: its
 * mem_used_total / compr_data_size - 1 in percent, or why it could not be measured.
 */
function kernelZram(pages: Uint8Array[], scale: number, codec: string): ZramMmStat | string {
  try {
    return zramFill(pages, pages.length * scale, codec);
  } catch (err) {
    return (err as Error).message;
  }
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
  const notes = new Set<string>();
  for (const c of corpora) {
    for (const codec of codecs) {
      const outs = c.pages.map((p) => codec.compress(p).slice());
      // What the pool stores compressed (raw pages are page-sized objects, not packing).
      const stored = outs.filter((o) => o.length < PAGE);
      const sizes = stored.map((o) => o.length);
      const keep = c.pages.filter((_, i) => outs[i]!.length < PAGE);
      const replay = replayCodec(codec, stored);
      const total = sizes.reduce((a, b) => a + b, 0);
      const huge8 = new ZsArena(PAGE).hugeClassSize;
      const mib128 = measured(replay, keep, sizes, Math.ceil(32768 / keep.length), 8);
      const gib8 = measured(replay, keep, sizes, Math.ceil(262144 / keep.length), 8);
      const gib16 = measured(replay, keep, sizes, Math.ceil(262144 / keep.length), 16);
      const zram128 = kernelZram(keep, Math.ceil(32768 / keep.length), codec.name);
      const zram1g = kernelZram(keep, Math.ceil(262144 / keep.length), codec.name);
      for (const z of [zram128, zram1g]) if (typeof z === 'string') notes.add(z);
      const pct = (z: ZramMmStat | string): number | string =>
        typeof z === 'string'
          ? '-'
          : r2(((z.memUsedTotal - z.comprDataSize) / z.comprDataSize) * 100);
      const vs = (ours: number, z: ZramMmStat | string, key: 'memUsedTotal' | 'comprDataSize') =>
        typeof z === 'string' ? '-' : Math.round((ours / z[key]) * 10000) / 10000;
      rows.push({
        corpus: c.name,
        codec: codec.level ? `${codec.name}-${codec.level}` : codec.name,
        ratio: r2((keep.length * PAGE) / total),
        'avg object B': Math.round(total / sizes.length),
        'huge %': r2((sizes.filter((s) => s >= huge8).length / sizes.length) * 100),
        '128 MiB %': r2(mib128.zramPct),
        'kernel zram 128 MiB %': pct(zram128),
        '1 GiB %': r2(gib8.zramPct),
        'kernel zram 1 GiB %': pct(zram1g),
        'compressed / kernel': vs(gib8.zramCompressed, zram1g, 'comprDataSize'),
        'memory used / kernel': vs(gib8.footprint, zram1g, 'memUsedTotal'),
        'class bound %': r2(classBound(sizes, 8)),
        '1 GiB, zswap view %': r2(gib8.pct),
        '1 GiB, 16-page %': r2(gib16.zramPct),
        'class bound, 16-page %': r2(classBound(sizes, 16)),
      });
    }
  }
  console.log(
    `node ${process.version}; ${PAGES} pages of ${PAGE} B per corpus; packing overhead = footprint / compressed - 1`,
  );
  console.table(rows);
  for (const n of notes) console.log(`kernel zram not measured: ${n}`);
  saveBenchRecord(join(import.meta.dirname, '..'), {
    name: 'packing',
    quick: process.argv.includes('--quick'),
    tables: [{ title: 'packing overhead (footprint / compressed - 1) against kernel zram', rows }],
    notes: [...notes].map((n) => `kernel zram not measured: ${n}`),
  });
}

await main();
