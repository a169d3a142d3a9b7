/**
 * What the compression study's main thread and its workers say to each other. The
 * pages live once in a SharedArrayBuffer every worker reads; per-page results (each
 * page's compressed size, its zero / same-filled kind) are written straight into shared
 * typed arrays, so a worker's answer is only its timings and pool statistics.
 *
 * Pages are dealt in blocks of BLOCK_PAGES, block b to worker b mod W: neighbouring
 * pages are alike (a zero region, a text segment), so interleaving balances the work
 * without a queue and keeps each worker's pool a fair sample of the whole.
 */

export const BLOCK_PAGES = 512;

/** Page kinds written by the first codec pass. */
export const KIND_OTHER = 0;
export const KIND_ZERO = 1;
export const KIND_SAME_FILLED = 2;

export interface WorkerSetup {
  readonly pages: SharedArrayBuffer;
  readonly pageCount: number;
  readonly pageSize: number;
  readonly worker: number;
  readonly workers: number;
  /** Int32Array[1]: pages processed, summed over every pass (Atomics.add), for the progress bar. */
  readonly progress: SharedArrayBuffer;
}

/** Store every page of this worker's share in a real zswap pool, then load them all back. */
export interface PoolTask {
  readonly type: 'pool';
  readonly codec: 'lz4' | 'zstd';
  readonly level: number;
  /** Int32Array over pageCount: each page's true compressed size (may exceed the page). */
  readonly sizes: SharedArrayBuffer;
  /** Uint8Array over pageCount, filled when given (the first pass only). */
  readonly kinds: SharedArrayBuffer | null;
  /** Page counts at which the pool's footprint is sampled (this worker's pages stored so far). */
  readonly checkpoints: readonly number[];
}

/** Compress this worker's share in units of `unitBytes` (several pages per call). */
export interface UnitsTask {
  readonly type: 'units';
  readonly codec: 'lz4' | 'zstd';
  readonly level: number;
  readonly unitBytes: number;
}

/** Compress this worker's share with a zstd dictionary (one frame per page). */
export interface DictionaryTask {
  readonly type: 'dictionary';
  readonly level: number;
  readonly dictionary: Uint8Array;
}

export type WorkerTask = PoolTask | UnitsTask | DictionaryTask;

export interface PoolAnswer {
  readonly type: 'pool';
  readonly pages: number;
  readonly storedRaw: number;
  /** Bytes the pool held for entries (raw ones at page size). */
  readonly heldBytes: number;
  readonly footprintBytes: number;
  readonly poolLimitBytes: number;
  /** hdr-histogram-js compressed base64 of per-page times in ns. */
  readonly storeNs: string;
  readonly loadNs: string;
  /** Sum of per-page store / load times (ms): CPU spent in the pool, for throughput. */
  readonly storeMs: number;
  readonly loadMs: number;
  readonly wallMs: number;
  /** Loads whose bytes differed from the page stored (must be 0). */
  readonly mismatches: number;
  readonly checkpoints: readonly { pages: number; heldBytes: number; footprintBytes: number }[];
  readonly library: string;
}

export interface SizeAnswer {
  readonly type: 'units' | 'dictionary';
  readonly inputBytes: number;
  readonly compressedBytes: number;
  readonly calls: number;
  readonly ms: number;
}

export type WorkerAnswer =
  | PoolAnswer
  | SizeAnswer
  | { readonly type: 'error'; readonly message: string };

/** How many pages worker `w` of `W` gets. */
export function workerShare(pageCount: number, w: number, W: number): number {
  let n = 0;
  for (let b = w * BLOCK_PAGES; b < pageCount; b += W * BLOCK_PAGES)
    n += Math.min(BLOCK_PAGES, pageCount - b);
  return n;
}
