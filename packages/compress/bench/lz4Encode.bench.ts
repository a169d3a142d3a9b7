/**
 * lz4Encode.bench.ts: the lz4 store path alone, per 4 KiB page, in one process: the
 * codec's two encoders (WebAssembly, lz4WasmEncoder.ts: copy in, compress in wasm
 * memory, return a view; lz4-napi compressSync: a fresh Buffer per page), each result
 * copied into one arena-like buffer as ZswapPool.store does, with native
 * `lz4 -b1 -B4096 -i1` on the same bytes as the reference, and the ratio of each.
 *
 * Why this shape: the question is which encoder zswap stores should use, so both run
 * through `Codec.compressSync` plus the copy the pool makes. Rounds are interleaved
 * (the order alternates every round) so other jobs on this shared machine slow both
 * alike; the table gives the median and the best round (the CLI reports its best
 * iteration, so the "vs native" column compares bests). Corpora are real: 8 MiB of the
 * node binary, 4 MiB of files under /usr/share, a V8 heap snapshot of this process and
 * this process's own anonymous memory read through /proc/self/mem.
 *
 * Run: pnpm --filter @tierswap/compress bench:lz4-encode
 */

import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filePages, heapSnapshotPages, NODE_BINARY, textPages } from '@tierswap/bench-kit';
import { createCodec } from '../src/createCodec.js';
import { isZeroPage } from '../src/samePage.js';
import type { Codec } from '../src/types.js';
import { nativeCli } from './nativeCli.js';

const PAGE = 4096;
const WARMUP_ROUNDS = 4;
const ROUNDS = 25;

/** Non-zero pages of this process's anonymous memory (private rw mappings and the heap). */
function procSelfPages(count: number): Uint8Array[] {
  const maps = readFileSync('/proc/self/maps', 'utf8').split('\n');
  const fd = openSync('/proc/self/mem', 'r');
  const out: Uint8Array[] = [];
  try {
    for (const line of maps) {
      const m = /^([0-9a-f]+)-([0-9a-f]+) rw-p \S+ \S+ \d+\s*(.*)$/.exec(line);
      if (m === null) continue;
      const path = m[3] ?? '';
      if (path !== '' && path !== '[heap]') continue;
      const end = Number.parseInt(m[2]!, 16);
      for (let a = Number.parseInt(m[1]!, 16); a + PAGE <= end && out.length < count; a += PAGE) {
        const page = new Uint8Array(PAGE);
        let n = 0;
        try {
          n = readSync(fd, page, 0, PAGE, BigInt(a));
        } catch {
          break; // unreadable mapping: next one
        }
        if (n !== PAGE) break;
        if (!isZeroPage(page)) out.push(page);
      }
      if (out.length >= count) break;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

/** Compress every page once and copy it into `arena`; microseconds per page and bytes. */
function storeAll(
  codec: Codec,
  pages: readonly Uint8Array[],
  arena: Uint8Array,
): { us: number; bytes: number } {
  let at = 0;
  const t = performance.now();
  for (const p of pages) {
    const c = codec.compressSync(p);
    arena.set(c, at);
    at += c.length;
  }
  return { us: ((performance.now() - t) * 1000) / pages.length, bytes: at };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'tierswap-lz4-encode-bench-'));
  const r2 = (x: number): number => Math.round(x * 100) / 100;
  const r3 = (x: number): number => Math.round(x * 1000) / 1000;
  const rows: Record<string, string | number>[] = [];
  const subjects: { label: string; codec: Codec }[] = [
    { label: 'binding', codec: createCodec('lz4', { lz4Encoder: 'binding' }) },
    { label: 'wasm', codec: createCodec('lz4', { lz4Encoder: 'wasm' }) },
  ];
  try {
    const corpora = [
      { name: 'node binary 8 MiB', pages: filePages(NODE_BINARY, PAGE, 0, 2048) },
      { name: '/usr/share files 4 MiB', pages: textPages(1024, PAGE, '/usr/share') },
      { name: 'V8 heap snapshot', pages: heapSnapshotPages(2048) },
      { name: '/proc/self/mem', pages: procSelfPages(2048) },
    ];
    for (const c of corpora) {
      const file = join(dir, 'corpus.bin');
      writeFileSync(file, Buffer.concat(c.pages));
      const natives = [nativeCli('lz4', 1, file)];
      const arena = new Uint8Array(c.pages.length * (PAGE + 64));
      // Every encoder's pages must decode back before they are timed.
      const back = new Uint8Array(PAGE);
      for (const s of subjects) {
        for (const p of c.pages) {
          s.codec.decompressSync(s.codec.compressSync(p).slice(), back);
          if (Buffer.compare(back, p) !== 0) throw new Error(`${s.label}: ${c.name} differs`);
        }
      }
      const times = subjects.map((): number[] => []);
      const bytes = subjects.map(() => 0);
      for (let r = 0; r < WARMUP_ROUNDS + ROUNDS; r++) {
        for (let j = 0; j < subjects.length; j++) {
          const k = (j + r) % subjects.length;
          const m = storeAll(subjects[k]!.codec, c.pages, arena);
          bytes[k] = m.bytes;
          if (r >= WARMUP_ROUNDS) times[k]!.push(m.us);
        }
      }
      natives.push(nativeCli('lz4', 1, file));
      const native = Math.min(...natives.map((n) => n.compUs));
      const [bind, wasm] = times as [number[], number[]];
      const input = c.pages.length * PAGE;
      rows.push({
        corpus: c.name,
        pages: c.pages.length,
        'native ratio': natives[0]!.ratio,
        'wasm ratio': r3(input / bytes[1]!),
        'binding ratio': r3(input / bytes[0]!),
        'native us': r2(native),
        'wasm us (median / best)': `${r2(median(wasm))} / ${r2(Math.min(...wasm))}`,
        'binding us (median / best)': `${r2(median(bind))} / ${r2(Math.min(...bind))}`,
        'wasm vs binding (median)': r2(median(bind) / median(wasm)),
        'wasm vs native (best)': r2(native / Math.min(...wasm)),
        'binding vs native (best)': r2(native / Math.min(...bind)),
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const binding = subjects[0]!.codec.binding;
  console.log(
    `node ${process.version}; ${binding.name} ${binding.version}; ${ROUNDS} interleaved rounds after ${WARMUP_ROUNDS} warm-up; us per ${PAGE} B page (compress + copy into an arena); "vs" = other's time / this one's`,
  );
  console.table(rows);
  const outDir = join(import.meta.dirname, '..', 'bench-results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    join(outDir, 'lz4-encode.json'),
    JSON.stringify(
      { date: new Date().toISOString(), node: process.version, binding, rows },
      null,
      2,
    ),
  );
}

main();
