/**
 * The compression study's worker thread: runs one task at a time over its share of the
 * pages (compressionProtocol.ts) and answers with timings and pool statistics.
 *
 * The pool pass is what a kernel zswap does with these pages: each page goes through a
 * real @tierswap/zswap pool's store() (compression plus packing into the zsmalloc-like
 * arena), is timed alone, and its compressed size is read back with lengthOf(); then
 * every page is loaded back (exclusive, as zswap_load), timed, and compared with the
 * original. Pages the pool keeps raw are compressed once more to learn their true
 * size, so the study's totals are the native tools' (which count output, not storage).
 */

import { parentPort, workerData } from 'node:worker_threads';
import { createVirtualClock } from '@tierswap/base';
import { createCodec, createZstdDictionaryCodec, sameFilledWord } from '@tierswap/compress';
import { createMemcg } from '@tierswap/memcg';
import { createZswapPool } from '@tierswap/zswap';
import { build, encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import {
  BLOCK_PAGES,
  type DictionaryTask,
  KIND_OTHER,
  KIND_SAME_FILLED,
  KIND_ZERO,
  type PoolAnswer,
  type PoolTask,
  type SizeAnswer,
  type UnitsTask,
  type WorkerAnswer,
  type WorkerSetup,
  type WorkerTask,
  workerShare,
} from './compressionProtocol.js';

const setup = workerData as WorkerSetup;
const P = setup.pageSize;
const all = new Uint8Array(setup.pages);
const progress = new Int32Array(setup.progress);

/** Calls fn(i) for every page of this worker, in order. */
function forEachPage(fn: (i: number) => void): void {
  const { pageCount, worker, workers } = setup;
  for (let b = worker * BLOCK_PAGES; b < pageCount; b += workers * BLOCK_PAGES) {
    const end = Math.min(pageCount, b + BLOCK_PAGES);
    for (let i = b; i < end; i++) fn(i);
    Atomics.add(progress, 0, end - b);
  }
}

function runPool(task: PoolTask): PoolAnswer {
  const share = workerShare(setup.pageCount, setup.worker, setup.workers);
  const codec = createCodec(
    task.codec,
    task.codec === 'zstd' ? { level: task.level, pageSize: P } : { pageSize: P },
  );
  const { tree } = createMemcg();
  const group = tree.create('/study');
  // Room for every page raw: the study measures packing, not the limit.
  const ramBytes = Math.max(1, share + 64) * P * 2;
  const pool = createZswapPool({
    codec,
    memcg: tree,
    clock: createVirtualClock(),
    ramBytes,
    maxPoolPercent: 100,
  });
  const sizes = new Int32Array(task.sizes);
  const kinds = task.kinds === null ? null : new Uint8Array(task.kinds);
  const storeNs = build({ numberOfSignificantValueDigits: 3 });
  const loadNs = build({ numberOfSignificantValueDigits: 3 });
  const checkpoints: { pages: number; heldBytes: number; footprintBytes: number }[] = [];
  const wanted = [...task.checkpoints].sort((a, b) => a - b);
  let storeMs = 0;
  let loadMs = 0;
  let stored = 0;
  let storedRaw = 0;
  let held = 0;
  let mismatches = 0;
  const started = performance.now();
  forEachPage((i) => {
    const page = all.subarray(i * P, i * P + P);
    if (kinds !== null) {
      const w = sameFilledWord(page);
      kinds[i] = w === 0 ? KIND_ZERO : w === -1 ? KIND_OTHER : KIND_SAME_FILLED;
    }
    const t0 = performance.now();
    const r = pool.store(i, group, page);
    const t1 = performance.now();
    storeMs += t1 - t0;
    storeNs.recordValue(Math.max(1, Math.round((t1 - t0) * 1e6)));
    if (r === 'stored') {
      sizes[i] = pool.lengthOf(i);
    } else if (r === 'stored_raw') {
      storedRaw++;
      sizes[i] = codec.compress(page).length;
    } else {
      throw new Error(`pool refused page ${i}: ${r.code} (${r.reason})`);
    }
    held += pool.lengthOf(i);
    stored++;
    if (wanted.length > 0 && stored === wanted[0]) {
      wanted.shift();
      checkpoints.push({
        pages: stored,
        heldBytes: held,
        footprintBytes: pool.stats().pool_total_size,
      });
    }
  });
  const footprintBytes = pool.stats().pool_total_size;
  const dst = new Uint8Array(P);
  forEachPage((i) => {
    const t0 = performance.now();
    const r = pool.load(i, dst);
    const t1 = performance.now();
    loadMs += t1 - t0;
    loadNs.recordValue(Math.max(1, Math.round((t1 - t0) * 1e6)));
    if (r !== true) throw new Error(`pool could not load page ${i}: ${r.code} (${r.reason})`);
    if (Buffer.compare(dst, all.subarray(i * P, i * P + P)) !== 0) mismatches++;
  });
  const wallMs = performance.now() - started;
  return {
    type: 'pool',
    pages: stored,
    storedRaw,
    heldBytes: held,
    footprintBytes,
    poolLimitBytes: ramBytes,
    storeNs: encodeIntoCompressedBase64(storeNs),
    loadNs: encodeIntoCompressedBase64(loadNs),
    storeMs,
    loadMs,
    wallMs,
    mismatches,
    checkpoints,
    library: `${codec.binding.name} ${codec.binding.version}`,
  };
}

function runUnits(task: UnitsTask): SizeAnswer {
  const U = task.unitBytes;
  const codec = createCodec(
    task.codec,
    task.codec === 'zstd' ? { level: task.level, pageSize: U } : { pageSize: U },
  );
  const perUnit = U / P;
  const unit = new Uint8Array(U);
  let input = 0;
  let out = 0;
  let calls = 0;
  let fill = 0;
  const started = performance.now();
  // Consecutive pages of this worker's blocks make a unit (blocks are a multiple of
  // every unit size, so units never straddle two workers' blocks).
  forEachPage((i) => {
    unit.set(all.subarray(i * P, i * P + P), fill * P);
    fill++;
    if (fill === perUnit || i === setup.pageCount - 1) {
      if (fill < perUnit) unit.fill(0, fill * P);
      out += codec.compress(unit).length;
      input += fill * P;
      calls++;
      fill = 0;
    }
  });
  return {
    type: 'units',
    inputBytes: input,
    compressedBytes: out,
    calls,
    ms: performance.now() - started,
  };
}

function runDictionary(task: DictionaryTask): SizeAnswer {
  const codec = createZstdDictionaryCodec(task.dictionary, { level: task.level, pageSize: P });
  let input = 0;
  let out = 0;
  let calls = 0;
  const dst = new Uint8Array(P);
  const started = performance.now();
  forEachPage((i) => {
    const page = all.subarray(i * P, i * P + P);
    const c = codec.compress(page);
    out += c.length;
    if (codec.decompress(c, dst) !== true || Buffer.compare(dst, page) !== 0) {
      throw new Error(`page ${i} does not round-trip through the dictionary codec`);
    }
    input += P;
    calls++;
  });
  return {
    type: 'dictionary',
    inputBytes: input,
    compressedBytes: out,
    calls,
    ms: performance.now() - started,
  };
}

function run(task: WorkerTask): WorkerAnswer {
  switch (task.type) {
    case 'pool':
      return runPool(task);
    case 'units':
      return runUnits(task);
    case 'dictionary':
      return runDictionary(task);
  }
}

parentPort?.on('message', (task: WorkerTask) => {
  let answer: WorkerAnswer;
  try {
    answer = run(task);
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    answer = { type: 'error', message };
  }
  parentPort?.postMessage(answer);
});
