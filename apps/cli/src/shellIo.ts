/**
 * What every shell command is given (the session, where its output and errors go) and
 * how a failure is shown: as a shell shows one, `cat: PATH: No such file or directory`,
 * `echo: write error: Invalid argument`, the strerror(3) text of the errno from
 * @tierswap/base's ERRNO_TEXT, then the Refusal's reason on the next line, indented,
 * unless it says nothing the first line did not.
 */

import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { Refusal } from '@tierswap/base';
import { ERRNO_TEXT } from '@tierswap/base';
import type { ShellSession } from './shellSession.js';

export interface ShellIo {
  out(text: string): void;
  err(text: string): void;
  /** Terminal width when output is a terminal (ls prints columns then), else undefined. */
  readonly columns: number | undefined;
}

export interface CommandContext {
  readonly session: ShellSession;
  readonly io: ShellIo;
  /** Set by `exit`: the status the shell ends with. */
  exit?: number;
}

export interface CommandSpec {
  /** One line: name and arguments. */
  readonly usage: string;
  readonly summary: string;
  /** Runs the command; returns its exit status (0 ok, 1 failed, 2 usage). */
  run(ctx: CommandContext, args: readonly string[]): number | Promise<number>;
}

/** Errors a shell reports that the stack's errno table has no use for. */
export type ShellErrno = Refusal['errno'] | 'EISDIR';

export function errnoText(errno: ShellErrno): string {
  return errno === 'EISDIR' ? 'Is a directory' : ERRNO_TEXT[errno];
}

/** `head: <strerror text>` and the refusal's reason below it when it adds something. */
export function report(io: ShellIo, head: string, r: { errno: ShellErrno; reason: string }): void {
  const text = errnoText(r.errno);
  io.err(`${head}: ${text}\n`);
  const reason = r.reason.trim();
  if (reason !== '' && !reason.toLowerCase().endsWith(text.toLowerCase())) io.err(`  ${reason}\n`);
}

/** A usage error: `name: what` and the command's usage line; status 2. */
export function usage(io: ShellIo, spec: CommandSpec, what: string): number {
  io.err(`${spec.usage.split(' ')[0]}: ${what}\nusage: ${spec.usage}\n`);
  return 2;
}

/** The options a command takes, as node:util's parseArgs describes them. */
export type OptionsSpec = NonNullable<ParseArgsConfig['options']>;

/** A command's parsed options (flags true, values as given) and its operands. */
export interface ParsedOptions {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly operands: string[];
}

/**
 * A command's arguments parsed with node:util's parseArgs, as getopt would: `-p 5`,
 * `-p5`, `--priority=5`, `-av`; an option value starting with a dash is written
 * `-p-1` or `--priority=-1`. An unknown option or a missing value is a usage error
 * (status 2) with parseArgs' first line.
 */
export function parseOptions(
  ctx: { io: ShellIo },
  spec: CommandSpec,
  args: readonly string[],
  options: OptionsSpec,
): ParsedOptions | number {
  try {
    const r = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    return { values: r.values as ParsedOptions['values'], operands: r.positionals };
  } catch (e) {
    // parseArgs' first sentence, and its hint for a value that starts with a dash.
    const lines = (e as Error).message.split('\n');
    const first = lines[0]!.replace(/\.(\s.*)?$/, '');
    const hint = lines.find((l) => l.startsWith('To specify an option argument'));
    const tail =
      hint === undefined
        ? ''
        : ` (${hint.replace(/^To specify an option argument starting with a dash use /, 'write ').replace(/\.$/, '')})`;
    return usage(ctx.io, spec, `${first.charAt(0).toLowerCase()}${first.slice(1)}${tail}`);
  }
}

/** Words laid out in columns across `width`, as ls does on a terminal. */
export function columns(words: readonly string[], width: number): string {
  if (words.length === 0) return '';
  const w = Math.max(...words.map((s) => s.length)) + 2;
  const perRow = Math.max(1, Math.floor(width / w));
  const rows = Math.ceil(words.length / perRow);
  let out = '';
  for (let r = 0; r < rows; r++) {
    let line = '';
    for (let c = 0; c < perRow; c++) {
      const word = words[c * rows + r];
      if (word !== undefined) line += word.padEnd(w);
    }
    out += `${line.trimEnd()}\n`;
  }
  return out;
}

/** A table as ps and swapon --show print it: numbers right-aligned, `left` columns left-aligned. */
export function table(rows: readonly (readonly string[])[], left: readonly number[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, c.length);
    });
  }
  return rows
    .map(
      (row) =>
        `${row
          .map((c, i) => (left.includes(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
          .join(' ')
          .trimEnd()}\n`,
    )
    .join('');
}

const UNITS = ['B', 'K', 'M', 'G', 'T', 'P'];

/** Bytes as util-linux shows them: 0B, 512K, 64M, 1.5G. */
export function humanBytes(bytes: number): string {
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  const shown = Number.isInteger(v) ? String(v) : v.toFixed(1).replace(/\.0$/, '');
  return `${shown}${UNITS[u]}`;
}

/** A size with an optional K/M/G/T suffix (binary), as memparse reads it; undefined if not one. */
export function parseSize(text: string): number | undefined {
  const m = /^([0-9]+)([kmgt]?)(i?b)?$/i.exec(text);
  if (m === null) return undefined;
  const shift = { '': 0, k: 10, m: 20, g: 30, t: 40 }[m[2]!.toLowerCase() as '' | 'k'];
  return Number(m[1]) * 2 ** shift;
}

/** A duration as sleep takes it: seconds with an optional s/m/h/d suffix; undefined if not one. */
export function parseDuration(text: string): number | undefined {
  const m = /^([0-9]+(?:\.[0-9]+)?)([smhd]?)$/.exec(text);
  if (m === null) return undefined;
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's'];
  return Number(m[1]) * unit;
}

/** Virtual seconds as h:mm:ss. */
export function clockText(seconds: number): string {
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}:${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}
