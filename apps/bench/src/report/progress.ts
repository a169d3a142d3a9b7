/**
 * progressBar: a cli-progress bar for long study work, on stderr and only when stderr
 * is a terminal, so piped output (`--json > file`, CI logs) never carries bar frames.
 * Off a terminal the same calls do nothing, which keeps studies free of `if (tty)`.
 */

import cliProgress from 'cli-progress';

export interface Progress {
  /** Count `n` more units done (default 1). */
  increment(n?: number): void;
  /** Set the units done (for work counted elsewhere, such as by worker threads). */
  update(done: number): void;
  /** Finish the bar (idempotent). */
  stop(): void;
}

export interface ProgressOptions {
  /** Where to draw; default process.stderr. Drawn only when it is a TTY. */
  readonly stream?: NodeJS.WriteStream;
}

/** A bar titled `title` counting to `total`; silent when the stream is not a TTY. */
export function progressBar(title: string, total: number, options?: ProgressOptions): Progress {
  const stream = options?.stream ?? process.stderr;
  if (!stream.isTTY || !(total > 0)) return { increment() {}, update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${title.padEnd(28).slice(0, 28)} [{bar}] {percentage}% | {value}/{total} | {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  let stopped = false;
  return {
    increment(n = 1) {
      if (!stopped) bar.increment(n);
    },
    update(done: number) {
      if (!stopped) bar.update(Math.min(total, done));
    },
    stop() {
      if (!stopped) bar.stop();
      stopped = true;
    },
  };
}
