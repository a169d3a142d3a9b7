/**
 * Ctrl-C during a run: the run's own cleanup (runScenario removes its devices'
 * temporary directory in a finally) must happen before the command ends. A run is
 * mostly synchronous work, during which no signal handler can run anyway; with a
 * handler installed the signal waits until the work ends, the cleanup has run by then,
 * and the command stops with Interrupted, which runCli turns into 128 + the signal's
 * number (130 for SIGINT), as a shell reports an interrupted program, printing nothing
 * of a result it did not finish.
 */

import { constants } from 'node:os';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** The command was interrupted by `signal` (exit code 128 + its number). */
export class Interrupted extends Error {
  override readonly name = 'Interrupted';
  readonly signal: NodeJS.Signals;
  readonly exitCode: number;

  constructor(signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
    this.signal = signal;
    this.exitCode = 128 + (constants.signals[signal] ?? 2);
  }
}

export async function deferringInterrupts<T>(work: () => Promise<T>): Promise<T> {
  let caught: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    caught ??= signal;
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  let result: T;
  try {
    result = await work();
  } finally {
    // A signal that came during the synchronous work waits in libuv's signal pipe, which
    // is only read in the event loop's poll phase: two check phases (setImmediate) in a
    // row have a poll phase between them, whichever phase the work ended in.
    for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
    for (const s of SIGNALS) process.removeListener(s, onSignal);
  }
  if (caught !== undefined) throw new Interrupted(caught);
  return result;
}
