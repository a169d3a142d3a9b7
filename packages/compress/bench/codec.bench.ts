/**
 * codec.bench.ts: the codecs of @tierswap/compress against the native CLIs, per 4 KiB
 * page, on the same bytes (8 MiB of the node binary; the first 4 MiB of files under /usr/share).
 *
 * Rows: native `lz4 -b1 -B4096 -i1` and `zstd -b1|-b3 -B4096 -i1` (best of two runs
 * interleaved with ours); lz4 through the default native path (the system's liblz4
 * through our addon), through our WebAssembly encoder and decoder, through lz4-napi both
 * ways, and with the TypeScript decoder (bench/lz4Encode.bench.ts and
 * bench/lz4Decode.bench.ts compare the encoders and the decoders alone, interleaved);
 * zstd levels 1 and 3 through the default native path (the system's libzstd through
 * our addon, page by page) and through @mongodb-js/zstd in batches of 64 and of 1 (the
 * per-call cost of the Promise-only binding); none; and zero / same-filled page detection. us/page = microseconds per
 * 4096-byte page; "vs native" = native time / ours (1.0 = as fast as the C CLI).
 *
 * Run: pnpm --filter @tierswap/compress bench
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  best,
  nativeCli as cli,
  filePages,
  type Native,
  NODE_BINARY,
  textPages,
} from '@tierswap/bench-kit';
import { createCodec } from '../src/createCodec.js';
import { loadLz4 } from '../src/loadBinding.js';
import { sameFilledWord } from '../src/samePage.js';
import type { Codec } from '../src/types.js';

const PAGE = 4096;
const ROUNDS = 8;
const BINDING_ZSTD = { zstdEncoder: 'binding', zstdDecoder: 'binding' } as const;

async function measure(
  codec: Codec,
  pages: Uint8Array[],
  batch: number,
): Promise<{ ratio: number; compUs: number; decompUs: number }> {
  const comp: number[] = [];
  const decomp: number[] = [];
  let outs: Uint8Array[] = [];
  const dsts = Array.from({ length: batch }, () => new Uint8Array(PAGE));
  for (let r = 0; r < ROUNDS + 1; r++) {
    let t = performance.now();
    if (codec.sync && batch === 1) {
      outs = pages.map((p) => codec.compressSync(p).slice());
    } else {
      outs = [];
      for (let i = 0; i < pages.length; i += batch) {
        outs.push(...(await codec.compressBatch(pages.slice(i, i + batch))));
      }
    }
    const c = ((performance.now() - t) * 1000) / pages.length;
    t = performance.now();
    if (codec.sync && batch === 1) {
      for (const o of outs) codec.decompressSync(o, dsts[0]!);
    } else {
      for (let i = 0; i < outs.length; i += batch) {
        const s = outs.slice(i, i + batch);
        await codec.decompressBatch(s, dsts.slice(0, s.length));
      }
    }
    const d = ((performance.now() - t) * 1000) / pages.length;
    if (r > 0) {
      comp.push(c);
      decomp.push(d);
    }
  }
  let total = 0;
  for (const o of outs) total += o.length;
  return { ratio: (pages.length * PAGE) / total, compUs: best(comp), decompUs: best(decomp) };
}

/**
 * What a call costs when there is (almost) nothing to compress: the binding's fixed
 * cost, dominated on this machine by creating the result Buffer (a fresh 4 KiB
 * ArrayBuffer is the allocation that Node does not pool).
 */
function fixedCosts(): Record<string, number> {
  const lz4 = loadLz4().api;
  const nativeLz4 = createCodec('lz4');
  const wasmLz4 = createCodec('lz4', { lz4Encoder: 'wasm', lz4Decoder: 'wasm' });
  const zero = Buffer.alloc(PAGE);
  const zeroC = lz4.compressSync(zero);
  const nativeZeroC = nativeLz4.compressSync(zero).slice();
  const out = new Uint8Array(PAGE);
  const copyDst = new Uint8Array(PAGE);
  const time = (f: () => void): number => {
    for (let i = 0; i < 2000; i++) f();
    const n = 5000;
    const rounds: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const t = performance.now();
      for (let i = 0; i < n; i++) f();
      rounds.push(((performance.now() - t) * 1000) / n);
    }
    return Math.round(best(rounds) * 100) / 100;
  };
  return {
    'lz4-napi compressSync(zero page)': time(() => lz4.compressSync(zero)),
    'wasm encoder compressSync(zero page)': time(() => wasmLz4.compressSync(zero)),
    'native encoder compressSync(zero page)': time(() => nativeLz4.compressSync(zero)),
    'lz4-napi uncompressSync(zero page)': time(() => lz4.uncompressSync(zeroC)),
    'native decoder decompressSync(zero page)': time(() =>
      nativeLz4.decompressSync(nativeZeroC, out),
    ),
    'Buffer.allocUnsafe(4096)': time(() => Buffer.allocUnsafe(PAGE)),
    'new Uint8Array(4096)': time(() => new Uint8Array(PAGE)),
    '4 KiB copy (Uint8Array.set)': time(() => copyDst.set(zero)),
  };
}

async function main(): Promise<void> {
  const corpora = [
    { name: 'node-binary', pages: filePages(NODE_BINARY, PAGE, 0, 2048) },
    { name: 'usr-share-files', pages: textPages(1024, PAGE, '/usr/share') },
  ];
  const dir = mkdtempSync(join(tmpdir(), 'tierswap-compress-bench-'));
  const rows: Record<string, string | number>[] = [];
  const r2 = (x: number) => Math.round(x * 100) / 100;
  try {
    for (const c of corpora) {
      const file = join(dir, `${c.name}.bin`);
      writeFileSync(file, Buffer.concat(c.pages));
      const natives = {
        lz4: [cli('lz4', 1, file)],
        zstd1: [cli('zstd', 1, file)],
        zstd3: [cli('zstd', 3, file)],
      };
      const subjects: {
        label: string;
        codec: Codec;
        batch: number;
        native: keyof typeof natives | undefined;
      }[] = [
        {
          label: 'lz4 (native liblz4 encoder + decoder, the default)',
          codec: createCodec('lz4'),
          batch: 1,
          native: 'lz4',
        },
        {
          label: 'lz4 (wasm encoder + decoder)',
          codec: createCodec('lz4', { lz4Encoder: 'wasm', lz4Decoder: 'wasm' }),
          batch: 1,
          native: 'lz4',
        },
        {
          label: 'lz4 (binding encoder + decoder)',
          codec: createCodec('lz4', { lz4Encoder: 'binding', lz4Decoder: 'binding' }),
          batch: 1,
          native: 'lz4',
        },
        {
          label: 'lz4 (native encoder, TS decoder)',
          codec: createCodec('lz4', { lz4Decoder: 'js' }),
          batch: 1,
          native: 'lz4',
        },
        {
          label: 'zstd-1 (native libzstd, the default), page by page',
          codec: createCodec('zstd', { level: 1 }),
          batch: 1,
          native: 'zstd1',
        },
        {
          label: 'zstd-3 (native libzstd), page by page',
          codec: createCodec('zstd', { level: 3 }),
          batch: 1,
          native: 'zstd3',
        },
        {
          label: 'zstd-1 (@mongodb-js/zstd) batch 64',
          codec: createCodec('zstd', { level: 1, ...BINDING_ZSTD }),
          batch: 64,
          native: 'zstd1',
        },
        {
          label: 'zstd-1 (@mongodb-js/zstd) batch 1',
          codec: createCodec('zstd', { level: 1, ...BINDING_ZSTD }),
          batch: 1,
          native: 'zstd1',
        },
        {
          label: 'zstd-3 (@mongodb-js/zstd) batch 64',
          codec: createCodec('zstd', { level: 3, ...BINDING_ZSTD }),
          batch: 64,
          native: 'zstd3',
        },
        { label: 'none', codec: createCodec('none'), batch: 1, native: undefined },
      ];
      const measured: { ratio: number; compUs: number; decompUs: number }[] = [];
      for (const s of subjects) measured.push(await measure(s.codec, c.pages, s.batch));
      natives.lz4.push(cli('lz4', 1, file));
      natives.zstd1.push(cli('zstd', 1, file));
      natives.zstd3.push(cli('zstd', 3, file));
      const bestNative = (k: keyof typeof natives): Native => {
        const ns = natives[k];
        return {
          ratio: ns[0]!.ratio,
          compUs: Math.min(...ns.map((n) => n.compUs)),
          decompUs: Math.min(...ns.map((n) => n.decompUs)),
        };
      };
      for (const k of ['lz4', 'zstd1', 'zstd3'] as const) {
        const n = bestNative(k);
        rows.push({
          corpus: c.name,
          subject: `native ${k === 'lz4' ? 'lz4 -b1' : k === 'zstd1' ? 'zstd -b1' : 'zstd -b3'} -B4096`,
          binding: 'C CLI',
          ratio: n.ratio,
          compressUs: r2(n.compUs),
          decompressUs: r2(n.decompUs),
          compressVsNative: 1,
          decompressVsNative: 1,
        });
      }
      subjects.forEach((s, i) => {
        const m = measured[i]!;
        const n = s.native ? bestNative(s.native) : undefined;
        rows.push({
          corpus: c.name,
          subject: s.label,
          binding: `${s.codec.binding.name}@${s.codec.binding.version}`,
          ratio: r2(m.ratio),
          compressUs: r2(m.compUs),
          decompressUs: r2(m.decompUs),
          compressVsNative: n ? r2(n.compUs / m.compUs) : '-',
          decompressVsNative: n ? r2(n.decompUs / m.decompUs) : '-',
        });
      });
      // Zero / same-filled detection: worst case is a page that is same-filled to the end.
      const zero = new Uint8Array(PAGE);
      let hits = 0;
      const zeroRounds: number[] = [];
      const realRounds: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        let t = performance.now();
        for (let k = 0; k < 25_000; k++) if (sameFilledWord(zero) === 0) hits++;
        zeroRounds.push(((performance.now() - t) * 1000) / 25_000);
        t = performance.now();
        for (const p of c.pages) if (sameFilledWord(p) !== -1) hits++;
        realRounds.push(((performance.now() - t) * 1000) / c.pages.length);
      }
      const zeroUs = best(zeroRounds);
      const realUs = best(realRounds);
      rows.push({
        corpus: c.name,
        subject: `sameFilledWord: zero page / real pages (${hits} hits)`,
        binding: 'builtin',
        ratio: '-',
        compressUs: r2(zeroUs),
        decompressUs: r2(realUs),
        compressVsNative: `${Math.round(1000 / zeroUs)} K zero pages/s`,
        decompressVsNative: '-',
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const fixed = fixedCosts();
  console.log(`node ${process.version}; best of ${ROUNDS} rounds; us per ${PAGE} B page`);
  console.table(rows);
  console.log('Fixed per-call costs (us), where the time of a 4 KiB call goes:');
  console.table(fixed);
  const outDir = join(import.meta.dirname, '..', 'bench-results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    join(outDir, 'codec.json'),
    JSON.stringify({ date: new Date().toISOString(), node: process.version, rows, fixed }, null, 2),
  );
}

await main();
