/**
 * compressionStudy: what a page source's bytes do under each codec, measured on real
 * pages through the real stack parts: per codec and level the ratio, the zero,
 * same-filled and incompressible shares (also at Google's 2990 B cut-off), the
 * compressed sizes' histogram, the real zswap pool footprint after packing, store and
 * load latency per page, and throughput beside the lz4 / zstd CLIs on the same bytes;
 * then the same bytes in 16 and 64 KiB units (zram's multi-page proposal), zstd with a
 * dictionary trained on a sample (zram's dictionaries), the Node bindings side by side,
 * and a per-region (VMA) breakdown.
 *
 * How: the source is read once into a SharedArrayBuffer; one worker per core takes
 * every W-th block of pages (compressionProtocol.ts) and runs each task over its share
 * (compressionWorker.ts); per-page sizes come back through shared arrays. Everything
 * here is orchestration and arithmetic over those arrays.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIntInRange } from '@tierswap/base';
import { trainZstdDictionary } from '@tierswap/compress';
import type { PageSource } from '@tierswap/workload';
import { BenchError } from '../benchError.js';
import { progressBar } from '../report/progress.js';
import { compareBindings } from './compressionBindings.js';
import { hasTool, type NativeRun, runNative, writePages } from './compressionNative.js';
import {
  BLOCK_PAGES,
  KIND_SAME_FILLED,
  KIND_ZERO,
  type PoolAnswer,
  type SizeAnswer,
  workerShare,
} from './compressionProtocol.js';
import type {
  CodecResult,
  CompressionResult,
  DictionaryResult,
  UnitsResult,
} from './compressionResult.js';
import { type CodecSpec, codecResult, PAGE, regionBreakdown } from './compressionTallies.js';
import { type StudyWorkers, startWorkers } from './compressionWorkers.js';

export interface CompressionStudyOptions {
  /** `lz4` and `zstd-N` (N in 1..19). Default lz4, zstd-1, zstd-3. */
  readonly codecs?: readonly string[];
  /** Smoke-test size: at most 2048 pages (8 MiB), smaller samples. */
  readonly quick?: boolean;
  /** Study at most this many pages (the first ones). Default all (quick: 2048). */
  readonly maxPages?: number;
  /** Worker threads. Default: every core (availableParallelism()). */
  readonly workers?: number;
  /** Run the lz4 / zstd CLIs on the same bytes. Default: when both are installed. */
  readonly native?: boolean;
  /** Multi-page unit sizes in bytes (powers of two, 8..64 KiB). Default [16384, 65536]. */
  readonly unitSizes?: readonly number[];
  /** Train a zstd dictionary on a sample and compress with it. Default true. */
  readonly dictionary?: boolean;
  /** The dictionary's largest size in bytes. Default 16384. */
  readonly dictionaryBytes?: number;
  /** Compare the Node bindings on a sample. Default true. */
  readonly bindings?: boolean;
  /** Pages in the bindings' sample. Default 8192 (quick: 512). */
  readonly bindingPages?: number;
  /** Where the CLIs' copy of the bytes is written (then removed). Default os.tmpdir(). */
  readonly tempDir?: string;
}

function invalid(detail: string): BenchError {
  return new BenchError('INVALID_ARGUMENT', 'compressionStudy', detail);
}

/** `lz4` or `zstd-N` to a codec and level. */
export function parseCodecName(name: string): CodecSpec {
  if (name === 'lz4') return { name, codec: 'lz4', level: 0 };
  const m = /^zstd-(\d{1,2})$/.exec(name);
  const level = Number(m?.[1]);
  if (m === null || !isIntInRange(level, 1, 19)) {
    throw invalid(`codec ${JSON.stringify(name)} is not lz4 or zstd-N with N in 1..19`);
  }
  return { name, codec: 'zstd', level };
}

function checkSource(source: PageSource): void {
  if (
    typeof source !== 'object' ||
    source === null ||
    typeof source.pages !== 'function' ||
    !Number.isInteger(source.pageCount) ||
    source.pageCount < 1 ||
    !Array.isArray(source.regions)
  ) {
    throw invalid(
      `source must be a PageSource with at least one page, got ${JSON.stringify(source?.name ?? source)}`,
    );
  }
}

/** The source's first `limit` pages in shared memory, with each page's region. */
function loadPages(
  source: PageSource,
  limit: number,
): { pages: SharedArrayBuffer; regionOf: Int32Array; count: number } {
  const want = Math.min(source.pageCount, limit);
  const pages = new SharedArrayBuffer(want * PAGE);
  const all = new Uint8Array(pages);
  const regionOf = new Int32Array(want);
  let n = 0;
  for (const p of source.pages()) {
    if (n === want) break;
    if (!(p.bytes instanceof Uint8Array) || p.bytes.length !== PAGE) {
      throw invalid(`source ${source.name}: page ${n} is not a Uint8Array of ${PAGE} bytes`);
    }
    all.set(p.bytes, n * PAGE);
    regionOf[n] = p.region;
    n++;
  }
  if (n === 0) throw invalid(`source ${source.name} yielded no pages`);
  return { pages, regionOf: regionOf.subarray(0, n), count: n };
}

function checkpointsFor(share: number): number[] {
  const points: number[] = [];
  for (let n = 64; n < share; n *= 4) points.push(n);
  if (share > 0) points.push(share);
  return points;
}

/** Run the study on `source`; see CompressionStudyOptions for what it measures. */
export async function compressionStudy(
  source: PageSource,
  options: CompressionStudyOptions = {},
): Promise<CompressionResult> {
  checkSource(source);
  const quick = options.quick === true;
  const specs = (options.codecs ?? ['lz4', 'zstd-1', 'zstd-3']).map(parseCodecName);
  if (specs.length === 0) throw invalid('codecs must name at least one codec');
  const maxPages = options.maxPages ?? (quick ? 2048 : Number.MAX_SAFE_INTEGER);
  if (!Number.isInteger(maxPages) || maxPages < 1)
    throw invalid(`maxPages ${String(maxPages)} is not a positive integer`);
  const workerCount = options.workers ?? availableParallelism();
  if (!isIntInRange(workerCount, 1, 256))
    throw invalid(`workers ${String(workerCount)} is not an integer in 1..256`);
  const unitSizes = options.unitSizes ?? [16384, 65536];
  for (const u of unitSizes) {
    if (!(Number.isInteger(u) && u >= 8192 && u <= 65536 && (u & (u - 1)) === 0)) {
      throw invalid(`unit size ${String(u)} is not a power of two in 8192..65536`);
    }
  }
  const dictionaryBytes = options.dictionaryBytes ?? 16384;
  const bindingPages = options.bindingPages ?? (quick ? 512 : 8192);
  const native = options.native ?? (hasTool('lz4') && hasTool('zstd'));

  const started = performance.now();
  const { pages, regionOf, count } = loadPages(source, maxPages);
  const loadSeconds = (performance.now() - started) / 1000;
  const W = Math.max(1, Math.min(workerCount, Math.ceil(count / BLOCK_PAGES)));
  const zstdLevels = [...new Set(specs.filter((s) => s.codec === 'zstd').map((s) => s.level))];
  // Progress in pages: workers count theirs (store and load passes count twice), the
  // main thread adds a source's worth for the bindings and for each CLI run.
  const passes =
    2 * specs.length +
    specs.length * unitSizes.length +
    (options.dictionary !== false ? zstdLevels.length : 0) +
    (options.bindings !== false ? 1 : 0) +
    (native ? specs.length : 0);
  const bar = progressBar(`compression: ${source.name}`, passes * count);
  const progress = new Int32Array(new SharedArrayBuffer(4));
  const tick = setInterval(() => bar.update(Atomics.load(progress, 0)), 250);
  tick.unref();
  const step = (): void => {
    Atomics.add(progress, 0, count);
  };
  const workers = startWorkers(pages, count, PAGE, W, progress.buffer as SharedArrayBuffer);
  try {
    // ---- the codec passes: the pool, sizes, kinds, latencies
    const codecStarted = performance.now();
    const kinds = new SharedArrayBuffer(count);
    const sizesOf = new Map<string, Int32Array>();
    const answersOf = new Map<string, PoolAnswer[]>();
    const checkpoints = checkpointsFor(workerShare(count, 0, W));
    for (const [k, spec] of specs.entries()) {
      const sizes = new SharedArrayBuffer(count * 4);
      const answers = await workers.run<PoolAnswer>((w) => ({
        type: 'pool',
        codec: spec.codec,
        level: spec.level,
        sizes,
        kinds: k === 0 ? kinds : null,
        checkpoints: w === 0 ? checkpoints : [],
      }));
      const bad = answers.reduce((s, a) => s + a.mismatches, 0);
      if (bad > 0)
        throw new BenchError(
          'TOOL_FAILED',
          'compressionStudy',
          `${spec.name}: ${bad} pages loaded back different`,
        );
      sizesOf.set(spec.name, new Int32Array(sizes));
      answersOf.set(spec.name, answers);
    }
    const codecSeconds = (performance.now() - codecStarted) / 1000;
    const kind = new Uint8Array(kinds);
    let zeroPages = 0;
    let sameFilledPages = 0;
    for (const k of kind) {
      if (k === KIND_ZERO) zeroPages++;
      else if (k === KIND_SAME_FILLED) sameFilledPages++;
    }

    const units = await runUnits(workers, specs, unitSizes, sizesOf, count);
    const dictionary =
      options.dictionary !== false && zstdLevels.length > 0
        ? await runDictionary(
            workers,
            pages,
            kind,
            count,
            zstdLevels,
            dictionaryBytes,
            quick,
            sizesOf,
          )
        : null;

    const bindings =
      options.bindings !== false
        ? await compareBindings(samplePages(pages, count, bindingPages), zstdLevels)
        : [];
    if (options.bindings !== false) step();

    // ---- the CLIs on the same bytes, after our passes (never at the same time)
    const nativeOf = new Map<string, NativeRun>();
    const nativeStarted = performance.now();
    if (native) {
      const dir = mkdtempSync(join(options.tempDir ?? tmpdir(), 'tierswap-compression-'));
      try {
        const file = join(dir, 'pages.bin');
        writePages(pages, count, PAGE, file);
        for (const spec of specs) {
          nativeOf.set(spec.name, runNative(spec.codec, spec.level, file));
          step();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const nativeSeconds = (performance.now() - nativeStarted) / 1000;

    const codecs: CodecResult[] = specs.map((spec) =>
      codecResult(
        spec,
        sizesOf.get(spec.name) ?? new Int32Array(0),
        answersOf.get(spec.name) ?? [],
        nativeOf.get(spec.name) ?? null,
        W,
      ),
    );
    const regions =
      source.regions.length > 1 ? regionBreakdown(source, regionOf, kind, specs, sizesOf) : [];
    return {
      source: {
        name: source.name,
        pages: count,
        bytes: count * PAGE,
        regions: source.regions.length,
        truncated: count < source.pageCount,
      },
      pageSize: PAGE,
      workers: W,
      quick,
      zeroPages,
      zeroShare: zeroPages / count,
      sameFilledPages,
      sameFilledShare: sameFilledPages / count,
      codecs,
      units,
      dictionary,
      bindings,
      regions,
      timing: {
        loadSeconds,
        codecSeconds,
        totalSeconds: (performance.now() - started) / 1000,
        nativeSeconds,
      },
    };
  } finally {
    clearInterval(tick);
    bar.update(Atomics.load(progress, 0));
    bar.stop();
    await workers.close();
  }
}

async function runUnits(
  workers: StudyWorkers,
  specs: readonly CodecSpec[],
  unitSizes: readonly number[],
  sizesOf: ReadonlyMap<string, Int32Array>,
  count: number,
): Promise<UnitsResult[]> {
  const rows: UnitsResult[] = [];
  for (const spec of specs) {
    const base = sizesOf.get(spec.name);
    const baseBytes = base === undefined ? 0 : base.reduce((s, v) => s + v, 0);
    for (const unitBytes of unitSizes) {
      const answers = await workers.run<SizeAnswer>(() => ({
        type: 'units',
        codec: spec.codec,
        level: spec.level,
        unitBytes,
      }));
      const compressedBytes = answers.reduce((s, a) => s + a.compressedBytes, 0);
      const ratio = (count * PAGE) / compressedBytes;
      rows.push({
        codec: spec.name,
        unitBytes,
        compressedBytes,
        ratio,
        gain: ratio / ((count * PAGE) / Math.max(1, baseBytes)),
      });
    }
  }
  return rows;
}

/** Up to `n` copies of pages spread over the source (every k-th). */
function samplePages(
  pages: SharedArrayBuffer,
  count: number,
  n: number,
  keep?: (i: number) => boolean,
): Uint8Array[] {
  const all = new Uint8Array(pages);
  const candidates: number[] = [];
  for (let i = 0; i < count; i++) if (keep === undefined || keep(i)) candidates.push(i);
  const stride = Math.max(1, candidates.length / Math.max(1, n));
  const out: Uint8Array[] = [];
  for (let x = 0; x < candidates.length && out.length < n; x += stride) {
    const i = candidates[Math.floor(x)] ?? 0;
    out.push(all.slice(i * PAGE, i * PAGE + PAGE));
  }
  return out;
}

async function runDictionary(
  workers: StudyWorkers,
  pages: SharedArrayBuffer,
  kind: Uint8Array,
  count: number,
  levels: readonly number[],
  maxBytes: number,
  quick: boolean,
  sizesOf: ReadonlyMap<string, Int32Array>,
): Promise<DictionaryResult | null> {
  // Zero and same-filled pages never reach a compressor in zram: leave them out.
  const sample = samplePages(
    pages,
    count,
    quick ? 256 : 2048,
    (i) => kind[i] !== KIND_ZERO && kind[i] !== KIND_SAME_FILLED,
  );
  const t = performance.now();
  let dictionary: Uint8Array;
  try {
    dictionary = trainZstdDictionary(sample, { maxBytes });
  } catch {
    // Too few distinct pages to train on (ZDICT refuses): the study says so by a null.
    return null;
  }
  const trainSeconds = (performance.now() - t) / 1000;
  const rows: DictionaryResult['rows'] = [];
  for (const level of levels) {
    const answers = await workers.run<SizeAnswer>(() => ({
      type: 'dictionary',
      level,
      dictionary,
    }));
    const compressedBytes = answers.reduce((s, a) => s + a.compressedBytes, 0);
    const plain = sizesOf.get(`zstd-${level}`)?.reduce((s, v) => s + v, 0) ?? compressedBytes;
    const ratio = (count * PAGE) / compressedBytes;
    rows.push({
      codec: `zstd-${level}`,
      compressedBytes,
      ratio,
      ratioWithDictionary: (count * PAGE) / (compressedBytes + dictionary.length),
      gain: plain / compressedBytes,
    });
  }
  return { dictionaryBytes: dictionary.length, samplePages: sample.length, trainSeconds, rows };
}
