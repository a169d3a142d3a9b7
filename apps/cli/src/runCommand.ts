/**
 * `tierswap run <scenario>`: loads a scenario file (JSON or YAML, @tierswap/workload's
 * loadScenario), runs it through runScenario with a progress bar, prints the summary
 * the demo prints, and writes the run to a directory: result.json (spec, series,
 * timeline, final counters), series.csv (one row per sample) and the charts as SVG.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { renderChart } from '@tierswap/bench';
import { loadScenario, runScenario, type ScenarioResult, seriesToCsv } from '@tierswap/workload';
import type { Command } from 'commander';
import { deferringInterrupts } from './interrupts.js';
import { summarizeScenario } from './scenarioSummary.js';
import { renderScenario } from './scenarioView.js';
import { seriesCharts } from './seriesCharts.js';
import type { Terminal } from './terminal.js';

export interface RunOptions {
  readonly out?: string;
  readonly json?: boolean;
}

/** Where a run of `file` goes when no --out is given: `<name>-run` in the working directory. */
export function defaultRunDir(file: string): string {
  return resolve(`${basename(file, extname(file))}-run`);
}

/**
 * Writes a scenario run to `dir` (created if missing): result.json (spec, series, timeline,
 * final counters), series.csv and the charts as SVG. Returns the files written. `run` and
 * `demo --report` write the same set.
 */
export async function writeRunFiles(dir: string, result: ScenarioResult): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const files = [join(dir, 'result.json'), join(dir, 'series.csv')];
  writeFileSync(files[0] as string, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(files[1] as string, seriesToCsv(result));
  for (const [id, chart] of Object.entries(seriesCharts(result.series))) {
    const path = join(dir, `${id}.svg`);
    writeFileSync(path, (await renderChart(chart)).svg);
    files.push(path);
  }
  return files;
}

export async function runScenarioFile(term: Terminal, file: string, o: RunOptions): Promise<void> {
  const started = performance.now();
  const spec = loadScenario(file);
  const bar = term.progress(spec.name, spec.durationSeconds);
  let result: Awaited<ReturnType<typeof runScenario>>;
  try {
    result = await deferringInterrupts(() =>
      runScenario(spec, {
        onProgress: (p) => bar.update(p.t, `${p.t} / ${p.durationSeconds} virtual s`),
      }),
    );
  } finally {
    bar.stop();
  }
  const summary = summarizeScenario(result, (performance.now() - started) / 1000);
  const files = await writeRunFiles(
    o.out === undefined ? defaultRunDir(file) : resolve(o.out),
    result,
  );
  if (o.json) {
    term.out(JSON.stringify({ summary, files }, null, 2));
    return;
  }
  const c = term.colors;
  term.out(renderScenario(term, summary, result.series, `tierswap run ${spec.name}`));
  term.out(['', c.bold('Wrote'), ...files.map((f) => `  ${f}`)].join('\n'));
}

export function registerRun(program: Command, term: Terminal): void {
  program
    .command('run')
    .description(
      'Run a scenario file (JSON or YAML) on the virtual clock; print a summary and write its series and charts.',
    )
    .argument('<scenario>', 'the scenario file')
    .option(
      '-o, --out <dir>',
      'where to write result.json, series.csv and the charts (default: <scenario name>-run)',
    )
    .option('--json', 'print the summary and the files written as JSON')
    .action(async (file: string, opts: RunOptions) => {
      await runScenarioFile(term, file, opts);
    });
}
