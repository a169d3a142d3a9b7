/**
 * A seeded, model-based random test of the whole stack: a small machine (64 page
 * frames, three cgroups, a file tier and a SQLite tier in a temp dir), both modes, 50 k
 * operations each: writes of zero, compressible and random pages, reads, process
 * spawns and exits, memory.reclaim with every syntax, limits, memory.zswap.writeback,
 * tier selection, demotion, compressor switches, swapoff / swapon and time passing. The
 * model is a plain array of the bytes each page should hold. Every read must return
 * the last written bytes; at the end the backends must add up to the live entries,
 * the counters must agree with each other, and once every process exits no entry,
 * slot, charge or arena byte may be left.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVirtualClock, isRefusal } from '@tierswap/base';
import { rng } from '@tierswap/bench-kit';
import { ROOT_GROUP } from '@tierswap/memcg';
import { FileDevice, SqliteDevice } from '@tierswap/tiered-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StackError } from './stackError.js';
import { createSwapStack, type SwapStack } from './swapStack.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tierswap-stack-model-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const PAGE = 4096;
const OPS = 50_000;
const GROUPS = ['/a', '/b', '/a/c'];

interface Proc {
  pid: number;
  group: string;
  pages: (Uint8Array | undefined)[];
}

function makePage(r: () => number): Uint8Array {
  const kind = r();
  const p = new Uint8Array(PAGE);
  if (kind < 0.2) return p; // zero page
  if (kind < 0.35) {
    for (let i = 0; i < PAGE; i++) p[i] = (r() * 256) | 0; // incompressible
    return p;
  }
  const a = (r() * 256) | 0;
  const period = 1 + ((r() * 60) | 0);
  for (let i = 0; i < PAGE; i++) p[i] = (a + (i % period) * 7) & 255;
  p[(r() * PAGE) | 0] = (r() * 256) | 0;
  return p;
}

function run(mode: 'vswap' | 'classic', seed: number): void {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[(r() * xs.length) | 0]!;
  const clock = createVirtualClock();
  const fast = FileDevice.create({ path: join(dir, `${mode}-fast.swap`), slots: 96 });
  const slow = SqliteDevice.open({ path: join(dir, `${mode}-slow.db`), slots: 1024 });
  const stack: SwapStack = createSwapStack({
    clock,
    ramBytes: 64 * PAGE,
    mode,
    zswap: { maxPoolPercent: 100 },
    tiers: '+fast:100 +slow:-1',
    devices: [
      { device: fast, priority: 200 },
      { device: slow, priority: 5 },
    ],
  });
  const fs = stack.fs;
  for (const g of GROUPS) expect(fs.mkdir(`/sys/fs/cgroup${g}`)).toBeUndefined();
  const procs: Proc[] = [];
  let fastOn = true;
  let oom = 0;
  const spawn = () => {
    const group = pick(GROUPS);
    const n = 4 + ((r() * 28) | 0);
    procs.push({ pid: stack.spawn(group, n), group, pages: new Array(n).fill(undefined) });
  };
  for (let i = 0; i < 4; i++) spawn();
  const zero = new Uint8Array(PAGE);
  const out = new Uint8Array(PAGE);

  for (let op = 0; op < OPS; op++) {
    const x = r();
    if (x < 0.4) {
      const p = pick(procs);
      const i = (r() * p.pages.length) | 0;
      const data = makePage(r);
      try {
        stack.write(p.pid, i, data);
        p.pages[i] = data;
      } catch (e) {
        if (!(e instanceof StackError && e.code === 'OUT_OF_MEMORY')) throw e;
        oom++;
      }
    } else if (x < 0.8) {
      const p = pick(procs);
      const i = (r() * p.pages.length) | 0;
      try {
        stack.read(p.pid, i, out);
      } catch (e) {
        if (!(e instanceof StackError && e.code === 'OUT_OF_MEMORY')) throw e;
        oom++;
        continue;
      }
      const want = p.pages[i] ?? zero;
      if (Buffer.compare(out, want) !== 0) {
        throw new Error(`op ${op}: page ${i} of pid ${p.pid} (${stack.whereIs(p.pid, i)}) differs`);
      }
    } else if (x < 0.84) {
      if (procs.length > 6 || (procs.length > 1 && r() < 0.5)) {
        const k = (r() * procs.length) | 0;
        stack.exit(procs[k]!.pid);
        procs.splice(k, 1);
      } else spawn();
    } else if (x < 0.9) {
      const g = pick(GROUPS);
      const size = `${1 + ((r() * 24) | 0)}K`.replace(/^(\d+)K$/, (_, n) => `${Number(n) * 4}K`);
      const extra = pick([
        '',
        ' swappiness=60',
        ' swappiness=0',
        ' source=zswap',
        ' zswap_writeback_only',
        ' demote=fast',
        ' demote=slow',
        ' swappiness=max',
      ]);
      const res = fs.write(`/sys/fs/cgroup${g}/memory.reclaim`, `${size}${extra}`);
      if (res !== undefined) expect(['EAGAIN', 'EINVAL']).toContain(res.errno);
    } else if (x < 0.93) {
      const g = pick(GROUPS);
      const file = pick(['memory.max', 'memory.high', 'memory.zswap.max', 'memory.swap.max']);
      const v = pick(['max', '64K', '128K', '256K', '32K']);
      expect(fs.write(`/sys/fs/cgroup${g}/${file}`, v)).toBeUndefined();
    } else if (x < 0.95) {
      const g = pick(GROUPS);
      expect(
        fs.write(`/sys/fs/cgroup${g}/memory.zswap.writeback`, pick(['0', '1', '1'])),
      ).toBeUndefined();
    } else if (x < 0.96) {
      const g = pick(GROUPS);
      expect(
        fs.write(
          `/sys/fs/cgroup${g}/memory.swap.tiers.max`,
          `${pick(['fast', 'slow'])} ${pick(['max', 'max', '0'])}`,
        ),
      ).toBeUndefined();
    } else if (x < 0.97) {
      const g = pick(GROUPS);
      expect(
        fs.write(`/sys/fs/cgroup${g}/memory.swap.demote_age`, pick(['0', '30', '120'])),
      ).toBeUndefined();
    } else if (x < 0.975) {
      expect(
        fs.write('/sys/module/zswap/parameters/compressor', pick(['lz4', 'zstd'])),
      ).toBeUndefined();
    } else if (x < 0.98) {
      expect(
        fs.write('/sys/module/zswap/parameters/enabled', pick(['Y', 'Y', 'N'])),
      ).toBeUndefined();
    } else if (x < 0.982) {
      if (fastOn) {
        const res = stack.swapoff(fast.name);
        if (!isRefusal(res)) fastOn = false;
        else expect(['ENOMEM', 'EBUSY']).toContain(res.errno);
      } else {
        stack.swapon(fast, { priority: 200 });
        fastOn = true;
      }
    } else {
      clock.advance(r() * 20_000);
    }
  }
  expect(oom).toBeLessThan(OPS / 100);

  // Every page reads back, and the backends add up to the live entries.
  const where = new Map<string, number>();
  for (const p of procs) {
    for (let i = 0; i < p.pages.length; i++) {
      const w = stack.whereIs(p.pid, i);
      where.set(w, (where.get(w) ?? 0) + 1);
    }
  }
  const st = stack.stats();
  const swapped =
    (where.get('zero') ?? 0) +
    (where.get('zswap') ?? 0) +
    (where.get('tier:fast') ?? 0) +
    (where.get('tier:slow') ?? 0);
  expect(st.swappedPages).toBe(swapped);
  expect(stack.pool.stats().stored_pages).toBe(where.get('zswap') ?? 0);
  const used = stack.swapSpace.swaps().reduce((s, d) => s + d.used, 0);
  if (mode === 'vswap') {
    expect(stack.vswap!.stats().live).toBe(swapped);
    expect(used).toBe((where.get('tier:fast') ?? 0) + (where.get('tier:slow') ?? 0));
    stack.vswap!.verify();
  } else {
    expect(used).toBeGreaterThanOrEqual(
      (where.get('tier:fast') ?? 0) + (where.get('tier:slow') ?? 0),
    );
  }
  const tree = stack.tree;
  // vswap charges memory.swap only for device slots; classic charges every swapped
  // page's slot, ghost ones included (zero and zswap pages hold a slot too).
  expect(tree.usagePages(ROOT_GROUP, 'swap')).toBe(mode === 'vswap' ? used : swapped);
  expect(tree.usagePages(ROOT_GROUP, 'memory')).toBe(st.residentPages);

  // Counters agree with each other.
  const v = st.vmstat;
  expect(v.pgmajfault).toBe(v.swpin_zero! + v.zswpin! + v.pswpin!);
  expect(v.refault_zero! + v.refault_zswap! + v.refault_disk!).toBe(v.pgmajfault);
  const tiers = Object.values(st.tiers);
  expect(tiers.reduce((s, t) => s + t.swpin, 0)).toBe(v.pswpin);
  expect(tiers.reduce((s, t) => s + t.swpout, 0)).toBe(v.pswpout);
  expect(tiers.reduce((s, t) => s + t.demoted_in, 0)).toBe(v.swap_demote);
  expect(v.pswpout).toBeGreaterThan(0);
  expect(v.zswpout).toBeGreaterThan(0);
  expect(v.swpout_zero).toBeGreaterThan(0);
  expect(v.zswpwb).toBeGreaterThan(0);
  const stat = fs.read('/sys/fs/cgroup/memory.stat') as string;
  expect(stat).toContain(`zswpin ${v.zswpin}\n`);
  expect(stat).toContain(`pswpin ${v.pswpin}\n`);
  expect(stat).toContain(`swpout_zero ${v.swpout_zero}\n`);

  for (const p of procs) {
    for (let i = 0; i < p.pages.length; i++) {
      expect(Buffer.compare(stack.read(p.pid, i, out), p.pages[i] ?? zero)).toBe(0);
    }
  }
  // Nothing leaks once every process is gone.
  for (const p of procs) stack.exit(p.pid);
  expect(stack.pool.stats().stored_pages).toBe(0);
  expect(stack.pool.compressedBytes).toBe(0);
  expect(stack.swapSpace.swaps().reduce((s, d) => s + d.used, 0)).toBe(0);
  expect(tree.usagePages(ROOT_GROUP, 'memory')).toBe(0);
  expect(tree.usagePages(ROOT_GROUP, 'swap')).toBe(0);
  expect(tree.usagePages(ROOT_GROUP, 'zswap')).toBe(0);
  if (mode === 'vswap') expect(stack.vswap!.stats().live).toBe(0);
  expect(stack.stats().residentPages + stack.stats().swappedPages).toBe(0);
  fast.close();
  slow.close();
}

describe('the whole stack against a model', () => {
  it('vswap mode: 50 k random operations', () => run('vswap', 12), 60_000);
  it('classic mode: 50 k random operations', () => run('classic', 34), 60_000);
});
