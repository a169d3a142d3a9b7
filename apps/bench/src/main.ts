/**
 * The studies' command line (commander): one subcommand per study of the registry
 * (`compression`, `age-advisor`, `interface-ab`, `fairness`, `swap-metadata`,
 * `incompressible`, `package-benchmarks`) and `all`, which runs every study into one
 * report. Every study runs the same way, through STUDIES[name].run: the common flags
 * (`--quick`, `--json`, `--report DIR`) plus the study's own options (studyCommands.ts). The summary
 * (Markdown) or the data (`--json`) goes to stdout, the report directory is named on
 * stderr at the end, progress bars go to stderr on a terminal only.
 *
 * Exit codes: 0 done (or help), 1 a study failed (or a path is not there), 2 bad usage (an
 * unknown study or option, a bad value): the message says which and what is valid.
 *
 *   node --conditions=@tierswap/source --import tsx apps/bench/src/main.ts age-advisor --quick
 *   node --conditions=@tierswap/source --import tsx apps/bench/src/main.ts all --quick --report /tmp/report
 */

import { pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { STUDY_NAMES } from './studies/registry.js';
import { addStudyCommands, isUsageError, studyUsageLines } from './studyCommands.js';

/** The program; `out` receives what goes to stdout, `err` the report's place (tests pass their own). */
export function createProgram(
  out: (text: string) => void = (t) => process.stdout.write(t),
  err: (text: string) => void = (t) => process.stderr.write(t),
): Command {
  const program = new Command('tierswap-bench')
    .description(
      "tierswap's studies: each writes JSON, Markdown, charts and an HTML report. " +
        `Studies: ${STUDY_NAMES.join(', ')}; all runs every one into one report.`,
    )
    .showHelpAfterError()
    .addHelpText(
      'after',
      `\nEach study's own options (all take --quick, --json, --report DIR, --no-report):\n${studyUsageLines()}\n\n` +
        'Exit codes: 0 done, 1 a study failed, 2 bad usage.',
    );
  program.on('command:*', (operands: string[]) => {
    program.error(
      `error: unknown study ${JSON.stringify(operands[0])}; the studies are ${STUDY_NAMES.join(', ')} (or all)`,
      { exitCode: 2, code: 'tierswap-bench.unknownStudy' },
    );
  });

  addStudyCommands(program, { out, err });
  return program;
}

/** Runs the command line; resolves to the exit code (0 done, 1 a study failed, 2 bad usage). */
export async function main(argv: readonly string[]): Promise<number> {
  const program = createProgram();
  program.exitOverride();
  for (const c of program.commands) c.exitOverride();
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    // Commander printed its message already; help and version end with exit code 0.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return isUsageError(error) ? 2 : 1;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv);
}
