/**
 * The tierswap program: commander 14 with every command registered, and runCli, which
 * parses and turns the outcome into an exit code (0 ok, 1 failure, 2 usage, 130 after
 * Ctrl-C). commander throws instead of exiting (exitOverride), so a usage error it
 * finds (an unknown option, a missing argument, a value an option's parser refused)
 * becomes 2 here, a CliError or any other failure becomes 1 with its message on
 * stderr (a TierswapError's detail, without its module prefix), and --help and
 * --version are 0. Commands receive the Terminal, never
 * process.stdout directly.
 */

import { readFileSync } from 'node:fs';
import { TierswapError } from '@tierswap/base';
import { isUsageError } from '@tierswap/bench';
import { Command, CommanderError } from 'commander';
import { registerAnalyze } from './analyzeCommand.js';
import { registerDemo } from './demoCommand.js';
import { Interrupted } from './interrupts.js';
import { registerRecord } from './recordCommand.js';
import { registerShellCommand } from './registerShellCommand.js';
import { registerRun } from './runCommand.js';
import { registerSnapshot } from './snapshotCommand.js';
import { registerStudy } from './studyCommand.js';
import type { Terminal, TerminalOptions } from './terminal.js';
import { createTerminal } from './terminal.js';

/** The package's version, read from its package.json (one level above src/ and dist/). */
export function cliVersion(): string {
  const url = new URL('../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

/** What a command hands back besides success or a throw: an exit status of its own. */
export interface ProgramState {
  exitCode: number;
}

/** The program with every command, writing through `term`. */
export function createProgram(term: Terminal, state: ProgramState = { exitCode: 0 }): Command {
  const c = term.colors;
  const program = new Command('tierswap')
    .description(
      "The Linux multi-tier swap stack in userspace: a demo on this machine's pages, and the tools around it.",
    )
    .version(cliVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for the command')
    .helpCommand('help [command]', 'show help for a command')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => term.stdout.write(s),
      writeErr: (s) => term.stderr.write(s),
      getOutHasColors: () => term.color,
      getErrHasColors: () => false,
      outputError: (s, write) => write(term.errorColors.red(s)),
    })
    .configureHelp({
      styleTitle: (s) => c.bold(s),
      styleCommandText: (s) => c.cyan(s),
      styleSubcommandText: (s) => c.cyan(s),
      styleOptionText: (s) => c.green(s),
      styleArgumentText: (s) => c.yellow(s),
    });
  registerDemo(program, term);
  registerSnapshot(program, term);
  registerRun(program, term);
  registerRecord(program, term);
  registerAnalyze(program, term);
  registerStudy(program, term);
  registerShellCommand(program, term, state);
  return program;
}

/** Run the command line `args` (without node and the script); resolves to the exit code. */
export async function runCli(
  args: readonly string[],
  options: TerminalOptions = {},
): Promise<number> {
  const term = createTerminal(options);
  const state: ProgramState = { exitCode: 0 };
  const program = createProgram(term, state);
  // `help study fairness` means `study fairness --help`: commander's help command only
  // looks one level down, and the studies are a level below `study`.
  let argv = [...args];
  if (args[0] === 'help' && args.length > 2) {
    const words = args.slice(1);
    let at: Command | undefined = program;
    for (const w of words) at = at?.commands.find((k) => k.name() === w || k.aliases().includes(w));
    if (at === undefined) {
      term.err(term.errorColors.red(`tierswap: unknown command '${words.join(' ')}'`));
      term.err("(run 'tierswap help' for the commands)");
      return 2;
    }
    argv = [...words, '--help'];
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return state.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version throw with exit code 0; everything else commander throws is
      // a usage error, already printed by commander.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof Interrupted) {
      term.err(term.errorColors.yellow(`tierswap: ${e.message}`));
      return e.exitCode;
    }
    // A library's error names its module for a developer; a user needs what went wrong.
    const message =
      e instanceof TierswapError ? e.detail : e instanceof Error ? e.message : String(e);
    term.err(term.errorColors.red(`tierswap: ${message}`));
    if (process.env.TIERSWAP_DEBUG && e instanceof Error && e.stack) term.err(e.stack);
    // A value the user gave that a library refused is a usage error, as in apps/bench.
    return isUsageError(e) ? 2 : 1;
  }
}
