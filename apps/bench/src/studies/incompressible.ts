/**
 * Study 6, incompressible pages: what zswap should do with a page that does not
 * compress, on a job with an incompressible share:
 *
 * - reject: the store is refused and the page goes to disk (the kernel before
 *   dca4437a5861, and what Nhat Pham's 2023 series set out to avoid);
 * - store_raw: kept uncompressed in zswap (the kernel since then): no disk I/O, a full
 *   page of memory each, LRU order kept for writeback; Yosry Ahmed's objection in the
 *   thread was that reclaim then frees nothing for these pages;
 * - retry: stored raw, and the shrink worker recompresses raw entries older than 60 s
 *   with zstd (the stores use lz4).
 *
 * The job's pages are interleaved: the node binary's (compressible), base64 text of
 * random bytes (tokens, encoded blobs: lz4 finds no repeats in it but zstd's entropy
 * coder takes a quarter off), and random bytes (incompressible by any codec). Measured
 * per mode: memory (mean memory.current and zswap bytes), disk writes, refaults from
 * disk and zswap, CPU (codec time and the run's process time), and the raw entries
 * and retries.
 */

import { fileSource, generatedSource, type PageSource, zipfPattern } from '@tierswap/workload';
import type { IncompressibleMode } from '@tierswap/zswap';
import { z } from 'zod';
import { JOB_DIR, runJob } from './jobWorkload.js';
import {
  finishStudy,
  MiB,
  mdTable,
  measurePanels,
  PAGE,
  round,
  type StudyChart,
  type StudyOptions,
  type StudyOutput,
} from './studyKit.js';

export const MODES: readonly IncompressibleMode[] = ['reject', 'store_raw', 'retry'];

export interface IncompressibleOptions extends StudyOptions {
  readonly pages?: number;
  readonly durationSeconds?: number;
  /** Shares of the job's pages: base64 text and random bytes (default 0.2 each). */
  readonly base64Share?: number;
  readonly randomShare?: number;
}

const rowSchema = z.object({
  mode: z.enum(['reject', 'store_raw', 'retry']),
  meanCurrentBytes: z.number(),
  meanZswapBytes: z.number(),
  pswpout: z.number(),
  diskRefaultsPerMinute: z.number(),
  zswapRefaultsPerMinute: z.number(),
  codecMs: z.number(),
  cpuMs: z.number(),
  rawPagesAtEnd: z.number(),
  recompressAttempts: z.number(),
  recompressedPages: z.number(),
});

export const incompressibleSchema = z.object({
  pages: z.number(),
  durationSeconds: z.number(),
  shares: z.object({ binary: z.number(), base64: z.number(), random: z.number() }),
  rows: z.array(rowSchema),
});
export type IncompressibleData = z.output<typeof incompressibleSchema>;

/** Fill a page with base64 text of `bytes` (4 characters per 3 bytes). */
function base64Page(bytes: Uint8Array): Uint8Array {
  const text = Buffer.from(bytes.subarray(0, 3072)).toString('base64');
  return new TextEncoder().encode(text.slice(0, PAGE));
}

/** The job's pages: binary, base64 and random interleaved by index, in fixed proportions. */
export function mixedSource(pages: number, base64Share: number, randomShare: number): PageSource {
  const nB64 = Math.round(pages * base64Share);
  const nRand = Math.round(pages * randomShare);
  const nBin = pages - nB64 - nRand;
  const binary = fileSource(process.execPath, { maxPages: nBin });
  const random = generatedSource({ pages: nB64 + nRand, seed: 7, incompressibleShare: 1 });
  // Spread the kinds evenly over the address space: page i takes the kind furthest behind its share.
  const kinds: number[] = [];
  const want = [nBin, nB64, nRand];
  const got = [0, 0, 0];
  for (let i = 0; i < pages; i++) {
    let k = 0;
    for (let j = 1; j < 3; j++) if (want[j]! - got[j]! > want[k]! - got[k]!) k = j;
    // (the one with the most still to place, relative to what is left)
    got[k]!++;
    kinds.push(k);
  }
  return {
    name: `node binary ${nBin} + base64 ${nB64} + random ${nRand} pages`,
    regions: binary.regions,
    pageCount: pages,
    *pages() {
      const bin = binary.pages()[Symbol.iterator]();
      const rnd = random.pages()[Symbol.iterator]();
      let b64Left = nB64;
      for (const k of kinds) {
        if (k === 0) {
          const n = bin.next();
          if (!n.done) yield n.value;
        } else {
          const n = rnd.next();
          if (n.done) continue;
          if (k === 1 && b64Left-- > 0) yield { bytes: base64Page(n.value.bytes), region: 0 };
          else yield n.value;
        }
      }
    },
  };
}

export async function incompressibleStudy(
  options: IncompressibleOptions = {},
): Promise<StudyOutput<typeof incompressibleSchema>> {
  const quick = options.quick === true;
  const pages = options.pages ?? (quick ? 1024 : 8192);
  const duration = options.durationSeconds ?? (quick ? 600 : 3600);
  const b64 = options.base64Share ?? 0.2;
  const rnd = options.randomShare ?? 0.2;
  const source = mixedSource(pages, b64, rnd);
  const pattern = zipfPattern({ rate: pages / 20, exponent: 1.1 });
  const P = '/sys/module/zswap/parameters';
  const rows: z.input<typeof rowSchema>[] = [];
  // A short run first, discarded: the first run in a process pays for JIT warm-up.
  await runJob({ source, pattern, durationSeconds: 60 });
  for (const [k, mode] of MODES.entries()) {
    const m = await runJob({
      source,
      pattern,
      durationSeconds: duration,
      timeline: [
        { kind: 'write', path: `${P}/incompressible`, value: mode, at: 0 },
        { kind: 'write', path: `${P}/retry_compressor`, value: 'zstd', at: 0 },
        { kind: 'write', path: `${P}/raw_retry_seconds`, value: '60', at: 0 },
        // Proactive writeback of cold entries, so raw entries have somewhere to go too.
        {
          kind: 'write',
          path: `${JOB_DIR}/memory.zswap.proactive_writeback`,
          value: `max=${Math.floor(pages / 4) * PAGE} 600`,
          every: 60,
        },
      ],
    });
    const vm = m.run.final.stats.vmstat;
    rows.push({
      mode,
      meanCurrentBytes: Math.round(m.meanCurrentBytes),
      meanZswapBytes: Math.round(m.meanZswapBytes),
      pswpout: m.pswpout,
      diskRefaultsPerMinute: round(m.diskRefaultsPerMinute),
      zswapRefaultsPerMinute: round(m.zswapRefaultsPerMinute),
      codecMs: round(m.codecMs),
      cpuMs: round(m.cpuMs),
      rawPagesAtEnd: vm.stored_incompressible_pages ?? 0,
      recompressAttempts: vm.recompress_attempts ?? 0,
      recompressedPages: vm.recompressed_pages ?? 0,
    });
    options.onProgress?.(k + 1, MODES.length, mode);
  }
  const data: IncompressibleData = {
    pages,
    durationSeconds: duration,
    shares: { binary: round(1 - b64 - rnd), base64: b64, random: rnd },
    rows: rows as IncompressibleData['rows'],
  };
  return finishStudy(options, {
    id: 'incompressible',
    title: 'Incompressible pages: reject, store raw, or store raw and retry',
    order: 6,
    schema: incompressibleSchema,
    data,
    summary: summary(data),
    charts: [chart(data)],
  });
}

function summary(d: IncompressibleData): string {
  const by = (m: IncompressibleMode) => d.rows.find((r) => r.mode === m)!;
  const [rej, raw, retry] = [by('reject'), by('store_raw'), by('retry')];
  const mib = (b: number) => round(b / MiB, 2);
  return [
    '# Incompressible pages',
    '',
    `A job of ${d.pages} pages: ${round(d.shares.binary * 100)}% the node binary, ${round(d.shares.base64 * 100)}% base64 text ` +
      `of random bytes (lz4 cannot shrink it, zstd can), ${round(d.shares.random * 100)}% random bytes; zipf 1.1, an agent ` +
      `reclaiming 2% every 5 s into zswap (lz4), proactive writeback of entries older than 600 s every 60 s; ` +
      `${d.durationSeconds} virtual seconds per mode. retry recompresses raw entries older than 60 s with zstd.`,
    '',
    mdTable(
      [
        'mode',
        'memory.current MiB',
        'zswap MiB',
        'pages to disk',
        'disk refaults/min',
        'zswap refaults/min',
        'codec ms',
        'CPU ms',
        'raw at end',
        'retries (ok)',
      ],
      d.rows.map((r) => [
        r.mode,
        mib(r.meanCurrentBytes),
        mib(r.meanZswapBytes),
        r.pswpout,
        r.diskRefaultsPerMinute,
        r.zswapRefaultsPerMinute,
        r.codecMs,
        r.cpuMs,
        r.rawPagesAtEnd,
        `${r.recompressAttempts} (${r.recompressedPages})`,
      ]),
    ),
    '',
    `- reject keeps zswap small (${mib(rej.meanZswapBytes)} MiB) by sending what does not compress to disk: ` +
      `${rej.pswpout} pages written, ${rej.diskRefaultsPerMinute} disk refaults/min.`,
    `- store_raw writes ${raw.pswpout} pages to disk and holds ${mib(raw.meanZswapBytes)} MiB in zswap, ` +
      `${raw.rawPagesAtEnd} of its entries raw at the end: the memory reclaim did not free (the thread's objection), ` +
      `paid for with ${raw.zswapRefaultsPerMinute} cheap zswap refaults/min instead of disk ones.`,
    `- retry recompressed ${retry.recompressedPages} of ${retry.recompressAttempts} attempts (the base64 pages; random ones never compress), ` +
      `${mib(retry.meanZswapBytes)} MiB in zswap against ${mib(raw.meanZswapBytes)} MiB for store_raw, ` +
      `for ${round(retry.codecMs - raw.codecMs)} ms more codec time.`,
  ].join('\n');
}

function chart(d: IncompressibleData): StudyChart {
  const values = d.rows.flatMap((r) => [
    { mode: r.mode, metric: 'zswap MiB (mean)', value: round(r.meanZswapBytes / MiB, 3) },
    {
      mode: r.mode,
      metric: 'memory.current MiB (mean)',
      value: round(r.meanCurrentBytes / MiB, 3),
    },
    { mode: r.mode, metric: 'disk refaults / min', value: r.diskRefaultsPerMinute },
    { mode: r.mode, metric: 'codec ms', value: r.codecMs },
  ]);
  return measurePanels(
    {
      id: 'modes',
      title: 'Memory, refaults and CPU for each way of handling incompressible pages',
      caption: 'One panel per measure, one bar per mode.',
    },
    'mode',
    values,
    { width: 200, height: 150 },
  );
}
