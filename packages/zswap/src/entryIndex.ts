/**
 * EntryIndex: an open-addressing hash table from the caller's entry id (u32) to the
 * pool's dense entry index.
 *
 * Why: the kernel finds zswap entries in an xarray keyed by swap offset; here ids are
 * the caller's (virtual swap entries from the stack), possibly sparse, so a table maps
 * them to dense indices into the pool's structure-of-arrays. It stores only the index
 * (Int32, -1 = empty) and compares keys through the pool's id array, so it costs
 * 4 B per slot: 5.3 B per entry at the 0.75 maximum load, 10.7 B right after a doubling.
 * Linear probing with backward-shift deletion (no tombstones), so lookups stay short
 * under the store/load churn a swap pool sees.
 */

const EMPTY = -1;

export class EntryIndex {
  #slots: Int32Array;
  #mask: number;
  #size = 0;
  /** Where the last successful get() found its entry (see removeIndex). */
  #lastSlot = 0;
  /** The pool's entry-id column: key of dense index i is ids[i]. */
  #ids: Uint32Array;

  constructor(ids: Uint32Array, capacity = 1024) {
    let n = 16;
    while (n * 0.75 < capacity) n *= 2;
    this.#slots = new Int32Array(n).fill(EMPTY);
    this.#mask = n - 1;
    this.#ids = ids;
  }

  /** The pool replaced its id column (after growing it). */
  setIds(ids: Uint32Array): void {
    this.#ids = ids;
  }

  get size(): number {
    return this.#size;
  }

  get byteLength(): number {
    return this.#slots.byteLength;
  }

  /** Dense index of `id`, or -1. */
  get(id: number): number {
    const i = this.#find(id);
    if (i < 0) return -1;
    this.#lastSlot = i;
    return this.#slots[i]!;
  }

  /** The slot holding `id`, or -1 (linear probing from its home slot). */
  #find(id: number): number {
    const slots = this.#slots;
    const mask = this.#mask;
    let i = hash(id) & mask;
    for (;;) {
      const v = slots[i]!;
      if (v === EMPTY) return -1;
      if (this.#ids[v] === id) return i;
      i = (i + 1) & mask;
    }
  }

  /**
   * Remove the entry with dense index `idx` (present). A load finds its entry with get()
   * and removes it right after, so the slot get() found is tried first: one probe
   * instead of two.
   */
  removeIndex(idx: number): void {
    const at = this.#lastSlot;
    if (this.#slots[at] === idx) this.#removeAt(at);
    else this.remove(this.#ids[idx]!);
  }

  /** Map `id` (not present) to dense index `idx`; ids[idx] must already be `id`. */
  insert(id: number, idx: number): void {
    if ((this.#size + 1) * 4 > this.#slots.length * 3) this.#rehash(this.#slots.length * 2);
    const slots = this.#slots;
    const mask = this.#mask;
    let i = hash(id) & mask;
    while (slots[i] !== EMPTY) i = (i + 1) & mask;
    slots[i] = idx;
    this.#size++;
  }

  /** Remove `id`; returns its dense index or -1. */
  remove(id: number): number {
    const i = this.#find(id);
    if (i < 0) return -1;
    const found = this.#slots[i]!;
    this.#removeAt(i);
    return found;
  }

  #removeAt(i: number): void {
    const slots = this.#slots;
    const mask = this.#mask;
    // Backward-shift: pull later members of the probe run into the hole when their
    // home slot is not between the hole and their current slot (cyclically).
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const v = slots[j]!;
      if (v === EMPTY) break;
      const home = hash(this.#ids[v]!) & mask;
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRange) {
        slots[hole] = v;
        hole = j;
      }
    }
    slots[hole] = EMPTY;
    this.#size--;
  }

  #rehash(n: number): void {
    const old = this.#slots;
    this.#slots = new Int32Array(n).fill(EMPTY);
    this.#mask = n - 1;
    for (let k = 0; k < old.length; k++) {
      const v = old[k]!;
      if (v === EMPTY) continue;
      let i = hash(this.#ids[v]!) & this.#mask;
      while (this.#slots[i] !== EMPTY) i = (i + 1) & this.#mask;
      this.#slots[i] = v;
    }
  }
}

// Fibonacci hashing spreads sequential ids (the common case: virtual swap entries are
// handed out densely) across the table; the high bits are the best mixed.
function hash(id: number): number {
  const h = Math.imul(id, 0x9e3779b1);
  return (h ^ (h >>> 16)) >>> 0;
}
