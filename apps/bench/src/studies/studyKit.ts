/**
 * What every study of studies 2-7 shares: the shape a study returns (exactly what the
 * report kit's addStudy takes: id, title, order, a zod schema, the data, a Markdown
 * summary and vega-lite charts), the options every study takes (--quick, a report
 * writer to add itself to, progress), and the small helpers they use on a scenario's
 * time series. Kept apart from the report kit so a study is a pure function of its
 * options that a test can run without writing files; given a writer, it adds itself
 * to that report directory (JSON + schema, summary, charts as SVG and PNG, the index).
 */

import type { TopLevelSpec } from 'vega-lite';
import type { z } from 'zod';
import type { ReportWriter } from '../report/reportWriter.js';

/** One chart: the report kit's ChartInput. */
export interface StudyChart {
  readonly id: string;
  readonly title: string;
  readonly spec: TopLevelSpec;
  readonly png?: boolean;
  readonly caption?: string;
}

/** A finished study: the report kit's StudyInput, with the data already parsed. */
export interface StudyOutput<S extends z.ZodType> {
  readonly id: string;
  readonly title: string;
  readonly order: number;
  readonly schema: S;
  readonly data: z.output<S>;
  readonly summary: string;
  readonly charts: readonly StudyChart[];
}

/** Where a study adds itself: the report kit's writer (createReportWriter). */
export type StudyReport = Pick<ReportWriter, 'addStudy'>;

export interface StudyOptions {
  /** Small inputs and short runs: finishes in seconds (CI smoke tests). */
  readonly quick?: boolean;
  /** When given, the study adds its JSON, summary and charts to this report. */
  readonly report?: StudyReport;
  /** Called as runs finish: done of total. */
  readonly onProgress?: (done: number, total: number, what: string) => void;
}

/** Parse the data with the schema (so a study never returns what its schema rejects), then report. */
export async function finishStudy<S extends z.ZodType>(
  options: StudyOptions,
  study: Omit<StudyOutput<S>, 'data'> & { readonly data: z.input<S> },
): Promise<StudyOutput<S>> {
  const out: StudyOutput<S> = { ...study, data: study.schema.parse(study.data) };
  // The writer parses the data again (input side); what the schema produced parses to itself.
  if (options.report !== undefined) await options.report.addStudy({ ...study, data: study.data });
  return out;
}

/** The mean of `xs` (0 for none). */
export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Rounded to `digits` decimals, for tables and JSON people read. */
export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** A Markdown pipe table. */
export function mdTable(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const line = (cells: readonly unknown[]) => `| ${cells.map(String).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export const MiB = 1 << 20;
export const PAGE = 4096;

/**
 * A chart of one small bar panel per measure, one bar per variant (`field` names the
 * variant: a mode, an interface): the shape of every "the same run, N ways" comparison.
 * Each panel has its own y scale, since the measures' units differ.
 */
export function measurePanels(
  chart: { id: string; title: string; caption: string },
  field: string,
  values: readonly { readonly metric: string; readonly value: number }[],
  size: { width: number; height: number },
): StudyChart {
  return {
    ...chart,
    png: true,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      data: { values: values as { metric: string; value: number }[] },
      facet: { field: 'metric', type: 'nominal', title: null },
      columns: 2,
      resolve: { scale: { y: 'independent' } },
      spec: {
        ...size,
        mark: 'bar',
        encoding: {
          x: { field, type: 'nominal', title: null, sort: null },
          y: { field: 'value', type: 'quantitative', title: null },
          color: { field, type: 'nominal', legend: null },
        },
      },
    },
  };
}
