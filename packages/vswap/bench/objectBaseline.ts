/**
 * The baseline for the vswap benchmark: the same operations with one JS object per entry,
 * kept in a Map, and a Map for the reverse map. This is the "obvious" userspace design,
 * the JS analogue of RFC v1's 64-byte `swp_desc` with its separate fields and refcounts;
 * the benchmark measures what the typed-array layout buys over it.
 *
 * Semantics are the subset the benchmark drives (alloc, lookup, transfer, put with a
 * release callback, per-memcg PHYS charge); no swap cache and no misuse checks beyond the
 * ones a careful implementation would still pay for (a Map lookup per call).
 */

import type { BackendWord, ReleaseCallback, SwapEntry } from '../src/index.js';
import { BackendTag, backendTag, physDevice, physSlot } from '../src/index.js';

interface Descriptor {
  backend: BackendWord;
  count: number;
  memcg: number;
  inCache: boolean;
}

export class ObjectVirtualSwap {
  private readonly entries = new Map<number, Descriptor>();
  private readonly rmap = new Map<number, number>();
  private readonly freeIds: number[] = [];
  private readonly physByMemcg = new Map<number, number>();
  private nextId = 0;

  constructor(private readonly onRelease: ReleaseCallback) {}

  get live(): number {
    return this.entries.size;
  }

  alloc(memcg: number): SwapEntry {
    const id = this.freeIds.length > 0 ? this.freeIds.pop()! : this.nextId++;
    this.entries.set(id, { backend: 0 as BackendWord, count: 1, memcg, inCache: false });
    return id as SwapEntry;
  }

  lookup(entry: SwapEntry): BackendWord {
    const d = this.entries.get(entry);
    if (d === undefined) throw new Error(`lookup: entry ${entry} is not allocated`);
    return d.backend;
  }

  transfer(entry: SwapEntry, next: BackendWord): boolean {
    const d = this.entries.get(entry);
    if (d === undefined) throw new Error(`transfer: entry ${entry} is not allocated`);
    const old = d.backend;
    if (backendTag(next) === BackendTag.PHYS) {
      const key = physDevice(next) * 2 ** 27 + physSlot(next);
      if (this.rmap.has(key)) throw new Error(`transfer: slot ${key} in use`);
      this.rmap.set(key, entry);
      this.physByMemcg.set(d.memcg, (this.physByMemcg.get(d.memcg) ?? 0) + 1);
    }
    d.backend = next;
    if (backendTag(old) === BackendTag.PHYS) {
      this.rmap.delete(physDevice(old) * 2 ** 27 + physSlot(old));
      this.physByMemcg.set(d.memcg, this.physByMemcg.get(d.memcg)! - 1);
    }
    this.onRelease(entry, old, d.memcg, 'transfer');
    return true;
  }

  put(entry: SwapEntry): number {
    const d = this.entries.get(entry);
    if (d === undefined || d.count === 0) throw new Error(`put: entry ${entry} is not allocated`);
    d.count--;
    if (d.count > 0 || d.inCache) return d.count;
    if (backendTag(d.backend) === BackendTag.PHYS) {
      this.rmap.delete(physDevice(d.backend) * 2 ** 27 + physSlot(d.backend));
      this.physByMemcg.set(d.memcg, this.physByMemcg.get(d.memcg)! - 1);
    }
    this.entries.delete(entry);
    this.freeIds.push(entry);
    this.onRelease(entry, d.backend, d.memcg, 'free');
    return 0;
  }
}
