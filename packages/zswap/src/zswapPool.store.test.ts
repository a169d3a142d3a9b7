/**
 * Tests of the pool's store / load / invalidate paths on real pages: counters, the raw
 * path, the poor threshold, stale entries, corrupt data, and the global and memcg limits.
 */

import { entropyPage, filePages, NODE_BINARY, textPages } from '@tierswap/bench-kit';
import { type Codec, createCodec } from '@tierswap/compress';
import type { GroupId } from '@tierswap/memcg';
import { afterEach, describe, expect, it } from 'vitest';
import { LOAD_REFUSALS, STORE_REFUSALS } from './refusals.js';
import { type FileWritebackTarget, TEST_GROUPS, testPool } from './testing/fixtures.js';
import type { ZswapPoolOptions } from './types.js';

const { root: ROOT, a: A, b: B, c: C } = TEST_GROUPS;

const targets: FileWritebackTarget[] = [];
afterEach(() => {
  for (const t of targets.splice(0)) t.close();
});

function setup(over: Partial<ZswapPoolOptions> = {}, codec: Codec = createCodec('lz4')) {
  const fixture = testPool(codec, over);
  targets.push(fixture.target);
  return { ...fixture, tree: fixture.memcg.tree };
}

describe('ZswapPool store/load on real data', () => {
  it('lz4: byte-exact exclusive loads of node binary pages; counters follow', () => {
    const { pool } = setup();
    const pages = filePages(NODE_BINARY, 4096, 200, 256);
    let compressed = 0;
    for (let i = 0; i < pages.length; i++) {
      const r = pool.store(1000 + i, B, pages[i]!);
      expect(['stored', 'stored_raw']).toContain(r);
      compressed += pool.lengthOf(1000 + i);
    }
    const st = pool.stats();
    expect(st.stored_pages).toBe(256);
    expect(pool.memcgStats(B).zswpout).toBe(256);
    expect(pool.memcgStats(B).zswapped).toBe(256 * 4096);
    expect(pool.memcgStats(B).zswap).toBe(compressed);
    expect(pool.zswapCurrent(A)).toBe(compressed); // hierarchical
    expect(pool.zswapCurrent(ROOT)).toBe(compressed);
    expect(pool.zswapCurrent(C)).toBe(0);
    // The footprint is what the arena holds: real compression, small packing overhead.
    expect(st.pool_total_size).toBeLessThan(256 * 4096);
    expect(st.pool_total_size).toBeGreaterThanOrEqual(compressed);
    const out = new Uint8Array(4096);
    for (let i = 0; i < pages.length; i++) {
      expect(pool.load(1000 + i, out)).toBe(true);
      expect(Buffer.compare(out, pages[i]!)).toBe(0);
      expect(pool.load(1000 + i, out)).toBe(LOAD_REFUSALS.not_found); // exclusive
    }
    expect(pool.memcgStats(B).zswpin).toBe(256);
    expect(pool.stats().stored_pages).toBe(0);
    expect(pool.zswapCurrent(ROOT)).toBe(0);
    pool.compact();
    expect(pool.stats().pool_total_size).toBe(0);
  });

  it('zstd (libzstd, the default): store, load and writeback, byte-exact; entries of two codecs coexist', () => {
    const { pool, target } = setup({}, createCodec('zstd', { level: 3 }));
    const pages = textPages(48, 4096, '/usr/share/common-licenses');
    for (let i = 0; i < 32; i++) expect(pool.store(i, B, pages[i]!)).toBe('stored');
    // zstd really ran: on text it beats lz4 (the pool counts real frame sizes).
    const lz4 = createCodec('lz4');
    const lz4Bytes = pages.slice(0, 32).reduce((n, p) => n + lz4.compress(p).length, 0);
    expect(pool.compressedBytes).toBeLessThan(lz4Bytes * 0.85);
    // A compressor switch to lz4: old zstd entries still load and write back.
    pool.setCompressor(createCodec('lz4'));
    for (let i = 32; i < 48; i++) expect(pool.store(i, B, pages[i]!)).toBe('stored');
    const out = new Uint8Array(4096);
    for (let i = 0; i < 16; i++) {
      expect(pool.load(i, out)).toBe(true);
      expect(Buffer.compare(out, pages[i]!)).toBe(0);
    }
    for (let i = 16; i < 24; i++) {
      expect(pool.writeback(i)).toBe(true);
      expect(Buffer.compare(target.read(i)!, pages[i]!)).toBe(0);
    }
    for (let i = 24; i < 48; i++) {
      expect(pool.load(i, out)).toBe(true);
      expect(Buffer.compare(out, pages[i]!)).toBe(0);
    }
    expect(pool.stats().stored_pages).toBe(0);
  });

  it('raw path: random pages are stored raw when the memcg may write back, refused otherwise', () => {
    const { pool, tree } = setup();
    const random = entropyPage(4096, 8, 0, 42);
    expect(pool.store(1, B, random)).toBe('stored_raw');
    expect(pool.lengthOf(1)).toBe(4096);
    expect(pool.stats().stored_incompressible_pages).toBe(1);
    expect(pool.memcgStats(B).zswap_incomp).toBe(4096);
    const out = new Uint8Array(4096);
    expect(pool.load(1, out)).toBe(true);
    expect(Buffer.compare(out, random)).toBe(0);
    expect(pool.stats().stored_incompressible_pages).toBe(0);
    expect(pool.memcgStats(B).zswap_incomp).toBe(0);
    // memory.zswap.writeback=0 on the parent turns it off for the child: refuse.
    tree.setZswapWriteback(A, false);
    expect(pool.store(2, B, random)).toBe(STORE_REFUSALS.reject_compress_poor);
    expect(pool.stats().reject_compress_poor).toBe(1);
    expect(pool.has(2)).toBe(false);
  });

  it('a threshold below the page size (Google far memory: 2990 B) makes middling pages poor', () => {
    const { pool } = setup({ maxCompressedBytes: 2990 });
    const lz4 = createCodec('lz4');
    // Real text with its first 3200 bytes replaced by random ones: compresses a little.
    const page = textPages(1)[0]!;
    page.set(entropyPage(4096, 8, 0, 9).subarray(0, 3200));
    const n = lz4.compress(page).length;
    expect(n).toBeGreaterThan(2990);
    expect(n).toBeLessThan(4096);
    expect(pool.store(5, B, page)).toBe('stored_raw');
    const good = textPages(1)[0]!;
    expect(lz4.compress(good).length).toBeLessThanOrEqual(2990);
    expect(pool.store(6, B, good)).toBe('stored');
  });

  it('storing an id again replaces the stale entry; a refused store erases it', () => {
    const { pool, tree } = setup();
    const [a, b] = textPages(2) as [Uint8Array, Uint8Array];
    expect(pool.store(7, B, a)).toBe('stored');
    expect(pool.store(7, B, b)).toBe('stored');
    expect(pool.stats().stored_pages).toBe(1);
    const out = new Uint8Array(4096);
    expect(pool.load(7, out)).toBe(true);
    expect(Buffer.compare(out, b)).toBe(0);
    expect(pool.store(8, B, a)).toBe('stored');
    tree.setZswapWriteback(B, false);
    expect(pool.store(8, B, entropyPage(4096, 8, 0, 1))).toBe(STORE_REFUSALS.reject_compress_poor);
    expect(pool.has(8)).toBe(false);
    expect(pool.stats().stored_pages).toBe(0);
  });

  it('corrupt compressed data: load says EIO, counts decompress_fail, keeps the entry', () => {
    // Real lz4 output with its last 8 bytes cut off: the real decoder must refuse it.
    const lz4 = createCodec('lz4');
    const truncating: Codec = {
      ...lz4,
      name: 'lz4',
      level: 0,
      pageSize: 4096,
      binding: lz4.binding,
      compress: (p) => lz4.compress(p).subarray(0, -8),
      decompress: (s, d) => lz4.decompress(s, d),
      decodeInto: (s, a, b, d, o) => lz4.decodeInto(s, a, b, d, o),
    };
    const { pool } = setup({}, truncating);
    const page = textPages(1)[0]!;
    expect(pool.store(1, B, page)).toBe('stored');
    const out = new Uint8Array(4096);
    expect(pool.load(1, out)).toBe(LOAD_REFUSALS.decompress_fail);
    expect(pool.stats().decompress_fail).toBe(1);
    expect(pool.has(1)).toBe(true);
    expect(pool.invalidate(1)).toBe(true);
    // The same page through the real codec is fine.
    const real = setup().pool;
    expect(real.store(1, B, page)).toBe('stored');
    expect(real.load(1, out)).toBe(true);
    expect(Buffer.compare(out, page)).toBe(0);
  });

  it('corrupt zstd frames: load and writeback say EIO, keep the entry, free nothing', () => {
    // Real zstd frames with their last 6 bytes cut off: the real decoder refuses them.
    const zstd = createCodec('zstd', { level: 1 });
    const truncating: Codec = {
      ...zstd,
      name: 'zstd',
      level: 1,
      pageSize: 4096,
      binding: zstd.binding,
      compress: (p) => zstd.compress(p).subarray(0, -6),
      decompress: (s, d) => zstd.decompress(s, d),
      decodeInto: (s, a, b, d, o) => zstd.decodeInto(s, a, b, d, o),
    };
    const { pool, target } = setup({}, truncating);
    const pages = textPages(3);
    pages.forEach((page, id) => {
      expect(pool.store(id, B, page)).toBe('stored');
    });
    const out = new Uint8Array(4096);
    expect([pool.load(0, out), pool.load(1, out)]).toEqual([
      LOAD_REFUSALS.decompress_fail,
      LOAD_REFUSALS.decompress_fail,
    ]);
    expect(pool.stats().decompress_fail).toBe(2);
    expect(pool.has(0) && pool.has(1)).toBe(true);
    expect(pool.writeback(2)).toBe(LOAD_REFUSALS.decompress_fail);
    expect(pool.has(2)).toBe(true);
    expect(target.reservedCount).toBe(0);
    expect(pool.lruLength(B)).toBe(3);
    expect(pool.stats().stored_pages).toBe(3);
    for (const id of [0, 1, 2]) expect(pool.invalidate(id)).toBe(true);
    expect(pool.arenaStats().liveObjects).toBe(0);
  });

  it('invalidate frees the entry and its arena space', () => {
    const { pool } = setup();
    const pages = filePages(NODE_BINARY, 4096, 300, 32);
    pages.forEach((p, i) => {
      pool.store(i, C, p);
    });
    for (let i = 0; i < 32; i++) expect(pool.invalidate(i)).toBe(true);
    expect(pool.invalidate(0)).toBe(false);
    expect(pool.stats().stored_pages).toBe(0);
    expect(pool.arenaStats().liveObjects).toBe(0);
    expect(pool.lruLength(C)).toBe(0);
  });

  it('misuse throws with the module and values named', () => {
    const { pool } = setup();
    expect(() => pool.store(-1, B, new Uint8Array(4096))).toThrow(/entry id must be a u32, got -1/);
    expect(() => pool.store(1, 70000 as GroupId, new Uint8Array(4096))).toThrow(
      /memcg must be a group of the tree, got 70000/,
    );
    expect(() => pool.store(1, B, new Uint8Array(100))).toThrow(
      '@tierswap/zswap/pool.store: entry 1: the page must be a Uint8Array of 4096 bytes, got 100 bytes',
    );
    expect(() => setup({ maxPoolPercent: 101 })).toThrow(
      /maxPoolPercent must be a number in 0\.\.100, got 101/,
    );
  });
});

describe('ZswapPool limits', () => {
  it('global limit: pool_limit_hit, refusal until the footprint is under the accept threshold', () => {
    // 20% of 5 MiB = 1 MiB max, accept at 90%.
    const { pool } = setup({ ramBytes: 5 << 20 }, createCodec('none'));
    expect(pool.maxPoolBytes).toBe(1 << 20);
    const page = filePages(NODE_BINARY, 4096, 77, 1)[0]!;
    let id = 0;
    while (pool.store(id, B, page) !== STORE_REFUSALS.pool_limit_hit) id++;
    const stored = id;
    expect(pool.stats().pool_limit_hit).toBe(1);
    expect(pool.reachedFull).toBe(true);
    expect(pool.shrinkWorkPending).toBe(true);
    expect(pool.stats().pool_total_size).toBeGreaterThanOrEqual(pool.maxPoolBytes);
    // Free pages until just above the threshold: still refused (hysteresis).
    const out = new Uint8Array(4096);
    let next = 0;
    while (pool.stats().pool_total_size - 4096 > pool.acceptThresholdBytes) {
      expect(pool.load(next++, out)).toBe(true);
    }
    expect(pool.store(100000, B, page)).toBe(STORE_REFUSALS.pool_limit_hit);
    expect(pool.reachedFull).toBe(true);
    while (pool.stats().pool_total_size > pool.acceptThresholdBytes) {
      expect(pool.load(next++, out)).toBe(true);
    }
    expect(pool.store(100001, B, page)).toBe('stored_raw');
    expect(pool.reachedFull).toBe(false);
    expect(next).toBeLessThan(stored);
  });

  it('memory.zswap.max up the hierarchy: one shrink attempt, then refuse', () => {
    const { pool, tree, target } = setup();
    const pages = filePages(NODE_BINARY, 4096, 1200, 80);
    for (let i = 0; i < 40; i++) pool.store(i, B, pages[i]!);
    const current = pool.zswapCurrent(A);
    tree.setLimitPages(A, 'zswap', Math.floor(current / 4096)); // the parent is exactly at its limit
    // The store's one shrink attempt scans 32 entries of memcg 2; all are new, hence
    // referenced: they get their second chance and nothing is written back. Refused.
    expect(pool.store(100, B, pages[40]!)).toBe(STORE_REFUSALS.reject_memcg_limit);
    expect(target.written.length).toBe(0);
    // The next attempt meets the 8 still-referenced ones, then the 32 that used their
    // chance, and writes back from there until memcg 1 is under the limit.
    expect(pool.store(100, B, pages[40]!)).toBe('stored');
    expect(target.written.length).toBeGreaterThan(0);
    expect(target.written[0]).toBe(0); // the LRU head goes first
    expect(pool.memcgStats(B).zswpwb).toBe(target.written.length);
    // With writeback off the limit simply refuses.
    tree.setLimitPages(A, 'zswap', Math.floor(pool.zswapCurrent(A) / 4096));
    tree.setZswapWriteback(ROOT, false);
    expect(pool.store(101, B, pages[41]!)).toBe(STORE_REFUSALS.reject_memcg_limit);
    expect(pool.stats().reject_memcg_limit).toBe(2);
    // Memcg 3 shares the limited parent and is refused too.
    expect(pool.store(102, C, pages[42]!)).toBe(STORE_REFUSALS.reject_memcg_limit);
    // Written-back pages are byte-exact in the real file.
    for (const id of target.written) expect(Buffer.compare(target.read(id)!, pages[id]!)).toBe(0);
  });

  it('queueShrinkWork is called once per limit episode; tunables move the limit', () => {
    let queued = 0;
    const { pool } = setup(
      { ramBytes: 5 << 20, queueShrinkWork: () => queued++ },
      createCodec('none'),
    );
    const page = textPages(1)[0]!;
    let id = 0;
    while (pool.store(id, B, page) !== STORE_REFUSALS.pool_limit_hit) id++;
    expect(pool.store(id + 1, B, page)).toBe(STORE_REFUSALS.pool_limit_hit);
    expect(queued).toBe(1);
    expect(() => pool.setTunables({ acceptThresholdPercent: 150 })).toThrow(
      /acceptThresholdPercent must be a number in 0\.\.100, got 150/,
    );
    expect(pool.acceptThresholdBytes).toBe(Math.floor(((1 << 20) * 90) / 100)); // rolled back
    pool.setTunables({ maxPoolPercent: 40 }); // 2 MiB now; accept at 1.8 MiB
    expect(pool.maxPoolBytes).toBe(2 << 20);
    expect(pool.store(id + 2, B, page)).toBe('stored_raw');
    expect(pool.reachedFull).toBe(false);
  });
});
