/**
 * `tierswap demo`: the README's first command. With no configuration it builds the
 * stack (zswap lz4 → ssd file tier → hdd SQLite tier) in a temporary directory, loads
 * real pages from this machine (the node binary, shared libraries, text under
 * /usr/share), runs the demo's scripted hour on the virtual clock and shows what
 * happened, or prints it all with --json. The temporary directory is removed on every
 * way out: success, failure, Ctrl-C.
 */

import { existsSync, realpathSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import { demoPlan } from './demoPlan.js';
import type { DemoSourceInfo } from './demoReport.js';
import { buildDemoReport } from './demoReport.js';
import type { DemoStack } from './demoStack.js';
import { createDemoStack } from './demoStack.js';
import { renderDemo } from './demoView.js';
import { runPlan } from './interimScenario.js';
import { machinePages } from './machinePages.js';
import { intOption } from './options.js';
import type { Terminal } from './terminal.js';

export interface DemoOptions {
  readonly pages: number;
  readonly seconds: number;
  readonly seed: number;
  readonly json?: boolean;
}

/** The machine's shared libraries: the multiarch directory when there is one. */
function libraryDirs(): string[] {
  const dirs = [
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
  ];
  const found = dirs.filter((d) => existsSync(d));
  return found.length ? found : ['/usr/lib'];
}

export async function runDemo(term: Terminal, options: DemoOptions): Promise<void> {
  const started = performance.now();
  const node = realpathSync(process.execPath);
  const sources = {
    web: machinePages('the node binary', [node], options.pages),
    batch: machinePages('shared libraries', libraryDirs(), options.pages),
    logs: machinePages('/usr/share', ['/usr/share'], options.pages),
  };
  const plan = demoPlan(sources, options.seconds, options.seed);
  const total = plan.processes.reduce((n, p) => n + p.source.pageCount, 0);
  // The handlers go in before the directory exists, so no Ctrl-C can leave it behind.
  let demo: DemoStack | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    demo?.close();
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const bar = term.progress('demo', 1);
  try {
    demo = createDemoStack({ pages: total, ramBytes: total * 4096 });
    const run = await runPlan(demo.stack, demo.clock, plan, {
      deviceNames: demo.tierOf,
      onProgress: (done, work, what) => {
        bar.update(done / work, what);
      },
    });
    bar.stop();
    const infos: DemoSourceInfo[] = plan.processes.map((p) => ({
      group: p.group,
      name: p.source.name,
      pages: p.source.pageCount,
      files: p.source.regions.length,
    }));
    const report = buildDemoReport(
      run,
      infos,
      demo.stack.stats().tiers,
      plan.seconds,
      (performance.now() - started) / 1000,
    );
    term.out(options.json ? JSON.stringify(report, null, 2) : renderDemo(term, report));
  } finally {
    bar.stop();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    demo?.close();
  }
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
    .option('--seed <n>', 'seed of the access pattern', intOption(0, 2 ** 32 - 1), 1)
    .option('--json', 'print the report (tables and time series) as JSON')
    .action(async (opts: DemoOptions) => {
      await runDemo(term, opts);
    });
  // TODO(report kit): --report DIR, through apps/bench's report kit once it lands on main.
}
