/**
 * Study 7, the package benchmarks in the same report: every bench record the packages
 * saved (docs/benchmarks/data/<package>.jsonl, one line per run, appended by
 * saveBenchRecord), the latest record of each bench (package and bench name; a full
 * run preferred over a --quick one), with its tables, and charts of the three the issue
 * names: the slot allocator's alloc+free rate, vswap's bytes per entry and the tier
 * devices' I/O against plain pread / pwrite.
 *
 * Nothing is re-run here: benchmarks are the packages' own commands; this gathers what
 * they measured, with the commit, date and machine each record names.
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  finishStudy,
  mdTable,
  type StudyChart,
  type StudyOptions,
  type StudyOutput,
} from './studyKit.js';

export interface PackageBenchmarksOptions extends StudyOptions {
  /** The records' directory (default: the repository's docs/benchmarks/data). */
  readonly dataDir?: string;
}

const cell = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const tableSchema = z.object({
  title: z.string(),
  rows: z.array(z.record(z.string(), cell)),
});

const recordSchema = z.object({
  package: z.string(),
  name: z.string(),
  date: z.string(),
  commit: z.string().optional(),
  node: z.string().optional(),
  cpu: z.string().optional(),
  cores: z.number().optional(),
  quick: z.boolean().optional(),
  tables: z.array(tableSchema),
});
export type BenchRecord = z.output<typeof recordSchema>;

export const packageBenchmarksSchema = z.object({
  dataDir: z.string(),
  /** Lines that were not a bench record (file:line), left out. */
  skipped: z.array(z.string()),
  records: z.array(recordSchema),
});
export type PackageBenchmarksData = z.output<typeof packageBenchmarksSchema>;

/** docs/benchmarks/data of the repository this file is in (src/ or dist/ alike). */
export function defaultDataDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'docs', 'benchmarks', 'data');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return resolve('docs/benchmarks/data');
}

/** The latest record per (package, bench), a full run preferred over --quick; and what was skipped. */
export function latestRecords(dataDir: string): { records: BenchRecord[]; skipped: string[] } {
  const best = new Map<string, BenchRecord>();
  const skipped: string[] = [];
  const files = readdirSync(dataDir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort();
  for (const f of files) {
    const lines = readFileSync(join(dataDir, f), 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      let parsed: BenchRecord;
      try {
        parsed = recordSchema.parse(JSON.parse(line));
      } catch {
        skipped.push(`${f}:${i + 1}`);
        return;
      }
      const key = `${parsed.package} ${parsed.name}`;
      const cur = best.get(key);
      const rank = (r: BenchRecord) => [r.quick === true ? 0 : 1, r.date] as const;
      if (cur === undefined) best.set(key, parsed);
      else {
        const [a, b] = [rank(parsed), rank(cur)];
        if (a[0] > b[0] || (a[0] === b[0] && a[1] > b[1])) best.set(key, parsed);
      }
    });
  }
  const records = [...best.values()].sort(
    (a, b) => a.package.localeCompare(b.package) || a.name.localeCompare(b.name),
  );
  return { records, skipped };
}

export async function packageBenchmarksStudy(
  options: PackageBenchmarksOptions = {},
): Promise<StudyOutput<typeof packageBenchmarksSchema>> {
  const dataDir = options.dataDir ?? defaultDataDir();
  const { records, skipped } = latestRecords(dataDir);
  options.onProgress?.(1, 1, 'records read');
  const data: PackageBenchmarksData = { dataDir, skipped, records };
  return finishStudy(options, {
    id: 'package-benchmarks',
    title: 'Package benchmarks: the latest record of each bench',
    order: 7,
    schema: packageBenchmarksSchema,
    data,
    summary: summary(data),
    charts: charts(data),
  });
}

/** At most this many rows per table in the summary (the JSON has them all). */
const SUMMARY_ROWS = 12;

function summary(d: PackageBenchmarksData): string {
  const out = [
    '# Package benchmarks',
    '',
    `The latest record of each of the ${d.records.length} benches in docs/benchmarks/data ` +
      '(`npx -y pnpm@10.34.9 --filter @tierswap/NAME bench` writes them); a full run is preferred over a --quick one.' +
      (d.skipped.length > 0
        ? ` Lines that are not bench records were left out: ${d.skipped.join(', ')}.`
        : ''),
  ];
  for (const r of d.records) {
    out.push(
      '',
      `## ${r.package}: ${r.name}`,
      '',
      `${r.date.slice(0, 10)}, commit ${r.commit ?? '?'}, Node ${r.node ?? '?'}, ${r.cpu ?? '?'} x${r.cores ?? '?'}${r.quick === true ? ', --quick' : ''}.`,
    );
    for (const t of r.tables) {
      const cols = [...new Set(t.rows.flatMap((row) => Object.keys(row)))];
      if (cols.length === 0) continue;
      const shown = t.rows.slice(0, SUMMARY_ROWS).map((row) => cols.map((c) => row[c] ?? ''));
      out.push('', `**${t.title}**`, '', mdTable(cols, shown));
      if (t.rows.length > SUMMARY_ROWS)
        out.push('', `(${t.rows.length - SUMMARY_ROWS} more rows in data.json)`);
    }
  }
  return out.join('\n');
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Rows of the first table of `pkg` whose title matches, or none. */
function rowsOf(d: PackageBenchmarksData, pkg: string, title: RegExp) {
  for (const r of d.records.filter((x) => x.package === pkg)) {
    const t = r.tables.find((x) => title.test(x.title));
    if (t !== undefined) return t.rows;
  }
  return [];
}

function bar(
  id: string,
  title: string,
  caption: string,
  values: object[],
  x: string,
  y: string,
  color: string,
): StudyChart {
  return {
    id,
    title,
    png: true,
    caption,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      data: { values },
      width: 420,
      height: 220,
      mark: 'bar',
      encoding: {
        y: { field: y, type: 'nominal', title: null, sort: null },
        x: { field: x, type: 'quantitative' },
        color: { field: color, type: 'nominal' },
        yOffset: { field: color, type: 'nominal' },
      },
    },
  };
}

function charts(d: PackageBenchmarksData): StudyChart[] {
  const out: StudyChart[] = [];
  const alloc = rowsOf(d, '@tierswap/slot-allocator', /alloc\+free/)
    .filter((r) => num(r['M pairs/s']) !== undefined)
    .map((r) => ({
      pattern: String(r.pattern),
      allocator: String(r.allocator),
      'M pairs/s': r['M pairs/s'],
    }));
  if (alloc.length > 0) {
    out.push(
      bar(
        'allocator',
        'Slot allocator: order-0 alloc+free pairs per second',
        'The cluster allocator against a bitmap scan and a free list, per pattern.',
        alloc,
        'M pairs/s',
        'pattern',
        'allocator',
      ),
    );
  }
  const vswap = rowsOf(d, '@tierswap/vswap', /bytes per live entry/)
    .filter((r) => num(r['process B/entry']) !== undefined)
    .map((r) => ({
      entries: `${r.population}, ${r.entries}`,
      impl: String(r.impl),
      'process B/entry': r['process B/entry'],
    }));
  if (vswap.length > 0) {
    out.push(
      bar(
        'vswap-bytes',
        'vswap: bytes per live entry',
        'Process growth per entry after GC: typed arrays (vswap) against one object per entry; the goal is 24 B.',
        vswap,
        'process B/entry',
        'entries',
        'impl',
      ),
    );
  }
  const io = rowsOf(d, '@tierswap/tiered-store', /FileDevice vs plain/)
    .flatMap((r) => [
      { case: String(r.subject), who: 'device', 'pages/s': num(r['subject pages/s']) },
      { case: String(r.subject), who: 'plain syscalls', 'pages/s': num(r['baseline pages/s']) },
    ])
    .filter((r) => r['pages/s'] !== undefined);
  if (io.length > 0) {
    out.push(
      bar(
        'tier-io',
        'Tier I/O: the file device against plain pread / pwrite',
        '4 KiB pages per second, one run.',
        io,
        'pages/s',
        'case',
        'who',
      ),
    );
  }
  return out;
}
