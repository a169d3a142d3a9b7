/**
 * Tests of writeback into a real file: second chance, EEXIST / ENOSPC, the shrinker,
 * the shrink worker, compressor switch, and proactive writeback including
 * the seed-003 fairness case at full size.
 */

import { isRefusal, type Refusal } from '@tierswap/base';
import { entropyPage, filePages, NODE_BINARY, textPages } from '@tierswap/bench-kit';
import { type Codec, createCodec } from '@tierswap/compress';
import { type GroupId, GroupState } from '@tierswap/memcg';
import { afterEach, describe, expect, it } from 'vitest';
import { LOAD_REFUSALS, STORE_REFUSALS, WRITEBACK_REFUSALS } from './refusals.js';
import { type FileWritebackTarget, TEST_GROUPS, testPool } from './testing/fixtures.js';
import type { ZswapPoolOptions } from './types.js';

const { root: ROOT, a: A, b: B, c: C } = TEST_GROUPS;

const targets: FileWritebackTarget[] = [];
afterEach(() => {
  for (const t of targets.splice(0)) t.close();
});

function setup(
  over: Partial<ZswapPoolOptions> = {},
  codec: Codec = createCodec('lz4'),
  slots = 1 << 16,
) {
  const fixture = testPool(codec, over, slots);
  targets.push(fixture.target);
  return { ...fixture, tree: fixture.memcg.tree };
}

/** Pages written by a proactive request (-1 when it was refused). */
function pagesOf(r: { pages: number } | Refusal): number {
  return isRefusal(r) ? -1 : r.pages;
}

describe('LRU, second chance and the shrinker', () => {
  it('new entries are referenced: the first walk rotates them, the second writes back in LRU order', () => {
    const { pool, target } = setup();
    const pages = textPages(4);
    pages.forEach((p, i) => {
      pool.store(i, B, p);
    });
    expect(pool.shrinkerScan(B, 4)).toEqual({ written: 0, stop: false });
    expect(pool.shrinkerScan(B, 2)).toEqual({ written: 2, stop: false });
    expect(target.written).toEqual([0, 1]);
    expect(Buffer.compare(target.read(1)!, pages[1]!)).toBe(0);
    expect(pool.has(0)).toBe(false);
    expect(pool.memcgStats(B).zswpwb).toBe(2);
    expect(pool.stats().written_back_pages).toBe(2);
  });

  it('EEXIST (the page is hot) stops the walk and leaves the entry; ENOSPC counts a failure', () => {
    const { pool, target } = setup({}, createCodec('lz4'), 1);
    textPages(3).forEach((p, i) => {
      pool.store(i, B, p);
    });
    pool.shrinkerScan(B, 3); // second chance used up
    target.hot.add(0);
    expect(pool.shrinkerScan(B, 3)).toEqual({ written: 0, stop: true });
    expect(pool.has(0)).toBe(true);
    expect(pool.stats().reject_reclaim_fail).toBe(1);
    target.hot.clear();
    // The failed entry went to the tail; one slot only: 1 is written, 2 gets ENOSPC.
    expect(pool.shrinkerScan(B, 2)).toEqual({ written: 1, stop: false });
    expect(target.written).toEqual([1]);
    expect(pool.stats().reject_reclaim_fail).toBe(2);
    expect(target.reservedCount).toBe(0);
    expect(pool.writeback(2)).toMatchObject({ errno: 'ENOSPC' });
    expect(pool.writeback(12345)).toBe(LOAD_REFUSALS.not_found);
  });

  it('shrinker count is the LRU length scaled by the compression ratio, minus disk swap-ins', () => {
    const { pool, tree } = setup();
    const pages = textPages(100);
    pages.forEach((p, i) => {
      pool.store(i, B, p);
    });
    const s = pool.memcgStats(B);
    const expected = Math.floor((100 * s.zswap) / s.zswapped);
    expect(expected).toBeLessThan(100); // text compresses
    expect(pool.shrinkerCount(B)).toBe(expected);
    for (let i = 0; i < 30; i++) pool.noteDiskSwapin(B);
    expect(pool.shrinkerCount(B)).toBe(Math.floor((70 * s.zswap) / s.zswapped));
    expect(pool.shrinkerCount(B)).toBe(expected); // swap-ins were consumed
    tree.setZswapWriteback(A, false);
    expect(pool.shrinkerCount(B)).toBe(0);
    expect(pool.shrinkerScan(B, 10)).toEqual({ written: 0, stop: true });
    pool.setTunables({ shrinkerEnabled: false });
    tree.setZswapWriteback(A, true);
    expect(pool.shrinkerCount(B)).toBe(0);
  });

  it('shrink worker: writes back round-robin across memcgs until under the accept threshold', () => {
    const { pool, target } = setup({ ramBytes: 10 << 20 });
    const pages = filePages(NODE_BINARY, 4096, 5000, 4000);
    let i = 0;
    while (
      pool.store(i, (B + (i % 2)) as GroupId, pages[i % pages.length]!) !==
      STORE_REFUSALS.pool_limit_hit
    )
      i++;
    expect(pool.shrinkWorkPending).toBe(true);
    // Like the kernel's worker (shrink_memcg walks one entry), a run gives up after 16
    // fruitless attempts, and fresh entries are referenced: early runs mostly spend
    // second chances. Each refused store queues the worker again; here we just rerun it.
    let runs = 0;
    let written = 0;
    while (pool.stats().pool_total_size > pool.acceptThresholdBytes && runs < 5000) {
      written += pool.runShrinkWorker();
      runs++;
    }
    expect(written).toBeGreaterThan(0);
    expect(pool.stats().pool_total_size).toBeLessThanOrEqual(pool.acceptThresholdBytes);
    expect(pool.shrinkWorkPending).toBe(false);
    // Both memcgs paid, within one entry of each other (round robin).
    const a = pool.memcgStats(B).zswpwb;
    const b = pool.memcgStats(C).zswpwb;
    expect(Math.abs(a - b)).toBeLessThanOrEqual(1);
    expect(a + b).toBe(target.written.length);
    // Back under the threshold: stores are accepted again.
    expect(pool.store(999999, B, pages[0]!)).not.toBe(STORE_REFUSALS.pool_limit_hit);
  });

  it('shrink worker compacts first when the live objects alone fit under the threshold', () => {
    const { pool, target } = setup({ ramBytes: 50 << 20 }); // 10 MiB pool
    const pages = textPages(1500);
    let i = 0;
    while (pool.store(i, B, pages[i % pages.length]!) !== STORE_REFUSALS.pool_limit_hit) i++;
    // Free every other entry: objects of a class sit side by side, so zspages stay,
    // half empty.
    const out = new Uint8Array(4096);
    for (let k = 0; k < i; k += 2) pool.load(k, out);
    const footprint = pool.stats().pool_total_size;
    const slots = pool.arenaStats().slotBytes;
    expect(slots).toBeLessThan(footprint * 0.7);
    // Put the accept threshold half way between what is held and what is live.
    pool.setTunables({
      acceptThresholdPercent: Math.floor(((footprint + slots) / 2 / pool.maxPoolBytes) * 100),
    });
    expect(footprint).toBeGreaterThan(pool.acceptThresholdBytes);
    expect(slots).toBeLessThanOrEqual(pool.acceptThresholdBytes);
    expect(pool.runShrinkWorker()).toBe(0);
    expect(target.written).toEqual([]);
    expect(pool.arenaStats().objectsMoved).toBeGreaterThan(0);
    expect(pool.stats().pool_total_size).toBeLessThanOrEqual(pool.acceptThresholdBytes);
    // Moved entries still load byte-exact.
    for (let k = 1; k < i; k += 2) {
      expect(pool.load(k, out)).toBe(true);
      expect(Buffer.compare(out, pages[k % pages.length]!)).toBe(0);
    }
  });

  it('shrink worker gives up when no memcg may write back', () => {
    const { pool, tree } = setup({ ramBytes: 4 << 20 });
    tree.setZswapWriteback(ROOT, false);
    const pages = textPages(64);
    let i = 0;
    while (pool.store(i, B, pages[i % 64]!) !== STORE_REFUSALS.pool_limit_hit) i++;
    expect(pool.runShrinkWorker()).toBe(0);
    expect(pool.reachedFull).toBe(true);
  });
});

describe('compressor switch', () => {
  it('new stores use the new codec; old entries stay readable; writeback handles both', () => {
    const { pool, target } = setup();
    const pages = filePages(NODE_BINARY, 4096, 2500, 40);
    for (let i = 0; i < 20; i++) pool.store(i, B, pages[i]!);
    const zstd = createCodec('zstd', { level: 3 });
    pool.setCompressor(zstd);
    expect(pool.compressor).toBe(zstd);
    const rs = pages.slice(20).map((page, k) => pool.store(20 + k, B, page));
    expect(rs.every((r) => r === 'stored' || r === 'stored_raw')).toBe(true);
    const out = new Uint8Array(4096);
    for (let i = 0; i < 10; i++) {
      expect(pool.load(i, out)).toBe(true); // lz4 entries: sync load still works
      expect(Buffer.compare(out, pages[i]!)).toBe(0);
    }
    // Writeback of zstd entries and of lz4 ones, through the same target.
    pool.shrinkerScan(B, 30); // second chance
    expect(pool.shrinkerScan(B, 30).written).toBe(30);
    for (const id of target.written) expect(Buffer.compare(target.read(id)!, pages[id]!)).toBe(0);
    expect(pool.stats().stored_pages).toBe(0);
    // Switching back to a fresh lz4 codec reuses a free slot.
    pool.setCompressor(createCodec('lz4'));
    expect(pool.store(100, B, pages[0]!)).toBe('stored');
  });
});

describe('proactive writeback', () => {
  it('validates like memory.zswap.proactive_writeback', () => {
    const { pool, tree } = setup();
    expect(() => pool.proactiveWriteback({ memcg: A, maxBytes: 0 })).toThrow(
      /maxBytes must be > 0/,
    );
    expect(() => pool.proactiveWriteback({ memcg: A, maxBytes: 1, minAgeSeconds: -1 })).toThrow(
      /minAgeSeconds must be a finite number >= 0, got -1/,
    );
    tree.setZswapWriteback(A, false);
    expect(pool.proactiveWriteback({ memcg: B, maxBytes: 4096 })).toBe(
      WRITEBACK_REFUSALS.writeback_disabled,
    );
    tree.setZswapWriteback(A, true);
    // age >= uptime: success, nothing done
    expect(pool.proactiveWriteback({ memcg: A, maxBytes: 4096, minAgeSeconds: 1e9 })).toEqual({
      pages: 0,
      originalBytes: 0,
      compressedBytes: 0,
    });
    // nothing stored: EAGAIN after the retries
    expect(pool.proactiveWriteback({ memcg: A, maxBytes: 4096 })).toBe(
      WRITEBACK_REFUSALS.no_progress,
    );
  });

  it("the group's cursor survives removal of the group it points at", () => {
    const { pool, tree, target } = setup();
    textPages(4).forEach((p, i) => {
      pool.store(i, (B + (i % 2)) as GroupId, p);
    });
    // One page: the cursor of /a stops at /a/b (visited /a, then /a/b).
    expect(pagesOf(pool.proactiveWriteback({ memcg: A, maxBytes: 4096 }))).toBe(1);
    expect(target.written).toEqual([0]);
    // /a/b holds one entry, so its id stays referenced; once that goes the group
    // can be removed, and the tree moves the cursor to what follows it.
    expect(tree.idRefs(B)).toBe(1);
    pool.invalidate(2);
    expect(tree.rmdir('/a/b')).toBeUndefined();
    expect(tree.stateOf(B)).toBe(GroupState.FREE);
    // The walk goes on with /a/c.
    expect(pagesOf(pool.proactiveWriteback({ memcg: A, maxBytes: 4096 }))).toBe(1);
    expect(target.written).toEqual([0, 1]);
  });

  it('budget in compressed bytes stops at the budget and counts zswpwb_proactive', () => {
    const { pool } = setup();
    textPages(200).forEach((p, i) => {
      pool.store(i, B, p);
    });
    const r = pool.proactiveWriteback({ memcg: A, maxBytes: 64 << 10, unit: 'compressed' });
    if (isRefusal(r)) throw new Error(r.reason);
    expect(r.compressedBytes).toBeGreaterThanOrEqual(64 << 10);
    expect(r.compressedBytes).toBeLessThan((64 << 10) + 4096);
    expect(r.pages).toBeGreaterThan(16); // compressed pages are smaller than 4 KiB
    expect(pool.memcgStats(B).zswpwb_proactive).toBe(r.pages);
    expect(pool.memcgStats(B).zswpwb).toBe(r.pages);
  });

  // Seed 003 (Hao Jia / Yosry Ahmed, Jun 2026): a parent with two children, each with
  // 200 MB of zswap of which 100 MB is old. Repeated 2 MB proactive writebacks on the
  // parent must drain the old entries of BOTH children before any young entry is
  // written back. Sizes are original bytes (51,200 pages per child).
  it("seed 003 fairness: repeated 2 MB requests drain both children's old entries first", () => {
    const { pool, clock, target } = setup({ ramBytes: 8 * 2 ** 30 });
    const PAGES = 51_200; // 200 MB per child
    const corpus = textPages(512);
    let id = 0;
    let storedCount = 0;
    const old = new Set<number>();
    for (let half = 0; half < 2; half++) {
      for (let k = 0; k < PAGES / 2; k++) {
        for (const child of [B, C]) {
          if (pool.store(id, child, corpus[id % corpus.length]!) === 'stored') storedCount++;
          if (half === 0) old.add(id);
          id++;
        }
      }
      clock.advance(2 * 3600 * 1000); // the first half ages two hours
    }
    expect(storedCount).toBe(2 * PAGES);
    expect(pool.memcgStats(B).zswapped).toBe(200 * 1024 * 1024);
    // Without an age: the LRU order alone decides (the old half is at the heads).
    const calls: { pages: number; c2: number; c3: number }[] = [];
    while (target.written.length < old.size) {
      const r = pool.proactiveWriteback({ memcg: A, maxBytes: 2 << 20 });
      if (isRefusal(r)) throw new Error(r.reason);
      calls.push({
        pages: r.pages,
        c2: pool.memcgStats(B).zswpwb_proactive,
        c3: pool.memcgStats(C).zswpwb_proactive,
      });
    }
    expect(target.written.length).toBe(old.size);
    for (const w of target.written) expect(old.has(w)).toBe(true);
    expect(calls.length).toBe(100); // 100 MB x 2 / 2 MB
    // Every call made progress on both children (the per-memcg cursor).
    let prev = { c2: 0, c3: 0 };
    for (const c of calls) {
      expect(c.pages).toBe(512);
      expect(c.c2).toBeGreaterThan(prev.c2);
      expect(c.c3).toBeGreaterThan(prev.c3);
      prev = c;
    }
    // A few spot checks that the file holds the right bytes.
    for (const w of [target.written[0]!, target.written[12345]!, target.written.at(-1)!]) {
      expect(Buffer.compare(target.read(w)!, corpus[w % corpus.length]!)).toBe(0);
    }
  }, 60_000);

  it('seed 003 with an age: young entries rotate and are never written; a drained subtree says EAGAIN', () => {
    const { pool, clock, target } = setup();
    const corpus = textPages(64);
    // 1024 pages per child at t0, 1024 more per child 10 s later, then an hour passes:
    // the first half is 3610 s old, the second 3600 s. Ask for >= 3605 s.
    const old = new Set<number>();
    let id = 0;
    for (let half = 0; half < 2; half++) {
      for (let k = 0; k < 1024; k++) {
        for (const child of [B, C]) {
          if (half === 0) old.add(id);
          pool.store(id, child, corpus[id % 64]!);
          id++;
        }
      }
      clock.advance(half === 0 ? 10 * 1000 : 3600 * 1000);
    }
    let rounds = 0;
    for (;;) {
      const r = pool.proactiveWriteback({ memcg: A, maxBytes: 1 << 20, minAgeSeconds: 3605 });
      rounds++;
      if (isRefusal(r)) {
        expect(r).toBe(WRITEBACK_REFUSALS.no_progress);
        break;
      }
      expect(r.pages).toBeGreaterThan(0);
    }
    expect(new Set(target.written)).toEqual(old);
    expect(rounds).toBe(2048 / 256 + 1);
    expect(pool.stats().stored_pages).toBe(2048);
  });
});

describe('zstd writeback', () => {
  it('a proactive request over zstd entries writes every one back, byte-exact', () => {
    const { pool, target } = setup({}, createCodec('zstd', { level: 1 }));
    const pages = [
      ...textPages(150),
      ...filePages(NODE_BINARY, 4096, 6000, 100),
      entropyPage(4096, 8, 0, 3),
    ];
    const rs = pages.map((page, id) => pool.store(id, C, page));
    expect(rs.at(-1)).toBe('stored_raw');
    const r = pool.proactiveWriteback({ memcg: ROOT, maxBytes: Number.POSITIVE_INFINITY });
    expect(pagesOf(r)).toBe(pages.length);
    for (let i = 0; i < pages.length; i++)
      expect(Buffer.compare(target.read(i)!, pages[i]!)).toBe(0);
  });
});
