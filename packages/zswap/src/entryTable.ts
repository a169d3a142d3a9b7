/**
 * EntryTable: the pool's entries as a structure of arrays indexed by a dense entry
 * index, with the id index that finds them and the per-memcg LRU lists that link them.
 *
 * Why this layout: 24 B per entry (the kernel's zswap_entry is about 56 B): id u32,
 * arena handle u32, compressed length - 1 u16, memcg id u16 (the tree's 16-bit ids), a
 * stamp u32 (store time in 64 ms ticks, codec slot, referenced bit: entryStamp.ts) and
 * the two LRU links i32, which MemcgLru owns. Raw entries are the ones whose length is
 * the page size, as in the kernel. Free entry slots are linked through their handle
 * column (a free slot has no arena object): handles[idx] = next free index + 1.
 *
 * The columns are replaced when the table grows, so callers read them through the
 * getters each time rather than keeping them.
 */

import { EntryIndex } from './entryIndex.js';
import { MemcgLru } from './memcgLru.js';

/** End of the free list. */
const NONE = -1;

export class EntryTable {
  #cap: number;
  #ids: Uint32Array;
  #handles: Uint32Array;
  #lens: Uint16Array;
  #memcgs: Uint16Array;
  #stamps: Uint32Array;
  #freeHead = NONE;
  #unused = 0;
  /** Caller's entry id -> dense index. */
  readonly index: EntryIndex;
  /** Per-memcg LRU lists through the entries (links, heads, second chance). */
  readonly lru: MemcgLru;

  constructor(capacity: number) {
    this.#cap = capacity;
    this.#ids = new Uint32Array(capacity);
    this.#handles = new Uint32Array(capacity);
    this.#lens = new Uint16Array(capacity);
    this.#memcgs = new Uint16Array(capacity);
    this.#stamps = new Uint32Array(capacity);
    this.index = new EntryIndex(this.#ids, capacity);
    this.lru = new MemcgLru(capacity, this.#stamps, this.#lens);
  }

  get capacity(): number {
    return this.#cap;
  }
  get ids(): Uint32Array {
    return this.#ids;
  }
  get handles(): Uint32Array {
    return this.#handles;
  }
  /** Compressed length - 1 (so a whole page fits 16 bits). */
  get lens(): Uint16Array {
    return this.#lens;
  }
  get memcgs(): Uint16Array {
    return this.#memcgs;
  }
  get stamps(): Uint32Array {
    return this.#stamps;
  }

  /** A free entry slot (the table grows by doubling when none is left). */
  alloc(): number {
    if (this.#freeHead !== NONE) {
      const idx = this.#freeHead;
      this.#freeHead = this.#handles[idx]! - 1;
      return idx;
    }
    if (this.#unused === this.#cap) this.#grow();
    return this.#unused++;
  }

  /** Give a slot back (it is in neither the index nor an LRU list). */
  release(idx: number): void {
    this.#handles[idx] = this.#freeHead + 1;
    this.#freeHead = idx;
  }

  /** Bytes of the columns and LRU links (24 per slot). */
  get byteLength(): number {
    return (
      this.#ids.byteLength +
      this.#handles.byteLength +
      this.#lens.byteLength +
      this.#memcgs.byteLength +
      this.#stamps.byteLength +
      this.lru.entryBytes
    );
  }

  #grow(): void {
    const n = this.#cap * 2;
    const u32 = (a: Uint32Array): Uint32Array => {
      const b = new Uint32Array(n);
      b.set(a);
      return b;
    };
    const u16 = (a: Uint16Array): Uint16Array => {
      const b = new Uint16Array(n);
      b.set(a);
      return b;
    };
    this.#ids = u32(this.#ids);
    this.#handles = u32(this.#handles);
    this.#stamps = u32(this.#stamps);
    this.#lens = u16(this.#lens);
    this.#memcgs = u16(this.#memcgs);
    this.index.setIds(this.#ids);
    this.lru.resize(n, this.#stamps, this.#lens);
    this.#cap = n;
  }
}
