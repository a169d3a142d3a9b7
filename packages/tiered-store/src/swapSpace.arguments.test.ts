import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVirtualClock, isRefusal } from '@tierswap/base';
import { HOSTILE_VALUES, hostileBuffers } from '@tierswap/bench-kit';
import type { GroupId } from '@tierswap/memcg';
import { createMemcg } from '@tierswap/memcg';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlockDevice } from './blockDevice.js';
import { FaultInjectingDevice } from './faultInjectingDevice.js';
import { FileDevice } from './fileDevice.js';
import { SqliteDevice } from './sqliteDevice.js';
import { createSwapSpace } from './swapSpace.js';
import { createSwapTiers } from './swapTiers.js';
import { TieredStoreError } from './tieredStoreError.js';
import { registerTierFiles } from './tierFiles.js';
import type { SwapSlot } from './types.js';
import { StoreRefusal, swapOffset, swapType, toSwapSlot } from './types.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tierswap-args-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const PAGE = 4096;
let serial = 0;
const file = (slots: number): FileDevice =>
  FileDevice.create({ path: join(dir, `a${serial++}.swap`), slots, preallocate: 'sparse' });

/** Values that are not what any entry point takes, or are at the edges of what it takes. */
const NASTY: readonly unknown[] = [...HOSTILE_VALUES, [0], ...hostileBuffers(PAGE)];
const nasty = fc.oneof(
  fc.constantFrom(...NASTY),
  fc.anything(),
  fc.double(),
  fc.integer({ min: -3, max: 2 ** 32 + 3 }),
);

function env() {
  const { tree, files } = createMemcg();
  const clock = createVirtualClock();
  const space = createSwapSpace({ memcg: tree, clock });
  registerTierFiles(files, space);
  space.tiers.write('+slow:-1 +fast:100');
  const devices: BlockDevice[] = [
    file(8),
    SqliteDevice.open({ path: join(dir, `a${serial++}.db`), slots: 8 }),
  ];
  space.swapon(devices[0]!, { priority: 200 });
  space.swapon(devices[1]!, { priority: 10 });
  space.setTierLatency('slow', { readMicros: 10, writeMicros: 20 });
  const groups = [tree.create('/a'), tree.create('/a/b'), tree.create('/c')];
  return { tree, files, clock, space, devices, groups };
}
type Env = ReturnType<typeof env>;

/** Everything a refused call must leave as it was. */
function snapshot({ tree, clock, space, devices, groups }: Env): string {
  return JSON.stringify({
    stats: space.stats(),
    swaps: space.swaps(),
    tiers: space.tiers.read(),
    charges: [tree.root, ...groups].map((g) => tree.usagePages(g, 'swap')),
    refs: groups.map((g) => tree.idRefs(g)),
    modelled: clock.modelledMs,
    devices: devices.map((d) => d.stats()),
  });
}

function closeAll(e: Env): void {
  for (const d of e.devices) d.close();
}

/** Calls fn; a throw must be a TieredStoreError and leave the state as it was. */
function refusedOrValid<T>(e: Env, fn: () => T, valid: (r: T) => void): 'ok' | 'refused' {
  const before = snapshot(e);
  let r: T;
  try {
    r = fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TieredStoreError);
    expect(['INVALID_ARGUMENT', 'BAD_STATE', 'BUSY']).toContain((err as TieredStoreError).code);
    expect(snapshot(e)).toBe(before);
    return 'refused';
  }
  valid(r);
  return 'ok';
}

const REFUSALS: readonly unknown[] = Object.values(StoreRefusal);

describe('SwapSpace entry points refuse bad values with a typed error and change nothing', () => {
  it('free/load/ownerOf/tierOf/deviceOf never alias a bad slot onto slot 0', () => {
    const e = env();
    const { space, groups } = e;
    const data = new Uint8Array(PAGE).fill(42);
    const s = space.store(groups[0]!, data);
    expect(s).toBe(toSwapSlot(0, 0)); // the live page is slot 0
    const out = new Uint8Array(PAGE);
    for (const bad of NASTY) {
      for (const call of [
        () => space.free(bad as SwapSlot),
        () => space.load(bad as SwapSlot, out),
        () => space.ownerOf(bad as SwapSlot),
        () => space.tierOf(bad as SwapSlot),
        () => space.deviceOf(bad as SwapSlot),
      ]) {
        expect(refusedOrValid(e, call, () => undefined)).toBe('refused');
      }
    }
    expect(space.load(s as SwapSlot, out)).toBe(PAGE);
    expect(out[0]).toBe(42);
    expect(space.ownerOf(s as SwapSlot)).toBe(groups[0]);
    closeAll(e);
  });

  it('a refused store or storeBatch leaks no slot, no charge and no counter', () => {
    const e = env();
    const { space, groups } = e;
    const good = new Uint8Array(PAGE);
    for (const bad of NASTY) {
      expect(refusedOrValid(e, () => space.store(groups[0]!, bad as Uint8Array), String)).toBe(
        'refused',
      );
      expect(refusedOrValid(e, () => space.store(bad as GroupId, good), String)).toBe('refused');
      // One bad page refuses the whole batch before any of it is placed.
      expect(
        refusedOrValid(e, () => space.storeBatch(groups[0]!, [good, bad as Uint8Array]), String),
      ).toBe('refused');
    }
    expect(refusedOrValid(e, () => space.storeBatch(groups[0]!, good as never), String)).toBe(
      'refused',
    );
    closeAll(e);
  });

  it('a device closed underneath: the store fails typed and gives its slot and charge back', () => {
    const e = env();
    const { space, groups, tree, devices } = e;
    devices[0]!.close(); // the fast device, where the page would go
    const before = space.swaps().map((d) => d.used);
    expect(() => space.store(groups[0]!, new Uint8Array(PAGE))).toThrow(/closed/);
    expect(() =>
      space.storeBatch(groups[0]!, [new Uint8Array(PAGE), new Uint8Array(PAGE)]),
    ).toThrow(/closed/);
    expect(space.swaps().map((d) => d.used)).toEqual(before);
    expect(tree.usagePages(tree.root, 'swap')).toBe(0);
    expect(space.stats().stores).toBe(0);
    // A batch split over a working and a closed device gives back both halves.
    const open = createSwapSpace({ memcg: tree });
    const live = file(8);
    const dead = file(8);
    open.swapon(live, { priority: 5 });
    open.swapon(dead, { priority: 5 });
    dead.close();
    expect(() => open.storeBatch(groups[1]!, [new Uint8Array(PAGE), new Uint8Array(PAGE)])).toThrow(
      /closed/,
    );
    expect(open.swaps().map((d) => d.used)).toEqual([0, 0]);
    expect(tree.usagePages(tree.root, 'swap')).toBe(0);
    expect(tree.idRefs(groups[1]!)).toBe(0);
    live.close();
    devices[1]!.close();
  });

  it('latency models must be finite: an infinite write latency is refused, not waited on', () => {
    const e = env();
    for (const bad of [
      { readMicros: 1, writeMicros: Number.POSITIVE_INFINITY },
      { readMicros: Number.NaN, writeMicros: 1 },
      { readMicros: -1, writeMicros: 1 },
      { readMicros: '5', writeMicros: 1 },
      { readMicros: 1 },
      null,
      7,
    ]) {
      expect(refusedOrValid(e, () => e.space.setTierLatency('slow', bad as never), String)).toBe(
        'refused',
      );
    }
    expect(refusedOrValid(e, () => e.space.setTierLatency(5 as never, undefined), String)).toBe(
      'refused',
    );
    // The model still in force is the one set in env(): 20 µs per write on the slow tier.
    e.files.writeOrThrow(e.groups[2]!, 'memory.swap.tiers', '-fast');
    e.space.store(e.groups[2]!, new Uint8Array(10));
    expect(e.clock.modelledMs).toBeCloseTo(0.02, 9);
    closeAll(e);
  });

  it('misuse of swapon, swapoff, the tiers file and the factories is refused', () => {
    const e = env();
    const { space } = e;
    const spare = file(8);
    for (const bad of NASTY) {
      expect(refusedOrValid(e, () => space.swapon(bad as BlockDevice), String)).toBe('refused');
      if (bad !== undefined && !(typeof bad === 'object' && bad !== null && !Array.isArray(bad))) {
        expect(refusedOrValid(e, () => space.swapon(spare, bad as never), String)).toBe('refused');
      }
      for (const opt of ['priority', 'discard', 'clusterSize'] as const) {
        if (bad === undefined || (opt === 'priority' && bad === -1)) continue;
        expect(refusedOrValid(e, () => space.swapon(spare, { [opt]: bad } as never), String)).toBe(
          'refused',
        );
      }
      expect(refusedOrValid(e, () => space.swapoff(bad as number), String)).toBe('refused');
      if (bad !== undefined && typeof bad !== 'function') {
        expect(refusedOrValid(e, () => space.swapoff(0, bad as never), String)).toBe('refused');
      }
      if (typeof bad !== 'string') {
        expect(refusedOrValid(e, () => space.tiers.write(bad as string), String)).toBe('refused');
        expect(refusedOrValid(e, () => space.tiers.lookup(bad as string), String)).toBe('refused');
      }
      if (bad !== undefined && !(typeof bad === 'object' && bad !== null && !Array.isArray(bad))) {
        expect(() => createSwapSpace(bad as never)).toThrow(TieredStoreError);
        expect(() => createSwapTiers(bad as never)).toThrow(TieredStoreError);
      }
      if (bad !== undefined) {
        expect(throwsTyped(() => createSwapSpace({ pageSize: bad } as never))).toBe(true);
      }
      expect(() => toSwapSlot(bad as number, 0)).toThrow(TieredStoreError);
      expect(() => swapType(bad as SwapSlot)).toThrow(TieredStoreError);
    }
    // A device whose page size differs from the space's, or that is already on.
    const odd = FileDevice.create({
      path: join(dir, `odd${serial++}.swap`),
      slots: 4,
      pageSize: 512,
    });
    expect(refusedOrValid(e, () => space.swapon(odd), String)).toBe('refused');
    expect(refusedOrValid(e, () => space.swapon(e.devices[0]!), String)).toBe('refused');
    expect(refusedOrValid(e, () => space.swapoff(9), String)).toBe('refused');
    // The tiers file: longer than a page is E2BIG, as the kernel's kernfs answers.
    const before = snapshot(e);
    expect(space.tiers.write(`+x:5 ${' '.repeat(PAGE)}`)?.errno).toBe('E2BIG');
    expect(snapshot(e)).toBe(before);
    expect(() => registerTierFiles(e.files, space)).toThrow(/already defined/);
    expect(swapOffset(toSwapSlot(31, 2 ** 27 - 1))).toBe(2 ** 27 - 1);
    odd.close();
    spare.close();
    closeAll(e);
  });
});

function throwsTyped(f: () => unknown): boolean {
  try {
    f();
  } catch (err) {
    return err instanceof TieredStoreError && err.code === 'INVALID_ARGUMENT';
  }
  return false;
}

describe('a swap space without a memcg tree', () => {
  it('takes NO_GROUP as the root, checks group ids all the same, and charges nothing', () => {
    const space = createSwapSpace();
    const dev = file(4);
    space.swapon(dev);
    const s = space.store(0 as GroupId, new Uint8Array(PAGE)) as SwapSlot;
    expect(space.ownerOf(s)).toBe(1);
    for (const bad of [-1, 0.5, 2 ** 16, Number.NaN, '1', null]) {
      expect(() => space.store(bad as GroupId, new Uint8Array(PAGE))).toThrow(/group/);
    }
    expect(space.swaps()[0]!.used).toBe(1);
    space.free(s);
    expect(space.stats()).toMatchObject({ stores: 1, frees: 1 });
    dev.close();
  });
});

describe('swapoff with a failing callback or failing targets', () => {
  function two() {
    const { tree } = createMemcg();
    const space = createSwapSpace({ memcg: tree });
    const src = file(16);
    const dst = file(16);
    const tSrc = space.swapon(src, { priority: 9 });
    space.swapon(dst, { priority: 1 });
    const g = tree.create('/a');
    const pages = [1, 2, 3].map((v) => new Uint8Array(PAGE).fill(v));
    const slots = pages.map((p) => space.store(g, p) as SwapSlot);
    return { tree, space, src, dst, tSrc, g, pages, slots };
  }

  it('a throwing onMove leaves nothing half done: the page stays, the copy is given back', () => {
    const { tree, space, src, dst, tSrc, g, pages, slots } = two();
    let calls = 0;
    const err = (() => {
      try {
        space.swapoff(tSrc, () => {
          calls++;
          if (calls === 2) throw new Error('caller bug');
        });
      } catch (x) {
        return x as TieredStoreError;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(TieredStoreError);
    expect(err!.code).toBe('CALLBACK_FAILED');
    expect((err!.cause as Error).message).toBe('caller bug');
    // One page moved (its onMove returned), the second stayed where it was, the device is on.
    expect(space.swaps().map((d) => [d.type, d.used])).toEqual([
      [tSrc, 2],
      [1, 1],
    ]);
    expect(tree.usagePages(g, 'swap')).toBe(3);
    expect(tree.idRefs(g)).toBe(3);
    const out = new Uint8Array(PAGE);
    for (const i of [1, 2]) {
      space.load(slots[i]!, out);
      expect(out).toEqual(pages[i]);
    }
    // The device takes pages again, and a second swapoff finishes the job.
    expect(swapType(space.store(g, pages[0]!) as SwapSlot)).toBe(tSrc);
    expect(space.swapoff(tSrc)).toEqual({ ok: true, moved: 3 });
    expect(tree.usagePages(g, 'swap')).toBe(4);
    src.close();
    dst.close();
  });

  it('calls that change the table are refused from inside onMove; reads are allowed', () => {
    const { space, src, dst, tSrc, g, slots } = two();
    const seen: string[] = [];
    const r = space.swapoff(tSrc, (from, to) => {
      const out = new Uint8Array(PAGE);
      expect(space.load(to, out)).toBe(PAGE);
      expect(space.ownerOf(from)).toBe(g);
      for (const call of [
        () => space.free(from),
        () => space.store(g, out),
        () => space.swapoff(tSrc),
        () => space.swapon(file(4)),
      ]) {
        try {
          call();
          seen.push('allowed');
        } catch (e) {
          seen.push((e as TieredStoreError).code);
        }
      }
    });
    expect(r).toEqual({ ok: true, moved: slots.length });
    expect(new Set(seen)).toEqual(new Set(['BAD_STATE']));
    src.close();
    dst.close();
  });

  it('reports EIO (write_error), not ENOMEM, when the target has room but its writes fail', () => {
    const { tree } = createMemcg();
    const space = createSwapSpace({ memcg: tree });
    const src = file(16);
    const inner = file(16);
    let failing = false;
    const dst = new FaultInjectingDevice(inner, { failWrite: () => failing });
    const tSrc = space.swapon(src, { priority: 9 });
    space.swapon(dst, { priority: 1 });
    const g = tree.create('/a');
    space.store(g, new Uint8Array(PAGE));
    failing = true;
    const r = space.swapoff(tSrc);
    expect(r).toMatchObject({
      ok: false,
      errno: 'EIO',
      code: 'write_error',
      moved: 0,
      remaining: 1,
    });
    expect(isRefusal(r)).toBe(true);
    expect(space.swaps().map((d) => d.type)).toContain(tSrc);
    src.close();
    inner.close();
  });
});

describe('SwapSpace under arbitrary arguments (property)', () => {
  const slotArb = fc.oneof(
    nasty,
    fc.tuple(fc.nat(3), fc.nat(9)).map(([t, o]) => toSwapSlot(t, o)),
  );
  const groupArb = fc.oneof(nasty, fc.nat(5), fc.constant(2 ** 16));
  const pageArb = fc.oneof(
    nasty,
    fc.integer({ min: 1, max: PAGE }).map((n) => new Uint8Array(n).fill(n & 0xff)),
  );
  type Call = { op: string; a: unknown; b: unknown };
  const callArb: fc.Arbitrary<Call> = fc.oneof(
    fc.record({ op: fc.constant('store'), a: groupArb, b: pageArb }),
    fc.record({
      op: fc.constant('storeBatch'),
      a: groupArb,
      b: fc.oneof(nasty, fc.array(pageArb, { maxLength: 4 })),
    }),
    fc.record({
      op: fc.constant('load'),
      a: slotArb,
      b: fc.oneof(nasty, fc.constant(new Uint8Array(PAGE))),
    }),
    fc.record({
      op: fc.constantFrom('free', 'ownerOf', 'tierOf', 'deviceOf'),
      a: slotArb,
      b: fc.constant(0),
    }),
    fc.record({
      op: fc.constant('swapoff'),
      a: fc.oneof(nasty, fc.nat(3)),
      b: fc.constant(undefined),
    }),
    fc.record({
      op: fc.constant('latency'),
      a: fc.oneof(nasty, fc.constantFrom('slow', 'fast')),
      b: fc.oneof(nasty, fc.record({ readMicros: nasty, writeMicros: nasty })),
    }),
    fc.record({
      op: fc.constant('tiers'),
      a: fc.oneof(nasty, fc.constantFrom('+x:50', '-x', '+fast:7')),
      b: fc.constant(0),
    }),
  );

  it('every call returns a valid result or a typed error with the state unchanged', () => {
    const tally = { ok: 0, refused: 0 };
    fc.assert(
      fc.property(fc.array(callArb, { minLength: 5, maxLength: 40 }), (calls) => {
        const e = env();
        const { space, groups } = e;
        const g = (v: unknown) => (typeof v === 'number' && v >= 1 && v <= 3 ? groups[v - 1]! : v);
        const checkSlot = (r: unknown) => {
          if (REFUSALS.includes(r)) return;
          expect(typeof r).toBe('number');
          expect(space.load(r as SwapSlot, new Uint8Array(PAGE))).toBeGreaterThan(0);
        };
        for (const c of calls) {
          const result = refusedOrValid(
            e,
            (): unknown => {
              switch (c.op) {
                case 'store':
                  return space.store(g(c.a) as GroupId, c.b as Uint8Array);
                case 'storeBatch':
                  return space.storeBatch(g(c.a) as GroupId, c.b as Uint8Array[]);
                case 'load':
                  return space.load(c.a as SwapSlot, c.b as Uint8Array);
                case 'free':
                  return space.free(c.a as SwapSlot);
                case 'ownerOf':
                  return space.ownerOf(c.a as SwapSlot);
                case 'tierOf':
                  return space.tierOf(c.a as SwapSlot);
                case 'deviceOf':
                  return space.deviceOf(c.a as SwapSlot);
                case 'swapoff':
                  return space.swapoff(c.a as number);
                case 'latency':
                  return space.setTierLatency(c.a as string, c.b as never);
                default:
                  return space.tiers.write(c.a as string);
              }
            },
            (r) => {
              if (c.op === 'store') checkSlot(r);
              else if (c.op === 'storeBatch') (r as unknown[]).forEach(checkSlot);
              else if (c.op === 'load') expect(r).toBeGreaterThan(0);
              else if (c.op === 'swapoff') expect(typeof (r as { ok: boolean }).ok).toBe('boolean');
              else if (c.op === 'tiers') expect(r === undefined || isRefusal(r)).toBe(true);
            },
          );
          tally[result]++;
          // Whatever happened, the books balance: one charge per used slot.
          const used = space.swaps().reduce((n, d) => n + d.used, 0);
          expect(e.tree.usagePages(e.tree.root, 'swap')).toBe(used);
        }
        closeAll(e);
      }),
      { numRuns: 60 },
    );
    expect(tally.ok).toBeGreaterThan(50);
    expect(tally.refused).toBeGreaterThan(200);
  });
});
