/**
 * SyncBridge: synchronous calls into the worker that owns the Redis connection.
 *
 * A call writes its operation into the shared control words, bumps REQUEST (the worker
 * wakes from Atomics.waitAsync) and blocks in Atomics.wait until RESPONSE carries the
 * same sequence number. The swap layer above is synchronous, as a task faulting on
 * swap-in waits for its I/O, so the calling thread blocks for exactly one round trip;
 * pages travel in the shared data buffer (./protocol.ts), never through postMessage.
 *
 * The wait is bounded (the command timeout plus a margin): a worker that does not answer
 * in time fails the call with IO_ERROR, and the next call first waits for that answer
 * (the data buffer is not reused while the worker may still write it). The worker is
 * unref'd, so a device that is never closed does not keep the process alive (its lock
 * then expires after its TTL).
 *
 * What it costs (bench/redis.bench.ts, p50 on the project's 2-core machine): 13 us a
 * call through the bridge alone; a PING 44 us through it against 23 us awaited on an
 * in-process ioredis client. Why not synckit: it sends each call's arguments and
 * result through a MessagePort (structured clone); the same handshake passing pages
 * that way took 19 us for one page and 48 us for 16, so pages stay in shared memory.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WorkerConfig } from './protocol.js';
import {
  COUNT,
  OP,
  OWNERSHIP_LOST,
  RECONNECTS,
  REQUEST,
  RESPONSE,
  STATUS,
  TEXT_LENGTH,
} from './protocol.js';

export interface BridgeAnswer {
  readonly status: number;
  readonly text: string;
}

/** A worker that did not answer in time: the call fails, the device stays usable. */
export const TIMED_OUT = -1;

/**
 * The worker's entry. From the build it is redisWorker.js beside this file. From the
 * TypeScript sources (tests, benches, the README example: the @tierswap/source
 * condition) it is redisWorker.ts, which Node 20 cannot load by itself, and a worker
 * does not inherit the parent's tsx hooks: a two-line bootstrap registers tsx's ESM
 * loader in the worker first (tsx is a development dependency only).
 */
function workerEntry(): { entry: string | URL; eval: boolean } {
  if (!import.meta.url.endsWith('.ts')) {
    return { entry: new URL('./redisWorker.js', import.meta.url), eval: false };
  }
  const api = createRequire(import.meta.url)
    .resolve('tsx/esm/api')
    .replace(/\.cjs$/, '.mjs');
  const target = new URL('./redisWorker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(pathToFileURL(api).href)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); });`;
  return { entry: code, eval: true };
}

export class SyncBridge {
  readonly #control: Int32Array;
  readonly #text: Uint8Array;
  readonly #worker: Worker;
  readonly #timeoutMs: number;
  #seq = 0;
  /** The sequence number of a call that timed out and has not been answered yet (0: none). */
  #pending = 0;
  #exited = false;

  constructor(config: WorkerConfig, textOffset: number, timeoutMs: number) {
    this.#control = new Int32Array(config.control);
    this.#text = new Uint8Array(config.data, textOffset);
    this.#timeoutMs = timeoutMs;
    const { entry, eval: isCode } = workerEntry();
    this.#worker = new Worker(entry, {
      workerData: config,
      eval: isCode,
      execArgv: [],
      stdout: false,
      stderr: false,
    });
    this.#worker.unref();
    this.#worker.on('error', () => {
      this.#exited = true;
    });
    this.#worker.on('exit', () => {
      this.#exited = true;
    });
  }

  /** Runs one operation on the worker and waits for its answer. */
  call(op: number, count: number, timeoutMs = this.#timeoutMs): BridgeAnswer {
    const c = this.#control;
    if (this.#pending !== 0) {
      if (!this.#await(this.#pending, timeoutMs)) {
        return { status: TIMED_OUT, text: 'the previous call is still running in the worker' };
      }
      this.#pending = 0;
    }
    const seq = ++this.#seq;
    c[OP] = op;
    c[COUNT] = count;
    Atomics.store(c, REQUEST, seq);
    Atomics.notify(c, REQUEST);
    if (!this.#await(seq, timeoutMs)) {
      this.#pending = seq;
      return {
        status: TIMED_OUT,
        text: this.#exited
          ? 'the worker thread has stopped'
          : `no answer from the worker within ${timeoutMs} ms`,
      };
    }
    const n = c[TEXT_LENGTH]!;
    return {
      status: c[STATUS]!,
      text: n === 0 ? '' : Buffer.from(this.#text.buffer, this.#text.byteOffset, n).toString(),
    };
  }

  /** Another opener took the lock (seen by the worker's renewal). */
  get ownershipLost(): boolean {
    return Atomics.load(this.#control, OWNERSHIP_LOST) !== 0;
  }

  get reconnects(): number {
    return Atomics.load(this.#control, RECONNECTS);
  }

  /** Stops the worker (after its CLOSE, or when opening failed). */
  stop(): void {
    void this.#worker.terminate();
  }

  #await(seq: number, timeoutMs: number): boolean {
    const c = this.#control;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = Atomics.load(c, RESPONSE);
      if (now === seq) return true;
      const left = deadline - Date.now();
      if (left <= 0 || this.#exited) return false;
      Atomics.wait(c, RESPONSE, now, Math.min(left, 100));
    }
  }
}
