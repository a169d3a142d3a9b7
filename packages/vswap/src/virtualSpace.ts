/**
 * VirtualSpace: the virtual slot space, allocated with @tierswap/slot-allocator's cluster
 * allocator, in segments that exist only while they are needed.
 *
 * The slot allocator keeps one usage byte per slot it covers, fixed at creation. One
 * allocator over a large virtual space (the table edition's ghost device "supports ~8 PB")
 * would cost that byte for every slot that could ever exist. So the space is cut into
 * segments of `segmentSlots` slots, each with its own SlotAllocator, created the first
 * time an allocation needs it and dropped when its last entry is freed, the way the table
 * edition allocates ghost-device clusters on demand in an xarray
 * (`swap_cluster_info_dynamic`). An entry is `segment * segmentSlots + slot`.
 *
 * Placement: allocations go to the lowest segment with room, so live entries pack toward
 * low ids and the high segments drain and disappear. One empty segment is kept as a spare,
 * so a workload that hovers at a segment boundary does not create and drop a segment on
 * every operation.
 *
 * The allocator's usage count is the entry's reference count (swap count plus one for the
 * swap cache, see virtualSwap.ts): the slot is free exactly when the entry is.
 */

import { isIntInRange, isPowerOfTwoInRange, showValue } from '@tierswap/base';
import type { SlotAllocator } from '@tierswap/slot-allocator';
import { createSlotAllocator } from '@tierswap/slot-allocator';
import { VswapError } from './vswapError.js';

interface Segment {
  readonly allocator: SlotAllocator;
  /** Live entries in the segment. */
  used: number;
  /** Set when an allocation was refused; cleared by any free in the segment. */
  full: boolean;
}

export interface VirtualSpaceOptions {
  maxEntries: number;
  segmentSlots: number;
  clusterSize: number;
  streams: number;
}

export class VirtualSpace {
  // TypeScript `private` rather than `#` fields: on vswap's hot paths (see virtualSwap.ts).
  readonly maxEntries: number;
  readonly segmentSlots: number;
  readonly streams: number;
  private readonly clusterSize: number;
  private readonly segShift: number;
  private readonly segMask: number;
  private readonly segmentLimit: number;
  private readonly segments: (Segment | undefined)[] = [];
  /** Lowest segment index that may have room (every segment below it is full). */
  private cursor = 0;
  /** An empty segment kept alive, or -1. */
  private spare = -1;
  private liveSegments = 0;
  private created = 0;
  private dropped = 0;

  constructor(options: VirtualSpaceOptions) {
    const { maxEntries, segmentSlots, clusterSize, streams } = options;
    const where = 'virtualSwap.create';
    if (!isPowerOfTwoInRange(segmentSlots, clusterSize, 2 ** 30)) {
      throw new VswapError(
        'INVALID_ARGUMENT',
        where,
        `segmentSlots must be a power of two from clusterSize (${clusterSize}) to 2^30, got ${showValue(segmentSlots)}`,
      );
    }
    if (!isIntInRange(streams, 1, 1024)) {
      throw new VswapError(
        'INVALID_ARGUMENT',
        where,
        `streams must be an integer from 1 to 1024, got ${showValue(streams)}`,
      );
    }
    this.maxEntries = maxEntries;
    this.segmentSlots = segmentSlots;
    this.clusterSize = clusterSize;
    this.streams = streams;
    this.segShift = Math.log2(segmentSlots);
    this.segMask = segmentSlots - 1;
    this.segmentLimit = Math.ceil(maxEntries / segmentSlots);
  }

  /** An order-0 virtual slot with count 1, or -1 when the whole space is full. */
  alloc(stream: number): number {
    for (let k = this.cursor; k < this.segmentLimit; k++) {
      let seg = this.segments[k];
      if (seg === undefined) seg = this.#create(k);
      else if (seg.full) continue;
      const slot = seg.allocator.alloc(0, stream);
      if (typeof slot !== 'number') {
        seg.full = true;
        continue;
      }
      this.cursor = k;
      if (seg.used === 0 && this.spare === k) this.spare = -1;
      seg.used++;
      return k * this.segmentSlots + slot;
    }
    this.cursor = this.segmentLimit;
    return -1;
  }

  /** The reference count of a live entry (0 for a free one). */
  count(entry: number): number {
    const seg = this.segments[Math.floor(entry / this.segmentSlots)];
    return seg === undefined ? 0 : seg.allocator.count(entry & this.segMask);
  }

  /** Adds a reference to a live entry and returns the new count. */
  dup(entry: number): number {
    return this.#segmentOf(entry, 'virtualSpace.dup').allocator.dup(entry & this.segMask);
  }

  /** Drops a reference and returns the new count; at 0 the slot is free again. */
  put(entry: number): number {
    const k = entry >>> this.segShift;
    const seg = this.#segmentOf(entry, 'virtualSpace.put');
    const left = seg.allocator.put(entry & this.segMask);
    if (left !== 0) return left;
    seg.used--;
    seg.full = false;
    if (k < this.cursor) this.cursor = k;
    if (seg.used === 0) this.#retire(k);
    return 0;
  }

  /** Allocated virtual slots over all segments. */
  liveEntries(): number {
    let n = 0;
    for (const seg of this.segments) if (seg !== undefined) n += seg.used;
    return n;
  }

  segmentCount(): number {
    return this.liveSegments;
  }

  /** Segments created and dropped since construction. */
  churn(): { created: number; dropped: number } {
    return { created: this.created, dropped: this.dropped };
  }

  /** Typed-array bytes of the live segments' allocators. */
  allocatorBytes(): number {
    let bytes = 0;
    for (const seg of this.segments) if (seg !== undefined) bytes += seg.allocator.metadataBytes();
    return bytes;
  }

  /** Runs every live allocator's own invariant check (O(space); for tests). */
  verify(): void {
    let live = 0;
    for (let k = 0; k < this.segments.length; k++) {
      const seg = this.segments[k];
      if (seg === undefined) continue;
      live++;
      seg.allocator.verify();
      const used = seg.allocator.stats().used;
      if (used !== seg.used) {
        throw new VswapError(
          'CORRUPT',
          'virtualSpace.verify',
          `segment ${k} counts ${seg.used} live entries, its allocator ${used}`,
        );
      }
      if (used === 0 && k !== this.spare) {
        throw new VswapError(
          'CORRUPT',
          'virtualSpace.verify',
          `segment ${k} is empty but is not the spare (${this.spare})`,
        );
      }
    }
    if (live !== this.liveSegments) {
      throw new VswapError(
        'CORRUPT',
        'virtualSpace.verify',
        `${live} segments present, ${this.liveSegments} counted`,
      );
    }
  }

  #segmentOf(entry: number, where: string): Segment {
    const seg = this.segments[entry >>> this.segShift];
    if (seg === undefined) {
      throw new VswapError(
        'CORRUPT',
        where,
        `entry ${entry} lies in a segment that does not exist`,
      );
    }
    return seg;
  }

  #create(k: number): Segment {
    const slots = Math.min(this.segmentSlots, this.maxEntries - k * this.segmentSlots);
    const allocator = createSlotAllocator({
      slots,
      clusterSize: this.clusterSize,
      streams: this.streams,
    });
    const seg: Segment = { allocator, used: 0, full: false };
    while (this.segments.length <= k) this.segments.push(undefined);
    this.segments[k] = seg;
    this.liveSegments++;
    this.created++;
    return seg;
  }

  /** Segment k just emptied: keep it as the spare, or drop it (or the old spare). */
  #retire(k: number): void {
    if (this.spare === -1) {
      this.spare = k;
      return;
    }
    // Keep the lower one: allocations fill low segments first, so it is the one reused.
    const drop = Math.max(k, this.spare);
    this.spare = Math.min(k, this.spare);
    this.segments[drop] = undefined;
    this.liveSegments--;
    this.dropped++;
    while (this.segments.length > 0 && this.segments[this.segments.length - 1] === undefined) {
      this.segments.pop();
    }
  }
}
