/**
 * The studies' command line (commander): `compression <path...>` runs the compression
 * study on files, directories, a snapshot or a process (`--pid`), prints its summary
 * (Markdown) or its result (`--json`) to stdout and writes a report directory with
 * `--report DIR`. Progress bars go to stderr, on a terminal only. apps/cli calls the
 * same functions directly; this entry is for running a study from this package.
 *
 *   node --conditions=@tierswap/source --import tsx apps/bench/src/main.ts compression /usr/lib --quick --report /tmp/report
 */

import { pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { openSource } from './openSource.js';
import { createReportWriter } from './report/reportWriter.js';
import { compressionSummary, writeCompressionReport } from './studies/compressionReport.js';
import { compressionStudy, parseCodecName } from './studies/compressionStudy.js';

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

function codecList(value: string): string[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  try {
    for (const n of names) parseCodecName(n);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  if (names.length === 0) throw new InvalidArgumentError('name at least one codec');
  return names;
}

function unitList(value: string): number[] {
  if (value === 'none') return [];
  return value.split(',').map((s) => {
    const kib = Number(s.trim());
    if (![8, 16, 32, 64].includes(kib))
      throw new InvalidArgumentError(
        `unit sizes are KiB in 8, 16, 32, 64 (or none), got ${JSON.stringify(s)}`,
      );
    return kib * 1024;
  });
}

/** A study id per source, so studies of several sources share one report directory. */
export function studyId(sourceName: string): string {
  const slug = sourceName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(-40)
    .replace(/^-+/, '');
  return slug === '' ? 'compression' : `compression-${slug}`;
}

interface CompressionFlags {
  pid?: number;
  quick?: boolean;
  json?: boolean;
  report?: string;
  codecs?: string[];
  maxPages?: number;
  workers?: number;
  units?: number[];
  native: boolean;
  dictionary: boolean;
  bindings: boolean;
}

/** The program; `out` receives what goes to stdout (tests pass their own). */
export function createProgram(
  out: (text: string) => void = (t) => process.stdout.write(t),
): Command {
  const program = new Command('tierswap-bench')
    .description("tierswap's studies: each writes JSON, Markdown, charts and an HTML report")
    .showHelpAfterError();
  program
    .command('compression')
    .description(
      'ratio, pool footprint, latency and throughput per codec on real pages, beside the lz4/zstd CLIs',
    )
    .argument('[paths...]', 'files, directories (every file under them) or one tierswap snapshot')
    .addOption(
      new Option('--pid <pid>', "a running process's memory instead of paths").argParser(
        positiveInt('--pid'),
      ),
    )
    .option(
      '--quick',
      'a small sample (at most 8 MiB): a smoke test finishing in well under a minute',
    )
    .option('--json', 'print the result as JSON instead of the Markdown summary')
    .option(
      '--report <dir>',
      'write the report directory (index.html, JSON + schema, Markdown, SVG/PNG charts)',
    )
    .option('--codecs <list>', 'comma-separated: lz4, zstd-N (N 1..19)', codecList)
    .option('--max-pages <n>', 'study at most this many pages', positiveInt('--max-pages'))
    .option('--workers <n>', 'worker threads (default: every core)', positiveInt('--workers'))
    .option(
      '--units <kib>',
      'multi-page unit sizes in KiB, comma-separated, or none (default 16,64)',
      unitList,
    )
    .option('--no-native', 'do not run the lz4/zstd CLIs')
    .option('--no-dictionary', 'do not train and use a zstd dictionary')
    .option('--no-bindings', 'do not compare the Node bindings')
    .action(async (paths: string[], flags: CompressionFlags) => {
      const source = openSource(paths, {
        ...(flags.pid !== undefined && { pid: flags.pid }),
        ...(flags.maxPages !== undefined && { maxPages: flags.maxPages }),
      });
      const result = await compressionStudy(source, {
        quick: flags.quick === true,
        native: flags.native,
        dictionary: flags.dictionary,
        bindings: flags.bindings,
        ...(flags.codecs !== undefined && { codecs: flags.codecs }),
        ...(flags.maxPages !== undefined && { maxPages: flags.maxPages }),
        ...(flags.workers !== undefined && { workers: flags.workers }),
        ...(flags.units !== undefined && { unitSizes: flags.units }),
      });
      if (flags.report !== undefined) {
        const files = await writeCompressionReport(
          createReportWriter(flags.report),
          result,
          studyId(result.source.name),
        );
        process.stderr.write(`report: ${files.index}\n`);
      }
      out(
        flags.json === true
          ? `${JSON.stringify(result, null, 2)}\n`
          : // On stdout the charts' place holds nothing: they are in the report.
            `${compressionSummary(result).replace(/^<!-- charts -->\n+/m, '')}\n`,
      );
    });
  return program;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  createProgram()
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    });
}
