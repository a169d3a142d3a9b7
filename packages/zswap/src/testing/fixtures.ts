/**
 * Test helpers of @tierswap/zswap, published as '@tierswap/zswap/testing': a
 * WritebackTarget that writes to a real preallocated file (slot = offset / pageSize), a
 * codec that replays precomputed results (the pool's own cost, without compression),
 * and the pools the tests and benches start from. Page corpora come from
 * @tierswap/bench-kit.
 */

import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVirtualClock, type Refusal, refuse, type VirtualClock } from '@tierswap/base';
import type { Codec } from '@tierswap/compress';
import { createMemcg, type GroupId, type Memcg } from '@tierswap/memcg';
import type { WritebackTarget, ZswapPoolOptions } from '../types.js';
import { createZswapPool, type ZswapPool } from '../zswapPool.js';

const HOT = refuse('EEXIST', 'the page is back in memory (hot)');
const FULL = refuse('ENOSPC', 'the writeback file is full');

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

  reserve(entryId: number, _memcg: GroupId): number | Refusal {
    if (this.hot.has(entryId)) return HOT;
    const slot = this.#free.pop() ?? (this.#next < this.#slots ? this.#next++ : -1);
    if (slot < 0) return FULL;
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

/** The groups of the tests' tree: root > /a > {/a/b, /a/c}. */
export interface TestGroups {
  readonly root: GroupId;
  readonly a: GroupId;
  readonly b: GroupId;
  readonly c: GroupId;
}

/** The ids createMemcg() gives root, /a, /a/b and /a/c made in that order. */
export const TEST_GROUPS: TestGroups = {
  root: 1 as GroupId,
  a: 2 as GroupId,
  b: 3 as GroupId,
  c: 4 as GroupId,
};

/**
 * The pool the tests start from: a memcg tree root > /a > {/a/b, /a/c}, a virtual
 * clock at 1000 s, 1 GiB of RAM (max pool 20% of it) and a real file of `slots` pages
 * as writeback target. The caller closes `target` when done.
 */
export function testPool(
  codec: Codec,
  over: Partial<ZswapPoolOptions> = {},
  slots = 1 << 16,
): {
  pool: ZswapPool;
  memcg: Memcg;
  groups: TestGroups;
  clock: VirtualClock;
  target: FileWritebackTarget;
} {
  const memcg = createMemcg();
  const tree = memcg.tree;
  const groups = {
    root: tree.root,
    a: tree.create('/a'),
    b: tree.create('/a/b'),
    c: tree.create('/a/c'),
  };
  for (const k of ['root', 'a', 'b', 'c'] as const) {
    if (groups[k] !== TEST_GROUPS[k]) throw new Error(`testPool: ${k} is ${groups[k]}`);
  }
  const clock = createVirtualClock(1_000_000);
  const target = new FileWritebackTarget(4096, slots);
  const pool = createZswapPool({
    codec,
    memcg: tree,
    clock,
    ramBytes: 1 << 30,
    writeback: target,
    ...over,
  });
  return { pool, memcg, groups, clock, target };
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

/** The benches' pool and its group /bench, 16 GiB of RAM, a virtual clock. */
export function newBenchPool(codec: Codec, zsChainSize = 8): { pool: ZswapPool; group: GroupId } {
  const { tree } = createMemcg();
  const group = tree.create('/bench');
  const pool = createZswapPool({
    codec,
    memcg: tree,
    clock: createVirtualClock(),
    ramBytes: 2 ** 34,
    zsChainSize,
  });
  return { pool, group };
}
