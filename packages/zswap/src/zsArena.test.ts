/**
 * Tests of the zsmalloc-like arena: size classes and chain lengths, packing of real
 * bytes, compaction with owner updates, and a property test against a Map model.
 */

import { filePages, NODE_BINARY } from '@tierswap/bench-kit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ZsArena } from './zsArena.js';

describe('ZsArena size classes', () => {
  it('steps by pageSize >> 8 with a 32 B minimum and picks the least-waste chain length', () => {
    const a = new ZsArena(4096);
    expect(a.classStep).toBe(16);
    expect(a.classSize(a.classOf(1))).toBe(32);
    expect(a.classSize(a.classOf(33))).toBe(48);
    expect(a.classSize(a.classOf(4096))).toBe(4096);
    // 3264 B objects: 1 page wastes 20%, 4 pages hold 5 objects with 0.4% waste.
    expect(a.classPages(a.classOf(3264))).toBe(4);
    expect(a.classPages(a.classOf(4096))).toBe(1);
    expect(a.classPages(a.classOf(2048))).toBe(1);
    // CONFIG_ZSMALLOC_CHAIN_SIZE=16 lets classes use longer zspages to waste less.
    const long = new ZsArena(4096, { chainSize: 16 });
    expect(long.classPages(long.classOf(3008))).toBeGreaterThan(a.classPages(a.classOf(3008)));
    const h = long.alloc(32, 5);
    expect(long.ownerOf(h)).toBe(5);
    expect(() => new ZsArena(4096, { chainSize: 17 })).toThrow(/chain size 17/);
    const big = new ZsArena(16384);
    expect(big.classStep).toBe(64);
    expect(big.classSize(big.classOf(1))).toBe(128);
  });

  it('picks chain lengths by fewest wasted bytes and merges classes like zs_create_pool()', () => {
    // The kernel commit that moved to wasted bytes: class 208 wastes 16 B with 3 pages
    // (the old percentage rule took 2 pages, 80 B).
    const a = new ZsArena(4096);
    expect(a.classPages(a.classOf(208))).toBe(3);
    // Documentation/mm/zsmalloc.rst, chain size 4: classes 1552..1616 merge into 1632
    // (2 pages, 5 objects), so a 1568 B object takes a 1632 B slot; 1536 keeps its own.
    const four = new ZsArena(4096, { chainSize: 4 });
    expect(four.classSize(four.classOf(1568))).toBe(1632);
    expect(four.classPages(four.classOf(1568))).toBe(2);
    expect(four.classSize(four.classOf(1536))).toBe(1536);
    // With 8 pages 1568 B has a better zspage of its own (5 pages, 13 objects, 96 B tail).
    expect(a.classSize(a.classOf(1568))).toBe(1568);
    expect(a.classPages(a.classOf(1568))).toBe(5);
    // Merged sizes share zspages: 3008 B and 3072 B objects (3 pages, 4 objects) in one.
    const h1 = a.alloc(3008, 1);
    const h2 = a.alloc(3072, 2);
    expect(a.bufferOf(h1)).toBe(a.bufferOf(h2));
    expect(a.stats().footprintBytes).toBe(3 * 4096);
  });

  it('builds the table zs_create_pool() would: every size fits, merged sizes share page and object counts', () => {
    for (const chain of [4, 8, 16]) {
      const a = new ZsArena(4096, { chainSize: chain });
      const waste = (size: number, k: number): number => (k * 4096) % size;
      for (let size = 32; size <= 4096; size += 16) {
        const cls = a.classOf(size);
        const rep = a.classSize(cls);
        const pages = a.classPages(cls);
        const objs = Math.floor((pages * 4096) / rep);
        expect(rep).toBeGreaterThanOrEqual(size);
        expect(pages).toBeGreaterThanOrEqual(1);
        expect(pages).toBeLessThanOrEqual(chain);
        // The size's own best zspage (fewest wasted bytes, first such length) has the
        // same page and object counts as the class it uses: merging cost nothing.
        let own = 1;
        if ((size & (size - 1)) !== 0) {
          for (let k = 2; k <= chain; k++) if (waste(size, k) < waste(size, own)) own = k;
        }
        expect(own).toBe(pages);
        expect(Math.floor((own * 4096) / size)).toBe(objs);
      }
    }
  });

  it('reports the huge class size: from there on an object costs a whole page', () => {
    // Chain 8: 9 objects of 3632 B fit in 8 pages; 3648 B fits no better than 1 a page.
    const a = new ZsArena(4096);
    expect(a.hugeClassSize).toBe(3633);
    expect(a.classPages(a.classOf(3632))).toBe(8);
    expect(a.classPages(a.classOf(3633))).toBe(1);
    const h1 = a.alloc(3633, 1);
    const h2 = a.alloc(3633, 2);
    expect(a.stats().footprintBytes).toBe(2 * 4096);
    expect(a.bufferOf(h1)).not.toBe(a.bufferOf(h2));
    // The older kernel default of 4 pages (zram's huge_class_size of ~3264) and the maximum of 16.
    expect(new ZsArena(4096, { chainSize: 4 }).hugeClassSize).toBe(3265);
    expect(new ZsArena(4096, { chainSize: 16 }).hugeClassSize).toBe(3841);
  });
});

describe('ZsArena', () => {
  it('packs real compressed-size objects, never returns handle 0, keeps bytes intact', () => {
    const a = new ZsArena(4096);
    const pages = filePages(NODE_BINARY, 4096, 50, 64);
    const handles: number[] = [];
    const sizes: number[] = [];
    for (let i = 0; i < pages.length; i++) {
      const size = 40 + ((i * 997) % 4000);
      const h = a.alloc(size, i);
      expect(h).toBeGreaterThan(0);
      a.bufferOf(h).set(pages[i]!.subarray(0, size), a.offsetOf(h));
      handles.push(h);
      sizes.push(size);
    }
    expect(new Set(handles).size).toBe(handles.length);
    for (let i = 0; i < pages.length; i++) {
      const h = handles[i]!;
      const off = a.offsetOf(h);
      expect(
        Buffer.compare(
          a.bufferOf(h).subarray(off, off + sizes[i]!),
          pages[i]!.subarray(0, sizes[i]!),
        ),
      ).toBe(0);
      expect(a.ownerOf(h)).toBe(i);
    }
    const st = a.stats();
    expect(st.liveObjects).toBe(64);
    expect(st.requestedBytes).toBe(sizes.reduce((x, y) => x + y, 0));
    expect(st.footprintBytes).toBeGreaterThanOrEqual(st.slotBytes);
    for (let i = 0; i < handles.length; i++) a.free(handles[i]!, sizes[i]!);
    expect(() => a.free(handles[0]!, sizes[0]!)).toThrow(/not a live object/);
    // handles that are not u32 integers never alias a live object
    const live = a.alloc(100, 7);
    for (const bad of [0, -1, live + 2 ** 32, live + 0.5, Number.NaN]) {
      expect(() => a.free(bad, 100)).toThrow(/not a live object/);
    }
    expect(a.ownerOf(live)).toBe(7);
    a.free(live, 100);
    a.compact(() => undefined);
    expect(a.stats().footprintBytes).toBe(0);
    expect(a.stats().zspages).toBe(0);
  });

  it('compaction moves objects from sparse zspages into full ones and reports new handles', () => {
    const a = new ZsArena(4096);
    const size = 1000; // class 1008 B, 4 objects per 1-page zspage
    const owners = new Map<number, number>(); // owner -> handle
    for (let i = 0; i < 40; i++) {
      const h = a.alloc(size, i);
      new DataView(a.bufferOf(h).buffer).setUint32(a.offsetOf(h), i * 7919, true);
      owners.set(i, h);
    }
    const before = a.stats().zspages;
    // Free 3 of every 4: each zspage keeps one object.
    for (let i = 0; i < 40; i++) {
      if (i % 4 !== 0) {
        a.free(owners.get(i)!, size);
        owners.delete(i);
      }
    }
    expect(a.stats().zspages).toBe(before);
    const moved: [number, number][] = [];
    const released = a.compact((owner, h) => moved.push([owner, h]));
    for (const [o, h] of moved) owners.set(o, h);
    expect(released).toBeGreaterThan(0);
    expect(a.stats().zspages).toBe(Math.ceil(10 / 4));
    for (const [o, h] of owners) {
      expect(a.ownerOf(h)).toBe(o);
      expect(new DataView(a.bufferOf(h).buffer).getUint32(a.offsetOf(h), true)).toBe(o * 7919);
    }
  });

  it('property: random alloc/free/compact keeps every live object intact and leaks nothing', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({
              op: fc.constant('alloc' as const),
              size: fc.integer({ min: 1, max: 4096 }),
            }),
            fc.record({ op: fc.constant('free' as const), pick: fc.nat() }),
            fc.record({ op: fc.constant('compact' as const) }),
          ),
          { maxLength: 300 },
        ),
        (ops) => {
          const a = new ZsArena(4096);
          const live = new Map<number, { h: number; size: number; tag: number }>();
          let nextOwner = 0;
          const check = (): void => {
            for (const [owner, o] of live) {
              expect(a.ownerOf(o.h)).toBe(owner);
              const buf = a.bufferOf(o.h);
              const off = a.offsetOf(o.h);
              expect(buf[off]).toBe(o.tag);
              expect(buf[off + o.size - 1]).toBe(o.tag);
            }
          };
          for (const op of ops) {
            if (op.op === 'alloc') {
              const owner = nextOwner++;
              const h = a.alloc(op.size, owner);
              const tag = (owner * 31 + 7) & 255;
              const off = a.offsetOf(h);
              a.bufferOf(h).fill(tag, off, off + op.size);
              live.set(owner, { h, size: op.size, tag });
            } else if (op.op === 'free' && live.size > 0) {
              const keys = [...live.keys()];
              const owner = keys[op.pick % keys.length]!;
              const o = live.get(owner)!;
              a.free(o.h, o.size);
              live.delete(owner);
            } else if (op.op === 'compact') {
              a.compact((owner, h) => {
                live.get(owner)!.h = h;
              });
            }
          }
          check();
          let req = 0;
          for (const o of live.values()) req += o.size;
          expect(a.stats().requestedBytes).toBe(req);
          expect(a.stats().liveObjects).toBe(live.size);
          for (const o of live.values()) a.free(o.h, o.size);
          a.compact(() => undefined);
          expect(a.stats().footprintBytes).toBe(0);
        },
      ),
      { numRuns: 120 },
    );
  });
});
