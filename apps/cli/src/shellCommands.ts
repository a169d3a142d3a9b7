/**
 * The shell's command table and how one input line is carried out: parsed
 * (shellParse.ts), each command looked up and run, its output sent into an interface
 * file when redirected.
 *
 * A redirection goes as sh does it on a real sysfs: the target is opened first (a
 * missing file is `tierswap: PATH: No such file or directory` and the command does not
 * run; a directory is `Is a directory`), the command's whole output is written in one
 * write, as echo's one write(2) reaches the kernel, and a refused write is the
 * command's `write error:` with the kernel's errno. Writing a read-only file fails at
 * open in the kernel (its mode is 0444), so EACCES reads `tierswap: PATH: Permission
 * denied` too. `>>` writes the same way: an interface file has nothing to append to.
 */

import { isErrno, isRefusal } from '@tierswap/base';
import { FILE_COMMANDS, isDirectory } from './shellFileCommands.js';
import type { CommandContext, CommandSpec, ShellIo } from './shellIo.js';
import { report, usage } from './shellIo.js';
import type { ShellCommand } from './shellParse.js';
import { parseLine } from './shellParse.js';
import { SYSTEM_COMMANDS } from './shellSystemCommands.js';

const help: CommandSpec = {
  usage: 'help [COMMAND]',
  summary: 'list the commands, or show one',
  run(ctx, args) {
    if (args.length > 0) {
      let status = 0;
      for (const name of args) {
        const c = COMMANDS[name];
        if (c === undefined) {
          ctx.io.err(`help: no help topics match '${name}'\n`);
          status = 1;
        } else ctx.io.out(`${c.usage}\n    ${c.summary}\n`);
      }
      return status;
    }
    const names = Object.keys(COMMANDS);
    const w = Math.max(...names.map((n) => n.length)) + 2;
    ctx.io.out(
      "Commands (paths are the kernel's: /sys/fs/cgroup/..., /sys/kernel/mm/swap/tiers,\n" +
        '/sys/module/zswap/parameters/..., /proc/swaps, /proc/vmstat; COMMAND > FILE writes one):\n' +
        names.map((n) => `  ${n.padEnd(w)}${COMMANDS[n]!.summary}\n`).join('') +
        "'help COMMAND' shows its arguments. Quotes, ; and # comments work as in sh.\n",
    );
    return 0;
  },
};

const exit: CommandSpec = {
  usage: 'exit [STATUS]',
  summary: 'leave the shell (the stack and its devices are removed)',
  run(ctx, args) {
    const a = args[0];
    if (args.length > 1 || (a !== undefined && !/^[0-9]+$/.test(a))) {
      return usage(ctx.io, exit, `numeric argument required, got '${args.join(' ')}'`);
    }
    ctx.exit = a === undefined ? 0 : Number(a) & 255;
    return ctx.exit;
  },
};

/** Every command of the shell, by name. */
export const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  ...FILE_COMMANDS,
  ...SYSTEM_COMMANDS,
  help,
  exit,
};

/**
 * Runs one command. What a layer throws (a device that failed, a bug) ends the command,
 * not the shell: it is shown with its errno when it has one, and the command fails.
 */
async function runCommand(ctx: CommandContext, cmd: ShellCommand): Promise<number> {
  try {
    return await runRedirected(ctx, cmd);
  } catch (e) {
    const errno = (e as { errno?: unknown }).errno;
    const message = e instanceof Error ? e.message : String(e);
    if (isErrno(errno)) report(ctx.io, `${cmd.argv[0]}`, { errno, reason: message });
    else ctx.io.err(`${cmd.argv[0]}: unexpected error: ${message}\n`);
    return 1;
  }
}

/** Runs one command, with its output written into the redirection's file if it has one. */
async function runRedirected(ctx: CommandContext, cmd: ShellCommand): Promise<number> {
  const [name, ...args] = cmd.argv as [string, ...string[]];
  const spec = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (spec === undefined) {
    ctx.io.err(`tierswap: ${name}: command not found\n`);
    return 127;
  }
  const to = cmd.redirect;
  if (to === undefined) return spec.run(ctx, args);
  const fs = ctx.session.stack.fs;
  const path = to.path;
  if (!path.startsWith('/')) {
    report(ctx.io, `tierswap: ${path}`, {
      errno: 'ENOENT',
      reason: "the shell writes only the stack's files, at absolute paths",
    });
    return 1;
  }
  if (isDirectory(fs, path)) {
    report(ctx.io, `tierswap: ${path}`, { errno: 'EISDIR', reason: '' });
    return 1;
  }
  const probe = fs.read(path);
  if (isRefusal(probe) && probe.errno === 'ENOENT') {
    report(ctx.io, `tierswap: ${path}`, probe);
    return 1;
  }
  let captured = '';
  const io: ShellIo = { out: (t) => (captured += t), err: ctx.io.err, columns: undefined };
  const inner: CommandContext = { session: ctx.session, io };
  const status = await spec.run(inner, args);
  if (inner.exit !== undefined) ctx.exit = inner.exit;
  if (captured === '') return status;
  const r = fs.write(path, captured);
  if (r === undefined) return status;
  if (r.errno === 'EACCES') report(ctx.io, `tierswap: ${path}`, r);
  else report(ctx.io, `${name}: write error`, r);
  return 1;
}

export interface LineResult {
  /** The status of the last command run (2 for a line that does not parse). */
  readonly status: number;
  /** Whether any command of the line failed. */
  readonly failed: boolean;
}

/** Parses and runs one input line; with stopOnError, stops at the first command that fails. */
export async function runLine(
  ctx: CommandContext,
  line: string,
  stopOnError = false,
): Promise<LineResult> {
  const parsed = parseLine(line);
  if (!parsed.ok) {
    ctx.io.err(`tierswap: ${parsed.error}\n`);
    return { status: 2, failed: true };
  }
  let status = 0;
  let failed = false;
  for (const cmd of parsed.commands) {
    status = await runCommand(ctx, cmd);
    if (status !== 0 && ctx.exit === undefined) failed = true;
    if (ctx.exit !== undefined || (failed && stopOnError)) break;
  }
  return { status, failed };
}

/** Completions of the word being typed: command names first, then the stack's paths. */
export function complete(ctx: CommandContext, line: string): [string[], string] {
  const word = /(?:^|\s)(\S*)$/.exec(line)?.[1] ?? '';
  const first = line.trimStart() === word;
  if (first && !word.startsWith('/')) {
    return [Object.keys(COMMANDS).filter((n) => n.startsWith(word)), word];
  }
  if (!word.startsWith('/')) return [[], word];
  const slash = word.lastIndexOf('/');
  const dir = word.slice(0, slash) || '/';
  const stem = word.slice(slash + 1);
  const fs = ctx.session.stack.fs;
  const names = fs.ls(dir);
  if (isRefusal(names)) return [[], word];
  const base = dir === '/' ? '/' : `${dir}/`;
  const hits = names
    .filter((n) => n.startsWith(stem))
    .map((n) => (isDirectory(fs, base + n) ? `${base}${n}/` : `${base}${n}`));
  return [hits, word];
}
