/**
 * The compression study's written part: a Markdown summary whose first lines are the
 * conclusion in numbers, then the tables behind it, and writeCompressionReport, which
 * hands summary, charts and result to the report kit.
 */

import type { ReportWriter, StudyFiles } from '../report/reportWriter.js';
import { compressionCharts } from './compressionCharts.js';
import { type CompressionResult, compressionResultSchema } from './compressionResult.js';

const MIB = 2 ** 20;

function pct(x: number): string {
  return `${(x * 100).toFixed(x < 0.01 && x > 0 ? 2 : 1)}%`;
}
function num(x: number, digits = 2): string {
  return x.toFixed(digits);
}
function us(x: number): string {
  return x < 10 ? x.toFixed(2) : x.toFixed(1);
}

/** The conclusion and tables, Markdown. */
export function compressionSummary(r: CompressionResult): string {
  const lines: string[] = [];
  const mib = (r.source.bytes / MIB).toFixed(1);
  lines.push(`# Compression study: ${r.source.name}`);
  lines.push('');
  lines.push(
    `${r.source.pages} pages (${mib} MiB${r.source.truncated ? ', the first pages of a larger source' : ''}) in ${r.source.regions} region${r.source.regions === 1 ? '' : 's'}, ` +
      `on ${r.workers} worker thread${r.workers === 1 ? '' : 's'}${r.quick ? ' (quick run: a small sample, numbers are indicative)' : ''}. ` +
      `Zero pages: **${pct(r.zeroShare)}**; other same-filled pages: **${pct(r.sameFilledShare)}** (zram stores both without compressing them).`,
  );
  lines.push('');
  const best = [...r.codecs].sort((a, b) => b.ratio - a.ratio)[0];
  const fastest = [...r.codecs].sort((a, b) => a.store.p50Us - b.store.p50Us)[0];
  if (best !== undefined && fastest !== undefined) {
    lines.push(
      `**Conclusion.** ${best.codec} compresses these pages most (ratio ${num(best.ratio)}; ${num(best.pool.ratio)} after packing into the pool), ` +
        `${fastest.codec} stores fastest (p50 ${us(fastest.store.p50Us)} µs, load p50 ${us(fastest.load.p50Us)} µs). ` +
        `${pct(best.incompressibleShare)} of pages do not compress below a page with ${best.codec}, and ${pct(best.over2990Share)} exceed Google's 2990 B cut-off.` +
        unitsSentence(r) +
        dictionarySentence(r),
    );
    lines.push('');
  }
  lines.push(
    '| codec | ratio | pool ratio | packing overhead | incompressible | > 2990 B | store p50 / p99 µs | load p50 / p99 µs | store MB/s p50 / mean | load MB/s p50 / mean | CLI ratio | CLI comp MB/s | CLI decomp MB/s |',
  );
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const c of r.codecs) {
    const n = c.native;
    lines.push(
      `| ${c.codec} | ${num(c.ratio, 3)} | ${num(c.pool.ratio, 3)} | ${pct(c.pool.packingOverhead)} | ${pct(c.incompressibleShare)} | ${pct(c.over2990Share)} | ` +
        `${us(c.store.p50Us)} / ${us(c.store.p99Us)} | ${us(c.load.p50Us)} / ${us(c.load.p99Us)} | ${num(c.throughput.storeMBpsAtP50, 0)} / ${num(c.throughput.storeMBpsPerCore, 0)} | ${num(c.throughput.loadMBpsAtP50, 0)} / ${num(c.throughput.loadMBpsPerCore, 0)} | ` +
        `${n === null ? '–' : num(n.ratio, 3)} | ${n === null ? '–' : num(n.compressMBps, 0)} | ${n === null ? '–' : num(n.decompressMBps, 0)} |`,
    );
  }
  lines.push('');
  const first = r.codecs[0];
  if (first !== undefined) {
    lines.push(
      `Pool: ${first.pool.pools} pool${first.pool.pools === 1 ? '' : 's'} (one per worker) of up to ${first.pool.pagesPerPool} pages each ` +
        `(${((first.pool.pagesPerPool * r.pageSize) / MIB).toFixed(1)} MiB of pages per pool); a smaller pool packs worse (the packing chart).`,
    );
    lines.push('');
  }
  const exact = r.codecs.filter((c) => c.native !== null);
  if (exact.length > 0) {
    const same = exact.every((c) => c.native?.compressedBytes === c.compressedBytes);
    lines.push(
      same
        ? `The compressed totals equal the CLIs' to the byte (${exact.map((c) => `${c.codec} ${c.compressedBytes} B`).join(', ')}).`
        : `Compressed totals against the CLIs: ${exact.map((c) => `${c.codec} ours ${c.compressedBytes} B, CLI ${c.native?.compressedBytes} B`).join('; ')}.`,
    );
    lines.push('');
  }
  lines.push('<!-- charts -->');
  lines.push('');
  if (r.units.length > 0) {
    lines.push('## Multi-page units (zram multi-page proposal)');
    lines.push('');
    lines.push('| codec | unit | ratio | gain over 4 KiB |');
    lines.push('|---|---:|---:|---:|');
    for (const u of r.units)
      lines.push(
        `| ${u.codec} | ${u.unitBytes / 1024} KiB | ${num(u.ratio, 3)} | ${num(u.gain, 3)}x |`,
      );
    lines.push('');
  }
  if (r.dictionary !== null) {
    const d = r.dictionary;
    lines.push('## zstd with a dictionary (zram dictionaries)');
    lines.push('');
    lines.push(
      `A ${d.dictionaryBytes} B dictionary trained on ${d.samplePages} sample pages in ${num(d.trainSeconds, 2)} s.`,
    );
    lines.push('');
    lines.push('| codec | ratio | ratio counting the dictionary | gain |');
    lines.push('|---|---:|---:|---:|');
    for (const row of d.rows)
      lines.push(
        `| ${row.codec} | ${num(row.ratio, 3)} | ${num(row.ratioWithDictionary, 3)} | ${num(row.gain, 3)}x |`,
      );
    lines.push('');
  }
  if (r.bindings.length > 0) {
    lines.push('## Node bindings');
    lines.push('');
    lines.push('| binding | library | codec | ratio | compress MB/s | decompress MB/s | calls |');
    lines.push('|---|---|---|---:|---:|---:|---|');
    for (const b of r.bindings) {
      lines.push(
        `| ${b.binding} | ${b.library} | ${b.codec} | ${num(b.ratio, 3)} | ${num(b.compressMBps, 0)} | ${num(b.decompressMBps, 0)} | ${b.calls} |`,
      );
    }
    lines.push('');
  }
  if (r.regions.length > 1) {
    const codecs = r.codecs.map((c) => c.codec);
    lines.push('## Per region (largest 15)');
    lines.push('');
    lines.push(`| region | start | perms | MiB | zero | same-filled | ${codecs.join(' | ')} |`);
    lines.push(`|---|---|---|---:|---:|---:|${codecs.map(() => '---:').join('|')}|`);
    for (const g of r.regions.slice(0, 15)) {
      lines.push(
        `| ${g.name.replaceAll('|', '\\|')} | ${g.start > 0 ? `0x${g.start.toString(16)}` : ''} | ${g.perms} | ${((g.pages * r.pageSize) / MIB).toFixed(1)} | ${pct(g.zeroShare)} | ${pct(g.sameFilledShare)} | ` +
          `${codecs.map((c) => num(g.ratios[c] ?? 0, 2)).join(' | ')} |`,
      );
    }
    lines.push('');
  }
  lines.push('## How it was measured');
  lines.push('');
  lines.push(
    '- Every page went through a real `@tierswap/zswap` pool: `store` (compression and packing into the arena) and `load` (decompression), each timed alone with `performance.now()`, into hdr-histogram-js; every load was compared with the page stored.',
  );
  lines.push(
    "- Ratios count every page's compressed size, also beyond a page for incompressible ones (the pool keeps those raw), so they are the CLIs' numbers: `lz4 -b1 -B4096` and `zstd -bN -B4096` compress the same file in independent 4 KiB blocks and print the exact total.",
  );
  lines.push(
    "- Multi-page units compress consecutive pages of the source together (`createCodec` with a 16 or 64 KiB page). The dictionary (`trainZstdDictionary`, libzstd's ZDICT) is trained on a spread sample of the non-zero pages and then used on every page, the sample included, as a zram device would train on its own data; the second ratio counts its bytes once.",
  );
  lines.push(
    "- Throughput: ours is one page over the median store / load time (one core's speed, as the CLIs report their best iteration) and, after it, input over the summed per-page times (which on a busy machine include preemption and garbage collection).",
  );
  lines.push(
    `- Times: reading the source ${num(r.timing.loadSeconds, 2)} s, codec passes ${num(r.timing.codecSeconds, 2)} s, the CLIs ${num(r.timing.nativeSeconds, 2)} s, all ${num(r.timing.totalSeconds, 2)} s.`,
  );
  return lines.join('\n');
}

function unitsSentence(r: CompressionResult): string {
  const u64 = r.units.filter((u) => u.unitBytes === 65536);
  if (u64.length === 0) return '';
  const g = u64.map((u) => `${u.codec} ${num(u.gain, 2)}x`).join(', ');
  return ` Compressing 64 KiB units instead of single pages gains ${g}.`;
}

function dictionarySentence(r: CompressionResult): string {
  const d = r.dictionary;
  if (d === null || d.rows.length === 0) return '';
  const worse = d.rows.some((x) => x.gain < 1);
  return (
    ` A ${Math.round(d.dictionaryBytes / 1024)} KiB zstd dictionary trained on a sample changes the ratio by ${d.rows.map((x) => `${x.codec} ${num(x.gain, 2)}x`).join(', ')}` +
    (worse ? ' (these pages are too varied for one small dictionary to help).' : '.')
  );
}

/** Write the study into a report (JSON + schema, summary, charts, index). */
export function writeCompressionReport(
  writer: ReportWriter,
  result: CompressionResult,
  id = 'compression',
): Promise<StudyFiles> {
  return writer.addStudy({
    id,
    title: `Compression: ${result.source.name}`,
    order: 1,
    schema: compressionResultSchema,
    data: result,
    summary: compressionSummary(result),
    charts: compressionCharts(result),
  });
}
