import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRefusal } from '@tierswap/base';
import { createMemcg } from '@tierswap/memcg';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultInjectingDevice } from './faultInjectingDevice.js';
import { FileDevice } from './fileDevice.js';
import { SqliteDevice } from './sqliteDevice.js';
import { createSwapSpace } from './swapSpace.js';
import { registerTierFiles } from './tierFiles.js';
import type { SwapSlot } from './types.js';
import { swapType } from './types.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tierswap-prop-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

type Op =
  | { kind: 'store'; group: number; len: number; seed: number }
  | { kind: 'storeBatch'; group: number; count: number; seed: number }
  | { kind: 'free'; pick: number }
  | { kind: 'mask'; group: number; tier: 'fast' | 'slow'; on: boolean }
  | { kind: 'swapoff'; pick: number }
  | { kind: 'rmdir'; group: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('storeBatch' as const),
      group: fc.nat(2),
      count: fc.integer({ min: 1, max: 40 }),
      seed: fc.nat(255),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('store' as const),
      group: fc.nat(2),
      len: fc.integer({ min: 1, max: 4096 }),
      seed: fc.nat(255),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('free' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('mask' as const),
      group: fc.nat(2),
      tier: fc.constantFrom('fast' as const, 'slow' as const),
      on: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('swapoff' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rmdir' as const), group: fc.nat(2) }) },
);

function pageOf(len: number, seed: number): Uint8Array {
  const p = new Uint8Array(len);
  for (let i = 0; i < len; i++) p[i] = (seed * 31 + i * 7) & 0xff;
  return p;
}

describe('SwapSpace under random operations (property)', () => {
  it('every stored page reads back intact, charges match, tier masks are obeyed', () => {
    let run = 0;
    // Guards against a vacuous property: the runs must actually store, move and refuse.
    const seen = { stored: 0, moved: 0, refused: 0, writeErrors: 0 };
    fc.assert(
      fc.property(fc.array(op, { minLength: 20, maxLength: 80 }), (ops) => {
        const { tree, files } = createMemcg();
        const space = createSwapSpace({ memcg: tree });
        registerTierFiles(files, space);
        space.tiers.write('+slow:-1 +fast:100');
        const devices = [
          FileDevice.create({
            path: join(dir, `p${run}-a.swap`),
            slots: 16,
            preallocate: 'sparse',
          }),
          new FaultInjectingDevice(
            FileDevice.create({
              path: join(dir, `p${run}-b.swap`),
              slots: 16,
              preallocate: 'sparse',
            }),
            {
              failWrite: (n) => n % 7 === 0,
            },
          ),
          SqliteDevice.open({ path: join(dir, `p${run}-c.db`), slots: 32 }),
        ];
        run++;
        const prios = [200, 200, 10];
        const active = new Map<number, number>(); // device index -> type
        for (const [i, d] of devices.entries())
          active.set(i, space.swapon(d, { priority: prios[i]! }));
        const groups = [tree.create('/g0'), tree.create('/g1'), tree.create('/g1/g2')];
        const alive = [true, true, true];
        const live = new Map<SwapSlot, { data: Uint8Array; group: number }>();
        for (const o of ops) {
          if (o.kind === 'store') {
            if (!alive[o.group]) continue;
            const g = groups[o.group]!;
            const data = pageOf(o.len, o.seed);
            const s = space.store(g, data);
            if (isRefusal(s)) {
              seen.refused++;
              continue;
            }
            seen.stored++;
            // Placement obeys the effective mask: fast devices are types of index 0/1.
            const mask = tree.effectiveTierMask(g);
            const tier = space.tierOf(s);
            expect(((mask >>> space.tiers.lookup(tier)!) & 1) === 1).toBe(true);
            live.set(s, { data, group: o.group });
          } else if (o.kind === 'storeBatch') {
            if (!alive[o.group]) continue;
            const g = groups[o.group]!;
            const pages = Array.from({ length: o.count }, (_, k) =>
              pageOf(1 + ((o.seed * 97 + k * 131) % 4096), o.seed + k),
            );
            const out = space.storeBatch(g, pages);
            expect(out.length).toBe(o.count);
            for (let k = 0; k < o.count; k++) {
              const r = out[k]!;
              if (isRefusal(r)) {
                seen.refused++;
                continue;
              }
              seen.stored++;
              live.set(r, { data: pages[k]!, group: o.group });
            }
          } else if (o.kind === 'free') {
            const keys = [...live.keys()];
            if (keys.length === 0) continue;
            const s = keys[o.pick % keys.length]!;
            space.free(s);
            live.delete(s);
          } else if (o.kind === 'mask') {
            if (!alive[o.group]) continue;
            files.writeOrThrow(
              groups[o.group]!,
              'memory.swap.tiers.max',
              `${o.tier} ${o.on ? 'max' : '0'}`,
            );
          } else if (o.kind === 'swapoff') {
            const idx = [...active.keys()];
            if (idx.length <= 1) continue;
            const which = idx[o.pick % idx.length]!;
            const type = active.get(which)!;
            const moves: [SwapSlot, SwapSlot][] = [];
            const r = space.swapoff(type, (from, to) => moves.push([from, to]));
            seen.moved += moves.length;
            for (const [from, to] of moves) {
              const v = live.get(from)!;
              live.delete(from);
              live.set(to, v);
            }
            if (r.ok) {
              active.delete(which);
              for (const s of live.keys()) expect(swapType(s)).not.toBe(type);
            }
          } else if (o.kind === 'rmdir') {
            // Leaves only; /g1 has a child while /g1/g2 lives.
            if (!alive[o.group] || (o.group === 1 && alive[2])) continue;
            expect(tree.rmdir(groups[o.group]!)).toBeUndefined();
            alive[o.group] = false;
          }
        }
        const out = new Uint8Array(4096);
        for (const [s, { data }] of live) {
          const len = space.load(s, out);
          expect(len).toBe(data.length);
          expect(Buffer.from(out.subarray(0, len)).equals(Buffer.from(data))).toBe(true);
        }
        expect(tree.usagePages(tree.root, 'swap')).toBe(live.size);
        expect(space.swaps().reduce((n, d) => n + d.used, 0)).toBe(live.size);
        for (const s of [...live.keys()]) space.free(s);
        expect(tree.usagePages(tree.root, 'swap')).toBe(0);
        seen.writeErrors += space.stats().writeErrors;
        for (const d of devices) d.close();
      }),
      { numRuns: 40 },
    );
    expect(seen.stored, JSON.stringify(seen)).toBeGreaterThan(200);
    expect(seen.moved).toBeGreaterThan(10);
    expect(seen.refused).toBeGreaterThan(0);
    expect(seen.writeErrors).toBeGreaterThan(0);
  });
});
