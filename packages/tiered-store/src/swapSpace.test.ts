import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRefusal } from '@tierswap/base';
import { createMemcg } from '@tierswap/memcg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlockDevice } from './blockDevice.js';
import { everyNth, FaultInjectingDevice, onCalls, onSlots } from './faultInjectingDevice.js';
import { FileDevice } from './fileDevice.js';
import { SqliteDevice } from './sqliteDevice.js';
import type { SwapSpace } from './swapSpace.js';
import { createSwapSpace } from './swapSpace.js';
import { TieredStoreError } from './tieredStoreError.js';
import { registerTierFiles } from './tierFiles.js';
import type { StoreRefusal as Refused, SwapSlot } from './types.js';
import { StoreRefusal, swapOffset, swapType, toSwapSlot } from './types.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tierswap-space-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const PAGE = 4096;
let serial = 0;
const file = (slots: number): FileDevice =>
  FileDevice.create({ path: join(dir, `d${serial++}.swap`), slots });
const sqlite = (slots: number): SqliteDevice =>
  SqliteDevice.open({ path: join(dir, `d${serial++}.db`), slots });

function setup(maxTiers?: number) {
  const { tree, files } = createMemcg();
  const space = createSwapSpace({ memcg: tree, ...(maxTiers === undefined ? {} : { maxTiers }) });
  registerTierFiles(files, space);
  return { tree, files, space };
}

function mustStore(
  space: SwapSpace,
  g: Parameters<SwapSpace['store']>[0],
  data: Uint8Array,
): SwapSlot {
  const s = space.store(g, data);
  if (isRefusal(s)) throw new Error(`refused: ${s.reason}`);
  return s;
}

/** The slots of a storeBatch result, failing if any page was refused. */
function allSlots(out: (SwapSlot | Refused)[]): SwapSlot[] {
  return out.map((r) => {
    if (isRefusal(r)) throw new Error(`refused: ${r.reason}`);
    return r;
  });
}

describe('SwapSpace placement', () => {
  it('uses the highest priority first and falls through when a device is full', () => {
    const { tree, space } = setup();
    const fast = file(4);
    const slow = sqlite(64);
    const tFast = space.swapon(fast, { priority: 10 });
    const tSlow = space.swapon(slow, { priority: 1 });
    const g = tree.create('/a');
    const types = Array.from({ length: 6 }, () => swapType(mustStore(space, g, randomBytes(PAGE))));
    expect(types).toEqual([tFast, tFast, tFast, tFast, tSlow, tSlow]);
    expect(space.stats().fallthroughs).toBe(2);
    expect(space.swaps().map((d) => d.used)).toEqual([4, 2]);
    space.swapoff(tFast);
    space.swapoff(tSlow);
    fast.close();
    slow.close();
  });

  it('round-robins among devices of equal priority', () => {
    const { tree, space } = setup();
    const devs = [file(64), file(64), file(64)];
    const types = devs.map((d) => space.swapon(d, { priority: 5 }));
    const g = tree.create('/a');
    const used = Array.from({ length: 6 }, () => swapType(mustStore(space, g, randomBytes(100))));
    expect(used).toEqual([...types, ...types]);
    for (const d of devs) d.close();
  });

  it('refuses clearly when every allowed device is full, and uncharges', () => {
    const { tree, space, files } = setup();
    space.swapon(file(2), { priority: 1 });
    const g = tree.create('/a');
    mustStore(space, g, randomBytes(PAGE));
    mustStore(space, g, randomBytes(PAGE));
    expect(space.store(g, randomBytes(PAGE))).toBe(StoreRefusal.FULL);
    expect(space.stats().refusals.full).toBe(1);
    expect(files.read(g, 'memory.swap.current')).toBe(`${2 * PAGE}\n`);
  });

  it('charges memory.swap.max up the tree and refuses at the limit', () => {
    const { tree, space, files } = setup();
    space.swapon(file(64));
    const a = tree.create('/a');
    const b = tree.create('/a/b');
    files.writeOrThrow(a, 'memory.swap.max', '8K');
    const s1 = mustStore(space, b, randomBytes(PAGE));
    mustStore(space, b, randomBytes(PAGE));
    expect(space.store(b, randomBytes(PAGE))).toBe(StoreRefusal.SWAP_MAX);
    expect(space.stats().refusals.swapMax).toBe(1);
    space.free(s1);
    expect(files.read(a, 'memory.swap.current')).toBe(`${PAGE}\n`);
    mustStore(space, b, randomBytes(PAGE));
  });

  it('a removed memcg keeps its pages; freeing them uncharges the parent and frees the id', () => {
    const { tree, space } = setup();
    space.swapon(file(64));
    const a = tree.create('/a');
    const b = tree.create('/a/b');
    const s = mustStore(space, b, randomBytes(PAGE));
    tree.rmdir(b);
    expect(space.ownerOf(s)).toBe(a);
    expect(tree.usagePages(a, 'swap')).toBe(1);
    space.free(s);
    expect(tree.usagePages(a, 'swap')).toBe(0);
    expect(tree.stateOf(b)).toBe(0);
  });

  it('a write I/O error marks the slot bad and the page goes to the next device', () => {
    const { tree, space } = setup();
    const bad = new FaultInjectingDevice(file(64), { failWrite: everyNth(2) });
    const good = file(64);
    const tBad = space.swapon(bad, { priority: 9 });
    const tGood = space.swapon(good, { priority: 1 });
    const g = tree.create('/a');
    const pages = Array.from({ length: 4 }, () => randomBytes(PAGE));
    const slots = pages.map((p) => mustStore(space, g, p));
    expect(slots.map(swapType)).toEqual([tBad, tGood, tBad, tGood]);
    expect(space.stats().writeErrors).toBe(2);
    expect(space.swaps()[0]!.bad).toBe(2);
    const out = new Uint8Array(PAGE);
    slots.forEach((s, i) => {
      space.load(s, out);
      expect(Buffer.from(out).equals(pages[i]!)).toBe(true);
    });
    // Only a failing device left: refused as IO_ERROR, counted.
    bad.plan = {};
    expect(space.swapoff(tGood)).toEqual({ ok: true, moved: 2 });
    bad.plan = { failWrite: () => true };
    expect(space.store(g, randomBytes(PAGE))).toBe(StoreRefusal.IO_ERROR);
    expect(space.stats().refusals.ioError).toBe(1);
  });

  it('a page corrupted on disk is detected on load, counted, and never returned', () => {
    const { tree, space } = setup();
    const path = join(dir, 'corrupt-space.swap');
    const dev = FileDevice.create({ path, slots: 16 });
    space.swapon(dev);
    const s = mustStore(space, tree.create('/a'), new Uint8Array(PAGE).fill(9));
    const fd = openSync(path, 'r+');
    writeSync(fd, Uint8Array.of(1, 2, 3), 0, 3, swapOffset(s) * PAGE + 10);
    closeSync(fd);
    const out = new Uint8Array(PAGE);
    expect(() => space.load(s, out)).toThrow(TieredStoreError);
    expect(space.stats().checksumErrors).toBe(1);
    expect(out.every((x) => x === 0)).toBe(true);
  });

  it('passes the discard flags to the device: once at swapon, pages per freed cluster', () => {
    const { tree, space } = setup();
    const once = file(64);
    space.swapon(once, { discard: 'once' });
    expect(once.stats().discards).toBe(64);
    const pages = file(64);
    space.swapon(pages, { discard: 'pages', clusterSize: 16, priority: 7 });
    const g = tree.create('/a');
    const slots = Array.from({ length: 16 }, () => mustStore(space, g, randomBytes(100)));
    expect(slots.every((s) => space.deviceOf(s) === pages)).toBe(true);
    for (const s of slots) space.free(s);
    expect(pages.stats().discards).toBe(0);
    expect(space.processDiscards()).toBe(1);
    expect(pages.stats().discards).toBe(16);
    expect(() => pages.read(swapOffset(slots[0]!), new Uint8Array(PAGE))).toThrow(/holds no page/);
  });

  it('applies the latency model to a tier (a model: the bytes still round-trip)', () => {
    const { tree, space } = setup();
    space.tiers.write('+slow:-1');
    space.swapon(file(16));
    space.setTierLatency('slow', { readMicros: 50, writeMicros: 50 });
    const p = randomBytes(PAGE);
    const s = mustStore(space, tree.create('/a'), p);
    const out = new Uint8Array(PAGE);
    space.load(s, out);
    expect(Buffer.from(out).equals(p)).toBe(true);
    expect(() => space.setTierLatency('nope', undefined)).toThrow(/no tier/);
  });
});

describe('SwapSpace.storeBatch', () => {
  it('places pages as store() would (round-robin), one batched write per device', () => {
    const { tree, space } = setup();
    const a = file(64);
    const b = sqlite(64);
    const ta = space.swapon(a, { priority: 5 });
    const tb = space.swapon(b, { priority: 5 });
    const g = tree.create('/a');
    const pages = Array.from({ length: 70 }, (_, i) => randomBytes(i % 4 === 0 ? 500 : PAGE));
    const out = allSlots(space.storeBatch(g, pages));
    expect(out.length).toBe(70);
    expect([...out.slice(0, 4)].map((s) => swapType(s as SwapSlot))).toEqual([ta, tb, ta, tb]);
    const buf = new Uint8Array(PAGE);
    pages.forEach((p, i) => {
      const len = space.load(out[i]!, buf);
      expect(Buffer.from(buf.subarray(0, len)).equals(p)).toBe(true);
    });
    expect(tree.usagePages(g, 'swap')).toBe(70);
    expect(b.stats().writes).toBe(35);
  });

  it('handles swap types with the top bit set (type >= 16) as slots, not refusals', () => {
    const { tree, space } = setup();
    const devs = Array.from({ length: 18 }, () =>
      FileDevice.create({ path: join(dir, `t${serial++}.swap`), slots: 8, preallocate: 'sparse' }),
    );
    devs.forEach((d, i) => {
      space.swapon(d, { priority: i === 17 ? 100 : 1 }); // type 17 is preferred
    });
    const g = tree.create('/a');
    const p = randomBytes(PAGE);
    const s = mustStore(space, g, p);
    expect(swapType(s)).toBe(17);
    expect(s).toBeGreaterThan(2 ** 31);
    const out = allSlots(space.storeBatch(g, [p, p, p]));
    expect(out.length).toBe(3);
    for (const x of [s, ...out]) {
      const buf = new Uint8Array(PAGE);
      expect(space.load(x as SwapSlot, buf)).toBe(PAGE);
      expect(Buffer.from(buf).equals(p)).toBe(true);
    }
    expect(toSwapSlot(31, 5)).toBe(31 * 2 ** 27 + 5);
    expect(swapOffset(toSwapSlot(31, 2 ** 27 - 1))).toBe(2 ** 27 - 1);
    for (const d of devs) d.close();
  });

  it('refuses the pages over memory.swap.max or past a full device, and counts them', () => {
    const { tree, files, space } = setup();
    space.swapon(file(4));
    const g = tree.create('/a');
    const h = tree.create('/b');
    files.writeOrThrow(g, 'memory.swap.max', '12K');
    const first = space.storeBatch(
      g,
      Array.from({ length: 5 }, () => randomBytes(PAGE)),
    );
    expect(first.filter((r) => !isRefusal(r)).length).toBe(3);
    expect(first.slice(3)).toEqual([StoreRefusal.SWAP_MAX, StoreRefusal.SWAP_MAX]);
    expect(first[3]).toBe(StoreRefusal.SWAP_MAX); // the frozen refusal itself
    const second = space.storeBatch(
      h,
      Array.from({ length: 3 }, () => randomBytes(PAGE)),
    );
    expect(second.filter((r) => !isRefusal(r)).length).toBe(1);
    expect(second.slice(1, 3)).toEqual([StoreRefusal.FULL, StoreRefusal.FULL]);
    expect(space.stats().refusals).toMatchObject({ swapMax: 2, full: 2 });
    expect(tree.usagePages(tree.root, 'swap')).toBe(4);
  });

  it('moves only the pages whose own write fails when a batch write fails', () => {
    const { tree, space } = setup();
    const faulty = new FaultInjectingDevice(file(64), { failWrite: onSlots(2) });
    const tBad = space.swapon(faulty, { priority: 9 });
    const tGood = space.swapon(file(64), { priority: 1 });
    const g = tree.create('/a');
    const pages = Array.from({ length: 6 }, () => randomBytes(PAGE));
    const out = allSlots(space.storeBatch(g, pages));
    expect(out.length).toBe(6);
    expect(out.map((s) => swapType(s))).toEqual([tBad, tBad, tGood, tBad, tBad, tBad]);
    expect(space.stats().writeErrors).toBe(1);
    expect(space.swaps()[0]!.bad).toBe(1);
    const buf = new Uint8Array(PAGE);
    pages.forEach((p, i) => {
      space.load(out[i]!, buf);
      expect(Buffer.from(buf).equals(p)).toBe(true);
    });
  });
});

describe('tiers and per-memcg selection', () => {
  function tiered() {
    const env = setup();
    expect(env.space.tiers.write('+hdd:-1 +ssd:100')).toBeUndefined();
    const hdd = file(64);
    const ssd = file(64);
    const tHdd = env.space.swapon(hdd, { priority: 10 });
    const tSsd = env.space.swapon(ssd, { priority: 200 });
    return { ...env, tHdd, tSsd, hdd, ssd };
  }

  it('assigns devices to tiers by priority at swapon', () => {
    const { space } = tiered();
    expect(space.swaps().map((d) => `${d.priority}:${d.tier}`)).toEqual(['10:hdd', '200:ssd']);
  });

  it('memory.swap.tiers (+/-, empty resets) steers placement; effective narrows by parent', () => {
    const { tree, files, space, tHdd, tSsd } = tiered();
    const a = tree.create('/a');
    const b = tree.create('/a/b');
    expect(files.read(b, 'memory.swap.tiers')).toBe('ssd hdd\n');
    expect(swapType(mustStore(space, b, randomBytes(PAGE)))).toBe(tSsd);
    expect(files.write(a, 'memory.swap.tiers', '-ssd')).toBeUndefined();
    expect(files.read(a, 'memory.swap.tiers')).toBe('hdd\n');
    expect(files.read(b, 'memory.swap.tiers')).toBe('ssd hdd\n');
    expect(files.read(b, 'memory.swap.tiers.effective')).toBe('hdd\n');
    expect(swapType(mustStore(space, b, randomBytes(PAGE)))).toBe(tHdd);
    expect(files.write(b, 'memory.swap.tiers', '-hdd')).toBeUndefined();
    expect(files.read(b, 'memory.swap.tiers.effective')).toBe('\n');
    expect(space.store(b, randomBytes(PAGE))).toBe(StoreRefusal.NO_DEVICE);
    expect(files.write(a, 'memory.swap.tiers', '\n')).toBeUndefined();
    expect(files.read(a, 'memory.swap.tiers')).toBe('ssd hdd\n');
    expect(swapType(mustStore(space, b, randomBytes(PAGE)))).toBe(tSsd);
  });

  it('memory.swap.tiers refuses unknown tiers and missing signs, all-or-nothing', () => {
    const { tree, files } = tiered();
    const a = tree.create('/a');
    expect(files.write(a, 'memory.swap.tiers', '-ssd +nvme')?.code).toBe('EINVAL');
    expect(files.write(a, 'memory.swap.tiers', '-hdd ssd')?.code).toBe('EINVAL');
    expect(files.read(a, 'memory.swap.tiers')).toBe('ssd hdd\n');
    expect(() => files.read(tree.root, 'memory.swap.tiers')).toThrow(/ENOENT/);
    expect(files.write(a, 'memory.swap.tiers.effective', '+ssd')?.code).toBe('EACCES');
  });

  it('memory.swap.tiers.max: one "<tier> max|0" pair per write, highest tier first on read', () => {
    const { tree, files, space, tHdd } = tiered();
    const a = tree.create('/a');
    expect(files.read(a, 'memory.swap.tiers.max')).toBe('ssd max\nhdd max\n');
    expect(files.write(a, 'memory.swap.tiers.max', 'ssd 0\n')).toBeUndefined();
    expect(files.read(a, 'memory.swap.tiers.max')).toBe('ssd 0\nhdd max\n');
    expect(files.read(a, 'memory.swap.tiers')).toBe('hdd\n');
    expect(swapType(mustStore(space, a, randomBytes(PAGE)))).toBe(tHdd);
    for (const bad of ['ssd', 'ssd 1', 'ssd max hdd 0', 'nvme max', 'ssd MAX', '']) {
      expect(files.write(a, 'memory.swap.tiers.max', bad)?.code, bad).toBe('EINVAL');
    }
    expect(files.write(a, 'memory.swap.tiers.max', 'ssd max')).toBeUndefined();
    expect(files.read(a, 'memory.swap.tiers.effective')).toBe('ssd hdd\n');
  });

  it('a device switched on before any tier stays in the default tier, always allowed', () => {
    const { tree, files, space } = setup();
    const early = file(8);
    const tEarly = space.swapon(early, { priority: 5 });
    expect(space.tiers.write('+t:-1')).toBeUndefined();
    const tLate = space.swapon(file(8), { priority: 5 });
    expect(space.swaps().map((d) => d.tier)).toEqual(['', 't']);
    const a = tree.create('/a');
    files.writeOrThrow(a, 'memory.swap.tiers', '-t');
    const used = Array.from({ length: 3 }, () => swapType(mustStore(space, a, randomBytes(10))));
    expect(used).toEqual([tEarly, tEarly, tEarly]);
    const b = tree.create('/b');
    const both = new Set(
      Array.from({ length: 4 }, () => swapType(mustStore(space, b, randomBytes(10)))),
    );
    expect(both).toEqual(new Set([tEarly, tLate]));
  });

  it('a removed tier is enabled again in every memcg', () => {
    const { tree, files, space, tSsd } = tiered();
    const a = tree.create('/a');
    files.writeOrThrow(a, 'memory.swap.tiers.max', 'ssd 0');
    expect(space.tiers.write('-ssd')?.errno).toBe('EBUSY'); // holds an active device
    expect(space.swapoff(tSsd)).toEqual({ ok: true, moved: 0 });
    expect(space.tiers.write('-ssd')).toBeUndefined();
    expect(tree.tierMask(a) >>> 0).toBe(0xffffffff);
  });
});

describe('swapoff', () => {
  const kinds: [string, (n: number) => BlockDevice][] = [
    ['file', file],
    ['sqlite', sqlite],
  ];
  it.each(kinds)('moves every page of a %s device elsewhere with the bytes intact', (_k, make) => {
    const { tree, space } = setup();
    const src = make(256);
    const dst = file(128);
    const dst2 = sqlite(128);
    const tSrc = space.swapon(src, { priority: 100 });
    space.swapon(dst, { priority: 5 });
    space.swapon(dst2, { priority: 5 });
    const groups = [tree.create('/a'), tree.create('/b')];
    const where = new Map<number, { slot: SwapSlot; data: Buffer }>();
    for (let i = 0; i < 150; i++) {
      const data = randomBytes(i % 3 === 0 ? 700 : PAGE); // some "compressed" payloads
      where.set(i, { slot: mustStore(space, groups[i % 2]!, data), data });
    }
    // free a few so the device has holes
    for (let i = 0; i < 150; i += 10) space.free(where.get(i)!.slot);
    for (let i = 0; i < 150; i += 10) where.delete(i);
    const byOld = new Map([...where.entries()].map(([k, v]) => [v.slot as number, k]));
    const swapCurrent = tree.usagePages(tree.root, 'swap');
    const result = space.swapoff(tSrc, (from, to) => {
      const key = byOld.get(from)!;
      where.get(key)!.slot = to;
    });
    expect(result).toEqual({ ok: true, moved: where.size });
    expect(space.swaps().map((d) => d.name)).not.toContain(src.name);
    const out = new Uint8Array(PAGE);
    for (const { slot, data } of where.values()) {
      expect(swapType(slot)).not.toBe(tSrc);
      const len = space.load(slot, out);
      expect(Buffer.from(out.subarray(0, len)).equals(data)).toBe(true);
    }
    expect(tree.usagePages(tree.root, 'swap')).toBe(swapCurrent);
    expect(space.stats().moved).toBe(where.size);
  });

  it('stops with ENOMEM when the pages have nowhere to go, and the device stays on', () => {
    const { tree, space } = setup();
    const src = file(64);
    const tSrc = space.swapon(src, { priority: 9 });
    space.swapon(file(3), { priority: 1 });
    const g = tree.create('/a');
    const slots = Array.from({ length: 5 }, () => mustStore(space, g, randomBytes(PAGE)));
    let moved = 0;
    const r = space.swapoff(tSrc, () => moved++);
    expect(r.ok).toBe(false);
    expect(r).toMatchObject({ errno: 'ENOMEM', moved: 3, remaining: 2 });
    expect(moved).toBe(3);
    expect(space.swaps().map((d) => d.type)).toContain(tSrc);
    const out = new Uint8Array(PAGE);
    space.load(slots[4]!, out); // still readable where it was
    expect(swapType(mustStore(space, g, randomBytes(PAGE)))).toBe(tSrc);
  });

  it('stops with EIO on a page that fails its checksum, and the device stays on', () => {
    const { tree, space } = setup();
    const path = join(dir, 'swapoff-corrupt.swap');
    const src = FileDevice.create({ path, slots: 16 });
    const tSrc = space.swapon(src, { priority: 9 });
    space.swapon(file(16), { priority: 1 });
    const g = tree.create('/a');
    // Known bytes, so that the byte written below always differs from what was there.
    const slots = [
      mustStore(space, g, new Uint8Array(PAGE).fill(1)),
      mustStore(space, g, new Uint8Array(PAGE).fill(2)),
    ];
    const fd = openSync(path, 'r+');
    writeSync(fd, Uint8Array.of(9), 0, 1, swapOffset(slots[1]!) * PAGE + 5);
    closeSync(fd);
    const r = space.swapoff(tSrc);
    expect(r).toMatchObject({ ok: false, errno: 'EIO', moved: 1, remaining: 1 });
    expect(space.stats().checksumErrors).toBe(1);
    expect(space.swaps().map((d) => d.type)).toContain(tSrc);
  });

  it('refuses misuse with typed errors', () => {
    const { tree, space } = setup();
    const d = file(8);
    space.swapon(d);
    expect(() => space.swapon(d)).toThrow(/already active/);
    // swapon(2) of a swap file already in use is EBUSY.
    expect(() => space.swapon(d)).toThrow(
      expect.objectContaining({ code: 'BUSY', errno: 'EBUSY' }),
    );
    expect(() => space.swapon(file(8), { priority: -2 })).toThrow(TieredStoreError);
    expect(() => space.swapoff(7)).toThrow(/no active swap device/);
    expect(() => space.free(0 as SwapSlot)).toThrow(/not in use/);
    const s = mustStore(space, tree.create('/a'), randomBytes(PAGE));
    space.free(s);
    expect(() => space.load(s, new Uint8Array(PAGE))).toThrow(/not in use/);
    expect(onCalls(1)(1, 0)).toBe(true);
  });
});
