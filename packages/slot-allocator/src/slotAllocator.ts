/**
 * The cluster swap-slot allocator of Linux mm/swapfile.c, over N fixed-size slots.
 *
 * Slots are grouped in clusters (512 by default). A cluster serves one allocation order,
 * fixed by the first allocation into it while it was empty, so large aligned runs are not
 * broken up by scattered order-0 pages: that is what keeps the kernel's mTHP fallback at a
 * few percent where a plain bitmap allocator degrades to 100%.
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
 * Differences from the kernel, on purpose: no locks (a single-threaded library; streams
 * model the per-CPU caches); no reclaim of slots held only by the swap cache (that cache
 * belongs to the caller's layer, @tierswap/vswap); discards run when processDiscards() is
 * called or an allocation would fail, instead of on a worker.
 *
 * All state is in typed arrays: one byte per slot plus about 13 bytes per cluster.
 */

import type { Refusal } from '@tierswap/base';
import { refuse, showValue } from '@tierswap/base';
import { ClusterLists, NIL } from './clusterLists.js';
import { checkOptions } from './options.js';
import { SlotAllocatorError } from './slotAllocatorError.js';
import type {
  AllocFailureReason,
  ClusterInfo,
  ClusterState,
  DiscardPolicy,
  SlotAllocatorOptions,
  SlotAllocatorStats,
} from './types.js';
import { UsageCounts } from './usageCounts.js';

// ---------------------------------------------------------------------------------------
// List ids. FREE, FULL and DISCARD are single lists; NONFULL and FRAG have one per order.
// ---------------------------------------------------------------------------------------
const LIST_FREE = 0;
const LIST_FULL = 1;
const LIST_DISCARD = 2;
const LIST_NONFULL = 3; // + order
// LIST_FRAG = LIST_NONFULL + orders + order, see fragList()

// Local copies of the slot-map encodings (usageCounts.ts). Imported bindings are live, so
// V8 reloads them on every use; module-local constants are folded into the code (about 4%
// of an allocation). The bad-slot tests fail if these ever disagree with usageCounts.ts.
/** Inside the allocator "no slot found"; alloc() turns it into a Refusal. */
const NO_SLOT = -1;
const COUNT_FREE = 0;
const COUNT_BAD = 0xff;

/** What alloc() returns when it refuses: `code` is the stats().failures counter. */
export type AllocRefusal = Refusal<AllocFailureReason>;

// Frozen once here, so a refusal allocates nothing and callers may compare by identity.
const REFUSED_FULL: AllocRefusal = refuse(
  'ENOSPC',
  'fewer free slots than the run needs: the device is full (for this order)',
  'full',
);
const REFUSED_FRAGMENTED: AllocRefusal = refuse(
  'ENOSPC',
  'free slots remain, but no cluster holds a free aligned run of this order: split the run',
  'fragmented',
);

/** The two refusals of alloc(), by code. */
export const ALLOC_REFUSALS: Readonly<Record<AllocFailureReason, AllocRefusal>> = Object.freeze({
  full: REFUSED_FULL,
  fragmented: REFUSED_FRAGMENTED,
});

export class SlotAllocator {
  readonly slots: number;
  readonly clusterSize: number;
  readonly clusterCount: number;
  readonly maxOrder: number;
  readonly streams: number;
  readonly rotational: boolean;
  readonly discardPolicy: DiscardPolicy;

  // The state below is TypeScript `private`, not `#private` as docs/CONTRIBUTING.md asks,
  // on purpose: with `#` fields, Node 20's V8 ran the order-0 hot path about 25% slower
  // (bench/allocator.bench.ts, cluster against the bitmap baseline in one run, three
  // runs each, 2026-11-30: alloc+free pair 0.118 / 0.145 / 0.115 of the bitmap with `#`
  // against 0.162 / 0.154 / 0.132 without; FIFO churn 0.077 / 0.077 / 0.108 against
  // 0.110 / 0.101 / 0.103). Private methods (`#release()`, ...) cost nothing measurable
  // and stay `#`.
  // The class is exported as a type only. ClusterLists and UsageCounts, which the same
  // loop touches, do the same.

  private readonly shift: number;
  private readonly orders: number;
  private readonly counts: UsageCounts;
  /** counts.bytes, held directly: it is read on every allocation. */
  private readonly bytes: Uint8Array;
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
  private readonly onDiscard: ((firstSlot: number, count: number) => void) | undefined;
  private readonly onFullChange: ((full: boolean) => void) | undefined;

  /** discardPolicy === 'pages', as a boolean: tested on every cluster that empties. */
  private readonly discardPages: boolean;
  /** Slots neither in use nor bad. In use = slots - freeSlots - badSlots. */
  private freeSlots: number;
  private badSlots = 0;
  private full = false;
  private readonly allocations: Float64Array;
  private readonly fallbacks: Float64Array;
  private readonly failures: Record<AllocFailureReason, number> = { full: 0, fragmented: 0 };

  constructor(options: SlotAllocatorOptions) {
    const { slots, clusterSize, streams, rotational, discard, onDiscard, onFullChange } =
      checkOptions(options);
    this.slots = slots;
    this.freeSlots = slots;
    this.clusterSize = clusterSize;
    this.shift = Math.log2(clusterSize);
    this.maxOrder = this.shift;
    this.orders = this.maxOrder + 1;
    this.clusterCount = Math.ceil(slots / clusterSize);
    this.streams = streams;
    this.rotational = rotational;
    this.discardPolicy = discard;
    this.discardPages = discard === 'pages';
    this.onDiscard = onDiscard;
    this.onFullChange = onFullChange;

    this.counts = new UsageCounts(slots);
    this.bytes = this.counts.bytes;
    this.used = new Uint16Array(this.clusterCount);
    this.order = new Uint8Array(this.clusterCount);
    this.firstFree = new Uint16Array(this.clusterCount);
    this.lists = new ClusterLists(this.clusterCount, LIST_NONFULL + 2 * this.orders);
    this.cursor = new Int32Array(rotational ? this.orders : streams * this.orders).fill(NIL);
    this.allocations = new Float64Array(this.orders);
    this.fallbacks = new Float64Array(this.orders);

    // The slots past the end of a short last cluster count as used, so that cluster is
    // never "free" and never serves a run that would cross the end (as setup_clusters does).
    const last = this.clusterCount - 1;
    this.used[last] = this.clusterCount * clusterSize - slots;
    for (let c = 0; c < this.clusterCount; c++) {
      if (this.used[c] === 0) this.lists.pushTail(LIST_FREE, c);
      else this.lists.pushTail(LIST_NONFULL, c);
    }
    if (discard === 'once') this.onDiscard?.(0, slots);
  }

  // -------------------------------------------------------------------------------------
  // Allocation
  // -------------------------------------------------------------------------------------

  /**
   * Allocates an aligned run of 2^order slots inside one cluster, each with count 1, and
   * returns its first slot. When it cannot, it returns a Refusal (errno ENOSPC) whose
   * code is the counter it is counted under in stats().failures: 'full' or 'fragmented'.
   * A refused order > 0 run is also counted in stats().fallbacks: the caller is expected
   * to split it, as the kernel does. Tell the two apart with `typeof x === 'number'`.
   */
  alloc(order = 0, stream = 0): number | AllocRefusal {
    // `x >>> 0 !== x` rejects negatives, fractions, NaN and values ≥ 2^32 in one compare;
    // the typeof test first keeps a bigint or a symbol from throwing a TypeError in it.
    if (typeof order !== 'number' || order >>> 0 !== order || order > this.maxOrder) {
      badOrder('alloc', order, this.maxOrder);
    }
    if (typeof stream !== 'number' || stream >>> 0 !== stream || stream >= this.streams) {
      badStream(stream, this.streams);
    }
    const nr = 1 << order;
    if (this.freeSlots < nr) return this.#refuse(order, REFUSED_FULL);

    let found = NO_SLOT;
    if (!this.rotational) {
      found = order === 0 ? this.#allocFastOrder0(stream) : this.#allocFast(order, stream);
    }
    if (found === NO_SLOT) found = this.#allocSlow(order, stream);
    if (found === NO_SLOT && this.lists.length(LIST_DISCARD) > 0) {
      this.processDiscards();
      found = this.#allocSlow(order, stream);
    }
    if (found === NO_SLOT) {
      return this.#refuse(order, order === 0 ? REFUSED_FULL : REFUSED_FRAGMENTED);
    }

    this.freeSlots -= nr;
    this.allocations[order]!++;
    if (this.freeSlots === 0) this.#setFull(true);
    return found;
  }

  #refuse(order: number, refusal: AllocRefusal): AllocRefusal {
    this.failures[refusal.code]++;
    if (order > 0) this.fallbacks[order]!++;
    return refusal;
  }

  /**
   * allocFast() for order 0, specialised: one page from the stream's cached offset when that
   * slot is free, or the first slot of the cached cluster when it has become empty. This is
   * what nearly every order-0 allocation does, and it is the same result scanCluster() would
   * give, with a third of the work. Anything else (a used slot at the offset, a full or
   * discarding cluster) returns NO_SLOT and takes the general path.
   */
  #allocFastOrder0(stream: number): number {
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
  #allocFast(order: number, stream: number): number {
    const idx = stream * this.orders + order;
    let offset = this.cursor[idx]!;
    if (offset === NIL) return NO_SLOT;
    const c = offset >> this.shift;
    if (!this.#usable(c, order)) return NO_SLOT;
    if (this.used[c] === 0) offset = c << this.shift;
    return this.#scanCluster(c, offset, order, idx);
  }

  /** cluster_alloc_swap_entry(): the slow path, in the kernel's order of preference. */
  #allocSlow(order: number, stream: number): number {
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
  // List moves
  // -------------------------------------------------------------------------------------

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
  // Usage counts
  // -------------------------------------------------------------------------------------

  /** Adds a reference to an in-use slot (swap_duplicate) and returns the new count. */
  dup(slot: number): number {
    this.#checkInUse(slot, 'dup');
    return this.counts.increment(slot);
  }

  /** Drops a reference; at 0 the slot is free again. Returns the new count. */
  put(slot: number): number {
    this.#checkInUse(slot, 'put');
    const left = this.counts.decrement(slot);
    if (left === 0) this.#release(slot, 1);
    return left;
  }

  /**
   * Frees a whole run as allocated by alloc(order): every slot must hold exactly one
   * reference. Checked before anything changes, so a refused free changes nothing.
   */
  free(slot: number, order = 0): void {
    if (typeof slot !== 'number' || slot >>> 0 !== slot || slot >= this.slots) {
      outOfRange('free', slot, this.slots);
    }
    if (order === 0) {
      if (this.bytes[slot] !== 1) this.#refuseFree(slot);
      this.bytes[slot] = COUNT_FREE;
      this.#release(slot, 1);
      return;
    }
    if (typeof order !== 'number' || order >>> 0 !== order || order > this.maxOrder) {
      badOrder('free', order, this.maxOrder);
    }
    const nr = 1 << order;
    if ((slot & (nr - 1)) !== 0) misaligned(slot, order);
    const bytes = this.bytes;
    for (let s = slot; s < slot + nr; s++) {
      if (bytes[s] !== 1) this.#refuseFree(s);
    }
    if (nr === 1) bytes[slot] = COUNT_FREE;
    else bytes.fill(COUNT_FREE, slot, slot + nr);
    this.#release(slot, nr);
  }

  /** Why a slot in a run passed to free() cannot be freed; always throws. */
  #refuseFree(s: number): never {
    const where = 'slotAllocator.free';
    const b = this.bytes[s];
    if (b === COUNT_FREE)
      throw new SlotAllocatorError('DOUBLE_FREE', where, `slot ${s} is already free`);
    if (b === COUNT_BAD) throw new SlotAllocatorError('SLOT_BAD', where, `slot ${s} is bad`);
    throw new SlotAllocatorError(
      'SLOT_SHARED',
      where,
      `slot ${s} still has ${this.counts.get(s)} references; use put()`,
    );
  }

  /** Bookkeeping for the nr slots from `slot` on, which just became free. */
  #release(slot: number, nr: number): void {
    const c = slot >> this.shift;
    const offset = slot & (this.clusterSize - 1);
    if (offset < this.firstFree[c]!) this.firstFree[c] = offset;
    this.freeSlots += nr;
    const used = this.used[c]! - nr;
    this.used[c] = used;
    if (used === 0) {
      this.#freeCluster(c);
    } else if (this.lists.owner(c) !== LIST_NONFULL + this.order[c]!) {
      // partial_free_cluster(): worth scanning again for this order.
      this.lists.move(c, LIST_NONFULL + this.order[c]!);
    }
    // Last, once the state is consistent: the callback may throw or call back in.
    if (this.full) this.#setFull(false);
  }

  /** The usage count of a slot: 0 when free or bad (see isBad()). */
  count(slot: number): number {
    this.#checkRange(slot, 'count');
    const b = this.bytes[slot]!;
    return b === COUNT_BAD ? 0 : this.counts.get(slot);
  }

  isBad(slot: number): boolean {
    this.#checkRange(slot, 'isBad');
    return this.bytes[slot] === COUNT_BAD;
  }

  /**
   * Marks a slot bad so it is never handed out again: a free slot, or an in-use slot
   * whose only reference the caller gives up (a write to it failed).
   */
  markBad(slot: number): void {
    const where = 'slotAllocator.markBad';
    this.#checkRange(slot, 'markBad');
    const bytes = this.bytes;
    const b = bytes[slot]!;
    if (b === COUNT_BAD) return;
    if (b > 1) {
      throw new SlotAllocatorError(
        'SLOT_SHARED',
        where,
        `slot ${slot} has ${this.counts.get(slot)} references; only a free slot or a slot with one reference can be marked bad`,
      );
    }
    bytes[slot] = COUNT_BAD;
    this.badSlots++;
    const c = slot >> this.shift;
    if (b === 1) return; // was in use: the cluster's use count and list are unchanged
    this.freeSlots--;
    const list = this.lists.owner(c);
    this.used[c]!++;
    if (list === LIST_FREE || list === LIST_DISCARD) this.order[c] = 0;
    // As at swapon: a cluster holding bad slots is never free.
    if (this.used[c] === this.clusterSize) this.lists.move(c, LIST_FULL);
    else if (list === LIST_FREE || list === LIST_DISCARD) {
      this.lists.move(c, LIST_NONFULL);
    }
    if (this.freeSlots === 0) this.#setFull(true);
  }

  // -------------------------------------------------------------------------------------
  // Queries
  // -------------------------------------------------------------------------------------

  isFull(): boolean {
    return this.full;
  }

  clusterOf(slot: number): number {
    this.#checkRange(slot, 'clusterOf');
    return slot >> this.shift;
  }

  /** Slots of cluster c that are not free: in use, bad, or past the end of the device. */
  clusterUsed(cluster: number): number {
    this.#checkCluster(cluster, 'slotAllocator.clusterUsed');
    return this.used[cluster]!;
  }

  clusterInfo(cluster: number): ClusterInfo {
    this.#checkCluster(cluster, 'slotAllocator.clusterInfo');
    return {
      state: this.#stateOfList(this.lists.owner(cluster)),
      order: this.order[cluster]!,
      used: this.used[cluster]!,
    };
  }

  /** Every in-use slot in ascending order (empty clusters are skipped whole). */
  *usedSlots(): IterableIterator<number> {
    const bytes = this.bytes;
    for (let c = 0; c < this.clusterCount; c++) {
      if (this.used[c] === 0) continue;
      const end = Math.min((c + 1) << this.shift, this.slots);
      for (let s = c << this.shift; s < end; s++) {
        const b = bytes[s]!;
        if (b !== COUNT_FREE && b !== COUNT_BAD) yield s;
      }
    }
  }

  stats(): SlotAllocatorStats {
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
    const free = this.freeSlots;
    const wholeFree = (clusters.free + clusters.discard) * this.clusterSize;
    return {
      slots: this.slots,
      used: this.slots - free - this.badSlots,
      free,
      bad: this.badSlots,
      clusters,
      allocations: Array.from(this.allocations),
      fallbacks: Array.from(this.fallbacks),
      failures: { ...this.failures },
      fragmentation: free === 0 ? 0 : Math.max(0, free - wholeFree) / free,
      pendingDiscards: clusters.discard,
      overflowCounts: this.counts.overflowSize(),
      metadataBytes: this.metadataBytes(),
    };
  }

  /** Bytes of typed arrays held: one per slot plus the per-cluster and per-stream arrays. */
  metadataBytes(): number {
    return (
      this.bytes.byteLength +
      this.used.byteLength +
      this.order.byteLength +
      this.firstFree.byteLength +
      this.lists.byteLength() +
      this.cursor.byteLength +
      this.allocations.byteLength +
      this.fallbacks.byteLength
    );
  }

  /**
   * Checks every invariant the allocator relies on and throws CORRUPT naming the first one
   * broken: per-cluster use counts match the slot map, each cluster is on the list its
   * count allows, list lengths match, and the totals match. O(slots); meant for tests and
   * for debugging a caller, like the kernel's VM_BUG_ONs.
   */
  verify(): void {
    const fail = (detail: string): never => {
      throw new SlotAllocatorError('CORRUPT', 'slotAllocator.verify', detail);
    };
    const bytes = this.bytes;
    let inUse = 0;
    let bad = 0;
    const seen = new Int32Array(this.lists.lists);
    for (let c = 0; c < this.clusterCount; c++) {
      const start = c << this.shift;
      const end = Math.min(start + this.clusterSize, this.slots);
      let used = start + this.clusterSize - end;
      for (let s = start; s < end; s++) {
        const b = bytes[s]!;
        if (b === COUNT_BAD) bad++;
        else if (b !== COUNT_FREE) inUse++;
        if (b !== COUNT_FREE) used++;
      }
      if (used !== this.used[c])
        fail(`cluster ${c} counts ${this.used[c]} used, slots say ${used}`);
      for (let s = start; s < Math.min(start + this.firstFree[c]!, end); s++) {
        if (bytes[s] === COUNT_FREE)
          fail(
            `cluster ${c} hints its first free slot at ${start + this.firstFree[c]!}, but ${s} is free`,
          );
      }
      const list = this.lists.owner(c);
      if (list === NIL) fail(`cluster ${c} is on no list`);
      seen[list]!++;
      const state = this.#stateOfList(list);
      if ((state === 'free' || state === 'discard') && used !== 0) {
        fail(`cluster ${c} is ${state} with ${used} slots used`);
      }
      if (state === 'full' && used !== this.clusterSize) {
        fail(`cluster ${c} is full with ${used}/${this.clusterSize} slots used`);
      }
      if ((state === 'nonfull' || state === 'frag') && (used === 0 || used === this.clusterSize)) {
        fail(`cluster ${c} is ${state} with ${used}/${this.clusterSize} slots used`);
      }
      if ((state === 'nonfull' || state === 'frag') && this.#orderOfList(list) !== this.order[c]) {
        fail(
          `cluster ${c} of order ${this.order[c]} is on the ${state} list of order ${this.#orderOfList(list)}`,
        );
      }
    }
    for (let l = 0; l < seen.length; l++) {
      if (seen[l] !== this.lists.length(l)) {
        fail(`list ${l} says ${this.lists.length(l)} clusters, ${seen[l]} are on it`);
      }
      let walked = 0;
      for (let c = this.lists.first(l); c !== NIL; c = this.lists.next(c)) {
        if (this.lists.owner(c) !== l)
          fail(`cluster ${c} is linked into list ${l} but owned by ${this.lists.owner(c)}`);
        if (++walked > this.clusterCount) fail(`list ${l} has a cycle`);
      }
      if (walked !== seen[l]) fail(`list ${l} links ${walked} clusters, ${seen[l]} claim it`);
    }
    const counted = this.slots - this.freeSlots - this.badSlots;
    if (inUse !== counted) fail(`${counted} slots counted in use, slots say ${inUse}`);
    if (bad !== this.badSlots) fail(`${this.badSlots} slots counted bad, slots say ${bad}`);
    if (this.full !== (inUse + bad === this.slots)) fail(`full flag ${this.full} is stale`);
  }

  // -------------------------------------------------------------------------------------
  // Helpers
  // -------------------------------------------------------------------------------------

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

  /**
   * Records the full flag and tells onFullChange. Every caller does this last, when the
   * operation is complete and the state consistent, so a callback may call back into the
   * allocator, and if it throws, the exception reaches the caller of the operation, which
   * has happened (an alloc() whose callback throws keeps its slot: usedSlots() lists it).
   */
  #setFull(full: boolean): void {
    this.full = full;
    this.onFullChange?.(full);
  }

  #checkRange(slot: number, method: string): void {
    if (typeof slot !== 'number' || slot >>> 0 !== slot || slot >= this.slots) {
      outOfRange(method, slot, this.slots);
    }
  }

  #checkCluster(cluster: number, where: string): void {
    if (
      !(typeof cluster === 'number' && cluster >>> 0 === cluster && cluster < this.clusterCount)
    ) {
      throw new SlotAllocatorError(
        'INVALID_ARGUMENT',
        where,
        `cluster must be an integer from 0 to ${this.clusterCount - 1}, got ${showValue(cluster)}`,
      );
    }
  }

  #checkInUse(slot: number, method: 'put' | 'dup'): void {
    this.#checkRange(slot, method);
    const b = this.bytes[slot];
    if (b === COUNT_FREE || b === COUNT_BAD) {
      const where = `slotAllocator.${method}`;
      if (b === COUNT_BAD) throw new SlotAllocatorError('SLOT_BAD', where, `slot ${slot} is bad`);
      const code = method === 'put' ? 'DOUBLE_FREE' : 'NOT_ALLOCATED';
      throw new SlotAllocatorError(code, where, `slot ${slot} is free`);
    }
  }
}

// Misuse is reported from these cold functions so the hot methods stay small enough for
// V8 to inline them into their callers.

function badOrder(method: string, order: unknown, maxOrder: number): never {
  throw new SlotAllocatorError(
    'INVALID_ARGUMENT',
    `slotAllocator.${method}`,
    `order must be an integer from 0 to ${maxOrder}, got ${showValue(order)}`,
  );
}

function badStream(stream: unknown, streams: number): never {
  throw new SlotAllocatorError(
    'INVALID_ARGUMENT',
    'slotAllocator.alloc',
    `stream must be an integer from 0 to ${streams - 1}, got ${showValue(stream)}`,
  );
}

function outOfRange(method: string, slot: unknown, slots: number): never {
  throw new SlotAllocatorError(
    'INVALID_ARGUMENT',
    `slotAllocator.${method}`,
    `slot must be an integer from 0 to ${slots - 1}, got ${showValue(slot)}`,
  );
}

function misaligned(slot: number, order: number): never {
  throw new SlotAllocatorError(
    'INVALID_ARGUMENT',
    'slotAllocator.free',
    `slot ${slot} is not aligned to an order-${order} run of ${1 << order} slots`,
  );
}

/** Creates an allocator over `options.slots` slots; see SlotAllocatorOptions. */
export function createSlotAllocator(options: SlotAllocatorOptions): SlotAllocator {
  return new SlotAllocator(options);
}
