/**
 * Helpers shared by the tests and benchmarks of @tierswap/zswap: a virtual clock, a
 * WritebackTarget that writes to a real preallocated file (slot = offset / pageSize), and
 * pages of this process's own memory. Page corpora come from @tierswap/bench-kit.
 *
 * Why here and not in src/: they are not part of the package's API, but both the
 * tests (src/*.test.ts) and the benchmarks need them, and bench/ is type-checked.
 */

import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Codec } from '@tierswap/compress';
import { isZeroPage } from '@tierswap/compress';
import { SimpleMemcgTree } from '../src/simpleMemcgTree.js';
import type { Clock, WritebackRefusal, WritebackTarget, ZswapPoolOptions } from '../src/types.js';
import { ZswapPool } from '../src/zswapPool.js';

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
 * Up to `count` non-zero pages of this process's own anonymous memory (V8 heap, malloc
 * arenas), read through /proc/self/mem: the closest thing to what a swap pool sees.
 * Zero pages are skipped (the swap layer keeps them out of zswap). Returns fewer pages
 * when the process has less readable memory.
 */
export function procSelfPages(count: number, pageSize = 4096): Uint8Array[] {
  const maps = readFileSync('/proc/self/maps', 'utf8').split('\n');
  const fd = openSync('/proc/self/mem', 'r');
  const out: Uint8Array[] = [];
  try {
    for (const line of maps) {
      const m = /^([0-9a-f]+)-([0-9a-f]+) rw-p \S+ \S+ \d+\s*(.*)$/.exec(line);
      if (!m) continue;
      const path = m[3] ?? '';
      if (path !== '' && path !== '[heap]') continue;
      const start = Number.parseInt(m[1]!, 16);
      const end = Number.parseInt(m[2]!, 16);
      for (let a = start; a + pageSize <= end && out.length < count; a += pageSize) {
        const page = new Uint8Array(pageSize);
        let n = 0;
        try {
          n = readSync(fd, page, 0, pageSize, BigInt(a));
        } catch {
          break; // unreadable mapping (guard pages): next mapping
        }
        if (n !== pageSize) break;
        if (!isZeroPage(page)) out.push(page);
      }
      if (out.length >= count) break;
    }
  } finally {
    closeSync(fd);
  }
  return out;
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
