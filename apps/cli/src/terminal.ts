/**
 * Terminal: where the command writes and how it decides to decorate. Colour only when
 * the stream is a TTY and NO_COLOR is unset or empty (no-color.org), never from
 * picocolors' own guess, which also turns colour on under CI for piped output. Progress
 * bars go to stderr and only when it is a TTY, so piped and captured output stays plain
 * data. Everything the commands print goes through one Terminal so tests and embedders
 * can hand in their own streams.
 */

import { SingleBar } from 'cli-progress';
import picocolors from 'picocolors';
import type { Colors } from 'picocolors/types.js';

/** A stream the command writes to: process.stdout and process.stderr fit. */
export interface OutStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface TerminalOptions {
  readonly stdout?: OutStream;
  readonly stderr?: OutStream;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** A progress bar over `total` steps; a no-op when stderr is not a TTY. */
export interface Progress {
  update(done: number, detail?: string): void;
  stop(): void;
}

export interface Terminal {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  /** Colours for stdout (all identity functions when stdout gets no colour). */
  readonly colors: Colors;
  /** Colours for stderr. */
  readonly errorColors: Colors;
  /** Whether stdout gets colour. */
  readonly color: boolean;
  /** Width to lay tables and charts out in (80 when not a TTY). */
  readonly columns: number;
  out(text: string): void;
  err(text: string): void;
  progress(label: string, total: number): Progress;
}

/** Whether `stream` gets colour under `env`: a TTY, NO_COLOR unset or empty, TERM not dumb. */
export function wantsColor(
  stream: OutStream,
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  if (stream.isTTY !== true) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return env.TERM !== 'dumb';
}

const NO_PROGRESS: Progress = Object.freeze({ update() {}, stop() {} });

export function createTerminal(options: TerminalOptions = {}): Terminal {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const env = options.env ?? process.env;
  const color = wantsColor(stdout, env);
  const errorColor = wantsColor(stderr, env);
  return {
    stdout,
    stderr,
    color,
    colors: picocolors.createColors(color),
    errorColors: picocolors.createColors(errorColor),
    columns: stdout.isTTY === true && stdout.columns ? stdout.columns : 80,
    out: (text) => {
      stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    err: (text) => {
      stderr.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    progress(label, total) {
      if (stderr.isTTY !== true) return NO_PROGRESS;
      const bar = new SingleBar({
        // cli-progress writes through the stream's cursor functions, which only a real
        // TTY stream has; the check above keeps it to those.
        stream: stderr as NodeJS.WriteStream,
        format: `${label} [{bar}] {percentage}% {detail}`,
        hideCursor: true,
        clearOnComplete: true,
        barsize: 30,
      });
      bar.start(total, 0, { detail: '' });
      return {
        update: (done, detail = '') => bar.update(done, { detail }),
        stop: () => bar.stop(),
      };
    },
  };
}
