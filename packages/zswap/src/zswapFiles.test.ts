/**
 * Tests of the pool on a real @tierswap/memcg tree: memory.zswap.proactive_writeback in
 * the kernel's v1 syntax (parser, errors, the walk it runs), memory.zswap.max and
 * memory.zswap.writeback written through the tree's files, memory.zswap.current
 * following the pool, and the synchronous walk against the async one.
 */

import { createVirtualClock, isRefusal } from '@tierswap/base';
import { entropyPage, filePages, NODE_BINARY, textPages } from '@tierswap/bench-kit';
import { createCodec } from '@tierswap/compress';
import { createMemcg, type GroupId, GroupState } from '@tierswap/memcg';
import { afterEach, describe, expect, it } from 'vitest';
import { STORE_REFUSALS, WRITEBACK_REFUSALS } from './refusals.js';
import { FileWritebackTarget, testPool } from './testing/fixtures.js';
import { parseProactiveWriteback, registerZswapFiles } from './zswapFiles.js';
import { createZswapPool } from './zswapPool.js';

const targets: FileWritebackTarget[] = [];
afterEach(() => {
  for (const t of targets.splice(0)) t.close();
});

/** /parent with children /parent/a and /parent/b, a pool on the tree, its files. */
function setup() {
  const { tree, files } = createMemcg();
  const parent = tree.create('/parent');
  const a = tree.create('/parent/a');
  const b = tree.create('/parent/b');
  const clock = createVirtualClock(1_000_000);
  const target = new FileWritebackTarget(4096, 1 << 14);
  targets.push(target);
  const pool = createZswapPool({
    codec: createCodec('lz4'),
    memcg: tree,
    clock,
    ramBytes: 1 << 30,
    writeback: target,
  });
  registerZswapFiles(files, pool);
  return { tree, files, parent, a, b, clock, target, pool };
}

describe('parseProactiveWriteback (v1 syntax)', () => {
  it('reads max=<bytes> and the age in either order, with memparse suffixes', () => {
    expect(parseProactiveWriteback('max=10M 3600')).toEqual({
      maxBytes: 10 << 20,
      minAgeSeconds: 3600,
    });
    expect(parseProactiveWriteback('3600 max=1g\n')).toEqual({
      maxBytes: 2 ** 30,
      minAgeSeconds: 3600,
    });
    expect(parseProactiveWriteback('60')).toEqual({
      maxBytes: Number.POSITIVE_INFINITY,
      minAgeSeconds: 60,
    });
    expect(parseProactiveWriteback('  max=0x1000   5 ')).toEqual({
      maxBytes: 4096,
      minAgeSeconds: 5,
    });
  });

  it('refuses what the kernel refuses, with EINVAL and a reason naming the token', () => {
    const cases: [string, RegExp][] = [
      ['', /age in seconds is required/],
      ['max=10M', /age in seconds is required/],
      ['0', /"0": the age must be at least 1 second/],
      ['3600 60', /"60": the age is given twice/],
      ['max=0 3600', /"max=0": max must not be 0/],
      ['max=10Q 3600', /"max=10Q": not a size/],
      ['max= 3600', /"max=": not a size/],
      ['max=1M max=2M 60', /"max=2M": max given twice/],
      ['min=1M 60', /"min=1M": expected max=<bytes> or an age/],
      ['-5', /"-5": expected max=<bytes> or an age/],
      ['60s', /"60s": not an age in seconds/],
      ['99999999999', /"99999999999": not an age in seconds/],
    ];
    for (const [text, reason] of cases) {
      const r = parseProactiveWriteback(text);
      expect(isRefusal(r) && r.errno).toBe('EINVAL');
      expect(isRefusal(r) && r.reason).toMatch(reason);
    }
  });
});

describe('the pool on a @tierswap/memcg tree', () => {
  it('echo "max=2M 3600" > memory.zswap.proactive_writeback drains old entries of both children first', () => {
    const { files, parent, a, b, clock, target, pool } = setup();
    const pages = filePages(NODE_BINARY, 4096, 2000, 1024);
    // 512 old pages in each child, then an hour later 512 young ones in each.
    for (let i = 0; i < 256; i++) {
      expect(pool.store(i, a, pages[i]!)).toMatch(/^stored/);
      expect(pool.store(10_000 + i, b, pages[256 + i]!)).toMatch(/^stored/);
    }
    clock.advance(3600_000);
    for (let i = 256; i < 512; i++) {
      expect(pool.store(i, a, pages[i]!)).toMatch(/^stored/);
      expect(pool.store(10_000 + i, b, pages[256 + i]!)).toMatch(/^stored/);
    }
    // memory.zswap.current is the pool's compressed bytes, hierarchical.
    const current = (g: GroupId): number => Number(files.read(g, 'memory.zswap.current'));
    expect(current(a)).toBe(pool.zswapCurrent(a));
    expect(current(parent)).toBe(current(a) + current(b));
    const before = current(parent);

    expect(files.write(parent, 'memory.zswap.proactive_writeback', 'max=2M 3600')).toBeUndefined();
    const written = target.written.slice();
    expect(written.length).toBe(512); // 2 MiB of original pages
    // Only the old entries (stored an hour ago), and from both children.
    expect(written.every((id) => id % 10_000 < 256)).toBe(true);
    expect(written.filter((id) => id >= 10_000).length).toBeGreaterThan(200);
    expect(written.filter((id) => id < 10_000).length).toBeGreaterThan(200);
    for (const id of written.slice(0, 8)) {
      const page = id >= 10_000 ? pages[256 + (id - 10_000)]! : pages[id]!;
      expect(Buffer.compare(target.read(id)!, page)).toBe(0);
    }
    expect(current(parent)).toBeLessThan(before);
    expect(pool.memcgStats(a).zswpwb_proactive + pool.memcgStats(b).zswpwb_proactive).toBe(512);
    // memory.stat of the parent sums the children's lines, as the pool counted them.
    const stat = (g: GroupId, name: string): number => {
      const line = files
        .read(g, 'memory.stat')
        .split('\n')
        .find((l) => l.startsWith(`${name} `));
      return Number(line?.split(' ')[1]);
    };
    const sa = pool.memcgStats(a);
    const sb = pool.memcgStats(b);
    for (const name of ['zswap', 'zswapped', 'zswpout', 'zswpwb', 'zswpwb_proactive'] as const) {
      expect(stat(parent, name)).toBe(sa[name] + sb[name]);
      expect(stat(a, name)).toBe(sa[name]);
    }
    expect(stat(parent, 'zswpout')).toBe(1024);
    expect(stat(parent, 'zswpwb')).toBe(512);
    expect(stat(parent, 'zswap')).toBe(current(parent));
    const out = new Uint8Array(4096);
    expect(pool.load(300, out)).toBe(true);
    expect(stat(a, 'zswpin')).toBe(1);
    expect(stat(parent, 'zswapped')).toBe(511 * 4096);
    // Nothing old is left: EAGAIN, and nothing more is written.
    const again = files.write(parent, 'memory.zswap.proactive_writeback', '3600');
    expect(again?.errno).toBe('EAGAIN');
    expect(again?.code).toBe(WRITEBACK_REFUSALS.no_progress.code);
    expect(target.written.length).toBe(512);
    // The young ones go once they are old enough.
    clock.advance(3600_000);
    expect(files.write(a, 'memory.zswap.proactive_writeback', '3600 max=64K')).toBeUndefined();
    expect(target.written.length).toBe(512 + 16);
  });

  it('refuses on the root (no such file), with writeback off, and bad syntax: nothing written', () => {
    const { files, parent, a, clock, target, pool } = setup();
    for (const [i, p] of textPages(8, 4096, '/usr/share/common-licenses').entries()) {
      pool.store(i, a, p);
    }
    clock.advance(10_000);
    expect(files.write(1 as GroupId, 'memory.zswap.proactive_writeback', '5')?.code).toBe('ENOENT');
    const noAge = files.write(a, 'memory.zswap.proactive_writeback', 'max=1M');
    expect(noAge?.errno).toBe('EINVAL');
    expect(noAge?.reason).toMatch(/age in seconds is required/);
    files.writeOrThrow(parent, 'memory.zswap.writeback', '0');
    const off = files.write(a, 'memory.zswap.proactive_writeback', '5');
    expect(off?.errno).toBe('EINVAL');
    expect(off?.reason).toMatch(/writeback is disabled/);
    expect(() => files.read(a, 'memory.zswap.proactive_writeback')).toThrow(/EACCES/);
    expect(target.written.length).toBe(0);
    expect(pool.stats().stored_pages).toBe(8);
  });

  it('memory.zswap.max written through the tree limits stores; the shrink attempt writes back first', () => {
    const { files, a, target, pool } = setup();
    files.writeOrThrow(a, 'memory.zswap.max', '64K');
    const pages = filePages(NODE_BINARY, 4096, 3000, 200);
    const results = pages.map((p, i) => pool.store(i, a, p));
    // Over 64 KiB the store path writes back (second chance: recently stored entries
    // are referenced, so a scan can find nothing to take, and that store is refused).
    const refused = results.filter((r) => r !== 'stored' && r !== 'stored_raw');
    expect(target.written.length).toBeGreaterThan(150);
    expect(refused.length).toBeLessThan(20);
    expect(new Set(refused)).toEqual(
      new Set(refused.length > 0 ? [STORE_REFUSALS.reject_memcg_limit] : []),
    );
    expect(pool.stats().reject_memcg_limit).toBe(refused.length);
    expect(pool.zswapCurrent(a)).toBeLessThan(64 * 1024 + 4096);
    // With writeback off there is nothing to make room: refused.
    files.writeOrThrow(a, 'memory.zswap.writeback', '0');
    expect(pool.store(999, a, pages[0]!)).toBe(STORE_REFUSALS.reject_memcg_limit);
    expect(pool.stats().reject_memcg_limit).toBe(refused.length + 1);
    expect(Number(files.read(a, 'memory.zswap.current'))).toBe(pool.zswapCurrent(a));
  });

  it('registerZswapFiles refuses a pool built on another tree', () => {
    const { files } = createMemcg();
    const other = testPool(createCodec('lz4'));
    targets.push(other.target);
    expect(() => registerZswapFiles(files, other.pool)).toThrow(
      /not built on this registry's tree/,
    );
  });

  it('a removed group keeps its id while it has entries; its charges move up; loads work', () => {
    const { tree, files, parent, a, pool } = setup();
    const pages = textPages(4, 4096, '/usr/share/common-licenses');
    for (const [i, p] of pages.entries()) expect(pool.store(i, a, p)).toBe('stored');
    const held = pool.zswapCurrent(a);
    expect(tree.idRefs(a)).toBe(4);
    expect(tree.rmdir(a)).toBeUndefined();
    expect(tree.isOnline(a)).toBe(false);
    expect(tree.resolve(a)).toBe(parent);
    expect(Number(files.read(parent, 'memory.zswap.current'))).toBe(held);
    const out = new Uint8Array(4096);
    for (const [i, p] of pages.entries()) {
      expect(pool.load(i, out)).toBe(true);
      expect(Buffer.compare(out, p)).toBe(0);
    }
    expect(Number(files.read(parent, 'memory.zswap.current'))).toBe(0);
    expect(tree.idRefs(a)).toBe(0);
    // The last entry gone, the id is free again for a new group.
    expect(tree.stateOf(a)).toBe(GroupState.FREE);
  });

  it('raw entries show in memory.stat zswap_incomp and leave it when freed', () => {
    const { files, a, pool } = setup();
    const incomp = (): string | undefined =>
      files
        .read(a, 'memory.stat')
        .split('\n')
        .find((l) => l.startsWith('zswap_incomp '));
    expect(pool.store(7, a, entropyPage(4096, 8, 0, 3))).toBe('stored_raw');
    expect(incomp()).toBe('zswap_incomp 4096');
    expect(files.read(a, 'memory.zswap.current')).toBe('4096\n');
    expect(pool.invalidate(7)).toBe(true);
    expect(incomp()).toBe('zswap_incomp 0');
    expect(files.read(a, 'memory.zswap.current')).toBe('0\n');
  });
});
