/**
 * `tierswap shell [SCRIPT]`: the command line of cli-shell's runShell (./shell.ts): a
 * script file, or standard input, which is interactive (prompt, history, completion)
 * when stdin and stdout are terminals. The shell's exit status (1 when a command
 * failed) becomes the command's, through the program's state.
 */

import { createReadStream } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { runShell } from './shell.js';
import type { Terminal } from './terminal.js';

interface ShellCommandOptions {
  readonly echo?: boolean;
  readonly stopOnError?: boolean;
  readonly devices: boolean;
  readonly history?: string;
  readonly ram?: number;
  readonly mode?: 'vswap' | 'classic';
  readonly compressor?: 'lz4' | 'zstd' | 'none';
}

/** Where the interactive shell keeps its history by default (XDG's state directory). */
function defaultHistoryFile(): string {
  const state = process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(state, 'tierswap', 'shell_history');
}

function oneOf<T extends string>(name: string, values: readonly T[]): (v: string) => T {
  return (v) => {
    if (!(values as readonly string[]).includes(v)) {
      throw new InvalidArgumentError(`${name} must be one of ${values.join(', ')}.`);
    }
    return v as T;
  };
}

/** A size with the kernel's suffixes (K, M, G), as memory.max takes it. */
function sizeOption(v: string): number {
  const m = /^(\d+)([KMG]?)$/i.exec(v.trim());
  const n = m ? Number(m[1]) * 1024 ** ' KMG'.indexOf((m[2] || ' ').toUpperCase()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1 << 20) {
    throw new InvalidArgumentError(`"${v}" is not a size of at least 1M (digits with K, M or G).`);
  }
  return n;
}

/** Registers `tierswap shell` on `program`; the shell's status goes to `state.exitCode`. */
export function registerShellCommand(
  program: Command,
  term: Terminal,
  state: { exitCode: number },
): void {
  program
    .command('shell')
    .description(
      "A shell over a live swap stack that takes the kernel's commands at the kernel's paths (echo > memory.reclaim, cat /proc/swaps, swapon, mkdir of cgroups...).",
    )
    .argument('[script]', 'run this file non-interactively (default: standard input)')
    .option('--echo', 'print each command as `$ command` before its output (a transcript)')
    .option('--stop-on-error', 'stop at the first failing command, as sh -e')
    .option('--no-devices', 'start without the default ssd and hdd swap devices')
    .option('--ram <size>', "the stack's RAM (default 64M)", sizeOption)
    .option(
      '--mode <mode>',
      'vswap (default) or classic',
      oneOf('--mode', ['vswap', 'classic'] as const),
    )
    .option(
      '--compressor <name>',
      "zswap's compressor: lz4 (default), zstd or none",
      oneOf('--compressor', ['lz4', 'zstd', 'none'] as const),
    )
    .option(
      '--history <file>',
      'interactive: where the history is kept (default $XDG_STATE_HOME/tierswap/shell_history)',
    )
    .action(async (script: string | undefined, o: ShellCommandOptions) => {
      const input = script === undefined ? process.stdin : createReadStream(script);
      if (script !== undefined) {
        // A missing script is the command's failure, said before any stack is built.
        await new Promise<void>((resolve, reject) => {
          input.once('error', (e: Error) => reject(e));
          (input as ReturnType<typeof createReadStream>).once('open', () => resolve());
        });
      }
      state.exitCode = await runShell({
        input,
        output: term.stdout as NodeJS.WritableStream,
        errorOutput: term.stderr as NodeJS.WritableStream,
        interactive:
          script === undefined && process.stdin.isTTY === true && term.stdout.isTTY === true,
        echo: o.echo === true,
        stopOnError: o.stopOnError === true,
        stackOptions: {
          defaultDevices: o.devices,
          ...(o.ram === undefined ? {} : { ramBytes: o.ram }),
          ...(o.mode === undefined ? {} : { mode: o.mode }),
          ...(o.compressor === undefined ? {} : { compressor: o.compressor }),
        },
        historyFile: o.history ?? defaultHistoryFile(),
      });
    });
}
