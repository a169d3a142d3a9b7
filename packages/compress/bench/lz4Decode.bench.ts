/**
 * lz4Decode.bench.ts: the lz4 load path alone, per 4 KiB page, in one process: the
 * codec's four decoders (native: the system's liblz4 through our addon, straight from
 * the arena into its scratch page and one copy out; WebAssembly, lz4Wasm.ts: copy in,
 * decode in wasm memory, copy out; lz4-napi uncompressSync, then a copy into the page;
 * TypeScript, lz4Block.ts, straight into the page), on the same compressed pages, with
 * the native `lz4 -b1 -B4096 -i1` on the same bytes as the reference.
 *
 * Why this shape: the question is which decoder zswap loads should use, so all run
 * through `Codec.decompressRange` from one arena-like buffer into one page, as
 * ZswapPool.load does. Rounds are interleaved (the order rotates every round) so that
 * the other jobs on this shared machine slow every subject alike; the table gives the
 * median of the rounds and the best one (the CLI reports its best iteration, so the
 * "vs native" columns compare bests). Corpora are real: 8 MiB of the node binary,
 * 4 MiB of files under /usr/share, and a V8 heap snapshot of this process.
 *
 * Run: pnpm --filter @tierswap/compress bench:lz4-decode
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  filePages,
  heapSnapshotPages,
  median,
  NODE_BINARY,
  nativeCli,
  textPages,
} from '@tierswap/bench-kit';
import { createCodec } from '../src/createCodec.js';
import { loadLz4 } from '../src/loadBinding.js';
import { loadLz4Native } from '../src/lz4Native.js';
import type { Codec } from '../src/types.js';

const PAGE = 4096;
const WARMUP_ROUNDS = 4;
const ROUNDS = 25;

/** Compressed pages laid end to end in one buffer, as in a zswap arena. */
interface Packed {
  arena: Uint8Array;
  /** Page i is arena[starts[i], starts[i + 1]). */
  starts: Int32Array;
}

/** Pack the pages as zswap stores them: compressed by the default (liblz4) encoder. */
function pack(pages: readonly Uint8Array[]): Packed {
  const lz4 = createCodec('lz4');
  const comps = pages.map((p) => lz4.compressSync(p).slice());
  const starts = new Int32Array(comps.length + 1);
  for (let i = 0; i < comps.length; i++) starts[i + 1] = starts[i]! + comps[i]!.length;
  const arena = new Uint8Array(starts[comps.length]!);
  for (let i = 0; i < comps.length; i++) arena.set(comps[i]!, starts[i]!);
  return { arena, starts };
}

/** Decode every page once into `dst`; microseconds per page. */
function decodeAll(codec: Codec, { arena, starts }: Packed, dst: Uint8Array): number {
  const n = starts.length - 1;
  const t = performance.now();
  for (let i = 0; i < n; i++) {
    if (!codec.decompressRange(arena, starts[i]!, starts[i + 1]!, dst, 0)) {
      throw new Error(`page ${i} failed to decode`);
    }
  }
  return ((performance.now() - t) * 1000) / n;
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'tierswap-lz4-decode-bench-'));
  const r2 = (x: number): number => Math.round(x * 100) / 100;
  const rows: Record<string, string | number>[] = [];
  const subjects: { label: string; codec: Codec }[] = [
    { label: 'native', codec: createCodec('lz4', { lz4Decoder: 'native' }) },
    { label: 'wasm', codec: createCodec('lz4', { lz4Decoder: 'wasm' }) },
    { label: 'binding', codec: createCodec('lz4', { lz4Decoder: 'binding' }) },
    { label: 'ts', codec: createCodec('lz4', { lz4Decoder: 'js' }) },
  ];
  try {
    const corpora = [
      { name: 'node binary 8 MiB', pages: filePages(NODE_BINARY, PAGE, 0, 2048) },
      { name: '/usr/share files 4 MiB', pages: textPages(1024, PAGE, '/usr/share') },
      { name: 'V8 heap snapshot', pages: heapSnapshotPages(2048) },
    ];
    for (const c of corpora) {
      const file = join(dir, 'corpus.bin');
      writeFileSync(file, Buffer.concat(c.pages));
      const natives = [nativeCli('lz4', 1, file)];
      const packed = pack(c.pages);
      // Every decoder must give the pages back before it is timed.
      const dst = new Uint8Array(PAGE);
      for (const s of subjects) {
        for (let i = 0; i < c.pages.length; i++) {
          const ok = s.codec.decompressRange(
            packed.arena,
            packed.starts[i]!,
            packed.starts[i + 1]!,
            dst,
            0,
          );
          if (!ok || Buffer.compare(dst, c.pages[i]!) !== 0) {
            throw new Error(`${s.label} decoder: page ${i} of ${c.name} differs`);
          }
        }
      }
      const times = subjects.map((): number[] => []);
      for (let r = 0; r < WARMUP_ROUNDS + ROUNDS; r++) {
        for (let j = 0; j < subjects.length; j++) {
          const k = (j + r) % subjects.length;
          const us = decodeAll(subjects[k]!.codec, packed, dst);
          if (r >= WARMUP_ROUNDS) times[k]!.push(us);
        }
      }
      natives.push(nativeCli('lz4', 1, file));
      const native = Math.min(...natives.map((n) => n.decompUs));
      const row: Record<string, string | number> = {
        corpus: c.name,
        pages: c.pages.length,
        ratio: r2((c.pages.length * PAGE) / packed.arena.length),
        'lz4 CLI us': r2(native),
      };
      subjects.forEach((s, k) => {
        const t = times[k]!;
        row[`${s.label} us (median / best)`] = `${r2(median(t))} / ${r2(Math.min(...t))}`;
        row[`${s.label} vs CLI (best)`] = r2(native / Math.min(...t));
      });
      rows.push(row);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Which libraries ran: native = liblz4, binding = lz4-napi; wasm and ts are ours.
  const bindings = [`liblz4 ${loadLz4Native().info.version}`, `lz4-napi ${loadLz4().info.version}`];
  console.log(
    `node ${process.version}; ${bindings.join(', ')}; ${ROUNDS} interleaved rounds after ${WARMUP_ROUNDS} warm-up; us per ${PAGE} B page; "vs CLI" = the CLI's time / this one's`,
  );
  console.table(rows);
  const outDir = join(import.meta.dirname, '..', 'bench-results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    join(outDir, 'lz4-decode.json'),
    JSON.stringify(
      { date: new Date().toISOString(), node: process.version, bindings, rows },
      null,
      2,
    ),
  );
}

main();
