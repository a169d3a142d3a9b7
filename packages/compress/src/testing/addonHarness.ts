/**
 * What the tests of both addons (src/lz4Codec.test.ts, src/zstdCodec.test.ts) run the
 * same way: codec creation in a child process whose environment points the addon
 * elsewhere, and several worker threads using an addon at once.
 *
 * Why in src/testing/: test helpers, type-checked with the package but neither exported
 * from its entry point nor shipped (package.json `files` leaves src/testing out).
 */

import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

const packageDir = join(import.meta.dirname, '..', '..');

/**
 * Calls [srcStart, srcEnd, dstStart, size] that every addon decoder must refuse with -1,
 * for a block of `n` bytes decoding to `page` bytes into a `page`-byte destination.
 */
export function badRanges(n: number, page: number): [number, number, number, number][] {
  return [
    [0, n + 1, 0, page], // past the source
    [-1, n, 0, page],
    [5, 5, 0, page], // empty
    [0, n, 1, page], // past the destination
    [0, n, 0, 0],
    [0, n, -page, page],
    [0, n, 2 ** 31 - 1, page], // dstStart + size would overflow an int32
    [0.5, n, 0, page], // an Int32Array would truncate it to 0
    [0, 2 ** 32 + n, 0, page], // an Int32Array would wrap it to n
  ];
}

/**
 * In a fresh Node process with `env` added: try `createCodec(name)` (prints "loaded", or
 * the error's code and message), then print the binding name of the codec the
 * expression `fallback` makes (it may use `createCodec` and `createZstdBatchCodec`).
 * Returns the process's stdout lines and stderr.
 */
export function createCodecInChild(
  name: 'lz4' | 'zstd',
  fallback: string,
  env: Record<string, string>,
): { lines: string[]; stderr: string } {
  const code = [
    "import { createCodec, createZstdBatchCodec } from './src/index.ts';",
    `try { createCodec(${JSON.stringify(name)}); console.log("loaded"); }`,
    'catch (e) { console.log(e.code, e.message); }',
    `console.log((${fallback}).binding.name);`,
  ].join('\n');
  const r = spawnSync(
    process.execPath,
    ['--conditions=@tierswap/source', '--import', 'tsx', '--input-type=module', '-e', code],
    { cwd: packageDir, encoding: 'utf8', env: { ...process.env, ...env } },
  );
  return { lines: r.stdout.trim().split('\n'), stderr: r.stderr };
}

/**
 * Run `body` in `workers` worker threads at once, each with `a` (the addon
 * build/Release/<file>.node, required in the worker), `pages` and a `parentPort`; each
 * worker must post one number. Resolves with the numbers.
 */
export function runAddonWorkers(
  file: 'tierswap_lz4' | 'tierswap_zstd',
  pages: Uint8Array[],
  body: string,
  workers = 3,
): Promise<number[]> {
  const addonPath = createRequire(import.meta.url).resolve(`../../build/Release/${file}.node`);
  const script = `
    const { parentPort, workerData } = require('node:worker_threads');
    const a = require(workerData.addonPath);
    const pages = workerData.pages;
    ${body}`;
  return Promise.all(
    Array.from(
      { length: workers },
      () =>
        new Promise<number>((resolve, reject) => {
          const w = new Worker(script, { eval: true, workerData: { addonPath, pages } });
          w.once('message', resolve);
          w.once('error', reject);
        }),
    ),
  );
}
