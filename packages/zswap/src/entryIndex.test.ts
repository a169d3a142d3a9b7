/**
 * Property test of the id -> index hash table against a Map under churn and growth.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntryIndex } from './entryIndex.js';

describe('EntryIndex', () => {
  it('property: behaves like a Map under insert/remove churn with growth, however entries are removed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 300 }), fc.nat(3)), {
          maxLength: 2000,
        }),
        (ops) => {
          const ids = new Uint32Array(4096);
          const idx = new EntryIndex(ids, 16);
          const model = new Map<number, number>();
          const freeSlots: number[] = [];
          let next = 0;
          for (const [ins, key, how] of ops) {
            const id = key * 2654435761; // spread over the u32 range, with collisions mod table size
            const k = id >>> 0;
            if (ins && !model.has(k)) {
              const slot = freeSlots.pop() ?? next++;
              ids[slot] = k;
              idx.insert(k, slot);
              model.set(k, slot);
            } else if (!ins && model.has(k)) {
              // Remove by id, or as a load does: get() then removeIndex() (how 1), or
              // removeIndex() after an unrelated get() (how 2: the remembered slot is stale).
              if (how === 0) expect(idx.remove(k)).toBe(model.get(k));
              else {
                if (how === 1) expect(idx.get(k)).toBe(model.get(k));
                else idx.get(0xfffffffe);
                idx.removeIndex(model.get(k)!);
                expect(idx.get(k)).toBe(-1);
              }
              freeSlots.push(model.get(k)!);
              model.delete(k);
            } else if (!ins) {
              expect(idx.remove(k)).toBe(-1);
            }
          }
          expect(idx.size).toBe(model.size);
          for (const [k, v] of model) expect(idx.get(k)).toBe(v);
          expect(idx.get(0xfffffffe)).toBe(-1);
        },
      ),
      { numRuns: 100 },
    );
  });
});
