/**
 * `tierswap demo`: the README's first command. With no configuration it runs the demo
 * scenario (demoScenario.ts) through @tierswap/workload's runScenario, the one scenario
 * loop: zswap lz4 → ssd file tier → hdd SQLite tier in a temporary directory the run
 * removes, real pages from this machine, a scripted virtual hour. It shows what
 * happened, prints it all with --json, or writes a report directory with --report.
 */

import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ScenarioResult } from '@tierswap/workload';
import { runScenario } from '@tierswap/workload';
import type { Command } from 'commander';
import { demoScenario } from './demoScenario.js';
import { deferringInterrupts } from './interrupts.js';
import { intOption } from './options.js';
import { writeRunFiles } from './runCommand.js';
import type { ScenarioSummary } from './scenarioSummary.js';
import { summarizeScenario } from './scenarioSummary.js';
import { renderScenario } from './scenarioView.js';
import type { Terminal } from './terminal.js';

export interface DemoOptions {
  readonly pages: number;
  readonly seconds: number;
  readonly seed: number;
  readonly json?: boolean;
  /** Also write the run (result.json, series.csv, the charts) into this directory. */
  readonly report?: string;
}

export interface DemoRun {
  readonly result: ScenarioResult;
  readonly summary: ScenarioSummary;
}

/** Runs the demo scenario, with a progress bar on a TTY's stderr. */
export async function runDemoScenario(term: Terminal, options: DemoOptions): Promise<DemoRun> {
  const started = performance.now();
  const demo = demoScenario(options);
  const bar = term.progress('demo', options.seconds);
  try {
    const result = await deferringInterrupts(() =>
      runScenario(demo.input, {
        patterns: demo.patterns,
        sources: demo.sources,
        onProgress: (p) => bar.update(p.t, `${p.t} / ${p.durationSeconds} virtual s`),
      }),
    );
    return { result, summary: summarizeScenario(result, (performance.now() - started) / 1000) };
  } finally {
    bar.stop();
  }
}

export async function runDemo(term: Terminal, options: DemoOptions): Promise<void> {
  const { result, summary } = await runDemoScenario(term, options);
  const files =
    options.report === undefined ? [] : await writeRunFiles(resolve(options.report), result);
  if (options.json) {
    term.out(JSON.stringify({ summary, series: result.series, spec: result.spec, files }, null, 2));
    return;
  }
  const c = term.colors;
  const lines = [renderScenario(term, summary, result.series, 'tierswap demo')];
  const sources = result.spec.processes.map((p) => {
    const src = p.source;
    const from = src.kind === 'files' ? [src.paths].flat().join(', ') : src.kind;
    return `  ${c.cyan(p.cgroup.padEnd(12))} ${p.name}: pages of ${from}`;
  });
  // The sources right under the heading: what "this machine's pages" are.
  const [head, ...rest] = lines[0]?.split('\n') ?? [];
  term.out([head, ...sources, ...rest].join('\n'));
  if (files.length > 0) term.out(['', c.bold('Wrote'), ...files.map((f) => `  ${f}`)].join('\n'));
}

export function registerDemo(program: Command, term: Terminal): void {
  program
    .command('demo')
    .description(
      "Run the stack on this machine's real pages for a scripted virtual hour and show what happened.",
    )
    .option(
      '--pages <n>',
      'pages of real data per cgroup (3 cgroups)',
      intOption(64, 1 << 20),
      8192,
    )
    .option('--seconds <n>', 'virtual seconds to run', intOption(60, 86_400), 3600)
    .option('--seed <n>', 'seed of the access patterns', intOption(0, 2 ** 32 - 1), 1)
    .option('--json', 'print the summary, the time series and the scenario as JSON')
    .option(
      '--report <dir>',
      'also write the run there: result.json, series.csv and the charts (SVG), as `tierswap run` does',
    )
    .action(async (opts: DemoOptions) => {
      await runDemo(term, opts);
    });
}
