/**
 * The studies as commander commands, one per study of the registry plus `all`: the
 * common flags (`--quick`, `--json`, `--report DIR`, `--no-report`) and each study's own
 * options, every one run through STUDIES[name].run. Mounted at the root of apps/bench's
 * own command line and under `tierswap study`, so both take the same options and print
 * the same things: one implementation of "run a study from the command line".
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TierswapError } from '@tierswap/base';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type Progress, progressBar } from './report/progress.js';
import { createReportWriter, type ReportWriter } from './report/reportWriter.js';
import { parseCodecName } from './studies/compressionStudy.js';
import { STUDIES, STUDY_NAMES, type StudyRunOptions } from './studies/registry.js';

/** Where a study command writes: its output (stdout) and the report's place (stderr). */
export interface StudyCommandIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(
        `${name} must be a positive integer, got ${JSON.stringify(value)}`,
      );
    return n;
  };
}

function share(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !(n >= 0 && n <= 1))
      throw new InvalidArgumentError(
        `${name} must be a share in 0..1, got ${JSON.stringify(value)}`,
      );
    return n;
  };
}

function list<T>(value: string, item: (s: string) => T): T[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0)
    throw new InvalidArgumentError(`name at least one, got ${JSON.stringify(value)}`);
  return items.map(item);
}

function codecList(value: string): string[] {
  return list(value, (n) => {
    try {
      parseCodecName(n);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
    return n;
  });
}

function unitList(value: string): number[] {
  if (value === 'none') return [];
  return list(value, (s) => {
    const kib = Number(s);
    if (![8, 16, 32, 64].includes(kib))
      throw new InvalidArgumentError(
        `unit sizes are KiB in 8, 16, 32, 64 (or none), got ${JSON.stringify(s)}`,
      );
    return kib * 1024;
  });
}

function patternList(value: string): string[] {
  return list(value, (p) => {
    if (p !== 'zipf' && p !== 'phased')
      throw new InvalidArgumentError(`patterns are zipf and phased, got ${JSON.stringify(p)}`);
    return p;
  });
}

const int = (flags: string, what: string) =>
  new Option(flags, what).argParser(positiveInt(flags.split(' ')[0]!));
const pages = (dflt: string) => int('--pages <n>', `pages of the job (default ${dflt})`);
const duration = (dflt: string) =>
  int('--duration-seconds <s>', `virtual seconds per run (default ${dflt})`);

/**
 * Each study's own options. Commander turns `--duration-seconds` into `durationSeconds`,
 * the study's option name, so the parsed flags go to STUDIES[name].run as they are.
 */
const OWN_OPTIONS: Readonly<Record<string, () => Option[]>> = {
  compression: () => [
    new Option('--pid <pid>', "a running process's memory instead of paths").argParser(
      positiveInt('--pid'),
    ),
    new Option(
      '--codecs <list>',
      'comma-separated: lz4, zstd-N (N 1..19); default lz4,zstd-1,zstd-3',
    ).argParser(codecList),
    int('--max-pages <n>', 'study at most this many pages (quick: 2048)'),
    int('--workers <n>', 'worker threads (default: every core)'),
    new Option(
      '--units <kib>',
      'multi-page unit sizes in KiB, comma-separated, or none (default 16,64)',
    ).argParser(unitList),
    new Option('--no-native', 'do not run the lz4/zstd CLIs'),
    new Option('--no-dictionary', 'do not train and use a zstd dictionary'),
    new Option('--no-bindings', 'do not compare the Node bindings'),
  ],
  'age-advisor': () => [
    new Option(
      '--ages <list>',
      'ages to try, seconds, comma-separated (default 30..1800; quick 30,120)',
    ).argParser((v) => list(v, positiveInt('--ages'))),
    pages('4096; quick 1024'),
    duration('3600; quick 600'),
    int('--every-seconds <s>', 'proactive writeback every this many seconds (default 30)'),
    new Option('--patterns <list>', 'zipf, phased (default both; quick zipf)').argParser(
      patternList,
    ),
    new Option('--snapshot <file>', "a tierswap snapshot's pages instead of the node binary's"),
    new Option('--trace <file>', 'a recorded access trace to replay instead of the patterns'),
  ],
  'interface-ab': () => [
    pages('8192; quick 1024'),
    duration('3600; quick 600'),
    int('--every-seconds <s>', 'one write every this many seconds (default 30)'),
    int('--budget-bytes <n>', 'the budget per write (default 2% of the job)'),
    int('--age-seconds <s>', "v1's age (default 120)"),
  ],
  fairness: () => [
    int('--children <n>', 'children of the parent (default 3)'),
    pages('4096 per child; quick 512'),
    duration('3600; quick 600'),
    int('--every-seconds <s>', 'writeback every this many seconds (default 20)'),
    int('--budget-pages <n>', 'pages per writeback request (default 32, under the 128-page batch)'),
  ],
  'swap-metadata': () => [pages('16384; quick 1024'), duration('1800; quick 300')],
  incompressible: () => [
    pages('8192; quick 1024'),
    duration('3600; quick 600'),
    new Option(
      '--base64-share <x>',
      'share of base64 text of random bytes (default 0.2)',
    ).argParser(share('--base64-share')),
    new Option('--random-share <x>', 'share of random bytes (default 0.2)').argParser(
      share('--random-share'),
    ),
  ],
  'package-benchmarks': () => [
    new Option('--data-dir <dir>', "the bench records' directory (default docs/benchmarks/data)"),
  ],
};

interface CommonFlags {
  quick?: boolean;
  json?: boolean;
  /** A directory, or false with --no-report. */
  report?: string | false;
  [option: string]: unknown;
}

/** On stdout the charts' place holds nothing: they are in the report. */
function printable(summary: string): string {
  return `${summary.replace(/^<!-- charts -->\n+/gm, '').trimEnd()}\n`;
}

/** A progress bar per study, started at the first report of a total (only drawn on a terminal). */
function progressFor(name: string): {
  onProgress: NonNullable<StudyRunOptions['onProgress']>;
  stop(): void;
} {
  let bar: Progress | undefined;
  return {
    onProgress: (done, total) => {
      bar ??= progressBar(name, total);
      bar.update(done);
    },
    stop: () => bar?.stop(),
  };
}

interface Report {
  readonly writer: ReportWriter;
  /** Removes the directory when this command made it (a failed run leaves nothing behind). */
  discard(): void;
}

function openReport(flags: CommonFlags, name: string): Report | undefined {
  if (flags.report === false) return undefined;
  const made = flags.report === undefined;
  const dir = flags.report ?? mkdtempSync(join(tmpdir(), `tierswap-bench-${name}-`));
  return {
    writer: createReportWriter(dir),
    discard: () => {
      if (made) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `run` with the report; a failed run removes a report directory it made. */
async function withReport<T>(
  flags: CommonFlags,
  name: string,
  run: (writer: ReportWriter | undefined) => Promise<T>,
  err: (text: string) => void,
): Promise<T> {
  const report = openReport(flags, name);
  let result: T;
  try {
    result = await run(report?.writer);
  } catch (error) {
    report?.discard();
    throw error;
  }
  if (report !== undefined) err(`report: ${join(report.writer.dir, 'index.html')}\n`);
  return result;
}

async function runStudy(
  name: string,
  options: StudyRunOptions,
): Promise<{ summary: string; data: unknown }> {
  const progress = progressFor(name);
  try {
    return await STUDIES[name]!.run({ ...options, onProgress: progress.onProgress });
  } finally {
    progress.stop();
  }
}

function usageLine(name: string): string {
  const flags = (OWN_OPTIONS[name]?.() ?? []).map((o) => o.flags.split(' ')[0]);
  return `  ${name.padEnd(19)}${flags.length === 0 ? '' : flags.join(' ')}`;
}

/** One help line per study: its name and its own flags. */
export function studyUsageLines(): string {
  return STUDY_NAMES.map(usageLine).join('\n');
}

/**
 * Adds one subcommand per study (and `all`) to `parent`. A study failing throws (a bad
 * value is a BenchError INVALID_ARGUMENT or a package error with EINVAL/ERANGE/ENOENT);
 * the caller maps errors to exit codes.
 */
export function addStudyCommands(parent: Command, io: StudyCommandIo): void {
  const { out, err } = io;
  const common = (cmd: Command): Command =>
    cmd
      .option('--quick', 'small inputs and short runs: a smoke test finishing in seconds')
      .option('--json', 'print the data as JSON instead of the Markdown summary')
      .option('--report <dir>', 'the report directory (default: a new one under the temp dir)')
      .option('--no-report', 'write no report');

  for (const name of STUDY_NAMES) {
    const cmd = common(parent.command(name).description(STUDIES[name]!.title));
    if (name === 'compression')
      cmd.argument('[paths...]', 'files, directories or one snapshot (default: the node binary)');
    for (const option of OWN_OPTIONS[name]?.() ?? []) cmd.addOption(option);
    cmd.action(async (...args: unknown[]) => {
      const flags = (name === 'compression' ? args[1] : args[0]) as CommonFlags;
      const { json, report: _r, quick, units, native, dictionary, bindings, ...own } = flags;
      await withReport(
        flags,
        name,
        async (report) => {
          const result = await runStudy(name, {
            ...own,
            quick: quick === true,
            ...(report !== undefined && { report }),
            ...(name === 'compression' && {
              ...((args[0] as string[]).length > 0 && { paths: args[0] as string[] }),
              ...(units !== undefined && { unitSizes: units }),
              // Left out unless refused: the study's default is "when the CLIs are installed".
              ...(native === false && { native: false }),
              dictionary: dictionary !== false,
              bindings: bindings !== false,
            }),
          });
          out(
            json === true ? `${JSON.stringify(result.data, null, 2)}\n` : printable(result.summary),
          );
        },
        err,
      );
    });
  }

  common(
    parent.command('all').description('every study, with its defaults, into one report'),
  ).action(async (flags: CommonFlags) => {
    await withReport(
      flags,
      'all',
      async (report) => {
        const data: Record<string, unknown> = {};
        const summaries: string[] = [];
        for (const name of STUDY_NAMES) {
          const started = Date.now();
          const result = await runStudy(name, {
            quick: flags.quick === true,
            ...(report !== undefined && { report }),
          });
          data[name] = result.data;
          summaries.push(printable(result.summary));
          err(`${name}: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
        }
        out(flags.json === true ? `${JSON.stringify(data, null, 2)}\n` : summaries.join('\n'));
      },
      err,
    );
  });
}

/**
 * Whether an error is a usage error (exit 2): an argument the caller gave that a study or
 * a package refused (every tierswap error class names that INVALID_ARGUMENT). A path or
 * process that is not there, or a file that does not parse, is a failure (exit 1), as
 * `cat` exits 1 for a missing file.
 */
export function isUsageError(error: unknown): boolean {
  return error instanceof TierswapError && error.code === 'INVALID_ARGUMENT';
}
