/**
 * The compression study's worker threads, seen from the main thread: one worker per
 * core, all reading the same SharedArrayBuffer of pages, each task sent to every worker
 * at once (each does its share, compressionProtocol.ts) and answered together.
 *
 * The worker's entry: from the build it is compressionWorker.js beside this file; from
 * the TypeScript sources (tests, benches, `tsx`) it is compressionWorker.ts, which Node
 * 20 cannot load alone and a worker does not inherit tsx's hooks: a two-line bootstrap
 * registers tsx first, and `--conditions=@tierswap/source` makes the worker resolve the
 * workspace packages to their sources as the parent does.
 */

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { BenchError } from '../benchError.js';
import type { WorkerAnswer, WorkerSetup, WorkerTask } from './compressionProtocol.js';

function workerEntry(): { entry: string | URL; eval: boolean; execArgv: string[] } {
  if (!import.meta.url.endsWith('.ts')) {
    return { entry: new URL('./compressionWorker.js', import.meta.url), eval: false, execArgv: [] };
  }
  const api = createRequire(import.meta.url)
    .resolve('tsx/esm/api')
    .replace(/\.cjs$/, '.mjs');
  const target = new URL('./compressionWorker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(pathToFileURL(api).href)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); });`;
  return { entry: code, eval: true, execArgv: ['--conditions=@tierswap/source'] };
}

export interface StudyWorkers {
  readonly count: number;
  /** Send every worker its task (taskFor(w)) and wait for all answers, in worker order. */
  run<A extends WorkerAnswer>(taskFor: (worker: number) => WorkerTask): Promise<A[]>;
  close(): Promise<void>;
}

/** Start `count` workers over the pages in `pages`. */
export function startWorkers(
  pages: SharedArrayBuffer,
  pageCount: number,
  pageSize: number,
  count: number,
  progress: SharedArrayBuffer,
): StudyWorkers {
  const { entry, eval: isCode, execArgv } = workerEntry();
  const workers: Worker[] = [];
  for (let w = 0; w < count; w++) {
    const setup: WorkerSetup = { pages, pageCount, pageSize, worker: w, workers: count, progress };
    workers.push(new Worker(entry, { workerData: setup, eval: isCode, execArgv }));
  }
  const ask = (worker: Worker, task: WorkerTask): Promise<WorkerAnswer> =>
    new Promise((resolve, reject) => {
      const onMessage = (answer: WorkerAnswer) => {
        cleanup();
        resolve(answer);
      };
      const onError = (error: Error) => {
        cleanup();
        reject(error);
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new Error(`the worker exited with code ${code}`));
      };
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage(task);
    });
  return {
    count,
    async run<A extends WorkerAnswer>(taskFor: (worker: number) => WorkerTask): Promise<A[]> {
      let answers: WorkerAnswer[];
      try {
        answers = await Promise.all(workers.map((w, i) => ask(w, taskFor(i))));
      } catch (cause) {
        throw new BenchError(
          'TOOL_FAILED',
          'compressionWorkers.run',
          `a study worker failed: ${String(cause)}`,
          {
            cause,
          },
        );
      }
      for (const a of answers) {
        if (a.type === 'error') {
          throw new BenchError(
            'TOOL_FAILED',
            'compressionWorkers.run',
            `a study worker failed: ${a.message}`,
          );
        }
      }
      return answers as A[];
    },
    async close(): Promise<void> {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
