/**
 * MemcgLru: the pool's per-memcg LRU lists of entries, with zswap's referenced bit and
 * second-chance walk (mm/zswap.c: zswap_lru_add/del, shrink_memcg_cb; mm/list_lru.c).
 *
 * Why this design:
 * - Intrusive doubly linked lists in typed arrays: `prev`/`next` are Int32 columns
 *   indexed by the pool's dense entry index (-1 = none), and every memcg has a head,
 *   a tail and a length in Int32 columns indexed by memcg id. An entry is on at most
 *   one list (its memcg's), so 8 B per entry link every list, and add / delete /
 *   rotate are O(1) with no allocation (the kernel's list_lru is one list_head per
 *   entry too). Head = oldest, tail = newest.
 * - The referenced bit lives in the pool's entry stamp (see entryStamp.ts), not here,
 *   so the pool stays at 24 B per entry. The pool hands its stamp and length columns
 *   to the LRU and hands them again after it grows (`resize`), as with EntryIndex.
 * - `select` is the walk of the kernel's shrink_memcg_cb: new entries start
 *   referenced; a referenced entry met at the head loses its bit and rotates to the
 *   tail (second chance); a candidate is rotated to the tail *before* it is tried, so
 *   a failed writeback leaves it last. With an age cutoff (proactive writeback) the
 *   age decides instead: younger entries rotate, older ones are taken whatever their
 *   bit, which they lose without a second-chance rotation.
 *
 * Caller's rules: an entry index is added to at most one list at a time, and deleted
 * from the list of the memcg it was added to; memcgs are made room for with
 * ensureMemcg before entries of theirs are added.
 */

import { MAX_GROUP_ID } from '@tierswap/memcg';
import { ageTicks, isReferenced, REFERENCED } from './entryStamp.js';

/**
 * The length of a per-memcg column that must hold `id`, from its current length:
 * at least 16, doubling, at most MAX_GROUP_ID + 1 (the tree's 16-bit ids).
 */
export function memcgColumnLength(current: number, id: number): number {
  let n = Math.max(16, current);
  while (n <= id) n *= 2;
  return Math.min(n, MAX_GROUP_ID + 1);
}

/** A copy of `a` grown to `n` entries, the new ones set to `fill`. */
export function growInt32(a: Int32Array, n: number, fill: number): Int32Array {
  const b = new Int32Array(n).fill(fill);
  b.set(a);
  return b;
}

/** No entry: end of a list, or an empty list's head and tail. */
export const NONE = -1;

export class MemcgLru {
  // ------------------------------------------------------------ per entry
  #prev: Int32Array;
  #next: Int32Array;
  /** The pool's stamp column (bit 0 = referenced, ticks above bit 4). */
  #stamps: Uint32Array;
  /** The pool's length column (compressed length - 1), for byte budgets. */
  #lens: Uint16Array;

  // ------------------------------------------------------------ per memcg
  #head: Int32Array = new Int32Array(0);
  #tail: Int32Array = new Int32Array(0);
  #len: Int32Array = new Int32Array(0);
  /** Disk swap-ins not yet consumed by the shrinker (zswap_lruvec_state.nr_disk_swapins). */
  #swapins: Float64Array = new Float64Array(0);

  /** Entries the last `select` looked at. */
  #lastScanned = 0;

  constructor(capacity: number, stamps: Uint32Array, lens: Uint16Array) {
    this.#prev = new Int32Array(capacity);
    this.#next = new Int32Array(capacity);
    this.#stamps = stamps;
    this.#lens = lens;
  }

  /** The pool grew its entry columns to `capacity`: grow the links, take the new columns. */
  resize(capacity: number, stamps: Uint32Array, lens: Uint16Array): void {
    this.#prev = growInt32(this.#prev, capacity, 0);
    this.#next = growInt32(this.#next, capacity, 0);
    this.#stamps = stamps;
    this.#lens = lens;
  }

  /** Make room for memcg `m` (its list starts empty). */
  ensureMemcg(m: number): void {
    if (m < this.#head.length) return;
    const n = memcgColumnLength(this.#head.length, m);
    this.#head = growInt32(this.#head, n, NONE);
    this.#tail = growInt32(this.#tail, n, NONE);
    this.#len = growInt32(this.#len, n, 0);
    const s = new Float64Array(n);
    s.set(this.#swapins);
    this.#swapins = s;
  }

  /** Disk swap-ins of memcg m not yet consumed by the shrinker. */
  swapins(m: number): number {
    return m < this.#swapins.length ? this.#swapins[m]! : 0;
  }

  /** Count one disk swap-in of memcg m (room must have been made for m). */
  noteSwapin(m: number): void {
    this.#swapins[m] = this.#swapins[m]! + 1;
  }

  /** The shrinker consumed `n` of memcg m's disk swap-ins. */
  consumeSwapins(m: number, n: number): void {
    this.#swapins[m] = this.#swapins[m]! - n;
  }

  // ------------------------------------------------------------ access

  /** Entries on memcg m's list (0 for a memcg never made room for). */
  length(m: number): number {
    return m < this.#len.length ? this.#len[m]! : 0;
  }

  /** The oldest entry of memcg m's list, or NONE. */
  headOf(m: number): number {
    return m < this.#head.length ? this.#head[m]! : NONE;
  }

  /** The entry after `idx` on its list (towards the tail), or NONE. */
  nextOf(idx: number): number {
    return this.#next[idx]!;
  }

  /** Memcg ids the heads have room for (ids below this need no ensureMemcg). */
  get memcgSlots(): number {
    return this.#head.length;
  }

  /** Entries the last `select` looked at (its scan cost). */
  get lastScanned(): number {
    return this.#lastScanned;
  }

  /** Bytes of the per-entry links (8 per entry slot). */
  get entryBytes(): number {
    return this.#prev.byteLength + this.#next.byteLength;
  }

  /** Bytes of the per-memcg heads, tails, lengths and swap-in counts (20 per memcg slot). */
  get memcgBytes(): number {
    return (
      this.#head.byteLength +
      this.#tail.byteLength +
      this.#len.byteLength +
      this.#swapins.byteLength
    );
  }

  // ------------------------------------------------------------ list operations

  /** Append `idx` as memcg m's newest entry. */
  addTail(m: number, idx: number): void {
    const tail = this.#tail[m]!;
    this.#prev[idx] = tail;
    this.#next[idx] = NONE;
    if (tail === NONE) this.#head[m] = idx;
    else this.#next[tail] = idx;
    this.#tail[m] = idx;
    this.#len[m] = this.#len[m]! + 1;
  }

  /** Insert `idx` as memcg m's oldest entry (the next one a walk meets). */
  addHead(m: number, idx: number): void {
    const head = this.#head[m]!;
    this.#next[idx] = head;
    this.#prev[idx] = NONE;
    if (head === NONE) this.#tail[m] = idx;
    else this.#prev[head] = idx;
    this.#head[m] = idx;
    this.#len[m] = this.#len[m]! + 1;
  }

  /** Unlink `idx` from memcg m's list (caller: it is on that list). */
  delete(m: number, idx: number): void {
    const prev = this.#prev[idx]!;
    const next = this.#next[idx]!;
    if (prev === NONE) this.#head[m] = next;
    else this.#next[prev] = next;
    if (next === NONE) this.#tail[m] = prev;
    else this.#prev[next] = prev;
    this.#len[m] = this.#len[m]! - 1;
  }

  /** Move `idx` to the tail of memcg m's list (it becomes the newest). */
  rotate(m: number, idx: number): void {
    if (this.#tail[m] === idx) return;
    this.delete(m, idx);
    this.addTail(m, idx);
  }

  /** Move `idx` to the head of memcg m's list (it becomes the oldest). */
  moveToHead(m: number, idx: number): void {
    if (this.#head[m] === idx) return;
    this.delete(m, idx);
    this.addHead(m, idx);
  }

  // ------------------------------------------------------------ second chance

  /**
   * Walk memcg m's list from the head and pick writeback candidates, each rotated to
   * the tail before it is returned. Stops at `maxPages` candidates, at `maxBytes`
   * compressed bytes of candidates (checked before each step, so the last one may pass
   * it), or after looking at `maxScan` entries (`lastScanned` tells how many).
   * Without `cutoffTicks` this is the second chance: referenced entries lose the bit
   * and rotate. With it, entries younger than `cutoffTicks` at `nowTicks` rotate and
   * older ones are taken, losing their bit.
   */
  select(
    m: number,
    maxPages: number,
    maxBytes: number,
    maxScan: number,
    cutoffTicks: number | undefined,
    nowTicks: number,
  ): number[] {
    const out: number[] = [];
    const stamps = this.#stamps;
    this.#lastScanned = 0;
    if (m >= this.#head.length) return out;
    let bytes = 0;
    let scanned = 0;
    while (out.length < maxPages && bytes < maxBytes && scanned < maxScan) {
      const idx = this.#head[m]!;
      if (idx === NONE) break;
      scanned++;
      this.#lastScanned = scanned;
      const st = stamps[idx]!;
      if (cutoffTicks !== undefined) {
        if (ageTicks(st, nowTicks) < cutoffTicks) {
          this.rotate(m, idx);
          continue;
        }
        stamps[idx] = st & ~REFERENCED;
      } else if (isReferenced(st)) {
        stamps[idx] = st & ~REFERENCED;
        this.rotate(m, idx);
        continue;
      }
      this.rotate(m, idx);
      out.push(idx);
      bytes += this.#lens[idx]! + 1;
    }
    return out;
  }
}
