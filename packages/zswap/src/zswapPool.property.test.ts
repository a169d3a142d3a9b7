/**
 * Property test of the whole pool against a Map model: random store / load / invalidate /
 * writeback / shrink / compact sequences with lz4 or zstd; loads return the stored
 * bytes and nothing is left in the arena, the tree's charges or its id references at
 * the end.
 */

import { createVirtualClock } from '@tierswap/base';
import { entropyPage, filePages, NODE_BINARY, textPages } from '@tierswap/bench-kit';
import { createCodec } from '@tierswap/compress';
import { createMemcg } from '@tierswap/memcg';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LOAD_REFUSALS } from './refusals.js';
import { FileWritebackTarget } from './testing/fixtures.js';
import { createZswapPool } from './zswapPool.js';

// Real pages of every kind the pool meets: text, code/data, incompressible, zero.
const CORPUS = [
  ...textPages(8),
  ...filePages(NODE_BINARY, 4096, 7000, 8),
  entropyPage(4096, 8, 0, 1),
  entropyPage(4096, 8, 0.5, 2),
  new Uint8Array(4096),
];

type Op =
  | { t: 'store'; id: number; memcg: 0 | 1; page: number }
  | { t: 'load'; id: number }
  | { t: 'invalidate'; id: number }
  | { t: 'writeback'; id: number }
  | { t: 'shrink'; memcg: 0 | 1; n: number }
  | { t: 'compact' }
  | { t: 'tick' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant('store' as const),
      id: fc.nat(40),
      memcg: fc.constantFrom(0 as const, 1 as const),
      page: fc.nat(CORPUS.length - 1),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('load' as const), id: fc.nat(40) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('invalidate' as const), id: fc.nat(40) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('writeback' as const), id: fc.nat(40) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('shrink' as const),
      memcg: fc.constantFrom(0 as const, 1 as const),
      n: fc.integer({ min: 1, max: 8 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ t: 'compact' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'tick' as const }) },
);

describe('ZswapPool against a Map model', () => {
  it('property: every load returns the stored bytes, writeback writes them, no arena space leaks', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 120 }),
        fc.boolean(),
        fc.constantFrom('lz4', 'zstd'),
        (ops, wbOn2, kind) => {
          const { tree } = createMemcg();
          const a = tree.create('/a');
          const groups = [tree.create('/a/b'), tree.create('/a/c')] as const;
          tree.setZswapWriteback(groups[1], wbOn2);
          const clock = createVirtualClock(1_000_000);
          const target = new FileWritebackTarget(4096, 4096);
          // A small pool (40 KiB max) so the limit and the raw path both happen.
          const pool = createZswapPool({
            codec: kind === 'zstd' ? createCodec('zstd', { level: 1 }) : createCodec('lz4'),
            memcg: tree,
            clock,
            ramBytes: 200 * 1024,
            writeback: target,
            maxCompressedBytes: 2990,
          });
          const model = new Map<number, Uint8Array>();
          const out = new Uint8Array(4096);
          try {
            for (const op of ops) {
              switch (op.t) {
                case 'store': {
                  const page = CORPUS[op.page]!;
                  const r = pool.store(op.id, groups[op.memcg], page);
                  if (r === 'stored' || r === 'stored_raw') model.set(op.id, CORPUS[op.page]!);
                  else model.delete(op.id); // a failed store erases the stale entry
                  if (r === 'stored_raw') expect(pool.lengthOf(op.id)).toBe(4096);
                  break;
                }
                case 'load': {
                  const r = pool.load(op.id, out);
                  const want = model.get(op.id);
                  expect(r).toBe(want ? true : LOAD_REFUSALS.not_found);
                  if (want) expect(Buffer.compare(out, want)).toBe(0);
                  model.delete(op.id);
                  break;
                }
                case 'invalidate':
                  expect(pool.invalidate(op.id)).toBe(model.delete(op.id));
                  break;
                case 'writeback': {
                  const r = pool.writeback(op.id);
                  const want = model.get(op.id);
                  expect(r).toBe(want ? true : LOAD_REFUSALS.not_found);
                  if (want) expect(Buffer.compare(target.read(op.id)!, want)).toBe(0);
                  model.delete(op.id);
                  break;
                }
                case 'shrink': {
                  const before = target.written.length;
                  pool.shrinkerScan(groups[op.memcg], op.n);
                  for (const id of target.written.slice(before)) {
                    expect(Buffer.compare(target.read(id)!, model.get(id)!)).toBe(0);
                    model.delete(id);
                  }
                  break;
                }
                case 'compact':
                  pool.compact();
                  break;
                case 'tick':
                  clock.advance(1000);
                  break;
              }
              expect(pool.stats().stored_pages).toBe(model.size);
            }
            // Everything still stored reads back, and then nothing is left anywhere.
            for (const [id, want] of model) {
              expect(pool.load(id, out)).toBe(true);
              expect(Buffer.compare(out, want)).toBe(0);
            }
            const st = pool.stats();
            expect(st.stored_pages).toBe(0);
            expect(st.stored_incompressible_pages).toBe(0);
            expect(pool.compressedBytes).toBe(0);
            expect(pool.zswapCurrent(tree.root)).toBe(0);
            expect(pool.zswapCurrent(a)).toBe(0);
            expect(pool.lruLength(groups[0]) + pool.lruLength(groups[1])).toBe(0);
            // Every entry's id reference was dropped.
            expect(tree.idRefs(groups[0]) + tree.idRefs(groups[1])).toBe(0);
            expect(pool.arenaStats().liveObjects).toBe(0);
            pool.compact();
            expect(pool.stats().pool_total_size).toBe(0);
            expect(target.reservedCount).toBe(0);
          } finally {
            target.close();
          }
        },
      ),
      { numRuns: 80 },
    );
  });
});
