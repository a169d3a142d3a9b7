/**
 * `tierswap record --pid N -o TRACE`: records a live process's memory accesses with the
 * kernel's DAMON (@tierswap/workload's recordDamon, which puts DAMON's state back
 * afterwards, also on Ctrl-C) into a trace file that scenarios replay
 * (`pattern: { kind: trace, path: TRACE }`) and the shell's `run --pattern trace:FILE`.
 */

import { recordDamon, WorkloadError } from '@tierswap/workload';
import type { Command } from 'commander';
import { CliError } from './cliError.js';
import { formatCount, formatSize } from './format.js';
import { intOption } from './options.js';
import type { Terminal } from './terminal.js';

export interface RecordOptions {
  readonly pid: number;
  readonly output: string;
  readonly seconds: number;
  readonly samplingUs: number;
  readonly aggregationMs: number;
  readonly maxRegions: number;
  readonly pauseOthers?: boolean;
  readonly json?: boolean;
}

export async function runRecord(term: Terminal, o: RecordOptions): Promise<void> {
  const bar = term.progress('record', o.seconds);
  const started = Date.now();
  const tick = setInterval(
    () => bar.update(Math.min(o.seconds, (Date.now() - started) / 1000)),
    250,
  );
  let recording: Awaited<ReturnType<typeof recordDamon>>;
  try {
    recording = await recordDamon({
      pid: o.pid,
      seconds: o.seconds,
      samplingUs: o.samplingUs,
      aggregationMs: o.aggregationMs,
      maxRegions: o.maxRegions,
      path: o.output,
      pauseOthers: o.pauseOthers === true,
    });
  } catch (e) {
    // The library's advice names its option; the user has the command's flag.
    if (e instanceof WorkloadError && e.code === 'BUSY') {
      throw new CliError(
        'FAILED',
        'record',
        e.detail.replace(/pass pauseOthers: true/, 'pass --pause-others'),
        {
          cause: e,
        },
      );
    }
    throw e;
  } finally {
    clearInterval(tick);
    bar.stop();
  }
  const t = recording.trace;
  // The last snapshot: how much of the watched memory was found accessed in it.
  const last = t.length > 0 ? t.time[t.length - 1] : undefined;
  let watched = 0;
  let accessed = 0;
  let regions = 0;
  for (let i = 0; i < t.length; i++) {
    if (t.time[i] !== last) continue;
    const bytes = (t.end[i] as number) - (t.start[i] as number);
    regions++;
    watched += bytes;
    if ((t.nrAccesses[i] as number) > 0) accessed += bytes;
  }
  const summary = {
    pid: o.pid,
    path: o.output,
    snapshots: recording.snapshots,
    rows: t.length,
    ended: recording.ended,
    lastSnapshot: { regions, watchedBytes: watched, accessedBytes: accessed },
  };
  if (o.json) {
    term.out(JSON.stringify(summary, null, 2));
    return;
  }
  const c = term.colors;
  term.out(
    [
      `${c.bold(`recorded pid ${o.pid} with DAMON`)} → ${c.cyan(o.output)}`,
      `  ${formatCount(recording.snapshots)} snapshots, ${formatCount(t.length)} region rows; ended: ${recording.ended === 'time' ? `after ${o.seconds} s` : 'the process exited'}`,
      `  last snapshot: ${formatCount(regions)} regions over ${formatSize(watched)}, ${formatSize(accessed)} of it accessed in its last ${o.aggregationMs} ms`,
    ].join('\n'),
  );
}

export function registerRecord(program: Command, term: Terminal): void {
  program
    .command('record')
    .description(
      "Record a live process's memory accesses with the kernel's DAMON into a trace file.",
    )
    .requiredOption('--pid <n>', 'the process to watch', intOption(1, 4_194_304))
    .requiredOption('-o, --output <trace>', 'the trace file to write (CSV)')
    .option('--seconds <n>', 'how long to record (real seconds)', intOption(1, 86_400), 10)
    .option('--sampling-us <n>', "DAMON's sampling interval, µs", intOption(100, 10_000_000), 5000)
    .option(
      '--aggregation-ms <n>',
      "DAMON's aggregation interval, ms (one snapshot each)",
      intOption(1, 600_000),
      100,
    )
    .option('--max-regions <n>', 'at most this many regions', intOption(10, 10_000), 100)
    .option(
      '--pause-others',
      'pause running kdamonds while recording (restored after) instead of refusing',
    )
    .option('--json', 'print what was recorded as JSON')
    .action(async (opts: RecordOptions) => {
      await runRecord(term, opts);
    });
}
