/**
 * The compression study's arithmetic over what the workers left in shared memory: each
 * codec's totals, shares, size histogram, pool and latency figures, and the per-region
 * breakdown. Kept apart from compressionStudy.ts, which orchestrates the passes.
 */

import type { PageSource } from '@tierswap/workload';
import { build, decodeFromCompressedBase64, type Histogram } from 'hdr-histogram-js';
import type { NativeRun } from './compressionNative.js';
import { KIND_SAME_FILLED, KIND_ZERO, type PoolAnswer } from './compressionProtocol.js';
import type { CodecResult, Latency, RegionResult } from './compressionResult.js';

/** Bytes per page: the PageSource contract's. */
export const PAGE = 4096;

const GOOGLE_CUTOFF = 2990;

const HIST_BIN = 256;

/** A codec of the study: `lz4` or `zstd-N`. */
export interface CodecSpec {
  readonly name: string;
  readonly codec: 'lz4' | 'zstd';
  readonly level: number;
}

function latency(h: Histogram): Latency {
  return {
    p50Us: h.getValueAtPercentile(50) / 1000,
    p99Us: h.getValueAtPercentile(99) / 1000,
    meanUs: h.mean / 1000,
    maxUs: h.maxValue / 1000,
  };
}

function mergeHistograms(encoded: readonly string[]): Histogram {
  // Decoded histograms do not grow: add them into one that does.
  const merged = build({ numberOfSignificantValueDigits: 3, autoResize: true });
  for (const e of encoded) merged.add(decodeFromCompressedBase64(e));
  return merged;
}

function sizeHistogram(sizes: Int32Array): CodecResult['sizeHistogram'] {
  const bins = PAGE / HIST_BIN;
  const counts = new Array<number>(bins + 1).fill(0);
  let max = PAGE;
  for (const s of sizes) {
    const b = s >= PAGE ? bins : Math.floor(s / HIST_BIN);
    counts[b] = (counts[b] ?? 0) + 1;
    if (s > max) max = s;
  }
  return counts.map((pages, b) => ({
    fromBytes: b * HIST_BIN,
    toBytes: b === bins ? max + 1 : (b + 1) * HIST_BIN,
    pages,
  }));
}

/** Pages stored so far at which worker 0's pool footprint is sampled. */

export function codecResult(
  spec: CodecSpec,
  sizes: Int32Array,
  answers: readonly PoolAnswer[],
  native: NativeRun | null,
  W: number,
): CodecResult {
  const pages = sizes.length;
  const inputBytes = pages * PAGE;
  let compressedBytes = 0;
  let incompressible = 0;
  let over = 0;
  for (const s of sizes) {
    compressedBytes += s;
    if (s >= PAGE) incompressible++;
    if (s > GOOGLE_CUTOFF) over++;
  }
  const held = answers.reduce((s, a) => s + a.heldBytes, 0);
  const footprint = answers.reduce((s, a) => s + a.footprintBytes, 0);
  const storeMs = answers.reduce((s, a) => s + a.storeMs, 0);
  const loadMs = answers.reduce((s, a) => s + a.loadMs, 0);
  const store = latency(mergeHistograms(answers.map((a) => a.storeNs)));
  const load = latency(mergeHistograms(answers.map((a) => a.loadNs)));
  return {
    codec: spec.name,
    library: answers[0]?.library ?? 'unknown',
    pages,
    inputBytes,
    compressedBytes,
    ratio: inputBytes / compressedBytes,
    incompressiblePages: incompressible,
    incompressibleShare: incompressible / pages,
    over2990Pages: over,
    over2990Share: over / pages,
    sizeHistogram: sizeHistogram(sizes),
    pool: {
      pools: W,
      pagesPerPool: Math.max(...answers.map((a) => a.pages)),
      poolLimitBytes: answers[0]?.poolLimitBytes ?? 0,
      storedRaw: answers.reduce((s, a) => s + a.storedRaw, 0),
      heldBytes: held,
      footprintBytes: footprint,
      ratio: inputBytes / Math.max(1, footprint),
      packingOverhead: footprint / Math.max(1, held) - 1,
      growth: [...(answers[0]?.checkpoints ?? [])],
    },
    store,
    load,
    throughput: {
      storeMBpsAtP50: PAGE / Math.max(1e-3, store.p50Us),
      loadMBpsAtP50: PAGE / Math.max(1e-3, load.p50Us),
      storeMBpsPerCore: inputBytes / 1e6 / Math.max(1e-9, storeMs / 1000),
      loadMBpsPerCore: inputBytes / 1e6 / Math.max(1e-9, loadMs / 1000),
      wallSeconds: Math.max(...answers.map((a) => a.wallMs)) / 1000,
    },
    native,
  };
}

export function regionBreakdown(
  source: PageSource,
  regionOf: Int32Array,
  kind: Uint8Array,
  specs: readonly CodecSpec[],
  sizesOf: ReadonlyMap<string, Int32Array>,
): RegionResult[] {
  const R = source.regions.length;
  const pages = new Float64Array(R);
  const zero = new Float64Array(R);
  const same = new Float64Array(R);
  const bytes = specs.map(() => new Float64Array(R));
  for (let i = 0; i < regionOf.length; i++) {
    const r = regionOf[i] ?? 0;
    pages[r] = (pages[r] ?? 0) + 1;
    if (kind[i] === KIND_ZERO) zero[r] = (zero[r] ?? 0) + 1;
    else if (kind[i] === KIND_SAME_FILLED) same[r] = (same[r] ?? 0) + 1;
    specs.forEach((spec, k) => {
      const b = bytes[k];
      if (b !== undefined) b[r] = (b[r] ?? 0) + (sizesOf.get(spec.name)?.[i] ?? 0);
    });
  }
  const rows: RegionResult[] = [];
  for (let r = 0; r < R; r++) {
    const n = pages[r] ?? 0;
    if (n === 0) continue;
    const region = source.regions[r];
    const ratios: Record<string, number> = {};
    specs.forEach((spec, k) => {
      ratios[spec.name] = (n * PAGE) / Math.max(1, bytes[k]?.[r] ?? 0);
    });
    rows.push({
      name: region?.name === '' ? '[anon]' : (region?.name ?? `region ${r}`),
      start: region?.start ?? 0,
      perms: region?.perms ?? '',
      pages: n,
      zeroShare: (zero[r] ?? 0) / n,
      sameFilledShare: (same[r] ?? 0) / n,
      ratios,
    });
  }
  return rows.sort((a, b) => b.pages - a.pages);
}
