/**
 * codec.bench.ts: the codecs of @tierswap/compress against the native CLIs, per 4 KiB
 * page, on the same bytes (8 MiB of the node binary; 4 MiB of files under /usr/share).
 *
 * Rows: the CLIs' own benchmark mode, `lz4 -b1 -B4096 -i1` and `zstd -b1|-b3 -B4096 -i1`
 * (every 4 KiB block compressed independently; run before, between and after our
 * rounds, best kept);
 * the pool codecs as a pool uses them: lz4 through our addon over the system's liblz4
 * (the default) and through lz4-napi, zstd levels 1 and 3 through our addon over
 * libzstd, and none; each page compressed and its result copied into an arena, then
 * every page decoded from the arena with `decodeInto`. Then @mongodb-js/zstd through
 * the batch codec in batches of 64 and of 1 (the per-call cost of a Promise-only
 * binding), and zero / same-filled detection.
 *
 * Why interleaved rounds: this machine is shared, so the subjects take turns (the
 * order rotates every round) and every one is slowed alike; the table gives the best
 * round (the CLIs report their fastest iteration) and the median. "vs CLI" = the CLI's
 * time / ours, in one run: 1.0 is as fast as C.
 *
 * Run: pnpm --filter @tierswap/compress bench [--quick]. Saved with saveBenchRecord:
 * bench-results/codec.json and a line of docs/benchmarks/data/compress.jsonl.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BenchGoal,
  best,
  filePages,
  median,
  type Native,
  NODE_BINARY,
  nativeCli,
  saveBenchRecord,
  textPages,
} from '@tierswap/bench-kit';
import { createCodec, createZstdBatchCodec, sameFilledWord } from '../src/index.js';
import type { BatchCodec, Codec } from '../src/types.js';

const PAGE = 4096;
const QUICK = process.argv.includes('--quick');
const WARMUP = QUICK ? 1 : 3;
const ROUNDS = QUICK ? 2 : 15;
const r2 = (x: number): number => Math.round(x * 100) / 100;

type CliKey = 'lz4' | 'zstd1' | 'zstd3';

interface Timing {
  compUs: number[];
  decompUs: number[];
  bytes: number;
}

/** Compress every page into an arena, as a pool stores; then decode every page back. */
function roundSync(codec: Codec, pages: readonly Uint8Array[], arena: Uint8Array, t: Timing): void {
  const ends = new Int32Array(pages.length + 1);
  let at = 0;
  let t0 = performance.now();
  for (let i = 0; i < pages.length; i++) {
    const c = codec.compress(pages[i]!);
    arena.set(c, at);
    at += c.length;
    ends[i + 1] = at;
  }
  const comp = ((performance.now() - t0) * 1000) / pages.length;
  const dst = new Uint8Array(PAGE);
  t0 = performance.now();
  for (let i = 0; i < pages.length; i++) {
    if (codec.decodeInto(arena, ends[i]!, ends[i + 1]!, dst, 0) !== true) {
      throw new Error(`${codec.binding.name}: page ${i} does not decode`);
    }
  }
  const decomp = ((performance.now() - t0) * 1000) / pages.length;
  t.compUs.push(comp);
  t.decompUs.push(decomp);
  t.bytes = at;
}

async function roundBatch(
  codec: BatchCodec,
  pages: readonly Uint8Array[],
  batch: number,
  t: Timing,
): Promise<void> {
  let t0 = performance.now();
  const outs: Uint8Array[] = [];
  for (let i = 0; i < pages.length; i += batch) {
    outs.push(...(await codec.compressBatch(pages.slice(i, i + batch))));
  }
  const comp = ((performance.now() - t0) * 1000) / pages.length;
  const dsts = Array.from({ length: batch }, () => new Uint8Array(PAGE));
  t0 = performance.now();
  for (let i = 0; i < outs.length; i += batch) {
    const s = outs.slice(i, i + batch);
    if ((await codec.decompressBatch(s, dsts.slice(0, s.length))) !== true) {
      throw new Error(`batch at page ${i} does not decode`);
    }
  }
  const decomp = ((performance.now() - t0) * 1000) / pages.length;
  t.compUs.push(comp);
  t.decompUs.push(decomp);
  t.bytes = outs.reduce((n, o) => n + o.length, 0);
}

async function main(): Promise<void> {
  const count = QUICK ? 256 : 2048;
  const corpora = [
    { name: 'node binary', pages: filePages(NODE_BINARY, PAGE, 0, count) },
    { name: '/usr/share files', pages: textPages(count / 2, PAGE, '/usr/share') },
  ];
  const sync: { label: string; codec: Codec; cli: CliKey | undefined }[] = [
    { label: 'lz4, liblz4 (default)', codec: createCodec('lz4'), cli: 'lz4' },
    { label: 'lz4, lz4-napi', codec: createCodec('lz4', { lz4Library: 'lz4-napi' }), cli: 'lz4' },
    { label: 'zstd-1, libzstd', codec: createCodec('zstd', { level: 1 }), cli: 'zstd1' },
    { label: 'zstd-3, libzstd (default level)', codec: createCodec('zstd'), cli: 'zstd3' },
    { label: 'none', codec: createCodec('none'), cli: undefined },
  ];
  const batched: { label: string; codec: BatchCodec; batch: number; cli: CliKey }[] = [
    {
      label: 'zstd-1, @mongodb-js/zstd batch 64',
      codec: createZstdBatchCodec({ level: 1 }),
      batch: 64,
      cli: 'zstd1',
    },
    {
      label: 'zstd-3, @mongodb-js/zstd batch 64',
      codec: createZstdBatchCodec({ level: 3 }),
      batch: 64,
      cli: 'zstd3',
    },
    {
      label: 'zstd-1, @mongodb-js/zstd batch 1',
      codec: createZstdBatchCodec({ level: 1 }),
      batch: 1,
      cli: 'zstd1',
    },
  ];
  const rows: Record<string, string | number>[] = [];
  const goals: BenchGoal[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'tierswap-compress-bench-'));
  try {
    for (const c of corpora) {
      const file = join(dir, 'corpus.bin');
      writeFileSync(file, Buffer.concat(c.pages));
      const runCli = (): Record<CliKey, Native> => ({
        lz4: nativeCli('lz4', 1, file),
        zstd1: nativeCli('zstd', 1, file),
        zstd3: nativeCli('zstd', 3, file),
      });
      // The CLIs run three times (before, between and after our rounds), best kept: on a
      // shared machine one run alone can land on a busy second.
      const cliRuns = [runCli()];
      const arena = new Uint8Array(c.pages.length * (PAGE + 64));
      const syncT = sync.map((): Timing => ({ compUs: [], decompUs: [], bytes: 0 }));
      const batchT = batched.map((): Timing => ({ compUs: [], decompUs: [], bytes: 0 }));
      for (let r = 0; r < WARMUP + ROUNDS; r++) {
        for (let j = 0; j < sync.length; j++) {
          const k = (j + r) % sync.length;
          const t: Timing = r < WARMUP ? { compUs: [], decompUs: [], bytes: 0 } : syncT[k]!;
          roundSync(sync[k]!.codec, c.pages, arena, t);
          syncT[k]!.bytes = t.bytes;
        }
      }
      cliRuns.push(runCli());
      for (let r = 0; r < WARMUP + ROUNDS; r++) {
        for (let j = 0; j < batched.length; j++) {
          const k = (j + r) % batched.length;
          const s = batched[k]!;
          const t: Timing = r < WARMUP ? { compUs: [], decompUs: [], bytes: 0 } : batchT[k]!;
          await roundBatch(s.codec, c.pages, s.batch, t);
          batchT[k]!.bytes = t.bytes;
        }
      }
      cliRuns.push(runCli());
      const cli = (k: CliKey): Native => ({
        ratio: cliRuns[0]![k].ratio,
        compUs: Math.min(...cliRuns.map((n) => n[k].compUs)),
        decompUs: Math.min(...cliRuns.map((n) => n[k].decompUs)),
      });
      const cliLabel: Record<CliKey, string> = {
        lz4: 'CLI lz4 -b1 -B4096',
        zstd1: 'CLI zstd -b1 -B4096',
        zstd3: 'CLI zstd -b3 -B4096',
      };
      for (const k of ['lz4', 'zstd1', 'zstd3'] as const) {
        const n = cli(k);
        rows.push({
          corpus: c.name,
          subject: cliLabel[k],
          ratio: n.ratio,
          'compress us best / median': `${r2(n.compUs)}`,
          'decompress us best / median': `${r2(n.decompUs)}`,
          'compress vs CLI': 1,
          'decompress vs CLI': 1,
        });
      }
      const subjects = [
        ...sync.map((s, i) => ({
          label: s.label,
          cli: s.cli,
          t: syncT[i]!,
          info: s.codec.binding,
        })),
        ...batched.map((s, i) => ({
          label: s.label,
          cli: s.cli as CliKey | undefined,
          t: batchT[i]!,
          info: s.codec.binding,
        })),
      ];
      for (const s of subjects) {
        const n = s.cli === undefined ? undefined : cli(s.cli);
        const comp = best(s.t.compUs);
        const decomp = best(s.t.decompUs);
        const vsComp = n === undefined ? '-' : r2(n.compUs / comp);
        const vsDecomp = n === undefined ? '-' : r2(n.decompUs / decomp);
        rows.push({
          corpus: c.name,
          subject: `${s.label} (${s.info.name} ${s.info.version})`,
          ratio: r2((c.pages.length * PAGE) / s.t.bytes),
          'compress us best / median': `${r2(comp)} / ${r2(median(s.t.compUs))}`,
          'decompress us best / median': `${r2(decomp)} / ${r2(median(s.t.decompUs))}`,
          'compress vs CLI': vsComp,
          'decompress vs CLI': vsDecomp,
        });
        if (s.label.includes('libzstd') || s.label.includes('liblz4')) {
          goals.push({
            goal: `${s.label} on ${c.name}: store and load ≥ 0.8x the CLI`,
            measured: `store ${vsComp}x, load ${vsDecomp}x`,
            met: Number(vsComp) >= 0.8 && Number(vsDecomp) >= 0.8,
          });
        }
      }
      // Zero / same-filled detection: the worst case is a page same-filled to the end.
      const zero = new Uint8Array(PAGE);
      const zeroRounds: number[] = [];
      const realRounds: number[] = [];
      let hits = 0;
      for (let r = 0; r < ROUNDS; r++) {
        let t0 = performance.now();
        for (let k = 0; k < 25_000; k++) if (sameFilledWord(zero) === 0) hits++;
        zeroRounds.push(((performance.now() - t0) * 1000) / 25_000);
        t0 = performance.now();
        for (const p of c.pages) if (sameFilledWord(p) !== -1) hits++;
        realRounds.push(((performance.now() - t0) * 1000) / c.pages.length);
      }
      rows.push({
        corpus: c.name,
        subject: `sameFilledWord: zero page / real pages (${hits} hits)`,
        ratio: '-',
        'compress us best / median': `${r2(best(zeroRounds))} / ${r2(best(realRounds))}`,
        'decompress us best / median': '-',
        'compress vs CLI': `${Math.round(1000 / best(zeroRounds))} K zero pages/s`,
        'decompress vs CLI': '-',
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `node ${process.version}; ${ROUNDS} interleaved rounds after ${WARMUP} warm-up; us per ${PAGE} B page; "vs CLI" = the CLI's best / ours`,
  );
  console.table(rows);
  for (const g of goals) console.log(`${g.met ? 'met ' : 'MISS'} ${g.goal}: ${g.measured}`);
  const written = saveBenchRecord(join(import.meta.dirname, '..'), {
    name: 'codec',
    quick: QUICK,
    tables: [{ title: 'Codecs against the native CLIs, us per 4 KiB page', rows }],
    goals,
  });
  console.log(`saved ${written.join(', ')}`);
}

await main();
