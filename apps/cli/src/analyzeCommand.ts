/**
 * `tierswap analyze <path... | --pid N | --snapshot FILE>`: apps/bench's compression
 * study on real pages (files and directories, a live process, a snapshot file): per
 * codec the ratio, the zero / same-filled / incompressible shares, the real pool
 * footprint, store and load latency and speed next to the lz4 / zstd CLIs on the same
 * bytes. Tables in the terminal, the whole result with --json, a report directory
 * (JSON + schema, Markdown, charts, HTML) with --report DIR.
 */

import type { CompressionResult } from '@tierswap/bench';
import {
  compressionStudy,
  createReportWriter,
  parseCodecName,
  studyId,
  writeCompressionReport,
} from '@tierswap/bench';
import type { PageSource } from '@tierswap/workload';
import { fileSource, processSource, readSnapshot } from '@tierswap/workload';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { formatCount, formatSize } from './format.js';
import { intOption } from './options.js';
import type { Terminal } from './terminal.js';

export interface AnalyzeOptions {
  readonly pid?: number;
  readonly snapshot?: string;
  readonly quick?: boolean;
  readonly codecs?: string[];
  readonly maxPages?: number;
  readonly workers?: number;
  readonly native: boolean;
  readonly dictionary: boolean;
  readonly bindings: boolean;
  readonly json?: boolean;
  readonly report?: string;
}

function codecList(value: string): string[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0) throw new InvalidArgumentError('name at least one codec (lz4, zstd-N).');
  for (const n of names) {
    try {
      parseCodecName(n);
    } catch (e) {
      throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
    }
  }
  return names;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const us = (x: number) => x.toFixed(1);
const mbps = (x: number) => x.toFixed(0);

function table(term: Terminal, head: readonly string[]): Table.Table {
  return new Table({
    head: head.map((h) => term.colors.bold(h)),
    colAligns: head.map((_, i) => (i === 0 ? 'left' : 'right')),
    style: { head: [], border: [], compact: true },
  });
}

export function renderAnalysis(term: Terminal, r: CompressionResult): string {
  const c = term.colors;
  const out = [
    `${c.bold(`compression of ${r.source.name}`)}: ${formatCount(r.source.pages)} pages (${formatSize(r.source.bytes)}${r.source.truncated ? ', the first of a larger source' : ''}) in ${formatCount(r.source.regions)} regions; ` +
      `zero ${pct(r.zeroShare)}, same-filled ${pct(r.sameFilledShare)}; ${r.workers} workers${r.quick ? ', quick' : ''}`,
  ];
  const ratios = table(term, [
    'codec',
    'library',
    'ratio',
    'pool ratio',
    'packing',
    'incompressible',
    '> 2990 B',
  ]);
  for (const k of r.codecs) {
    ratios.push([
      k.codec,
      k.library,
      k.ratio.toFixed(2),
      k.pool.ratio.toFixed(2),
      pct(k.pool.packingOverhead),
      pct(k.incompressibleShare),
      pct(k.over2990Share),
    ]);
  }
  out.push(
    '',
    c.bold('Ratio and pool footprint') + c.dim(' (pool ratio: input / zspages held)'),
    ratios.toString(),
  );
  const speed = table(term, [
    'codec',
    'store p50/p99 µs',
    'load p50/p99 µs',
    'store MB/s',
    'load MB/s',
    'CLI',
    'CLI ratio',
    'CLI MB/s c/d',
  ]);
  for (const k of r.codecs) {
    const n = k.native;
    speed.push([
      k.codec,
      `${us(k.store.p50Us)} / ${us(k.store.p99Us)}`,
      `${us(k.load.p50Us)} / ${us(k.load.p99Us)}`,
      mbps(k.throughput.storeMBpsAtP50),
      mbps(k.throughput.loadMBpsAtP50),
      n ? (n.command.split(' ')[0] ?? '') : '-',
      n ? n.ratio.toFixed(2) : '-',
      n ? `${mbps(n.compressMBps)} / ${mbps(n.decompressMBps)}` : '-',
    ]);
  }
  out.push(
    '',
    c.bold('Speed per page') + c.dim(' (MB/s at the p50 time, a core; the CLI on the same bytes)'),
    speed.toString(),
  );
  if (r.units.length > 0) {
    const units = table(term, ['codec', 'unit', 'ratio', 'gain over 4 KiB']);
    for (const u of r.units)
      units.push([u.codec, formatSize(u.unitBytes), u.ratio.toFixed(2), `${u.gain.toFixed(2)}x`]);
    out.push(
      '',
      c.bold('Multi-page units') + c.dim(' (zram multi-page proposal)'),
      units.toString(),
    );
  }
  if (r.dictionary) {
    const d = r.dictionary;
    const dict = table(term, ['codec', 'ratio', 'with the dictionary counted', 'gain']);
    for (const row of d.rows)
      dict.push([
        row.codec,
        row.ratio.toFixed(2),
        row.ratioWithDictionary.toFixed(2),
        `${row.gain.toFixed(2)}x`,
      ]);
    out.push(
      '',
      c.bold(`zstd with a ${formatSize(d.dictionaryBytes)} dictionary`) +
        c.dim(` (trained on ${formatCount(d.samplePages)} pages)`),
      dict.toString(),
    );
  }
  if (r.regions.length > 1) {
    const top = [...r.regions].sort((a, b) => b.pages - a.pages).slice(0, 8);
    const codecs = Object.keys(top[0]?.ratios ?? {});
    const regions = table(term, ['region', 'pages', 'zero', ...codecs]);
    for (const g of top) {
      regions.push([
        g.name === '' ? '[anon]' : g.name.length > 40 ? `…${g.name.slice(-39)}` : g.name,
        formatCount(g.pages),
        pct(g.zeroShare),
        ...codecs.map((k) => g.ratios[k]?.toFixed(2) ?? '-'),
      ]);
    }
    out.push(
      '',
      c.bold('Largest regions') + c.dim(` (${r.regions.length} in all)`),
      regions.toString(),
    );
  }
  return out.join('\n');
}

function openSource(paths: readonly string[], o: AnalyzeOptions): PageSource {
  const max = o.maxPages === undefined ? {} : { maxPages: o.maxPages };
  if (o.pid !== undefined) return processSource(o.pid, max);
  if (o.snapshot !== undefined) return readSnapshot(o.snapshot);
  return fileSource(paths, max);
}

export async function runAnalyze(
  term: Terminal,
  paths: readonly string[],
  o: AnalyzeOptions,
): Promise<void> {
  const source = openSource(paths, o);
  const result = await compressionStudy(source, {
    quick: o.quick === true,
    native: o.native,
    dictionary: o.dictionary,
    bindings: o.bindings,
    ...(o.codecs === undefined ? {} : { codecs: o.codecs }),
    ...(o.maxPages === undefined ? {} : { maxPages: o.maxPages }),
    ...(o.workers === undefined ? {} : { workers: o.workers }),
  });
  let index: string | undefined;
  if (o.report !== undefined) {
    index = (
      await writeCompressionReport(
        createReportWriter(o.report),
        result,
        studyId(result.source.name),
      )
    ).index;
  }
  if (o.json) {
    term.out(JSON.stringify(result, null, 2));
  } else {
    term.out(renderAnalysis(term, result));
  }
  if (index !== undefined) term.err(`report: ${index}`);
}

export function registerAnalyze(program: Command, term: Terminal): void {
  program
    .command('analyze')
    .description(
      'The compression study of real pages (files, a process, a snapshot): ratio, pool footprint, latency and speed per codec, beside the lz4 / zstd CLIs.',
    )
    .argument('[paths...]', 'files and directories (every file under them)')
    .option('--pid <n>', "a running process's memory instead of paths", intOption(1, 4_194_304))
    .option('--snapshot <file>', 'a snapshot file (tierswap snapshot) instead of paths')
    .option('--quick', 'a small sample (at most 8 MiB): done in seconds')
    .option(
      '--codecs <list>',
      'comma-separated: lz4, zstd-N (N 1..19); default lz4,zstd-1,zstd-3',
      codecList,
    )
    .option('--max-pages <n>', 'study at most this many pages', intOption(1, 2 ** 31 - 1))
    .option('--workers <n>', 'worker threads (default: every core)', intOption(1, 256))
    .option('--no-native', 'do not run the lz4 / zstd CLIs')
    .option('--no-dictionary', 'do not train and use a zstd dictionary')
    .option('--no-bindings', 'do not compare the Node bindings')
    .option('--json', 'print the whole result as JSON')
    .option(
      '--report <dir>',
      'write a report directory (index.html, JSON + schema, Markdown, charts)',
    )
    .action(async function (this: Command, paths: string[], opts: AnalyzeOptions) {
      const given = [paths.length > 0, opts.pid !== undefined, opts.snapshot !== undefined].filter(
        Boolean,
      ).length;
      if (given !== 1) {
        this.error('error: give exactly one of: paths, --pid N, --snapshot FILE', {
          exitCode: 2,
          code: 'tierswap.usage',
        });
      }
      await runAnalyze(term, paths, opts);
    });
}
