/**
 * The compression study's speed goal (issue 15): on a 512 MiB snapshot of real bytes,
 * the study's wall time for lz4, zstd-1 and zstd-3 is at most the time the native CLIs
 * take for the same three runs one after another on the same bytes
 * (`lz4 -b1 -B4096 -i1`, `zstd -b1 -B4096 -i1`, `zstd -b3 -B4096 -i1`).
 *
 * The bytes: files of /usr/lib concatenated in name order (binaries, libraries, Python,
 * data) into one page-aligned file, read through a PageSource as the study reads any
 * source. The study's side is the whole compressionStudy() call with those three codecs
 * (reading the file into memory, starting the workers, every page stored in and loaded
 * back from a real zswap pool, per-page sizes and latencies), with its extra sections
 * (multi-page units, dictionary, bindings, the CLIs themselves) off. The CLIs' side is
 * the three commands' wall time, each compressing and decompressing the file.
 *
 * Run: npx -y pnpm@10.34.9 --filter @tierswap/bench bench [-- --quick]  (--quick: 32 MiB)
 */

import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveBenchRecord } from '@tierswap/bench-kit';
import { runNative } from '../src/studies/compressionNative.js';
import { compressionStudy } from '../src/studies/compressionStudy.js';
import { filePageSource } from '../src/testing/filePageSource.js';

const quick = process.argv.includes('--quick');
const BYTES = (quick ? 32 : 512) * 2 ** 20;
const CODECS = ['lz4', 'zstd-1', 'zstd-3'] as const;

/** Concatenate regular files under `root` (name order, no symlinks) into `out`, `bytes` long. */
function concatenate(root: string, out: string, bytes: number): void {
  const fd = openSync(out, 'w');
  let written = 0;
  const buf = new Uint8Array(1 << 20);
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      if (written >= bytes) return;
      const p = join(dir, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (st === undefined) continue;
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && st.size > 0) {
        let src: number;
        try {
          src = openSync(p, 'r');
        } catch {
          continue;
        }
        try {
          for (let n = readSync(src, buf); n > 0 && written < bytes; n = readSync(src, buf)) {
            const take = Math.min(n, bytes - written);
            writeSync(fd, buf, 0, take);
            written += take;
          }
        } finally {
          closeSync(src);
        }
      }
    }
  };
  walk(root);
  closeSync(fd);
  if (written < bytes) throw new Error(`only ${written} bytes under ${root}`);
}

const dir = mkdtempSync(join(tmpdir(), 'compression-bench-'));
try {
  const file = join(dir, 'usr-lib.bin');
  concatenate('/usr/lib', file, BYTES);
  // Warm the page cache for both sides alike.
  readSync(openSync(file, 'r'), new Uint8Array(1), 0, 1, 0);

  const t0 = performance.now();
  const result = await compressionStudy(filePageSource([file]), {
    codecs: CODECS,
    native: false,
    unitSizes: [],
    dictionary: false,
    bindings: false,
  });
  const studySeconds = (performance.now() - t0) / 1000;

  const natives = CODECS.map((c) =>
    c === 'lz4' ? runNative('lz4', 1, file) : runNative('zstd', Number(c.slice(5)), file),
  );
  const nativeSeconds = natives.reduce((s, n) => s + n.wallSeconds, 0);
  const speedup = nativeSeconds / studySeconds;

  const rows = result.codecs.map((c, i) => ({
    codec: c.codec,
    ratio: Number(c.ratio.toFixed(4)),
    'CLI ratio': Number((natives[i]?.ratio ?? 0).toFixed(4)),
    'same bytes out': c.compressedBytes === natives[i]?.compressedBytes,
    'pass s (ours, all workers)': Number(c.throughput.wallSeconds.toFixed(2)),
    'CLI s': Number((natives[i]?.wallSeconds ?? 0).toFixed(2)),
    'store p50 us': Number(c.store.p50Us.toFixed(2)),
    'load p50 us': Number(c.load.p50Us.toFixed(2)),
    'store MB/s at p50': Math.round(c.throughput.storeMBpsAtP50),
    'CLI comp MB/s': natives[i]?.compressMBps ?? 0,
    'load MB/s at p50': Math.round(c.throughput.loadMBpsAtP50),
    'CLI decomp MB/s': natives[i]?.decompressMBps ?? 0,
  }));
  console.table(rows);
  console.log(
    `study ${studySeconds.toFixed(2)} s (read ${result.timing.loadSeconds.toFixed(2)} s, codec passes ${result.timing.codecSeconds.toFixed(2)} s, ${result.workers} workers) ` +
      `vs CLIs one after another ${nativeSeconds.toFixed(2)} s: ${speedup.toFixed(2)}x`,
  );
  const written = saveBenchRecord(join(import.meta.dirname, '..'), {
    name: 'compression-study',
    quick,
    tables: [{ title: `compressionStudy vs the CLIs on ${BYTES / 2 ** 20} MiB of /usr/lib`, rows }],
    goals: [
      {
        goal: 'study wall time for lz4, zstd-1, zstd-3 <= the three native CLI runs one after another (same bytes)',
        measured: `${studySeconds.toFixed(2)} s vs ${nativeSeconds.toFixed(2)} s (${speedup.toFixed(2)}x)`,
        met: studySeconds <= nativeSeconds,
      },
    ],
    notes: [
      `${BYTES / 2 ** 20} MiB: /usr/lib concatenated in name order; ${result.workers} worker threads; machine shared with other jobs`,
      `CLIs: ${natives.map((n) => n.command.replace(file, 'FILE')).join('; ')}`,
    ],
  });
  console.log(written.join('\n'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
