/**
 * saveBenchRecord: the one way a benchmark keeps what it measured.
 *
 * Each run writes its record twice: `bench-results/<name>.json` in the package (the last
 * run, ignored by git, for scripts), and one line appended to
 * `docs/benchmarks/data/<package>.jsonl` (committed: the measurement history).
 * `node scripts/bench-docs.mjs` renders docs/benchmarks/<package>.md from those lines, so
 * READMEs keep only headline numbers and the history is never edited by hand.
 *
 * A record holds tables (rows of plain values) and goals, with where and when it ran:
 * the machine, Node, the commit. Quick runs (`--quick`) are written to bench-results only:
 * they are smoke tests, not measurements.
 */

import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { basename, dirname, join } from 'node:path';

export type BenchCell = string | number | boolean | null;

export interface BenchTable {
  /** What the table shows, one line. */
  readonly title: string;
  readonly rows: ReadonlyArray<Readonly<Record<string, BenchCell>>>;
}

export interface BenchGoal {
  readonly goal: string;
  readonly measured: string;
  readonly met: boolean;
}

export interface BenchRecordInput {
  /** The bench's name, e.g. `pool` or `file-device`: one history per name. */
  readonly name: string;
  readonly tables: readonly BenchTable[];
  readonly goals?: readonly BenchGoal[];
  /** Free-form notes (what changed, how the run was loaded). */
  readonly notes?: readonly string[];
  /** A smoke run: saved to bench-results only. */
  readonly quick?: boolean;
  /** Anything else the bench wants to keep for scripts (raw samples). */
  readonly raw?: unknown;
}

export interface BenchRecord extends BenchRecordInput {
  readonly package: string;
  readonly date: string;
  readonly commit: string;
  readonly node: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
}

function gitCommit(cwd: string): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function findRepoRoot(from: string): string {
  let dir = from;
  for (;;) {
    try {
      readFileSync(join(dir, 'pnpm-workspace.yaml'));
      return dir;
    } catch {
      const up = dirname(dir);
      if (up === dir)
        throw new Error(`bench-kit/saveBenchRecord: no pnpm-workspace.yaml above ${from}`);
      dir = up;
    }
  }
}

/**
 * Save a bench's record. `packageDir` is the package's folder (the bench passes
 * `join(import.meta.dirname, '..')`). Returns the paths written.
 */
export function saveBenchRecord(packageDir: string, input: BenchRecordInput): string[] {
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    name: string;
  };
  const record: BenchRecord = {
    package: pkg.name,
    date: new Date().toISOString(),
    commit: gitCommit(packageDir),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    ...input,
  };
  const written: string[] = [];
  const last = join(packageDir, 'bench-results', `${input.name}.json`);
  mkdirSync(dirname(last), { recursive: true });
  writeFileSync(last, `${JSON.stringify(record, null, 2)}\n`);
  written.push(last);
  if (!input.quick) {
    const { raw: _raw, ...kept } = record;
    const history = join(
      findRepoRoot(packageDir),
      'docs',
      'benchmarks',
      'data',
      `${basename(pkg.name)}.jsonl`,
    );
    mkdirSync(dirname(history), { recursive: true });
    appendFileSync(history, `${JSON.stringify(kept)}\n`);
    written.push(history);
  }
  return written;
}
