/**
 * `tierswap shell`: a shell over a live swap stack that takes the kernel's own commands
 * at the kernel's paths. runShell reads lines from `input` and runs them
 * (shellCommands.ts) against a ShellSession (shellSession.ts) until `exit` or the end
 * of the input, then removes the stack's devices and temporary directory.
 *
 * Interactive (a terminal): node:readline with history (kept in `historyFile` if given),
 * tab completion of commands and of the stack's paths (stack.fs.ls), and a prompt
 * showing the virtual time; Ctrl-C drops the line being typed, Ctrl-D leaves.
 *
 * Non-interactive (a script file or a pipe): the lines run in order and only the
 * commands' output is printed. Like sh without -e, a failing command does not stop the
 * script; unlike sh, the exit status is 1 if any command failed (so a transcript or CI
 * script cannot hide a failure behind a later success), 0 otherwise. `stopOnError`
 * stops at the first failure, as `sh -e` does. `exit N` ends with N either way. `echo`
 * (sh -v) prints each line, commands as `$ line` and comments as they are, before what it
 * prints: a transcript.
 */

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { createColors } from 'picocolors';
import { complete, runLine } from './shellCommands.js';
import type { CommandContext, ShellIo } from './shellIo.js';
import { clockText } from './shellIo.js';
import type { ShellStackOptions } from './shellSession.js';
import { createShellSession, type ShellSession } from './shellSession.js';

export type { ShellStackOptions } from './shellSession.js';

export interface RunShellOptions {
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
  readonly errorOutput: NodeJS.WritableStream;
  /** A terminal: prompt, history, completion (and colour unless NO_COLOR is set). */
  readonly interactive: boolean;
  readonly stackOptions?: ShellStackOptions;
  /** Stop at the first failing command (sh -e); the status is then 1. */
  readonly stopOnError?: boolean;
  /** Print each input line before its output, commands as `$ line`, comments as they are (sh -v): transcripts. */
  readonly echo?: boolean;
  /** Interactive: where the command history is kept between sessions (none when omitted). */
  readonly historyFile?: string;
}

/** What the interactive shell says first: what is running, and what to try. */
function banner(session: ShellSession): string {
  const fs = session.stack.fs;
  const codec = String(fs.read('/sys/module/zswap/parameters/compressor')).trim();
  const chain = [`zswap (${codec})`, ...session.swaps().map((d) => `${d.tier} (${d.kind})`)];
  return (
    `tierswap shell: a live swap stack, ${chain.join(' -> ')}, on a virtual clock.\n` +
    'Try: mkdir /sys/fs/cgroup/app; echo 6M > /sys/fs/cgroup/app/memory.max; run app 2000; sleep 1h\n' +
    "     cat /sys/fs/cgroup/app/memory.stat; cat /proc/swaps.  'help' lists the commands.\n"
  );
}

function streamIo(output: NodeJS.WritableStream, errorOutput: NodeJS.WritableStream): ShellIo {
  const tty = output as NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  return {
    out: (t) => void output.write(t),
    err: (t) => void errorOutput.write(t),
    // A pseudo-terminal may report 0 columns: take 80 then.
    columns: tty.isTTY === true ? tty.columns || 80 : undefined,
  };
}

/** Runs the shell until `exit` or the end of the input; resolves to its exit status. */
export async function runShell(options: RunShellOptions): Promise<number> {
  const { output, errorOutput, interactive } = options;
  const io = streamIo(output, errorOutput);
  let session: ShellSession;
  try {
    session = createShellSession(options.stackOptions);
  } catch (e) {
    io.err(`tierswap: shell: cannot start the stack: ${(e as Error).message}\n`);
    return 1;
  }
  const ctx: CommandContext = { session, io };
  try {
    return interactive ? await repl(ctx, options) : await script(ctx, options);
  } finally {
    for (const problem of session.close()) io.err(`tierswap: closing ${problem}\n`);
  }
}

async function script(ctx: CommandContext, options: RunShellOptions): Promise<number> {
  const rl = createInterface({
    input: options.input,
    terminal: false,
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let failed = false;
  try {
    for await (const line of rl) {
      if (options.echo === true) {
        const t = line.trim();
        if (t !== '') ctx.io.out(t.startsWith('#') ? `${line}\n` : `$ ${line}\n`);
      }
      const r = await runLine(ctx, line, options.stopOnError === true);
      if (r.failed) failed = true;
      if (ctx.exit !== undefined) return ctx.exit;
      if (failed && options.stopOnError === true) return 1;
    }
  } finally {
    rl.close();
  }
  return failed ? 1 : 0;
}

const HISTORY_SIZE = 1000;

/** The history file's lines, newest first (none if there is no file yet). */
function loadHistory(file: string | undefined): string[] {
  if (file === undefined) return [];
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .reverse()
      .slice(0, HISTORY_SIZE);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return [];
    throw e;
  }
}

/** Writes the history (at most HISTORY_SIZE lines); a failure is said once, not fatal. */
function saveHistory(file: string, newestFirst: readonly string[], ctx: CommandContext): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${[...newestFirst].reverse().join('\n')}\n`, { mode: 0o600 });
  } catch (e) {
    ctx.io.err(`tierswap: history not saved to ${file}: ${(e as Error).message}\n`);
  }
}

async function repl(ctx: CommandContext, options: RunShellOptions): Promise<number> {
  const color = createColors(process.env.NO_COLOR === undefined || process.env.NO_COLOR === '');
  const prompt = () => `${color.bold('tierswap')} ${color.cyan(clockText(ctx.session.seconds))}# `;
  const rl: Interface = createInterface({
    input: options.input,
    output: options.output,
    terminal: true,
    history: loadHistory(options.historyFile),
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
    completer: (line: string) => complete(ctx, line),
  });
  const file = options.historyFile;
  if (file !== undefined) {
    // Newest first, as readline holds it; oldest first in the file, as sh keeps one.
    rl.on('history', (h: string[]) => saveHistory(file, h, ctx));
  }
  rl.on('SIGINT', () => {
    // As a shell does: drop the line being typed and prompt again.
    rl.write(null, { ctrl: true, name: 'e' });
    rl.write(null, { ctrl: true, name: 'u' });
    ctx.io.out('^C\n');
    rl.setPrompt(prompt());
    rl.prompt();
  });
  ctx.io.out(banner(ctx.session));
  rl.setPrompt(prompt());
  rl.prompt();
  try {
    for await (const line of rl) {
      await runLine(ctx, line);
      if (ctx.exit !== undefined) return ctx.exit;
      rl.setPrompt(prompt());
      rl.prompt();
    }
  } finally {
    rl.close();
  }
  ctx.io.out('\n');
  return 0;
}
