/**
 * Tests of writeback into a real file: second chance, EEXIST / ENOSPC, the shrinker,
 * the shrink worker, compressor switch, async races, and proactive writeback including
 * the seed-003 fairness case at full size.
 */

import { entropyPage, filePages, NODE_BINARY, textPages } from '@tierswap/bench-kit';
import { type Codec, createCodec } from '@tierswap/compress';
import { afterEach, describe, expect, it } from 'vitest';
import { asyncZstd, type FileWritebackTarget, testPool } from '../bench/helpers.js';
import type { ZswapPoolOptions } from './types.js';

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
  return fixture;
}

describe('LRU, second chance and the shrinker', () => {
  it('new entries are referenced: the first walk rotates them, the second writes back in LRU order', async () => {
    const { pool, target } = setup();
    const pages = textPages(4);
    pages.forEach((p, i) => {
      pool.store(i, 2, p);
    });
    expect(await pool.shrinkerScan(2, 4)).toEqual({ written: 0, stop: false });
    expect(await pool.shrinkerScan(2, 2)).toEqual({ written: 2, stop: false });
    expect(target.written).toEqual([0, 1]);
    expect(Buffer.compare(target.read(1)!, pages[1]!)).toBe(0);
    expect(pool.has(0)).toBe(false);
    expect(pool.memcgStats(2).zswpwb).toBe(2);
    expect(pool.stats().written_back_pages).toBe(2);
  });

  it('EEXIST (the page is hot) stops the walk and leaves the entry; ENOSPC counts a failure', async () => {
    const { pool, target } = setup({}, createCodec('lz4'), 1);
    textPages(3).forEach((p, i) => {
      pool.store(i, 2, p);
    });
    await pool.shrinkerScan(2, 3); // second chance used up
    target.hot.add(0);
    expect(await pool.shrinkerScan(2, 3)).toEqual({ written: 0, stop: true });
    expect(pool.has(0)).toBe(true);
    expect(pool.stats().reject_reclaim_fail).toBe(1);
    target.hot.clear();
    // The failed entry went to the tail; one slot only: 1 is written, 2 gets ENOSPC.
    expect(await pool.shrinkerScan(2, 2)).toEqual({ written: 1, stop: false });
    expect(target.written).toEqual([1]);
    expect(pool.stats().reject_reclaim_fail).toBe(2);
    expect(target.reservedCount).toBe(0);
    expect(await pool.writeback(2)).toBe('ENOSPC');
    expect(await pool.writeback(12345)).toBe('ENOENT');
  });

  it('shrinker count is the LRU length scaled by the compression ratio, minus disk swap-ins', async () => {
    const { pool, tree } = setup();
    const pages = textPages(100);
    pages.forEach((p, i) => {
      pool.store(i, 2, p);
    });
    const s = pool.memcgStats(2);
    const expected = Math.floor((100 * s.zswap) / s.zswapped);
    expect(expected).toBeLessThan(100); // text compresses
    expect(pool.shrinkerCount(2)).toBe(expected);
    for (let i = 0; i < 30; i++) pool.noteDiskSwapin(2);
    expect(pool.shrinkerCount(2)).toBe(Math.floor((70 * s.zswap) / s.zswapped));
    expect(pool.shrinkerCount(2)).toBe(expected); // swap-ins were consumed
    tree.setWriteback(1, false);
    expect(pool.shrinkerCount(2)).toBe(0);
    expect(await pool.shrinkerScan(2, 10)).toEqual({ written: 0, stop: true });
    pool.setTunables({ shrinkerEnabled: false });
    tree.setWriteback(1, true);
    expect(pool.shrinkerCount(2)).toBe(0);
  });

  it('shrink worker: writes back round-robin across memcgs until under the accept threshold', async () => {
    const { pool, target } = setup({ ramBytes: 10 << 20 });
    const pages = filePages(NODE_BINARY, 4096, 5000, 4000);
    let i = 0;
    while (pool.store(i, 2 + (i % 2), pages[i % pages.length]!) !== 'pool_limit') i++;
    expect(pool.shrinkWorkPending).toBe(true);
    // Like the kernel's worker (shrink_memcg walks one entry), a run gives up after 16
    // fruitless attempts, and fresh entries are referenced: early runs mostly spend
    // second chances. Each refused store queues the worker again; here we just rerun it.
    let runs = 0;
    let written = 0;
    while (pool.stats().pool_total_size > pool.acceptThresholdBytes && runs < 5000) {
      written += await pool.runShrinkWorker();
      runs++;
    }
    expect(written).toBeGreaterThan(0);
    expect(pool.stats().pool_total_size).toBeLessThanOrEqual(pool.acceptThresholdBytes);
    expect(pool.shrinkWorkPending).toBe(false);
    // Both memcgs paid, within one entry of each other (round robin).
    const a = pool.memcgStats(2).zswpwb;
    const b = pool.memcgStats(3).zswpwb;
    expect(Math.abs(a - b)).toBeLessThanOrEqual(1);
    expect(a + b).toBe(target.written.length);
    // Back under the threshold: stores are accepted again.
    expect(pool.store(999999, 2, pages[0]!)).not.toBe('pool_limit');
  });

  it('shrink worker compacts first when the live objects alone fit under the threshold', async () => {
    const { pool, target } = setup({ ramBytes: 50 << 20 }); // 10 MiB pool
    const pages = textPages(1500);
    let i = 0;
    while (pool.store(i, 2, pages[i % pages.length]!) !== 'pool_limit') i++;
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
    expect(await pool.runShrinkWorker()).toBe(0);
    expect(target.written).toEqual([]);
    expect(pool.arenaStats().objectsMoved).toBeGreaterThan(0);
    expect(pool.stats().pool_total_size).toBeLessThanOrEqual(pool.acceptThresholdBytes);
    // Moved entries still load byte-exact.
    for (let k = 1; k < i; k += 2) {
      expect(pool.load(k, out)).toBe('ok');
      expect(Buffer.compare(out, pages[k % pages.length]!)).toBe(0);
    }
  });

  it('shrink worker gives up when no memcg may write back', async () => {
    const { pool, tree } = setup({ ramBytes: 4 << 20 });
    tree.setWriteback(0, false);
    const pages = textPages(64);
    let i = 0;
    while (pool.store(i, 2, pages[i % 64]!) !== 'pool_limit') i++;
    expect(await pool.runShrinkWorker()).toBe(0);
    expect(pool.reachedFull).toBe(true);
  });
});

describe('compressor switch', () => {
  it('new stores use the new codec; old entries stay readable; writeback handles both', async () => {
    const { pool, target } = setup();
    const pages = filePages(NODE_BINARY, 4096, 2500, 40);
    for (let i = 0; i < 20; i++) pool.store(i, 2, pages[i]!);
    const zstd = asyncZstd(3);
    pool.setCompressor(zstd);
    expect(pool.compressor).toBe(zstd);
    const rs = await pool.storeBatch(
      pages.slice(20).map((page, k) => ({ id: 20 + k, memcg: 2, page })),
    );
    expect(rs.every((r) => r === 'stored' || r === 'stored_raw')).toBe(true);
    const out = new Uint8Array(4096);
    for (let i = 0; i < 10; i++) {
      expect(pool.load(i, out)).toBe('ok'); // lz4 entries: sync load still works
      expect(Buffer.compare(out, pages[i]!)).toBe(0);
    }
    // Async writeback of zstd entries and sync of lz4 ones, through the same target.
    await pool.shrinkerScan(2, 30); // second chance
    expect((await pool.shrinkerScan(2, 30)).written).toBe(30);
    for (const id of target.written) expect(Buffer.compare(target.read(id)!, pages[id]!)).toBe(0);
    expect(pool.stats().stored_pages).toBe(0);
    // Switching back to a fresh lz4 codec reuses a free slot.
    pool.setCompressor(createCodec('lz4'));
    expect(pool.store(100, 2, pages[0]!)).toBe('stored');
  });

  it('async writeback racing a load: whichever finishes first wins, nothing is lost', async () => {
    const { pool, target } = setup({}, asyncZstd());
    const pages = textPages(3);
    await pool.storeBatch(pages.map((page, id) => ({ id, memcg: 2, page })));
    // Load first: the entry is detached while it decodes; the writeback finds nothing.
    const out = new Uint8Array(4096);
    const load0 = pool.loadBatch([0], [out]);
    const wb0 = pool.writeback(0);
    expect(await load0).toEqual(['ok']);
    expect(await wb0).toBe('ENOENT');
    expect(Buffer.compare(out, pages[0]!)).toBe(0);
    expect(target.written).toEqual([]);
    expect(target.reservedCount).toBe(0);
    // Writeback first: the load finds the entry gone (the page is in the target now).
    const wb1 = pool.writeback(1);
    const load1 = pool.loadBatch([1], [new Uint8Array(4096)]);
    expect(await wb1).toBe('ok');
    expect(await load1).toEqual(['ENOENT']);
    expect(Buffer.compare(target.read(1)!, pages[1]!)).toBe(0);
    expect(pool.stats().stored_pages).toBe(1);
  });
});

describe('proactive writeback', () => {
  it('validates like memory.zswap.proactive_writeback', async () => {
    const { pool, tree } = setup();
    expect((await pool.proactiveWriteback({ memcg: 1, maxBytes: 0 })).status).toBe('EINVAL');
    expect(
      (await pool.proactiveWriteback({ memcg: 1, maxBytes: 1, minAgeSeconds: -1 })).status,
    ).toBe('EINVAL');
    tree.setWriteback(1, false);
    expect((await pool.proactiveWriteback({ memcg: 2, maxBytes: 4096 })).status).toBe('EINVAL');
    tree.setWriteback(1, true);
    // age >= uptime: success, nothing done
    expect(await pool.proactiveWriteback({ memcg: 1, maxBytes: 4096, minAgeSeconds: 1e9 })).toEqual(
      {
        status: 'ok',
        pages: 0,
        originalBytes: 0,
        compressedBytes: 0,
      },
    );
    // nothing stored: EAGAIN after the retries
    expect((await pool.proactiveWriteback({ memcg: 1, maxBytes: 4096 })).status).toBe('EAGAIN');
  });

  it('forgetMemcg refuses a memcg with entries and resets cursors pointing at it', async () => {
    const { pool, target } = setup();
    textPages(4).forEach((p, i) => {
      pool.store(i, 2 + (i % 2), p);
    });
    // One page: the cursor of memcg 1 stops at memcg 2 (visited 1, then 2).
    expect((await pool.proactiveWriteback({ memcg: 1, maxBytes: 4096 })).pages).toBe(1);
    expect(target.written).toEqual([0]);
    expect(() => pool.forgetMemcg(2)).toThrow(/memcg 2 still holds 1 entries/);
    pool.invalidate(2);
    pool.forgetMemcg(2);
    // The walk restarts at memcg 1, then 2 (empty now), then 3.
    expect((await pool.proactiveWriteback({ memcg: 1, maxBytes: 4096 })).pages).toBe(1);
    expect(target.written).toEqual([0, 1]);
  });

  it('budget in compressed bytes stops at the budget and counts zswpwb_proactive', async () => {
    const { pool } = setup();
    textPages(200).forEach((p, i) => {
      pool.store(i, 2, p);
    });
    const r = await pool.proactiveWriteback({ memcg: 1, maxBytes: 64 << 10, unit: 'compressed' });
    expect(r.status).toBe('ok');
    expect(r.compressedBytes).toBeGreaterThanOrEqual(64 << 10);
    expect(r.compressedBytes).toBeLessThan((64 << 10) + 4096);
    expect(r.pages).toBeGreaterThan(16); // compressed pages are smaller than 4 KiB
    expect(pool.memcgStats(2).zswpwb_proactive).toBe(r.pages);
    expect(pool.memcgStats(2).zswpwb).toBe(r.pages);
  });

  // Seed 003 (Hao Jia / Yosry Ahmed, Jun 2026): a parent with two children, each with
  // 200 MB of zswap of which 100 MB is old. Repeated 2 MB proactive writebacks on the
  // parent must drain the old entries of BOTH children before any young entry is
  // written back. Sizes are original bytes (51,200 pages per child).
  it("seed 003 fairness: repeated 2 MB requests drain both children's old entries first", async () => {
    const { pool, clock, target } = setup({ ramBytes: 8 * 2 ** 30 });
    const PAGES = 51_200; // 200 MB per child
    const corpus = textPages(512);
    let id = 0;
    let storedCount = 0;
    const old = new Set<number>();
    for (let half = 0; half < 2; half++) {
      for (let k = 0; k < PAGES / 2; k++) {
        for (const child of [2, 3]) {
          if (pool.store(id, child, corpus[id % corpus.length]!) === 'stored') storedCount++;
          if (half === 0) old.add(id);
          id++;
        }
      }
      clock.advance(2 * 3600 * 1000); // the first half ages two hours
    }
    expect(storedCount).toBe(2 * PAGES);
    expect(pool.memcgStats(2).zswapped).toBe(200 * 1024 * 1024);
    // Without an age: the LRU order alone decides (the old half is at the heads).
    const calls: { pages: number; c2: number; c3: number }[] = [];
    while (target.written.length < old.size) {
      const r = await pool.proactiveWriteback({ memcg: 1, maxBytes: 2 << 20 });
      expect(r.status).toBe('ok');
      calls.push({
        pages: r.pages,
        c2: pool.memcgStats(2).zswpwb_proactive,
        c3: pool.memcgStats(3).zswpwb_proactive,
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

  it('seed 003 with an age: young entries rotate and are never written; a drained subtree says EAGAIN', async () => {
    const { pool, clock, target } = setup();
    const corpus = textPages(64);
    // 1024 pages per child at t0, 1024 more per child 10 s later, then an hour passes:
    // the first half is 3610 s old, the second 3600 s. Ask for >= 3605 s.
    const old = new Set<number>();
    let id = 0;
    for (let half = 0; half < 2; half++) {
      for (let k = 0; k < 1024; k++) {
        for (const child of [2, 3]) {
          if (half === 0) old.add(id);
          pool.store(id, child, corpus[id % 64]!);
          id++;
        }
      }
      clock.advance(half === 0 ? 10 * 1000 : 3600 * 1000);
    }
    let rounds = 0;
    for (;;) {
      const r = await pool.proactiveWriteback({ memcg: 1, maxBytes: 1 << 20, minAgeSeconds: 3605 });
      rounds++;
      if (r.status === 'EAGAIN') break;
      expect(r.pages).toBeGreaterThan(0);
    }
    expect(new Set(target.written)).toEqual(old);
    expect(rounds).toBe(2048 / 256 + 1);
    expect(pool.stats().stored_pages).toBe(2048);
  });
});

describe('zstd writeback batches', () => {
  it('a proactive request over zstd entries decodes them in batches, byte-exact', async () => {
    const { pool, target } = setup({}, asyncZstd(1));
    const pages = [
      ...textPages(150),
      ...filePages(NODE_BINARY, 4096, 6000, 100),
      entropyPage(4096, 8, 0, 3),
    ];
    const rs = await pool.storeBatch(pages.map((page, id) => ({ id, memcg: 3, page })));
    expect(rs.at(-1)).toBe('stored_raw');
    const r = await pool.proactiveWriteback({ memcg: 0, maxBytes: Number.POSITIVE_INFINITY });
    expect(r.pages).toBe(pages.length);
    for (let i = 0; i < pages.length; i++)
      expect(Buffer.compare(target.read(i)!, pages[i]!)).toBe(0);
  });
});
