/**
 * SlotAllocator: the cluster swap-slot allocator of Linux mm/swapfile.c, over N fixed-size
 * slots, as the package's users see it.
 *
 * Slots are grouped in clusters (512 by default). A cluster serves one allocation order,
 * fixed by the first allocation into it while it was empty, so large aligned runs are not
 * broken up by scattered order-0 pages: that is what keeps the kernel's mTHP fallback at a
 * few percent where a plain bitmap allocator degrades to 100%.
 *
 * The allocator's parts, each in its own file:
 *   SlotAllocator (here)  the package boundary: checks every argument, keeps the slot
 *       totals (free, bad, the full flag and onFullChange) and the stats counters, and
 *       answers the reference operations (dup, put, free, markBad) and the queries;
 *   ClusterAllocator (clusterAllocator.ts), its base class  the clusters, their lists (a
 *       cluster's list is its state), the per-stream cache of where to allocate next, the
 *       kernel's fast and slow allocation paths, and discards;
 *   UsageCounts (usageCounts.ts)  the swap map, one byte per slot, shared by both;
 *   ClusterLists (clusterLists.ts)  the intrusive lists the clusters sit on;
 *   verifyClusters() (verifyClusters.ts) and the argument errors (argumentErrors.ts),
 *       both cold, kept out of the hot classes.
 * ClusterAllocator owns the arrays the allocation path walks and trusts its arguments;
 * this class calls its protected methods after its checks. It is a base class, not an
 * object held in a field, so an allocator is one object and the hot path has no hop:
 * holding it in a `clusters` field measured 2-5% slower on order-0 alloc+free pairs and up
 * to ~15% slower on FIFO churn than the unsplit class; as a base class it is at parity.
 * (In-process A/B, both versions and a second copy of the unsplit class in one process,
 * alternating rounds, 24 processes with the load order rotated, 2026-11-30; median over
 * processes of the throughput ratio to the unsplit class: pairs 1.006, bursts 1.000, FIFO
 * churn 0.982, where the copy of the unsplit class gave 1.002, 0.996 and 0.998, with
 * per-process spreads of 0.98-1.09, 0.88-1.12 and 0.94-1.06.)
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
import { badOrder, badStream, misaligned, outOfRange } from './argumentErrors.js';
import { ClusterAllocator } from './clusterAllocator.js';
import { checkOptions } from './options.js';
import { SlotAllocatorError } from './slotAllocatorError.js';
import type {
  AllocFailureReason,
  ClusterInfo,
  DiscardPolicy,
  SlotAllocatorOptions,
  SlotAllocatorStats,
} from './types.js';
import { UsageCounts } from './usageCounts.js';
import { verifyClusters } from './verifyClusters.js';

// Local copies of the slot-map encodings (usageCounts.ts) and of clusterAllocator.ts's
// "no slot found". Imported bindings are live, so V8 reloads them on every use;
// module-local constants are folded into the code (about 4% of an allocation). The
// bad-slot tests fail if these ever disagree with usageCounts.ts, and every allocation
// test if NO_SLOT disagrees with clusterAllocator.ts.
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

export class SlotAllocator extends ClusterAllocator {
  // slots, clusterSize, clusterCount, maxOrder and rotational are ClusterAllocator's.
  readonly streams: number;
  readonly discardPolicy: DiscardPolicy;

  // The state below is TypeScript `private`, not `#private` as docs/CONTRIBUTING.md asks,
  // on purpose: with `#` fields, Node 20's V8 ran the order-0 hot path about 25% slower
  // (bench/allocator.bench.ts, cluster against the bitmap baseline in one run, three
  // runs each, 2026-11-30: alloc+free pair 0.118 / 0.145 / 0.115 of the bitmap with `#`
  // against 0.162 / 0.154 / 0.132 without; FIFO churn 0.077 / 0.077 / 0.108 against
  // 0.110 / 0.101 / 0.103). Private methods (`#release()`, ...) cost nothing measurable
  // and stay `#`. (Measured before the clusters moved to clusterAllocator.ts, when this
  // class held all of the state.)
  // The class is exported as a type only. ClusterAllocator, ClusterLists and UsageCounts,
  // which the same loop touches, do the same.

  /** Its bytes are the slot map, held by ClusterAllocator as `bytes`: read on every free. */
  private readonly counts: UsageCounts;
  private readonly onFullChange: ((full: boolean) => void) | undefined;

  /** Slots neither in use nor bad. In use = slots - freeSlots - badSlots. */
  private freeSlots: number;
  private badSlots = 0;
  private full = false;
  private readonly allocations: Float64Array;
  private readonly fallbacks: Float64Array;
  private readonly failures: Record<AllocFailureReason, number> = { full: 0, fragmented: 0 };

  constructor(options: SlotAllocatorOptions) {
    const checked = checkOptions(options);
    const counts = new UsageCounts(checked.slots);
    super(checked, counts.bytes);
    const { slots, streams, discard, onDiscard, onFullChange } = checked;
    this.counts = counts;
    this.freeSlots = slots;
    this.streams = streams;
    this.discardPolicy = discard;
    this.onFullChange = onFullChange;

    this.allocations = new Float64Array(this.maxOrder + 1);
    this.fallbacks = new Float64Array(this.maxOrder + 1);
    // Called as a method of the allocator, as it always was (a `function` callback sees it as `this`).
    if (discard === 'once') onDiscard?.call(this, 0, slots);
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
      found = order === 0 ? this.allocFastOrder0(stream) : this.allocFast(order, stream);
    }
    if (found === NO_SLOT) found = this.allocSlow(order, stream);
    if (found === NO_SLOT && this.discardsPending()) {
      this.processDiscards();
      found = this.allocSlow(order, stream);
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

  // processDiscards(), the kernel's swap_do_scheduled_discard(), is ClusterAllocator's.

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
    this.freeSlots += nr;
    this.release(slot, nr); // ClusterAllocator's: the cluster's count, hint and list
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
    this.addBadSlot(c);
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
    return this.usedOf(cluster);
  }

  clusterInfo(cluster: number): ClusterInfo {
    this.#checkCluster(cluster, 'slotAllocator.clusterInfo');
    return {
      state: this.stateOf(cluster),
      order: this.orderOf(cluster),
      used: this.usedOf(cluster),
    };
  }

  /** Every in-use slot in ascending order (empty clusters are skipped whole). */
  *usedSlots(): IterableIterator<number> {
    const bytes = this.bytes;
    for (let c = 0; c < this.clusterCount; c++) {
      if (this.usedOf(c) === 0) continue;
      const end = Math.min((c + 1) << this.shift, this.slots);
      for (let s = c << this.shift; s < end; s++) {
        const b = bytes[s]!;
        if (b !== COUNT_FREE && b !== COUNT_BAD) yield s;
      }
    }
  }

  stats(): SlotAllocatorStats {
    const clusters = this.countByState();
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
      this.clusterBytes() +
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
    const { inUse, bad } = verifyClusters(
      this.clusterQueries(),
      this.bytes,
      this.clusterSize,
      fail,
    );
    const counted = this.slots - this.freeSlots - this.badSlots;
    if (inUse !== counted) fail(`${counted} slots counted in use, slots say ${inUse}`);
    if (bad !== this.badSlots) fail(`${this.badSlots} slots counted bad, slots say ${bad}`);
    if (this.full !== (inUse + bad === this.slots)) fail(`full flag ${this.full} is stale`);
  }

  // -------------------------------------------------------------------------------------
  // Helpers
  // -------------------------------------------------------------------------------------

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

/** Creates an allocator over `options.slots` slots; see SlotAllocatorOptions. */
export function createSlotAllocator(options: SlotAllocatorOptions): SlotAllocator {
  return new SlotAllocator(options);
}
