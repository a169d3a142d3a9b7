/**
 * Runs the built tierswap command (dist/main.js) as a child process, the way a user
 * runs it, and collects its exit code and output. `tty: true` runs it under a
 * pseudo-terminal (util-linux `script`), so stdout and stderr are TTYs.
 */

import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const CLI = join(import.meta.dirname, '..', '..', 'dist', 'main.js');

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly tty?: boolean;
  /** Written to the child's stdin, then closed (default: stdin is /dev/null). */
  readonly input?: string;
  /** Called once with the child, e.g. to send it a signal. */
  readonly onSpawn?: (child: ReturnType<typeof spawn>) => void;
}

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function runBuiltCli(args: readonly string[], options: RunOptions = {}): Promise<CliRun> {
  // Tests see what a user sees: no colour forced from the environment the tests run in.
  const env: Record<string, string | undefined> = {
    ...process.env,
    FORCE_COLOR: undefined,
    NO_COLOR: undefined,
  };
  Object.assign(env, options.env ?? {});
  const [cmd, argv] = options.tty
    ? ['script', ['-qec', [process.execPath, CLI, ...args].map(quote).join(' '), '/dev/null']]
    : [process.execPath, [CLI, ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv as string[], {
      env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    options.onSpawn?.(child);
  });
}
