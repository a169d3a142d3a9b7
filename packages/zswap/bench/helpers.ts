/**
 * Helpers shared by the tests and benchmarks of @tierswap/zswap: a virtual clock, a
 * WritebackTarget that writes to a real preallocated file (slot = offset / pageSize), and
 * pages of this process's own memory. Page corpora come from @tierswap/bench-kit.
 *
 * Why here and not in src/: they are not part of the package's API, but both the
 * tests (src/*.test.ts) and the benchmarks need them, and bench/ is type-checked.
 */

import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Codec, createCodec } from '@tierswap/compress';
import { SimpleMemcgTree } from '../src/simpleMemcgTree.js';
import type { Clock, WritebackRefusal, WritebackTarget, ZswapPoolOptions } from '../src/types.js';
import { ZswapPool } from '../src/zswapPool.js';

/**
 * The zstd codec the tests of the batch paths use. Every codec of @tierswap/compress is
 * synchronous now (libzstd), so these paths run on it page by page.
 */
export function asyncZstd(level = 3): Codec {
  return createCodec('zstd', { level });
}

/** A clock the test moves by hand. */
export class VirtualClock implements Clock {
  #ms: number;
  constructor(startMs = 1_000_000) {
    this.#ms = startMs;
  }
  now(): number {
    return this.#ms;
  }
  advance(ms: number): void {
    this.#ms += ms;
  }
}

/**
 * A real file as writeback target: `slots` page-sized slots in one preallocated file
 * under os.tmpdir(), written with pwrite at slot * pageSize. `hot` ids answer EEXIST.
 * Records the order of written ids so tests can check who was written back when.
 */
export class FileWritebackTarget implements WritebackTarget {
  readonly dir: string;
  readonly path: string;
  readonly written: number[] = [];
  readonly hot = new Set<number>();
  readonly #fd: number;
  readonly #pageSize: number;
  readonly #slotOf = new Map<number, number>();
  readonly #free: number[] = [];
  readonly #reserved = new Set<number>();
  #next = 0;
  readonly #slots: number;

  constructor(pageSize: number, slots: number) {
    this.dir = mkdtempSync(join(tmpdir(), 'tierswap-zswap-'));
    this.path = join(this.dir, 'swapfile');
    this.#fd = openSync(this.path, 'w+');
    this.#pageSize = pageSize;
    this.#slots = slots;
  }

  reserve(entryId: number, _memcg: number): number | WritebackRefusal {
    if (this.hot.has(entryId)) return 'EEXIST';
    const slot = this.#free.pop() ?? (this.#next < this.#slots ? this.#next++ : -1);
    if (slot < 0) return 'ENOSPC';
    this.#reserved.add(slot);
    return slot;
  }

  write(entryId: number, token: number, page: Uint8Array): void {
    this.#reserved.delete(token);
    writeSync(this.#fd, page, 0, this.#pageSize, token * this.#pageSize);
    this.#slotOf.set(entryId, token);
    this.written.push(entryId);
  }

  cancel(_entryId: number, token: number): void {
    this.#reserved.delete(token);
    this.#free.push(token);
  }

  /** Read back what was written for `entryId`, or undefined. */
  read(entryId: number): Uint8Array | undefined {
    const slot = this.#slotOf.get(entryId);
    if (slot === undefined) return undefined;
    const page = new Uint8Array(this.#pageSize);
    readSync(this.#fd, page, 0, this.#pageSize, slot * this.#pageSize);
    return page;
  }

  get reservedCount(): number {
    return this.#reserved.size;
  }

  close(): void {
    closeSync(this.#fd);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The pool the tests start from: memcg tree 0 > 1 > {2, 3}, a virtual clock, 1 GiB of RAM
 * (max pool 20% of it) and a real file of `slots` pages as writeback target. The caller
 * closes `target` when done.
 */
export function testPool(
  codec: Codec,
  over: Partial<ZswapPoolOptions> = {},
  slots = 1 << 16,
): { pool: ZswapPool; tree: SimpleMemcgTree; clock: VirtualClock; target: FileWritebackTarget } {
  const tree = new SimpleMemcgTree(0).add(1, 0).add(2, 1).add(3, 1);
  const clock = new VirtualClock();
  const target = new FileWritebackTarget(4096, slots);
  const pool = new ZswapPool({
    codec,
    memcg: tree,
    clock,
    ramBytes: 1 << 30,
    writeback: target,
    ...over,
  });
  return { pool, tree, clock, target };
}

/** A codec that replays precomputed results: the pool's own cost, without compression. */
export function replayCodec(base: Codec, outs: readonly Uint8Array[]): Codec & { rewind(): void } {
  let k = 0;
  return {
    name: base.name,
    level: base.level,
    pageSize: base.pageSize,
    binding: base.binding,
    rewind: () => {
      k = 0;
    },
    compress: () => outs[k++ % outs.length]!,
    decompress: (s, d) => base.decompress(s, d),
    decodeInto: (s, a, b, d, o) => base.decodeInto(s, a, b, d, o),
  };
}

/** The benches' pool: memcg 1 under the root, 16 GiB of RAM, a virtual clock. */
export function newBenchPool(codec: Codec, zsChainSize = 8): ZswapPool {
  return new ZswapPool({
    codec,
    memcg: new SimpleMemcgTree(0).add(1, 0),
    clock: new VirtualClock(),
    ramBytes: 2 ** 34,
    zsChainSize,
  });
}
