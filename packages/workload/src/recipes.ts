/**
 * Recipes: start a real program present on the machine, let it build its memory, take
 * a processSource snapshot of it (optionally saved with writeSnapshot), and stop it.
 * What a study needs when "a Node service" or "a Redis cache" should be real bytes
 * without the user arranging the process themselves.
 *
 * - `node-heap`: this Node binary building a heap of linked records (objects, numbers,
 *   dates, JSON strings) until V8's used heap reaches the size.
 * - `python`: python3 building dicts of records until its RSS grew by the size.
 * - `redis`: redis-server on a private unix socket (no port to collide on, no
 *   persistence), loaded through `redis-cli --pipe` with JSON values and hashes
 *   totalling about the size.
 *
 * Each program's data carries a marker (`tierswap-node-record`, `tierswap-python-record`,
 * `tierswap-redis-value`) so a test can find it in the snapshot. Data is seeded. The
 * program is always stopped (SIGTERM, SIGKILL after 5 s) and its temporary directory
 * removed, also when anything fails. A recipe whose program is missing fails with
 * UNSUPPORTED saying what to install; `recipeAvailability` asks first.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { isIntInRange, showValue } from '@tierswap/base';
import { seededRandom } from './patternsRandom.js';
import { type ProcessSource, processSource } from './processSource.js';
import {
  readSnapshot,
  type SnapshotSource,
  type SnapshotWriteResult,
  writeSnapshot,
} from './snapshotFile.js';
import { WorkloadError } from './workloadError.js';

export type RecipeName = 'node-heap' | 'python' | 'redis';
export const RECIPE_NAMES: readonly RecipeName[] = Object.freeze(['node-heap', 'python', 'redis']);

export interface RecipeOptions {
  /** About how much memory the program builds, in MiB: an integer in 1..65536. Default 64. */
  readonly sizeMiB?: number;
  /** Seed of the program's data. Default 1. */
  readonly seed?: number;
  /** Wait after the program is ready before the snapshot, ms (0..600000). Default 500. */
  readonly warmupMs?: number;
  /** Give up when the program is not ready after this long, ms. Default 120000. */
  readonly timeoutMs?: number;
  /** Passed to processSource. */
  readonly maxPages?: number;
  /** Save the snapshot here; the result's source then reads this file. */
  readonly snapshotPath?: string;
  /** Progress of the snapshot write (pages done, total). */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface RecipeResult {
  readonly recipe: RecipeName;
  /** The program that ran (its path on PATH, or this Node binary). */
  readonly program: string;
  readonly pid: number;
  /** The program's resident memory (VmRSS) just before the snapshot, KiB. */
  readonly rssKiB: number;
  /** The snapshot: in memory, or read back from `snapshotPath`. */
  readonly source: ProcessSource | SnapshotSource;
  /** What writeSnapshot wrote, when `snapshotPath` was given. */
  readonly snapshot?: SnapshotWriteResult;
}

const WHERE = 'recipes.runRecipe';

/** The first executable `name` on PATH, or undefined. */
function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

const NEEDS: Readonly<Record<RecipeName, readonly { bin: string; install: string }[]>> = {
  'node-heap': [],
  python: [{ bin: 'python3', install: 'install Python 3 (apt-get install python3)' }],
  redis: [
    { bin: 'redis-server', install: 'apt-get install redis-server' },
    { bin: 'redis-cli', install: 'apt-get install redis-server (it brings redis-cli)' },
  ],
};

/** `true` when the recipe's programs are on PATH, else why not and what to install. */
export function recipeAvailability(name: RecipeName): true | string {
  if (!(RECIPE_NAMES as readonly unknown[]).includes(name)) {
    throw new WorkloadError(
      'INVALID_ARGUMENT',
      'recipes.recipeAvailability',
      `unknown recipe ${showValue(name)} (known: ${RECIPE_NAMES.join(', ')})`,
    );
  }
  for (const need of NEEDS[name]) {
    if (onPath(need.bin) === undefined) {
      return `recipe ${name} needs ${need.bin}, which is not on PATH: ${need.install}`;
    }
  }
  return true;
}

const NODE_PROGRAM = `
const target = Number(process.env.TS_SIZE_MIB) * 1048576;
let s = Number(process.env.TS_SEED) >>> 0;
const rnd = () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
const words = ['amber', 'basil', 'cedar', 'delta', 'ember', 'fjord', 'grove', 'harbor', 'indigo', 'juniper'];
const pick = () => words[Math.floor(rnd() * words.length)];
const records = [];
let i = 0;
while (process.memoryUsage().heapUsed < target) {
  for (let k = 0; k < 1000; k++, i++) {
    records.push({
      id: i, name: pick() + ' ' + pick(), score: rnd() * 100, active: rnd() < 0.5,
      created: new Date(1.7e12 + i * 1000), tags: [pick(), pick()],
      parent: i > 0 ? records[Math.floor(rnd() * i)] : null,
      // JSON.stringify makes a flat string, so the marker sits whole in memory.
      note: JSON.stringify({ kind: 'tierswap-node-record', id: i, text: pick() + ' ' + pick() + ' ' + pick() }),
    });
  }
}
globalThis.records = records;
process.stdout.write('ready ' + i + '\\n');
// Block the only JS thread: nothing runs, nothing changes, until the recipe stops it.
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
`;

const PYTHON_PROGRAM = `
import json, os, random, signal
target = int(os.environ['TS_SIZE_MIB']) << 20
random.seed(int(os.environ['TS_SEED']))
words = ['amber', 'basil', 'cedar', 'delta', 'ember', 'fjord', 'grove', 'harbor', 'indigo', 'juniper']
def rss():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')
base = rss()
data = {}
i = 0
while rss() - base < target:
    for _ in range(1000):
        data['record-%d' % i] = {
            'id': i, 'name': random.choice(words) + ' ' + random.choice(words),
            'score': random.random() * 100, 'tags': (random.choice(words), random.choice(words)),
            'note': json.dumps({'kind': 'tierswap-python-record', 'id': i, 'v': random.random()}),
        }
        i += 1
print('ready', i, flush=True)
signal.pause()
`;

/** Wait for `pattern` on the child's stdout; reject when it exits first or time runs out. */
function waitForLine(
  child: ChildProcess,
  pattern: RegExp,
  timeoutMs: number,
  what: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new WorkloadError(
          'PROGRAM_FAILED',
          WHERE,
          `${what} was not ready after ${timeoutMs} ms${tail(err)}`,
        ),
      );
    }, timeoutMs);
    const onOut = (d: Buffer) => {
      out += d.toString();
      if (pattern.test(out)) {
        cleanup();
        resolve();
      }
    };
    const onErr = (d: Buffer) => {
      err = (err + d.toString()).slice(-2000);
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      reject(
        new WorkloadError(
          'PROGRAM_FAILED',
          WHERE,
          `${what} exited before it was ready (${code === null ? `signal ${signal}` : `code ${code}`})${tail(err)}`,
        ),
      );
    };
    const onError = (e: Error) => {
      cleanup();
      reject(
        new WorkloadError('PROGRAM_FAILED', WHERE, `${what} could not start: ${e.message}`, {
          cause: e,
        }),
      );
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onOut);
      child.stderr?.off('data', onErr);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    child.stdout?.on('data', onOut);
    child.stderr?.on('data', onErr);
    child.on('exit', onExit);
    child.on('error', onError);
  });
}

function tail(stderr: string): string {
  const t = stderr.trim().split('\n').slice(-3).join(' | ');
  return t === '' ? '' : `: ${t}`;
}

/** Stop a child: SIGTERM, then SIGKILL after 5 s. Resolves when it has exited. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

function run(argv: readonly string[], input?: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    c.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    c.on('error', reject);
    c.on('exit', (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`${argv.join(' ')} exited ${code}: ${out.trim()}`)),
    );
    c.stdin.end(input);
  });
}

/** One RESP command. */
function resp(args: readonly string[]): string {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  return s;
}

/** Commands holding about `bytes` of seeded JSON values and hashes. */
function redisData(bytes: number, seed: number): Buffer {
  const rnd = seededRandom(seed);
  const words = ['amber', 'basil', 'cedar', 'delta', 'ember', 'fjord', 'grove', 'harbor'];
  const pick = () => words[Math.floor(rnd() * words.length)]!;
  const parts: string[] = [];
  let total = 0;
  for (let i = 0; total < bytes; i++) {
    const value = JSON.stringify({
      kind: 'tierswap-redis-value',
      id: i,
      user: `${pick()}.${pick()}@example.org`,
      cart: Array.from({ length: 1 + Math.floor(rnd() * 6) }, () => ({
        sku: `${pick()}-${Math.floor(rnd() * 1e6)}`,
        qty: 1 + Math.floor(rnd() * 4),
      })),
      seen: 1.7e12 + Math.floor(rnd() * 1e9),
    });
    const cmd =
      i % 4 === 3
        ? resp([
            'HSET',
            `user:${i}`,
            'name',
            `${pick()} ${pick()}`,
            'score',
            String(Math.floor(rnd() * 1e4)),
            'note',
            value,
          ])
        : resp(['SET', `session:${i}`, value]);
    parts.push(cmd);
    total += cmd.length;
  }
  return Buffer.from(parts.join(''));
}

function rssKiB(pid: number): number {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(text)?.[1] ?? 0);
}

function checkOptions(name: unknown, o: RecipeOptions): void {
  if (!(RECIPE_NAMES as readonly unknown[]).includes(name)) {
    throw new WorkloadError(
      'INVALID_ARGUMENT',
      WHERE,
      `unknown recipe ${showValue(name)} (known: ${RECIPE_NAMES.join(', ')})`,
    );
  }
  if (typeof o !== 'object' || o === null) {
    throw new WorkloadError(
      'INVALID_ARGUMENT',
      WHERE,
      `options must be an object, got ${showValue(o)}`,
    );
  }
  const ranges: [keyof RecipeOptions, number, number][] = [
    ['sizeMiB', 1, 65536],
    ['seed', 0, 0xffffffff],
    ['warmupMs', 0, 600_000],
    ['timeoutMs', 1, 3_600_000],
  ];
  for (const [key, lo, hi] of ranges) {
    const v = o[key];
    if (v !== undefined && !isIntInRange(v, lo, hi)) {
      throw new WorkloadError(
        'INVALID_ARGUMENT',
        WHERE,
        `${key} must be an integer in ${lo}..${hi}, got ${showValue(v)}`,
      );
    }
  }
  if (
    o.snapshotPath !== undefined &&
    (typeof o.snapshotPath !== 'string' || o.snapshotPath === '')
  ) {
    throw new WorkloadError(
      'INVALID_ARGUMENT',
      WHERE,
      `snapshotPath must be a non-empty string, got ${showValue(o.snapshotPath)}`,
    );
  }
}

/**
 * Start recipe `name`'s program, let it build about `sizeMiB` of memory and warm up,
 * snapshot it with processSource (and writeSnapshot when `snapshotPath` is given), and
 * stop it. Throws WorkloadError: UNSUPPORTED when a program is not installed,
 * PROGRAM_FAILED when it exits early or is not ready in time, INVALID_ARGUMENT for bad
 * options, and what processSource and writeSnapshot throw.
 */
export async function runRecipe(
  name: RecipeName,
  options: RecipeOptions = {},
): Promise<RecipeResult> {
  checkOptions(name, options);
  const available = recipeAvailability(name);
  if (available !== true) throw new WorkloadError('UNSUPPORTED', WHERE, available);
  const sizeMiB = options.sizeMiB ?? 64;
  const seed = options.seed ?? 1;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const env = { ...process.env, TS_SIZE_MIB: String(sizeMiB), TS_SEED: String(seed) };
  const dir = mkdtempSync(join(tmpdir(), `tierswap-recipe-${name}-`));
  let child: ChildProcess | undefined;
  // Should this process exit before the finally below runs, take the program along.
  const onExit = (): void => {
    child?.kill('SIGKILL');
  };
  process.once('exit', onExit);
  try {
    let program: string;
    if (name === 'node-heap') {
      program = process.execPath;
      // Room for the heap asked for, whatever V8's default limit on this machine.
      const heapArg = `--max-old-space-size=${Math.max(512, sizeMiB * 2 + 256)}`;
      child = spawn(program, [heapArg, '-e', NODE_PROGRAM], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      await waitForLine(child, /^ready \d+$/m, timeoutMs, `node-heap (${program})`);
    } else if (name === 'python') {
      program = onPath('python3')!;
      child = spawn(program, ['-c', PYTHON_PROGRAM], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      await waitForLine(child, /^ready \d+$/m, timeoutMs, `python (${program})`);
    } else {
      program = onPath('redis-server')!;
      const cli = onPath('redis-cli')!;
      const socket = join(dir, 'redis.sock');
      child = spawn(
        program,
        [
          '--port',
          '0',
          '--unixsocket',
          socket,
          '--unixsocketperm',
          '700',
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          dir,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      // 'Ready to accept connections' (tcp) or 'ready to accept connections at <socket>'.
      await waitForLine(child, /ready to accept connections/i, timeoutMs, `redis (${program})`);
      try {
        const out = await run([cli, '-s', socket, '--pipe'], redisData(sizeMiB * 1048576, seed));
        if (!/errors: 0,/.test(out)) throw new Error(out.trim());
      } catch (e) {
        throw new WorkloadError(
          'PROGRAM_FAILED',
          WHERE,
          `loading redis through ${cli} failed: ${(e as Error).message}`,
          { cause: e },
        );
      }
    }
    const pid = child.pid!;
    await new Promise((r) => setTimeout(r, options.warmupMs ?? 500));
    const rss = rssKiB(pid);
    const live = processSource(
      pid,
      options.maxPages === undefined ? {} : { maxPages: options.maxPages },
    );
    if (options.snapshotPath === undefined) {
      return Object.freeze({ recipe: name, program, pid, rssKiB: rss, source: live });
    }
    const snapshot = await writeSnapshot(live, options.snapshotPath, options.onProgress);
    return Object.freeze({
      recipe: name,
      program,
      pid,
      rssKiB: rss,
      source: readSnapshot(snapshot.path),
      snapshot,
    });
  } finally {
    process.off('exit', onExit);
    if (child !== undefined) await stop(child);
    rmSync(dir, { recursive: true, force: true });
  }
}
