/**
 * Every public entry point of the pool validates its arguments (issue 11): a page that
 * is not a Uint8Array of the page size (a DataView, a Uint16Array, a short array) is
 * refused with ZswapError and never stored (a DataView used to be stored as stale arena
 * bytes, so a later load returned another group's freed page); ids that are not u32s
 * and groups the tree does not know are refused; refused options and tunables apply
 * nothing. A property test throws arbitrary values at each entry point: a call either
 * returns a valid result or throws ZswapError having changed nothing.
 */

import { createVirtualClock, isRefusal, showValue } from '@tierswap/base';
import { hostileBuffers, hostileValue, textPages } from '@tierswap/bench-kit';
import { createCodec } from '@tierswap/compress';
import { createMemcg, type GroupId } from '@tierswap/memcg';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type FileWritebackTarget, testPool } from './testing/fixtures.js';
import { ZswapError } from './zswapError.js';
import { createZswapPool, type ZswapPool } from './zswapPool.js';

const targets: FileWritebackTarget[] = [];
afterEach(() => {
  for (const t of targets.splice(0)) t.close();
});

function setup() {
  const f = testPool(createCodec('lz4'), {}, 1024);
  targets.push(f.target);
  return f;
}

describe('pages that are not a Uint8Array of one page', () => {
  it('a DataView is refused and never returns another group stale bytes', () => {
    const { pool, groups } = setup();
    const secret = textPages(1)[0]!;
    expect(pool.store(1, groups.b, secret)).toBe('stored');
    const out = new Uint8Array(4096);
    expect(pool.load(1, out)).toBe(true); // the arena now holds freed bytes of /a/b
    const view = new DataView(new ArrayBuffer(4096));
    for (const page of [
      view,
      new Uint16Array(2048),
      new Float64Array(512),
      new Uint8Array(4095),
      new Uint8Array(4097),
      view.buffer,
      'x'.repeat(4096),
      null,
    ]) {
      expect(() => pool.store(2, groups.c, page as Uint8Array), String(page)).toThrow(
        /the page must be a Uint8Array of 4096 bytes/,
      );
    }
    expect(pool.has(2)).toBe(false);
    expect(pool.stats().stored_pages).toBe(0);
    expect(pool.zswapCurrent(groups.root)).toBe(0);
    // A Buffer is a Uint8Array: fine.
    expect(pool.store(3, groups.c, Buffer.from(secret))).toBe('stored');
    expect(() => pool.load(3, new DataView(new ArrayBuffer(4096)) as never)).toThrow(ZswapError);
    expect(pool.has(3)).toBe(true);
  });
});

describe('options, tunables and hints', () => {
  it('a refused setTunables applies nothing', () => {
    const { pool } = setup();
    const before = [pool.maxPoolBytes, pool.acceptThresholdBytes];
    expect(() => pool.setTunables({ ramBytes: 1 << 20, maxPoolPercent: 101 })).toThrow(
      /maxPoolPercent must be a number in 0\.\.100, got 101/,
    );
    expect(() => pool.setTunables({ maxPoolPercent: 50, shrinkerEnabled: 'yes' as never })).toThrow(
      ZswapError,
    );
    expect(() => pool.setTunables({ maxCompressedBytes: 2990.5 })).toThrow(ZswapError);
    expect(() => pool.setTunables({ ramBytes: Number.NaN })).toThrow(ZswapError);
    expect([pool.maxPoolBytes, pool.acceptThresholdBytes]).toEqual(before);
  });

  it('initialCapacity NaN and other bad options are refused at construction', () => {
    const { tree } = createMemcg();
    const base = {
      codec: createCodec('lz4'),
      memcg: tree,
      clock: createVirtualClock(),
      ramBytes: 1 << 30,
    };
    for (const bad of [
      { initialCapacity: Number.NaN },
      { initialCapacity: 0 },
      { initialCapacity: 2 ** 40 },
      { zsChainSize: 3 },
      { arenaCacheBytes: -1 },
      { ramBytes: 0 },
      { maxCompressedBytes: 4096 },
      { memcg: {} },
      { clock: null },
      { writeback: { reserve: () => 0 } },
    ]) {
      expect(() => createZswapPool({ ...base, ...(bad as object) }), JSON.stringify(bad)).toThrow(
        ZswapError,
      );
    }
    // A valid small capacity still stores and loads.
    const pool = createZswapPool({ ...base, initialCapacity: 1 });
    const g = tree.create('/g');
    const pages = textPages(100);
    pages.forEach((p, i) => {
      expect(pool.store(i, g, p)).toBe('stored');
    });
    const out = new Uint8Array(4096);
    for (const [i, p] of pages.entries()) {
      expect(pool.load(i, out)).toBe(true);
      expect(Buffer.compare(out, p)).toBe(0);
    }
  });

  it('noteDiskSwapin(Infinity) and other non-groups are refused', () => {
    const { pool } = setup();
    for (const bad of [Number.POSITIVE_INFINITY, Number.NaN, -1, 0, 1.5, 70000, 9]) {
      expect(() => pool.noteDiskSwapin(bad as GroupId)).toThrow(
        /memcg must be a group of the tree/,
      );
      expect(() => pool.shrinkerCount(bad as GroupId)).toThrow(ZswapError);
      expect(() => pool.store(1, bad as GroupId, new Uint8Array(4096))).toThrow(ZswapError);
    }
    for (const bad of [-1, 2 ** 32, 1.5, Number.NaN, '1']) {
      expect(() => pool.load(bad as number, new Uint8Array(4096))).toThrow(
        /entry id must be a u32/,
      );
      expect(() => pool.invalidate(bad as number)).toThrow(ZswapError);
      expect(() => pool.writeback(bad as number)).toThrow(ZswapError);
    }
  });
});

// ---------------------------------------------------------------- property

function snapshot(pool: ZswapPool, groups: readonly GroupId[]): unknown {
  return {
    stats: pool.stats(),
    bytes: pool.compressedBytes,
    limits: [pool.maxPoolBytes, pool.acceptThresholdBytes, pool.reachedFull],
    codec: pool.compressor,
    groups: groups.map((g) => [pool.zswapCurrent(g), pool.lruLength(g), pool.memcgStats(g)]),
    has: [0, 1, 2, 3, 4, 5].map((id) => pool.lengthOf(id)),
  };
}

const PAGES = textPages(4);
const anything = fc.oneof(
  hostileValue({ min: -2, max: 8, edges: [70000] }),
  fc.string({ maxLength: 6 }),
  fc.constantFrom(...hostileBuffers(4096), new Uint8Array(100), ...PAGES),
  fc.record({ memcg: fc.integer({ min: 0, max: 5 }), maxBytes: fc.oneof(fc.nat(), fc.double()) }),
  fc.record({
    maxPoolPercent: fc.oneof(fc.integer({ min: -5, max: 120 }), fc.double()),
    ramBytes: fc.oneof(fc.nat(), fc.double()),
  }),
);

type Call = [string, unknown[]];
const callArb: fc.Arbitrary<Call> = fc.oneof(
  fc.tuple(
    fc.constant('store'),
    fc.tuple(
      fc.oneof(fc.nat(5), anything),
      fc.oneof(fc.integer({ min: 1, max: 4 }), anything),
      fc.oneof(fc.constantFrom(...PAGES), anything),
    ),
  ),
  fc.tuple(
    fc.constant('load'),
    fc.tuple(fc.oneof(fc.nat(5), anything), fc.oneof(fc.constant(new Uint8Array(4096)), anything)),
  ),
  fc.tuple(
    fc.constantFrom('invalidate', 'has', 'lengthOf', 'writeback'),
    fc.tuple(fc.oneof(fc.nat(5), anything)),
  ),
  fc.tuple(
    fc.constantFrom('noteDiskSwapin', 'shrinkerCount', 'memcgStats', 'zswapCurrent', 'lruLength'),
    fc.tuple(fc.oneof(fc.integer({ min: 1, max: 4 }), anything)),
  ),
  fc.tuple(
    fc.constant('shrinkerScan'),
    fc.tuple(fc.oneof(fc.integer({ min: 1, max: 4 }), anything), anything),
  ),
  fc.tuple(
    fc.constantFrom('proactiveWriteback', 'setTunables', 'setCompressor'),
    fc.tuple(anything),
  ),
);

describe('every entry point, arbitrary values', () => {
  it('property: a call returns a valid result or throws ZswapError with nothing changed', () => {
    fc.assert(
      fc.property(fc.array(callArb, { maxLength: 25 }), (calls) => {
        const { pool, memcg, groups, target } = setup();
        const all = [groups.root, groups.a, groups.b, groups.c];
        const model = new Map<number, Uint8Array>();
        const out = new Uint8Array(4096);
        for (const [name, args] of calls) {
          const before = snapshot(pool, all);
          const written = target.written.length;
          let r: unknown;
          try {
            r = (pool as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!.apply(
              pool,
              args,
            );
          } catch (e) {
            expect(e, `${name}(${args.map(showValue).join(', ')})`).toBeInstanceOf(ZswapError);
            expect(snapshot(pool, all)).toEqual(before);
            expect(target.written.length).toBe(written);
            continue;
          }
          const id = args[0] as number;
          if (name === 'store') {
            expect(['stored', 'stored_raw'].includes(r as string) || isRefusal(r)).toBe(true);
            if (isRefusal(r)) model.delete(id);
            else model.set(id, (args[2] as Uint8Array).slice());
          } else if (name === 'load' || name === 'invalidate') {
            expect(r === true || r === false || isRefusal(r)).toBe(true);
            if (name === 'load' && r === true) {
              expect(Buffer.compare(args[1] as Uint8Array, model.get(id)!)).toBe(0);
            }
            model.delete(id);
          }
          // What was written back left the pool with its bytes.
          for (const w of target.written.slice(written)) {
            expect(Buffer.compare(target.read(w)!, model.get(w)!)).toBe(0);
            model.delete(w);
          }
          expect(pool.stats().stored_pages).toBe(model.size);
        }
        for (const [id, want] of model) {
          expect(pool.load(id, out)).toBe(true);
          expect(Buffer.compare(out, want)).toBe(0);
        }
        expect(memcg.tree.usagePages(groups.root, 'zswap')).toBe(0);
        expect(memcg.tree.idRefs(groups.b) + memcg.tree.idRefs(groups.c)).toBe(0);
      }),
      { numRuns: 150 },
    );
  });
});
