/**
 * PageStage: copies of the pages a device has acknowledged but not yet made durable on
 * its medium, readable until the medium holds them.
 *
 * This is the device's swap cache. SqliteDevice keeps a write transaction open across
 * up to `batchSize` writes (committing each row alone would cost ~10x), and SQLite may
 * roll a whole transaction back when the disk is full (SQLITE_FULL), taking every
 * acknowledged row of it along. The kernel never lets that happen to a page: it stays in
 * the swap cache until its write completes. So every acknowledged page is also copied
 * here (a 4 KiB memcpy, ~2% of a SQLite insert), reads of it are served from here, and
 * the copies are dropped only when COMMIT succeeds. After a lost transaction the device
 * writes them again from here.
 *
 * Layout: one arena of `capacity` page-sized entries, filled in order, and per slot the
 * index of its newest entry (-1: not staged). An overwrite takes a new entry; the old one
 * is dead until the next clear(). Bounded: when the arena is full the device must commit
 * before it can acknowledge another page.
 */

export class PageStage {
  readonly capacity: number;
  readonly pageSize: number;
  readonly #bytes: Uint8Array;
  readonly #slot: Uint32Array;
  readonly #len: Uint32Array;
  /** Per device slot: index of its newest entry, or -1. */
  readonly #at: Int32Array;
  #used = 0;
  #live = 0;

  constructor(slots: number, pageSize: number, capacity: number) {
    this.capacity = capacity;
    this.pageSize = pageSize;
    this.#bytes = new Uint8Array(capacity * pageSize);
    this.#slot = new Uint32Array(capacity);
    this.#len = new Uint32Array(capacity);
    this.#at = new Int32Array(slots).fill(-1);
  }

  /** Entries taken (live or dead). */
  get used(): number {
    return this.#used;
  }

  /** Slots whose page is held here. */
  get live(): number {
    return this.#live;
  }

  /** True if `n` more pages fit. */
  hasRoom(n: number): boolean {
    return this.#used + n <= this.capacity;
  }

  /** Copies `data` in as the newest page of `slot`; the caller checked hasRoom. */
  put(slot: number, data: Uint8Array): void {
    const i = this.#used++;
    this.#bytes.set(data, i * this.pageSize);
    this.#slot[i] = slot;
    this.#len[i] = data.length;
    if (this.#at[slot]! < 0) this.#live++;
    this.#at[slot] = i;
  }

  has(slot: number): boolean {
    return this.#at[slot]! >= 0;
  }

  /** The staged bytes of `slot` (a view into the arena), or undefined. */
  view(slot: number): Uint8Array | undefined {
    const i = this.#at[slot]!;
    if (i < 0) return undefined;
    const from = i * this.pageSize;
    return this.#bytes.subarray(from, from + this.#len[i]!);
  }

  drop(slot: number): void {
    if (this.#at[slot]! >= 0) {
      this.#at[slot] = -1;
      this.#live--;
    }
  }

  /** Drops every staged slot in [first, first + count). */
  dropRange(first: number, count: number): void {
    const end = first + count;
    for (let i = 0; i < this.#used; i++) {
      const s = this.#slot[i]!;
      if (s >= first && s < end && this.#at[s] === i) {
        this.#at[s] = -1;
        this.#live--;
      }
    }
  }

  /** Calls fn for the newest page of each staged slot, in the order they were staged. */
  forEachLive(fn: (slot: number, bytes: Uint8Array) => void): void {
    for (let i = 0; i < this.#used; i++) {
      const s = this.#slot[i]!;
      if (this.#at[s] === i) {
        const from = i * this.pageSize;
        fn(s, this.#bytes.subarray(from, from + this.#len[i]!));
      }
    }
  }

  /** Forgets everything (the medium now holds it). */
  clear(): void {
    for (let i = 0; i < this.#used; i++) {
      const s = this.#slot[i]!;
      if (this.#at[s] === i) this.#at[s] = -1;
    }
    this.#used = 0;
    this.#live = 0;
  }
}
