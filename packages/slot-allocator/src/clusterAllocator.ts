/**
 * ClusterAllocator: the clusters of a SlotAllocator and the kernel's policy for handing
 * out aligned runs from them (mm/swapfile.c: cluster_alloc_swap_entry() and friends).
 *
 * It is the base class of SlotAllocator (slotAllocator.ts), which adds the package
 * boundary: argument checks, the slot totals, the stats counters and the full flag. A base
 * class rather than an object SlotAllocator holds, so an allocator is one object: the hot
 * path (alloc(), free()) reads the cluster arrays as fields of `this`, with no hop through
 * a `clusters` field. Measured: with that hop, order-0 alloc+free pairs ran 2-5% slower and
 * FIFO churn up to ~15% slower than the unsplit class; as a base class it is at parity
 * (the numbers are in slotAllocator.ts's header).
 *
 * It owns every array the allocation path touches besides the slot map: per cluster the
 * use count, the order and a first-free hint; the cluster lists; and the cursors (the
 * per-stream cache of the next offset per order, or the rotational global cursor). Nothing
 * here validates (SlotAllocator has checked every argument) and nothing here changes a
 * slot total. Its methods are `protected`: the package's public surface is SlotAllocator's,
 * and the only public members here (the geometry fields and processDiscards()) are part
 * of it.
 *
 * Each cluster sits on exactly one list, and the list is its state:
 *   free           no slot in use
 *   nonfull[o]     a slot was freed in it since it was last scanned (worth scanning again)
 *   frag[o]        partly used and already scanned by the allocator
 *   full           every slot in use
 *   discard        empty, waiting for its discard before it becomes free
 * List moves follow the kernel exactly: after an allocation relocate() puts a cluster on
 * free, frag[order] or full; a free that leaves slots in use puts it on nonfull[order];
 * the last free puts it on free (or discard).
 *
 * Allocation: a per-stream cache of (order -> next offset) serves runs from one cluster
 * until it is used up (the per-CPU fast path); otherwise the slow path tries, in order:
 * free clusters first when discarding pages, all of nonfull[order], the free list, one
 * frag[order] cluster, and for order 0 any frag/nonfull cluster of a larger order. Rotational
 * devices instead keep one global cursor per order so writes stay sequential.
 *
 * The slot map (the byte per slot, usageCounts.ts) is created by SlotAllocator, which keeps
 * the UsageCounts, and handed in here: this class reads it to scan and writes 1 into the
 * slots it hands out.
 */

import { ClusterLists, NIL } from './clusterLists.js';
import type { CheckedOptions } from './options.js';
import type { ClusterState } from './types.js';
import type { ClusterQueries } from './verifyClusters.js';

// ---------------------------------------------------------------------------------------
// List ids. FREE, FULL and DISCARD are single lists; NONFULL and FRAG have one per order.
// ---------------------------------------------------------------------------------------
const LIST_FREE = 0;
const LIST_FULL = 1;
const LIST_DISCARD = 2;
const LIST_NONFULL = 3; // + order
// LIST_FRAG = LIST_NONFULL + orders + order, see fragList()

/** "No slot found": SlotAllocator.alloc() turns it into a Refusal. */
export const NO_SLOT = -1;

// A local copy of the slot map's "free" (usageCounts.ts). Imported bindings are live, so
// V8 reloads them on every use; module-local constants are folded into the code (about 4%
// of an allocation). The allocation tests fail if this ever disagrees with usageCounts.ts.
const COUNT_FREE = 0;

export class ClusterAllocator {
  // The device's geometry, part of SlotAllocator's public API (declared here, where the
  // allocation path reads it).
  readonly slots: number;
  readonly clusterSize: number;
  readonly clusterCount: number;
  readonly maxOrder: number;
  readonly rotational: boolean;

  // TypeScript `private`/`protected` rather than `#`: on the allocator's hot path (see
  // slotAllocator.ts).
  /** log2(clusterSize): slot >> shift is the slot's cluster. */
  protected readonly shift: number;
  private readonly orders: number;
  /** discard === 'pages', as a boolean: tested on every cluster that empties. */
  private readonly discardPages: boolean;
  private readonly onDiscard: ((firstSlot: number, count: number) => void) | undefined;
  /** The slot map (UsageCounts.bytes), also read and written by SlotAllocator's free paths. */
  protected readonly bytes: Uint8Array;
  /** Per cluster: slots not free (in use, bad, or past the end of the device). */
  private readonly used: Uint16Array;
  /** Per cluster: the order fixed by the first allocation into it while empty. */
  private readonly order: Uint8Array;
  /**
   * Per cluster: a lower bound on the offset of its first free slot; every slot below it
   * is in use or bad. Scans start there instead of at the cluster's first slot, so refilling
   * a hole in a nearly full cluster is O(1) rather than a walk over up to 512 slots.
   * Maintained by allocation (moves up past a run taken exactly at it) and by free (moves
   * down to the freed slot). Not in the kernel, whose scan is a fast memory walk in C.
   */
  private readonly firstFree: Uint16Array;
  private readonly lists: ClusterLists;
  /**
   * Next offset to try, or NIL. Non-rotational: index stream * orders + order (the
   * per-CPU percpu_swap_cluster.offset[order]). Rotational: index order
   * (global_cluster->next[order]).
   */
  private readonly cursor: Int32Array;

  protected constructor(options: CheckedOptions, bytes: Uint8Array) {
    const { slots, clusterSize, streams, rotational, discard, onDiscard } = options;
    this.slots = slots;
    this.clusterSize = clusterSize;
    this.shift = Math.log2(clusterSize);
    this.maxOrder = this.shift;
    this.orders = this.maxOrder + 1;
    this.clusterCount = Math.ceil(slots / clusterSize);
    this.rotational = rotational;
    this.discardPages = discard === 'pages';
    this.onDiscard = onDiscard;
    this.bytes = bytes;
    this.used = new Uint16Array(this.clusterCount);
    this.order = new Uint8Array(this.clusterCount);
    this.firstFree = new Uint16Array(this.clusterCount);
    this.lists = new ClusterLists(this.clusterCount, LIST_NONFULL + 2 * this.orders);
    this.cursor = new Int32Array(rotational ? this.orders : streams * this.orders).fill(NIL);

    // The slots past the end of a short last cluster count as used, so that cluster is
    // never "free" and never serves a run that would cross the end (as setup_clusters does).
    const last = this.clusterCount - 1;
    this.used[last] = this.clusterCount * clusterSize - slots;
    for (let c = 0; c < this.clusterCount; c++) {
      if (this.used[c] === 0) this.lists.pushTail(LIST_FREE, c);
      else this.lists.pushTail(LIST_NONFULL, c);
    }
  }

  // -------------------------------------------------------------------------------------
  // Allocation
  // -------------------------------------------------------------------------------------

  /**
   * allocFast() for order 0, specialised: one page from the stream's cached offset when that
   * slot is free, or the first slot of the cached cluster when it has become empty. This is
   * what nearly every order-0 allocation does, and it is the same result scanCluster() would
   * give, with a third of the work. Anything else (a used slot at the offset, a full or
   * discarding cluster) returns NO_SLOT and takes the general path.
   */
  protected allocFastOrder0(stream: number): number {
    const idx = stream * this.orders;
    const offset = this.cursor[idx]!;
    if (offset === NIL) return NO_SLOT;
    const c = offset >> this.shift;
    const list = this.lists.owner(c);
    const used = this.used[c]!;
    let slot: number;
    if (used === 0) {
      if (list !== LIST_FREE) return NO_SLOT;
      slot = c << this.shift;
      this.order[c] = 0;
    } else {
      // nonfull/frag lists only, and the cached slot must be free (else scan in general).
      if (list < LIST_NONFULL || this.bytes[offset] !== COUNT_FREE) return NO_SLOT;
      slot = offset;
    }
    const mask = this.clusterSize - 1;
    this.bytes[slot] = 1;
    this.used[c] = used + 1;
    if ((slot & mask) === this.firstFree[c]) this.firstFree[c] = (slot & mask) + 1;
    const next = slot + 1;
    this.cursor[idx] =
      used + 1 < this.clusterSize && (next & mask) !== 0 && next < this.slots ? next : NIL;
    // relocate(), knowing the cluster is not empty.
    if (used + 1 === this.clusterSize) this.lists.move(c, LIST_FULL);
    else {
      const frag = this.#fragList(this.order[c]!);
      if (list !== frag) this.lists.move(c, frag);
    }
    return slot;
  }

  /** swap_alloc_fast(): continue in the cluster this stream used last for this order. */
  protected allocFast(order: number, stream: number): number {
    const idx = stream * this.orders + order;
    let offset = this.cursor[idx]!;
    if (offset === NIL) return NO_SLOT;
    const c = offset >> this.shift;
    if (!this.#usable(c, order)) return NO_SLOT;
    if (this.used[c] === 0) offset = c << this.shift;
    return this.#scanCluster(c, offset, order, idx);
  }

  /** cluster_alloc_swap_entry(): the slow path, in the kernel's order of preference. */
  protected allocSlow(order: number, stream: number): number {
    const idx = this.rotational ? order : stream * this.orders + order;
    let found = NO_SLOT;

    if (this.rotational) {
      let offset = this.cursor[idx]!;
      if (offset !== NIL) {
        const c = offset >> this.shift;
        if (this.#usable(c, order)) {
          if (this.used[c] === 0) offset = c << this.shift;
          found = this.#scanCluster(c, offset, order, idx);
          if (found !== NO_SLOT) return found;
        }
      }
    }

    const discardPages = this.discardPages;
    // Discarding devices prefer fresh clusters: it spreads writes over the device.
    if (discardPages) {
      found = this.#scanList(LIST_FREE, order, false, idx);
      if (found !== NO_SLOT) return found;
    }
    if (order < this.maxOrder) {
      found = this.#scanList(LIST_NONFULL + order, order, true, idx);
      if (found !== NO_SLOT) return found;
    }
    if (!discardPages) {
      found = this.#scanList(LIST_FREE, order, false, idx);
      if (found !== NO_SLOT) return found;
    }
    if (order < this.maxOrder) {
      // One fragmented cluster is enough: order 0 cannot fail in it, and a large order
      // failing here only costs a split.
      found = this.#scanList(this.#fragList(order), order, false, idx);
      if (found !== NO_SLOT) return found;
    }
    if (order === 0) {
      // Steal a single slot from clusters that serve larger orders.
      for (let o = 1; o < this.orders; o++) {
        found = this.#scanList(this.#fragList(o), 0, true, idx);
        if (found !== NO_SLOT) return found;
      }
      for (let o = 1; o < this.orders; o++) {
        found = this.#scanList(LIST_NONFULL + o, 0, true, idx);
        if (found !== NO_SLOT) return found;
      }
    }
    return NO_SLOT;
  }

  /** alloc_swap_scan_list(): isolate clusters from the head of `list` and scan them. */
  #scanList(list: number, order: number, scanAll: boolean, cursorIdx: number): number {
    // A failed cluster may be relocated onto the same list's tail, so bound the walk by
    // the list's length when the scan started.
    let budget = this.lists.length(list);
    while (budget-- > 0) {
      const c = this.lists.first(list);
      if (c === NIL) break;
      this.lists.remove(c);
      const found = this.#scanCluster(c, c << this.shift, order, cursorIdx);
      if (found !== NO_SLOT || !scanAll) return found;
    }
    return NO_SLOT;
  }

  /**
   * alloc_swap_scan_cluster(): find the first free aligned run of 2^order slots from
   * `offset` to the end of cluster c, take it, relocate the cluster, and remember where
   * the next allocation of this order should look.
   */
  #scanCluster(c: number, offset: number, order: number, cursorIdx: number): number {
    const nr = 1 << order;
    const start = c << this.shift;
    let end = Math.min(start + this.clusterSize, this.slots);
    let found = NO_SLOT;
    let next = NIL;
    const used = this.used[c]!;
    if (end - start >= nr && used + nr <= this.clusterSize) {
      const bytes = this.bytes;
      // Nothing below firstFree is free: start there, aligned up to the run size.
      const hint = start + ((this.firstFree[c]! + nr - 1) & ~(nr - 1));
      if (offset < hint) offset = hint;
      end -= nr;
      if (nr === 1) {
        while (offset <= end && bytes[offset] !== COUNT_FREE) offset++;
      } else {
        while (offset <= end && !this.#rangeFree(offset, nr)) offset += nr;
      }
      if (offset <= end) {
        if (used === 0) this.order[c] = order;
        if (nr === 1) bytes[offset] = 1;
        else bytes.fill(1, offset, offset + nr);
        this.used[c] = used + nr;
        if (offset - start === this.firstFree[c]) this.firstFree[c] = offset - start + nr;
        found = offset;
        if (used + nr < this.clusterSize && offset + nr <= end) next = offset + nr;
      }
    }
    this.#relocate(c);
    this.cursor[cursorIdx] = next;
    return found;
  }

  #rangeFree(offset: number, nr: number): boolean {
    const bytes = this.bytes;
    for (let i = offset, end = offset + nr; i < end; i++) {
      if (bytes[i] !== COUNT_FREE) return false;
    }
    return true;
  }

  /** cluster_is_usable(): on an allocatable list, and of a matching order unless order 0 or empty. */
  #usable(c: number, order: number): boolean {
    const list = this.lists.owner(c);
    if (list === NIL || list === LIST_FULL || list === LIST_DISCARD) return false;
    return order === 0 || this.used[c] === 0 || this.order[c] === order;
  }

  // -------------------------------------------------------------------------------------
  // Freeing, bad slots and list moves
  // -------------------------------------------------------------------------------------

  /**
   * The cluster side of freeing the nr slots from `slot` on, whose bytes the caller has
   * already set free: the first-free hint, the use count and the cluster's list.
   */
  protected release(slot: number, nr: number): void {
    const c = slot >> this.shift;
    const offset = slot & (this.clusterSize - 1);
    if (offset < this.firstFree[c]!) this.firstFree[c] = offset;
    const used = this.used[c]! - nr;
    this.used[c] = used;
    if (used === 0) {
      this.#freeCluster(c);
    } else if (this.lists.owner(c) !== LIST_NONFULL + this.order[c]!) {
      // partial_free_cluster(): worth scanning again for this order.
      this.lists.move(c, LIST_NONFULL + this.order[c]!);
    }
  }

  /** The cluster side of marking a free slot of cluster c bad: it counts as used from now on. */
  protected addBadSlot(c: number): void {
    const list = this.lists.owner(c);
    this.used[c]!++;
    if (list === LIST_FREE || list === LIST_DISCARD) this.order[c] = 0;
    // As at swapon: a cluster holding bad slots is never free.
    if (this.used[c] === this.clusterSize) this.lists.move(c, LIST_FULL);
    else if (list === LIST_FREE || list === LIST_DISCARD) {
      this.lists.move(c, LIST_NONFULL);
    }
  }

  #fragList(order: number): number {
    return LIST_NONFULL + this.orders + order;
  }

  /** relocate_cluster(): after an allocation pass, put the cluster where its count says. */
  #relocate(c: number): void {
    const list = this.lists.owner(c);
    if (list === LIST_DISCARD) return;
    const used = this.used[c]!;
    if (used === 0) {
      if (list !== LIST_FREE) this.#freeCluster(c);
    } else if (used !== this.clusterSize) {
      const frag = this.#fragList(this.order[c]!);
      if (list !== frag) this.lists.move(c, frag);
    } else if (list !== LIST_FULL) {
      this.lists.move(c, LIST_FULL);
    }
  }

  /** free_cluster(): an empty cluster goes to the discard list or straight to free. */
  #freeCluster(c: number): void {
    if (this.discardPages) {
      this.lists.move(c, LIST_DISCARD);
      return;
    }
    this.lists.move(c, LIST_FREE);
    this.order[c] = 0;
  }

  // -------------------------------------------------------------------------------------
  // Discards
  // -------------------------------------------------------------------------------------

  /** Whether any cluster waits on the discard list. */
  protected discardsPending(): boolean {
    return this.lists.length(LIST_DISCARD) > 0;
  }

  /**
   * Discards every cluster on the discard list (calling onDiscard for its range) and
   * frees it: the kernel's swap_do_scheduled_discard(). Returns how many were discarded.
   *
   * As in the kernel, a cluster is taken off the discard list (isolated) while onDiscard
   * runs, so a callback that allocates cannot be handed a slot being discarded. If
   * onDiscard throws, that cluster goes back on the discard list (it is retried by the
   * next call), the clusters discarded before it stay free, and the exception propagates.
   */
  processDiscards(): number {
    let n = 0;
    const onDiscard = this.onDiscard;
    for (let c = this.lists.first(LIST_DISCARD); c !== NIL; c = this.lists.first(LIST_DISCARD)) {
      const start = c << this.shift;
      this.lists.remove(c);
      if (onDiscard !== undefined) {
        try {
          onDiscard(start, Math.min(this.clusterSize, this.slots - start));
        } catch (e) {
          this.lists.pushTail(LIST_DISCARD, c);
          throw e;
        }
      }
      this.lists.pushTail(LIST_FREE, c);
      this.order[c] = 0;
      n++;
    }
    return n;
  }

  // -------------------------------------------------------------------------------------
  // Queries
  // -------------------------------------------------------------------------------------

  /** Slots of cluster c that are not free: in use, bad, or past the end of the device. */
  protected usedOf(c: number): number {
    return this.used[c]!;
  }

  protected orderOf(c: number): number {
    return this.order[c]!;
  }

  protected stateOf(c: number): ClusterState {
    return this.#stateOfList(this.lists.owner(c));
  }

  /** How many clusters are in each state. */
  protected countByState(): Record<ClusterState, number> {
    const clusters: Record<ClusterState, number> = {
      free: 0,
      nonfull: 0,
      frag: 0,
      full: 0,
      discard: 0,
      isolated: 0,
    };
    for (let c = 0; c < this.clusterCount; c++) {
      clusters[this.#stateOfList(this.lists.owner(c))]++;
    }
    return clusters;
  }

  /** Bytes of the per-cluster and per-stream typed arrays (the slot map is not counted). */
  protected clusterBytes(): number {
    return (
      this.used.byteLength +
      this.order.byteLength +
      this.firstFree.byteLength +
      this.lists.byteLength() +
      this.cursor.byteLength
    );
  }

  /**
   * Read-only views of the per-cluster state for verifyClusters() (verifyClusters.ts),
   * which checks it against the slot map. Cold: built once per verify().
   */
  protected clusterQueries(): ClusterQueries {
    return {
      usedOf: (c) => this.used[c]!,
      orderOf: (c) => this.order[c]!,
      stateOf: (c) => this.#stateOfList(this.lists.owner(c)),
      firstFreeOf: (c) => this.firstFree[c]!,
      listOrderOf: (c) => this.#orderOfList(this.lists.owner(c)),
      verifyLists: (fail) => this.lists.verify(fail),
    };
  }

  #stateOfList(list: number): ClusterState {
    if (list === NIL) return 'isolated';
    if (list === LIST_FREE) return 'free';
    if (list === LIST_FULL) return 'full';
    if (list === LIST_DISCARD) return 'discard';
    return list < LIST_NONFULL + this.orders ? 'nonfull' : 'frag';
  }

  #orderOfList(list: number): number {
    return (list - LIST_NONFULL) % this.orders;
  }
}
