/**
 * createReportWriter: the report directory every study writes into, and the one layout
 * the CLI, the README and the tests rely on:
 *
 *   DIR/index.html            all studies, with a header naming the machine
 *   DIR/machine.json          machineInfo() (+ machine.schema.json)
 *   DIR/<study>/data.json     the study's results, validated against its zod schema
 *   DIR/<study>/data.schema.json   that schema as JSON Schema (z.toJSONSchema)
 *   DIR/<study>/summary.md    the written conclusion, with the charts linked
 *   DIR/<study>/<chart>.svg   each chart (vega-lite → SVG), <chart>.png when asked,
 *   DIR/<study>/<chart>.vl.json   and the vega-lite spec it came from
 *   DIR/<study>/study.json    the manifest the index is built from
 *
 * Why a manifest per study and an index rebuilt from the directory: studies run as
 * separate commands (or processes) into the same DIR; each addStudy rewrites index.html
 * from every manifest present, so the page always shows all of them and never links a
 * file that is not there.
 */

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { BenchError } from '../benchError.js';
import { type ChartSpec, renderChart } from './charts.js';
import { type MachineInfo, machineInfo, machineInfoSchema } from './machineInfo.js';
import { renderIndexHtml } from './reportIndex.js';

/** One chart of a study. */
export interface ChartInput {
  /** File stem, `[a-z0-9-]+`, unique within the study. */
  readonly id: string;
  readonly title: string;
  readonly spec: ChartSpec;
  /** Also write a PNG (resvg). */
  readonly png?: boolean;
  /** One line under the chart saying what to read from it. */
  readonly caption?: string;
}

/** What a study hands the writer. */
export interface StudyInput<S extends z.ZodType> {
  /** Directory name, `[a-z0-9-]+` (e.g. `compression`, `age-advisor`). */
  readonly id: string;
  readonly title: string;
  /** Sort key in the index (the issue's study number); then by title. */
  readonly order?: number;
  readonly schema: S;
  /** The results; parsed with `schema` before anything is written. */
  readonly data: z.input<S>;
  /**
   * The written conclusion, Markdown (see markdownToHtml for the subset shown in HTML).
   * A line `<!-- charts -->` places the charts; without one they follow the text.
   */
  readonly summary: string;
  readonly charts?: readonly ChartInput[];
}

export const chartEntrySchema = z.object({
  id: z.string(),
  title: z.string(),
  caption: z.string().optional(),
  svg: z.string(),
  png: z.string().optional(),
  spec: z.string(),
});

/** DIR/<study>/study.json: what the index needs to show a study (paths relative to DIR/<study>). */
export const studyManifestSchema = z.object({
  id: z.string(),
  title: z.string(),
  order: z.number(),
  json: z.string(),
  schema: z.string(),
  summary: z.string(),
  charts: z.array(chartEntrySchema),
  written: z.string(),
});
export type StudyManifest = z.infer<typeof studyManifestSchema>;

/** Absolute paths written for one study. */
export interface StudyFiles {
  readonly dir: string;
  readonly json: string;
  readonly schema: string;
  readonly summary: string;
  readonly charts: readonly { readonly svg: string; readonly png?: string }[];
  readonly index: string;
}

export interface ReportWriter {
  readonly dir: string;
  readonly machine: MachineInfo;
  /** Validate, render and write one study, then rewrite index.html. */
  addStudy<S extends z.ZodType>(study: StudyInput<S>): Promise<StudyFiles>;
  /** Rewrite index.html from the studies in the directory; returns its path. */
  writeIndex(): string;
}

export interface ReportWriterOptions {
  /** The page's title (default `tierswap studies`). */
  readonly title?: string;
  /** The header's machine (default machineInfo(), read now). */
  readonly machine?: MachineInfo;
}

const SLUG = /^[a-z0-9][a-z0-9-]{0,63}$/;

function checkSlug(where: string, what: string, value: unknown): string {
  if (typeof value !== 'string' || !SLUG.test(value)) {
    throw new BenchError(
      'INVALID_ARGUMENT',
      where,
      `${what} must match ${SLUG} (a file name), got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** The studies present in `dir`, in index order. Unreadable manifests are skipped. */
export function readStudyManifests(dir: string): StudyManifest[] {
  const found: StudyManifest[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    try {
      const raw = JSON.parse(readFileSync(join(dir, entry.name, 'study.json'), 'utf8')) as unknown;
      const parsed = studyManifestSchema.safeParse(raw);
      if (parsed.success && parsed.data.id === entry.name) found.push(parsed.data);
    } catch {
      // Not a study directory (or one being written): the index leaves it out.
    }
  }
  return found.sort((a, b) => a.order - b.order || a.title.localeCompare(b.title));
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** A report directory at `dir` (created if missing), with the machine's header. */
export function createReportWriter(dir: string, options?: ReportWriterOptions): ReportWriter {
  if (typeof dir !== 'string' || dir === '') {
    throw new BenchError(
      'INVALID_ARGUMENT',
      'reportWriter.createReportWriter',
      `dir must be a non-empty path, got ${JSON.stringify(dir)}`,
    );
  }
  const root = resolve(dir);
  const title = options?.title ?? 'tierswap studies';
  const machine = machineInfoSchema.parse(options?.machine ?? machineInfo());
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'machine.json'), json(machine));
  writeFileSync(join(root, 'machine.schema.json'), json(z.toJSONSchema(machineInfoSchema)));

  const writeIndex = (): string => {
    const path = join(root, 'index.html');
    writeFileSync(
      path,
      renderIndexHtml({ title, machine, root, studies: readStudyManifests(root) }),
    );
    return path;
  };

  const addStudy = async <S extends z.ZodType>(study: StudyInput<S>): Promise<StudyFiles> => {
    const where = 'reportWriter.addStudy';
    const id = checkSlug(where, 'study.id', study.id);
    const parsed = study.schema.safeParse(study.data);
    if (!parsed.success) {
      throw new BenchError(
        'SCHEMA_MISMATCH',
        where,
        `study ${id}'s data does not match its schema: ${z.prettifyError(parsed.error)}`,
      );
    }
    const charts = study.charts ?? [];
    const seen = new Set<string>();
    for (const c of charts) {
      checkSlug(where, 'chart.id', c.id);
      if (seen.has(c.id) || c.id === 'data' || c.id === 'study' || c.id === 'summary') {
        throw new BenchError(
          'INVALID_ARGUMENT',
          where,
          `chart id ${JSON.stringify(c.id)} is repeated or reserved`,
        );
      }
      seen.add(c.id);
    }
    // Render everything before writing anything, so a bad chart leaves no half study.
    const rendered = await Promise.all(
      charts.map((c) => renderChart(c.spec, { png: c.png === true })),
    );

    const studyDir = join(root, id);
    mkdirSync(studyDir, { recursive: true });
    writeFileSync(join(studyDir, 'data.json'), json(parsed.data));
    writeFileSync(
      join(studyDir, 'data.schema.json'),
      json(z.toJSONSchema(study.schema, { io: 'output', unrepresentable: 'any' })),
    );
    const entries: StudyManifest['charts'] = [];
    const chartFiles: { svg: string; png?: string }[] = [];
    charts.forEach((c, k) => {
      const r = rendered[k];
      if (r === undefined) return;
      writeFileSync(join(studyDir, `${c.id}.svg`), r.svg);
      writeFileSync(join(studyDir, `${c.id}.vl.json`), json(c.spec));
      const entry: StudyManifest['charts'][number] = {
        id: c.id,
        title: c.title,
        svg: `${c.id}.svg`,
        spec: `${c.id}.vl.json`,
      };
      if (c.caption !== undefined) entry.caption = c.caption;
      const files: { svg: string; png?: string } = { svg: join(studyDir, `${c.id}.svg`) };
      if (r.png !== undefined) {
        writeFileSync(join(studyDir, `${c.id}.png`), r.png);
        entry.png = `${c.id}.png`;
        files.png = join(studyDir, `${c.id}.png`);
      }
      entries.push(entry);
      chartFiles.push(files);
    });
    const figures = entries
      .map(
        (e) =>
          `\n**${e.title}**\n\n![${e.title}](${e.svg})${e.caption === undefined ? '' : `\n\n${e.caption}`}\n`,
      )
      .join('');
    // The charts go where the summary marks them (a line `<!-- charts -->`), else at its end.
    const marker = /^<!-- charts -->$/m;
    const summary = marker.test(study.summary)
      ? study.summary.replace(marker, figures.trim())
      : `${study.summary.trimEnd()}\n${figures}`;
    writeFileSync(join(studyDir, 'summary.md'), `${summary.trimEnd()}\n`);
    const manifest: StudyManifest = {
      id,
      title: study.title,
      order: study.order ?? 100,
      json: 'data.json',
      schema: 'data.schema.json',
      summary: 'summary.md',
      charts: entries,
      written: new Date().toISOString(),
    };
    writeFileSync(join(studyDir, 'study.json'), json(manifest));
    return {
      dir: studyDir,
      json: join(studyDir, 'data.json'),
      schema: join(studyDir, 'data.schema.json'),
      summary: join(studyDir, 'summary.md'),
      charts: chartFiles,
      index: writeIndex(),
    };
  };

  return { dir: root, machine, addStudy, writeIndex };
}
