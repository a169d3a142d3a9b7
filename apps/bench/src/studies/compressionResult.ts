/**
 * What the compression study returns and writes as JSON: one zod schema (its JSON
 * Schema is written beside the data by the report kit) and the types inferred from it.
 * Ratios are input bytes / compressed bytes; shares are fractions of the pages; speeds
 * are MB/s of input (10^6 bytes, as the lz4 and zstd tools print them).
 */

import { z } from 'zod';

const count = z.number().int().nonnegative();
const share = z.number().min(0).max(1);

export const latencySchema = z.object({
  p50Us: z.number().nonnegative(),
  p99Us: z.number().nonnegative(),
  meanUs: z.number().nonnegative(),
  maxUs: z.number().nonnegative(),
});

export const nativeRunSchema = z.object({
  command: z.string(),
  inputBytes: count,
  compressedBytes: count,
  ratio: z.number().positive(),
  compressMBps: z.number().nonnegative(),
  decompressMBps: z.number().nonnegative(),
  wallSeconds: z.number().nonnegative(),
});

export const codecResultSchema = z.object({
  /** `lz4` or `zstd-N`. */
  codec: z.string(),
  /** The library and its version (`liblz4 1.9.4`). */
  library: z.string(),
  pages: count,
  inputBytes: count,
  /** Sum of every page's compressed size, also of those larger than a page. */
  compressedBytes: count,
  ratio: z.number().positive(),
  /** Pages whose compressed size is at least a page: zswap stores them raw (or rejects them). */
  incompressiblePages: count,
  incompressibleShare: share,
  /** Pages compressing to more than 2990 bytes: Google's far-memory cut-off. */
  over2990Pages: count,
  over2990Share: share,
  /** Pages per compressed-size bin (`toBytes` exclusive; the last bin holds sizes above a page). */
  sizeHistogram: z.array(z.object({ fromBytes: count, toBytes: count, pages: count })),
  pool: z.object({
    /** One pool per worker; each held `pagesPerPool` pages. */
    pools: count,
    pagesPerPool: count,
    /** The limit each pool had (never reached: the study measures packing). */
    poolLimitBytes: count,
    storedRaw: count,
    /** Bytes of entries (raw ones counted as a page). */
    heldBytes: count,
    /** Bytes of zspages the arenas held: the real footprint. */
    footprintBytes: count,
    /** Input bytes / footprint. */
    ratio: z.number().positive(),
    /** footprint / held - 1: what packing into zspages costs. */
    packingOverhead: z.number(),
    /** The first pool's footprint as it filled. */
    growth: z.array(z.object({ pages: count, heldBytes: count, footprintBytes: count })),
  }),
  store: latencySchema,
  load: latencySchema,
  throughput: z.object({
    /**
     * One page over the median store / load time: a core's speed when nothing else
     * runs (the CLIs likewise report their best iteration).
     */
    storeMBpsAtP50: z.number().nonnegative(),
    loadMBpsAtP50: z.number().nonnegative(),
    /** Input MB per second of the summed per-page times: includes preemption and GC on a busy machine. */
    storeMBpsPerCore: z.number().nonnegative(),
    loadMBpsPerCore: z.number().nonnegative(),
    /** Wall time of this codec's pass (all workers: store, load, compare). */
    wallSeconds: z.number().nonnegative(),
  }),
  /** The CLI on the same bytes, or null when not run. */
  native: nativeRunSchema.nullable(),
});

export const unitsResultSchema = z.object({
  codec: z.string(),
  unitBytes: count,
  compressedBytes: count,
  ratio: z.number().positive(),
  /** ratio / the 4 KiB ratio. */
  gain: z.number().positive(),
});

export const dictionaryResultSchema = z.object({
  dictionaryBytes: count,
  samplePages: count,
  trainSeconds: z.number().nonnegative(),
  rows: z.array(
    z.object({
      codec: z.string(),
      compressedBytes: count,
      ratio: z.number().positive(),
      /** Counting the dictionary once, as a device holds it once. */
      ratioWithDictionary: z.number().positive(),
      gain: z.number().positive(),
    }),
  ),
});

export const bindingResultSchema = z.object({
  /** What a user would install or call. */
  binding: z.string(),
  library: z.string(),
  codec: z.string(),
  pages: count,
  ratio: z.number().positive(),
  compressMBps: z.number().nonnegative(),
  decompressMBps: z.number().nonnegative(),
  /** Batch codecs: one promise for all pages; the others: one synchronous call per page. */
  calls: z.enum(['per page', 'one batch']),
});

export const regionResultSchema = z.object({
  name: z.string(),
  /** The mapping's start address (0 for a file): tells apart regions of one name. */
  start: z.number().nonnegative(),
  perms: z.string(),
  pages: count,
  zeroShare: share,
  sameFilledShare: share,
  /** Ratio per codec (name → ratio). */
  ratios: z.record(z.string(), z.number().positive()),
});

export const compressionResultSchema = z.object({
  source: z.object({
    name: z.string(),
    pages: count,
    bytes: count,
    regions: count,
    /** The source had more pages than maxPages: the first maxPages were studied. */
    truncated: z.boolean(),
  }),
  pageSize: count,
  workers: count,
  quick: z.boolean(),
  zeroPages: count,
  zeroShare: share,
  /** Pages filled with one repeated non-zero 32-bit word. */
  sameFilledPages: count,
  sameFilledShare: share,
  codecs: z.array(codecResultSchema),
  units: z.array(unitsResultSchema),
  dictionary: dictionaryResultSchema.nullable(),
  bindings: z.array(bindingResultSchema),
  regions: z.array(regionResultSchema),
  timing: z.object({
    /** Reading the source into shared memory. */
    loadSeconds: z.number().nonnegative(),
    /** The codec passes (pool store + load of every page, all codecs). */
    codecSeconds: z.number().nonnegative(),
    totalSeconds: z.number().nonnegative(),
    /** The native CLIs, one after another. */
    nativeSeconds: z.number().nonnegative(),
  }),
});

export type CompressionResult = z.infer<typeof compressionResultSchema>;
export type CodecResult = z.infer<typeof codecResultSchema>;
export type Latency = z.infer<typeof latencySchema>;
export type BindingResult = z.infer<typeof bindingResultSchema>;
export type UnitsResult = z.infer<typeof unitsResultSchema>;
export type DictionaryResult = z.infer<typeof dictionaryResultSchema>;
export type RegionResult = z.infer<typeof regionResultSchema>;
