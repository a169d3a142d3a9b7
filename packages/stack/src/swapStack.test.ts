/**
 * Scenario tests of the composed stack on a virtual clock, each in both designs:
 * seed 003's fairness case (through memory.zswap.proactive_writeback and through
 * memory.reclaim's source=zswap), zswap with no backing device, memory.zswap.writeback=0
 * with incompressible pages, a tier removed while in use, swapoff, demotion by request
 * and by age, limits, and the counters.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVirtualClock, isRefusal, type VirtualClock } from '@tierswap/base';
import { rng } from '@tierswap/bench-kit';
import { FileDevice, SqliteDevice } from '@tierswap/tiered-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSwapStack, type SwapStack } from './swapStack.js';
import type { StackMode } from './types.js';

let dir: string;
let serial = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tierswap-stack-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const PAGE = 4096;
const CG = '/sys/fs/cgroup';

interface World {
  stack: SwapStack;
  clock: VirtualClock;
  fastName: string;
  fast: FileDevice;
  close: () => void;
}

function world(mode: StackMode, opts: { devices?: boolean } = {}): World {
  const clock = createVirtualClock();
  const fast = FileDevice.create({ path: join(dir, `f${serial++}.swap`), slots: 256 });
  const slow = SqliteDevice.open({ path: join(dir, `s${serial++}.db`), slots: 1024 });
  const stack = createSwapStack({
    clock,
    ramBytes: 16 << 20,
    mode,
    zswap: { maxPoolPercent: 100 },
    tiers: '+fast:100 +slow:-1',
    devices:
      opts.devices === false
        ? []
        : [
            { device: fast, priority: 200 },
            { device: slow, priority: 5 },
          ],
  });
  return {
    stack,
    clock,
    fastName: fast.name,
    fast,
    close: () => {
      fast.close();
      slow.close();
    },
  };
}

/** A compressible page that differs for every `n`. */
function page(n: number): Uint8Array {
  const p = new Uint8Array(PAGE);
  for (let i = 0; i < PAGE; i += 8) p[i] = (n + i / 8) & 255;
  p[0] = n & 255;
  p[1] = n >> 8;
  return p;
}

function randomPage(r: () => number): Uint8Array {
  return new Uint8Array(PAGE).map(() => (r() * 256) | 0);
}

function stat(stack: SwapStack, group: string, key: string): number {
  const text = stack.fs.read(`${CG}${group}/memory.stat`) as string;
  const line = text.split('\n').find((l) => l.startsWith(`${key} `));
  return Number(line?.split(' ')[1]);
}

function ok(r: unknown): void {
  expect(r).toBeUndefined();
}

/** Writes `n` distinct pages into a new process of `group`, then reclaims them all. */
function fillAndReclaim(stack: SwapStack, group: string, n: number, base: number): number {
  const pid = stack.spawn(group, n);
  for (let i = 0; i < n; i++) stack.write(pid, i, page(base + i));
  const r = stack.fs.write(`${CG}${group}/memory.reclaim`, `${n * 4}K`);
  expect(r === undefined || r.errno === 'EAGAIN').toBe(true);
  return pid;
}

function checkPages(stack: SwapStack, pid: number, n: number, base: number): void {
  for (let i = 0; i < n; i++) expect(Buffer.compare(stack.read(pid, i), page(base + i))).toBe(0);
}

describe.each(['vswap', 'classic'] as const)('%s mode', (mode) => {
  it("seed 003's fairness case through memory.zswap.proactive_writeback (v1: max=<bytes> <age>)", () => {
    const { stack, clock, close } = world(mode);
    for (const g of ['/p', '/p/m1', '/p/m2']) ok(stack.fs.mkdir(`${CG}${g}`));
    const old1 = fillAndReclaim(stack, '/p/m1', 40, 0);
    const old2 = fillAndReclaim(stack, '/p/m2', 40, 100);
    clock.advance(2 * 3600 * 1000);
    fillAndReclaim(stack, '/p/m1', 40, 200);
    fillAndReclaim(stack, '/p/m2', 40, 300);
    const z1 = stat(stack, '/p/m1', 'zswpout');
    expect(z1).toBe(80);
    // Repeated small calls on the parent: every call makes progress on the next child.
    for (let i = 0; i < 10; i++) {
      ok(stack.fs.write(`${CG}/p/memory.zswap.proactive_writeback`, 'max=16K 3600'));
    }
    const wb1 = stat(stack, '/p/m1', 'zswpwb');
    const wb2 = stat(stack, '/p/m2', 'zswpwb');
    expect(wb1 + wb2).toBe(40);
    expect(Math.abs(wb1 - wb2)).toBeLessThanOrEqual(4);
    // Then every old page of both, and no young one (they are not an hour old).
    for (let i = 0; i < 20; i++) {
      stack.fs.write(`${CG}/p/memory.zswap.proactive_writeback`, 'max=16K 3600');
    }
    expect(stat(stack, '/p/m1', 'zswpwb')).toBe(40);
    expect(stat(stack, '/p/m2', 'zswpwb')).toBe(40);
    expect(stat(stack, '/p', 'zswpwb_proactive')).toBe(80);
    const last = stack.fs.write(`${CG}/p/memory.zswap.proactive_writeback`, 'max=16K 3600');
    expect(last?.errno).toBe('EAGAIN'); // 16 fruitless rounds
    expect(stack.whereIs(old1, 0)).toBe('tier:fast');
    checkPages(stack, old1, 40, 0);
    checkPages(stack, old2, 40, 100);
    close();
  });

  it("seed 003's fairness case through memory.reclaim's source=zswap (v5: a compressed-byte budget)", () => {
    const { stack, close } = world(mode);
    for (const g of ['/p', '/p/m1', '/p/m2']) ok(stack.fs.mkdir(`${CG}${g}`));
    const a = fillAndReclaim(stack, '/p/m1', 60, 0);
    const b = fillAndReclaim(stack, '/p/m2', 60, 100);
    const perPage = stack.pool.compressedBytes / 120;
    const budget = Math.ceil(perPage * 6);
    for (let i = 0; i < 6; i++) {
      const r = stack.fs.write(`${CG}/p/memory.reclaim`, `${budget} source=zswap`);
      expect(r === undefined || r.errno === 'EAGAIN').toBe(true);
    }
    const wb1 = stat(stack, '/p/m1', 'zswpwb');
    const wb2 = stat(stack, '/p/m2', 'zswpwb');
    expect(wb1).toBeGreaterThan(0);
    expect(wb2).toBeGreaterThan(0);
    expect(Math.abs(wb1 - wb2)).toBeLessThanOrEqual(8);
    const bytes = stat(stack, '/p', 'zswpwb_proactive_b');
    expect(bytes).toBeGreaterThanOrEqual(budget * 5);
    expect(stack.stats().vmstat.zswpwb_proactive_b).toBe(bytes);
    // v4+: a memcg-only counter, not in /proc/vmstat.
    expect(stack.fs.read('/proc/vmstat')).not.toContain('zswpwb_proactive_b');
    checkPages(stack, a, 60, 0);
    checkPages(stack, b, 60, 100);
    close();
  });

  it('zswap with no backing device at all', () => {
    const { stack, close } = world(mode, { devices: false });
    ok(stack.fs.mkdir(`${CG}/job`));
    const pid = fillAndReclaim(stack, '/job', 32, 0);
    expect(stack.whereIs(pid, 3)).toBe('zswap');
    expect(stack.fs.read('/proc/swaps')).toBe('Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n');
    // vswap needs no slot for a zswap page; classic holds a ghost-swapfile slot per page.
    const swapCurrent = Number(stack.fs.read(`${CG}/job/memory.swap.current`));
    expect(swapCurrent).toBe(mode === 'vswap' ? 0 : 32 * PAGE);
    const r = stack.fs.write(`${CG}/job/memory.reclaim`, '16K zswap_writeback_only');
    expect(r?.errno).toBe('EAGAIN'); // nowhere to write back to
    expect(stack.pool.stats().stored_pages).toBe(32);
    checkPages(stack, pid, 32, 0);
    expect(stack.stats().vmstat.refault_zswap).toBe(32);
    close();
  });

  it('memory.zswap.writeback=0 keeps incompressible pages resident, not stored raw', () => {
    const { stack, close } = world(mode);
    ok(stack.fs.mkdir(`${CG}/job`));
    ok(stack.fs.write(`${CG}/job/memory.zswap.writeback`, '0'));
    const r = rng(7);
    const pid = stack.spawn('/job', 20);
    const pages = Array.from({ length: 20 }, (_, i) => (i < 10 ? randomPage(r) : page(i)));
    pages.forEach((p, i) => {
      stack.write(pid, i, p);
    });
    const res = stack.fs.write(`${CG}/job/memory.reclaim`, '80K');
    expect(res?.errno).toBe('EAGAIN');
    expect(stack.pool.stats().stored_incompressible_pages).toBe(0);
    expect(stack.pool.stats().stored_pages).toBe(10);
    for (let i = 0; i < 10; i++) expect(stack.whereIs(pid, i)).toBe('resident');
    expect(stat(stack, '/job', 'swpout_kept')).toBeGreaterThanOrEqual(10);
    expect(stack.stats().vmstat.pswpout).toBe(0);
    pages.forEach((p, i) => {
      expect(Buffer.compare(stack.read(pid, i), p)).toBe(0);
    });
    close();
  });

  it('a tier cannot be removed while a device in it is on (EBUSY); swapoff drains the device', () => {
    const { stack, fastName, close } = world(mode);
    ok(stack.fs.mkdir(`${CG}/job`));
    ok(stack.fs.write('/sys/module/zswap/parameters/enabled', 'N'));
    const pid = fillAndReclaim(stack, '/job', 24, 0);
    expect(stack.whereIs(pid, 0)).toBe('tier:fast');
    const tiers = stack.fs.read('/sys/kernel/mm/swap/tiers');
    expect(stack.fs.write('/sys/kernel/mm/swap/tiers', '-fast')?.errno).toBe('EBUSY');
    expect(stack.fs.read('/sys/kernel/mm/swap/tiers')).toBe(tiers);
    const r = stack.swapoff(fastName);
    if (isRefusal(r)) throw new Error(r.reason);
    expect(r.moved).toBe(24);
    expect(stack.fs.read('/proc/swaps')).not.toContain(fastName);
    // vswap repoints the entries to the slow tier; classic reads the pages back in.
    expect(stack.whereIs(pid, 0)).toBe(mode === 'vswap' ? 'tier:slow' : 'resident');
    if (mode === 'classic') expect(stack.stats().vmstat.swapoff_swapin).toBe(24);
    checkPages(stack, pid, 24, 0);
    ok(stack.fs.write('/sys/kernel/mm/swap/tiers', '-fast'));
    expect(stack.swapoff('nope')).toMatchObject({ errno: 'ENOENT' });
    close();
  });

  it('demotion by request: "<size> demote=<tier>" on memory.reclaim', () => {
    const { stack, close } = world(mode);
    ok(stack.fs.mkdir(`${CG}/job`));
    ok(stack.fs.write('/sys/module/zswap/parameters/enabled', 'N'));
    const pid = fillAndReclaim(stack, '/job', 24, 0);
    ok(stack.fs.write(`${CG}/job/memory.reclaim`, '32K demote=fast'));
    const where = Array.from({ length: 24 }, (_, i) => stack.whereIs(pid, i));
    expect(where.filter((w) => w === 'tier:slow').length).toBe(8);
    const v = stack.stats().vmstat;
    expect(v.swap_demote).toBe(8);
    // Moves change the entry only in vswap; classic must rewrite the page tables.
    expect(v.pte_rewrites).toBe(mode === 'vswap' ? 0 : 8);
    expect(stack.stats().tiers.slow?.demoted_in).toBe(8);
    expect(stack.fs.write(`${CG}/job/memory.reclaim`, '1M demote=slow')?.errno).toBe('EAGAIN');
    checkPages(stack, pid, 24, 0);
    expect(stack.stats().tiers.slow?.refault).toBe(8);
    close();
  });

  it('demotion by age: memory.swap.demote_age moves old pages down at reclaim', () => {
    const { stack, clock, close } = world(mode);
    ok(stack.fs.mkdir(`${CG}/job`));
    ok(stack.fs.write('/sys/module/zswap/parameters/enabled', 'N'));
    const pid = fillAndReclaim(stack, '/job', 16, 0);
    ok(stack.fs.write(`${CG}/job/memory.swap.demote_age`, '60'));
    expect(stack.fs.read(`${CG}/job/memory.swap.demote_age`)).toBe('60\n');
    clock.advance(30_000);
    const young = stack.spawn('/job', 1);
    stack.write(young, 0, page(99));
    stack.fs.write(`${CG}/job/memory.reclaim`, '4K');
    expect(stack.whereIs(pid, 0)).toBe('tier:fast'); // 30 s old: stays
    clock.advance(60_000);
    stack.fs.write(`${CG}/job/memory.reclaim`, '4K');
    for (let i = 0; i < 16; i++) expect(stack.whereIs(pid, i)).toBe('tier:slow');
    // 16 pages 90 s old, and the young one: swapped out at 30 s, 60 s old now.
    expect(stack.whereIs(young, 0)).toBe('tier:slow');
    expect(stat(stack, '/job', 'swap_demote')).toBe(17);
    checkPages(stack, pid, 16, 0);
    close();
  });

  it('memory.max and memory.high reclaim; memory.current is resident plus zswap bytes', () => {
    const { stack, close } = world(mode);
    ok(stack.fs.mkdir(`${CG}/job`));
    ok(stack.fs.write(`${CG}/job/memory.max`, '128K'));
    const pid = stack.spawn('/job', 100);
    for (let i = 0; i < 100; i++) stack.write(pid, i, page(i));
    const current = Number(stack.fs.read(`${CG}/job/memory.current`));
    expect(current).toBeLessThanOrEqual(128 * 1024);
    const resident = stack.tree.usagePages(stack.groupId('/job')!, 'memory');
    expect(current).toBe(resident * PAGE + stack.pool.compressedBytes);
    ok(stack.fs.write(`${CG}/job/memory.max`, 'max'));
    ok(stack.fs.write(`${CG}/job/memory.high`, '64K'));
    for (let i = 0; i < 100; i++) stack.read(pid, i);
    // Above memory.high reclaim keeps the resident part under it; zswap's bytes still count.
    const job = stack.groupId('/job')!;
    expect(stack.tree.usagePages(job, 'memory') * PAGE).toBeLessThanOrEqual(64 * 1024);
    expect(Number(stack.fs.read(`${CG}/job/memory.current`))).toBe(
      stack.tree.usagePages(job, 'memory') * PAGE + stack.pool.compressedBytes,
    );
    expect(stack.fs.write(`${CG}/job/memory.reclaim`, '1M swappiness=0')?.errno).toBe('EAGAIN');
    // Writing a lower memory.max reclaims at once, as memory_max_write() does.
    ok(stack.fs.write(`${CG}/job/memory.high`, 'max'));
    for (let i = 0; i < 100; i++) stack.read(pid, i);
    expect(stack.tree.usagePages(job, 'memory')).toBeGreaterThan(16);
    ok(stack.fs.write(`${CG}/job/memory.max`, '48K'));
    expect(stack.tree.usagePages(job, 'memory') * PAGE).toBeLessThanOrEqual(48 * 1024);
    checkPages(stack, pid, 100, 0);
    close();
  });

  it('a lower memory.max over freshly touched pages reclaims them (second chance, then out), no oom', () => {
    const { stack, close } = world(mode);
    ok(stack.fs.mkdir(`${CG}/job`));
    const pid = stack.spawn('/job', 2000);
    // Every page written just now: all accessed bits set, so the first round frees nothing.
    for (let i = 0; i < 2000; i++) stack.write(pid, i, page(i));
    ok(stack.fs.write(`${CG}/job/memory.max`, '6M'));
    expect(Number(stack.fs.read(`${CG}/job/memory.current`))).toBeLessThanOrEqual(6 << 20);
    expect(stack.fs.read('/proc/vmstat') as string).toMatch(/^oom_kill 0$/m);
    expect(stack.stats().vmstat.pgsteal).toBeGreaterThan(0);
    checkPages(stack, pid, 2000, 0);
    close();
  });

  it('memory.max under 10 000 freshly written pages: no oom however long the inactive list', () => {
    const stack = createSwapStack({ clock: createVirtualClock(), ramBytes: 64 << 20, mode });
    ok(stack.fs.mkdir(`${CG}/big`));
    ok(stack.fs.write(`${CG}/big/memory.max`, `${10_000 * 4}K`));
    const pid = stack.spawn('/big', 10_010);
    // Past 10 000 pages each write is a charge over memory.max: every retry must reach beyond
    // the freshly touched pages to those whose accessed bits the fruitless round cleared.
    for (let i = 0; i < 10_010; i++) stack.write(pid, i, page(i));
    expect(stack.fs.read('/proc/vmstat') as string).toMatch(/^oom_kill 0$/m);
    expect(Number(stack.fs.read(`${CG}/big/memory.current`))).toBeLessThanOrEqual(10_000 * PAGE);
  });

  it('a swap-in whose device read fails leaves the page swapped and the process able to exit', () => {
    const { stack, fast, close } = world(mode);
    ok(stack.fs.write('/sys/module/zswap/parameters/enabled', 'N'));
    ok(stack.fs.mkdir(`${CG}/job`));
    const pid = fillAndReclaim(stack, '/job', 8, 0);
    expect(stack.whereIs(pid, 0)).toBe('tier:fast');
    fast.close(); // its reads now fail, as a device gone away would
    expect(() => stack.read(pid, 0)).toThrow();
    expect(stack.whereIs(pid, 0)).toBe('tier:fast');
    const job = stack.groupId('/job')!;
    expect(stack.tree.usagePages(job, 'memory')).toBe(0);
    stack.exit(pid);
    expect(stack.tree.usagePages(job, 'swap')).toBe(0);
    close();
  });

  it('memory.reclaim on a parent takes from every child in proportion to its size', () => {
    const { stack, close } = world(mode);
    for (const g of ['/p', '/p/big', '/p/small']) ok(stack.fs.mkdir(`${CG}${g}`));
    const big = stack.spawn('/p/big', 60);
    const small = stack.spawn('/p/small', 20);
    for (let i = 0; i < 60; i++) stack.write(big, i, page(i));
    for (let i = 0; i < 20; i++) stack.write(small, i, page(100 + i));
    ok(stack.fs.write(`${CG}/p/memory.reclaim`, '160K')); // 40 pages
    const out = (pid: number, n: number) =>
      Array.from({ length: n }, (_, i) => stack.whereIs(pid, i)).filter((w) => w !== 'resident')
        .length;
    const fromBig = out(big, 60);
    const fromSmall = out(small, 20);
    expect(fromBig + fromSmall).toBeGreaterThanOrEqual(40);
    expect(fromSmall).toBeGreaterThan(0);
    expect(fromBig).toBeGreaterThan(2 * fromSmall);
    close();
  });

  it('counts refaults per backend and per tier, swpout per tier, and measures codec time', () => {
    const { stack, close } = world(mode);
    ok(stack.fs.mkdir(`${CG}/job`));
    const pid = stack.spawn('/job', 30);
    for (let i = 0; i < 10; i++) stack.write(pid, i, new Uint8Array(PAGE)); // zero pages
    for (let i = 10; i < 30; i++) stack.write(pid, i, page(i));
    stack.fs.write(`${CG}/job/memory.reclaim`, '120K');
    ok(stack.fs.write(`${CG}/job/memory.reclaim`, '20K zswap_writeback_only'));
    for (let i = 0; i < 30; i++) stack.touch(pid, i);
    const s = stack.stats();
    expect(s.vmstat.swpout_zero).toBe(10);
    expect(s.vmstat.refault_zero).toBe(10);
    expect(s.vmstat.refault_disk).toBe(5);
    expect(s.vmstat.refault_zswap).toBe(15);
    expect(s.tiers.fast).toMatchObject({ swpout: 5, swpin: 5, refault: 5 });
    expect(s.compressNs).toBeGreaterThan(0);
    expect(s.decompressNs).toBeGreaterThan(0);
    const vm = stack.fs.read('/proc/vmstat') as string;
    expect(vm).toContain('swpout_tier_fast 5\n');
    expect(vm).toMatch(/zswap_compress_ns [1-9]/);
    expect(stack.fs.read('/sys/kernel/debug/zswap/written_back_pages')).toBe('5\n');
    close();
  });
});

describe('swapon', () => {
  it.each(['vswap', 'classic'] as const)(
    '%s: devices of equal priority take turns (round robin)',
    (mode) => {
      const { stack, close } = world(mode, { devices: false });
      const a = FileDevice.create({ path: join(dir, `rr${serial++}.swap`), slots: 64 });
      const b = FileDevice.create({ path: join(dir, `rr${serial++}.swap`), slots: 64 });
      stack.swapon(a, { priority: 150 });
      stack.swapon(b, { priority: 150 });
      expect(stack.fs.read('/proc/swaps')).toContain(`${a.name}\t\tfile\t\t256\t\t0\t\t150\n`);
      ok(stack.fs.mkdir(`${CG}/job`));
      ok(stack.fs.write('/sys/module/zswap/parameters/enabled', 'N'));
      const pid = fillAndReclaim(stack, '/job', 20, 0);
      const used = stack.swapSpace.swaps().map((d) => d.used);
      expect(used[0]! + used[1]!).toBe(20);
      expect(Math.abs(used[0]! - used[1]!)).toBeLessThanOrEqual(2);
      checkPages(stack, pid, 20, 0);
      a.close();
      b.close();
      close();
    },
  );
});

describe('writeback meets a fault (vswap)', () => {
  it('an entry held in the swap cache by a fault wins: EEXIST stops the walk, nothing is written', () => {
    const { stack, close } = world('vswap');
    ok(stack.fs.mkdir(`${CG}/job`));
    const pid = fillAndReclaim(stack, '/job', 8, 0);
    const vs = stack.vswap!;
    const entries = [...vs.entries()];
    expect(entries.length).toBe(8);
    // A fault in flight holds every entry in the swap cache.
    for (const e of entries) expect(vs.cacheAdd(e, 7 as never)).toBe(true);
    const r = stack.fs.write(`${CG}/job/memory.reclaim`, '32K zswap_writeback_only');
    expect(r?.errno).toBe('EAGAIN');
    expect(stack.pool.stats().written_back_pages).toBe(0);
    expect(stack.stats().vmstat.pswpout).toBe(0);
    for (const e of entries) vs.cacheDelete(e);
    ok(stack.fs.write(`${CG}/job/memory.reclaim`, '32K zswap_writeback_only'));
    expect(stack.pool.stats().written_back_pages).toBe(8);
    checkPages(stack, pid, 8, 0);
    close();
  });
});

describe('the zswap parameters', () => {
  it('switch the compressor, the limits and zswap itself', () => {
    const { stack, close } = world('vswap');
    const P = '/sys/module/zswap/parameters';
    ok(stack.fs.write(`${P}/compressor`, 'zstd\n'));
    expect(stack.fs.read(`${P}/compressor`)).toBe('zstd\n');
    ok(stack.fs.write(`${P}/max_pool_percent`, '30'));
    expect(stack.fs.read(`${P}/max_pool_percent`)).toBe('30\n');
    expect(stack.pool.maxPoolBytes).toBe(Math.floor((16 << 20) * 0.3));
    ok(stack.fs.write(`${P}/accept_threshold_percent`, '80'));
    ok(stack.fs.write(`${P}/shrinker_enabled`, 'n'));
    expect(stack.fs.read(`${P}/shrinker_enabled`)).toBe('N\n');
    ok(stack.fs.write(`${P}/enabled`, '0'));
    expect(stack.fs.read(`${P}/enabled`)).toBe('N\n');
    close();
  });
});
