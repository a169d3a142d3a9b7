/**
 * Placement: how SwapSpace puts pages onto its devices and takes them off, behind
 * the argument checks of its public calls. It owns the swap table, the counters and
 * the latency model.
 *
 * A page is charged to memory.swap.max up the memcg tree, then written to the first
 * slot the avail list gives for the memcg's tier mask. A write I/O fault (IO_ERROR,
 * BUSY) marks that slot bad in the device's allocator (never handed out again), is
 * counted, and the page goes to the next allowed device: a page is acknowledged (a
 * slot returned) only once a device has taken it, and until then it stays the
 * caller's. Any other failure of a device (closed underneath, a foreign error) gives
 * the slot and the charge back before it is rethrown, so a failed store leaves no
 * trace. A batch whose device write fails counts as not written at all: each of its
 * pages is written again on its own.
 *
 * A written slot records its memcg id (the kernel's swap_cgroup) and holds a reference
 * on it, so a removed memcg's id stays valid until its last page is freed. The latency
 * model adds a fixed modelled time per read / write on a tier's devices to the Clock.
 */
import type { Clock } from '@tierswap/base';
import type { GroupId, MemcgTree } from '@tierswap/memcg';
import { ALL_TIERS_MASK, NO_GROUP } from '@tierswap/memcg';
import type { Active } from './swapTable.js';
import { SwapTable } from './swapTable.js';
import { TieredStoreError } from './tieredStoreError.js';
import type { StoreRefusal, SwapSlot, SwapSpaceStats } from './types.js';
import { MAX_DEVICE_SLOTS, StoreRefusal as Refused, SWAP_OFFSET_BITS } from './types.js';

const OFFSET_MASK = MAX_DEVICE_SLOTS - 1;

export class Placement {
  readonly table = new SwapTable();
  readonly counters: SwapSpaceStats = {
    stores: 0,
    loads: 0,
    frees: 0,
    refusals: { swapMax: 0, noDevice: 0, full: 0, ioError: 0 },
    fallthroughs: 0,
    writeErrors: 0,
    readErrors: 0,
    checksumErrors: 0,
    moved: 0,
  };
  /** readMicros, writeMicros per tier index (0 = no model). */
  readonly latency = new Float64Array(64);
  readonly #memcg: MemcgTree | undefined;
  readonly #clock: Clock;

  constructor(memcg: MemcgTree | undefined, clock: Clock) {
    this.#memcg = memcg;
    this.#clock = clock;
  }

  /** Charges and places one page for a checked group and page. */
  store(g: GroupId, data: Uint8Array): SwapSlot | StoreRefusal {
    const tree = this.#memcg;
    if (tree !== undefined && tree.tryCharge(g, 'swap', 1) !== NO_GROUP) {
      this.counters.refusals.swapMax++;
      return Refused.SWAP_MAX;
    }
    let r: SwapSlot | StoreRefusal;
    try {
      r = this.place(g, data, 0);
    } catch (e) {
      tree?.uncharge(g, 'swap', 1);
      throw e;
    }
    if (typeof r !== 'number') {
      tree?.uncharge(g, 'swap', 1);
      this.countRefusal(r);
      return r;
    }
    this.counters.stores++;
    return r;
  }

  /**
   * Charges and allocates a slot without writing it (the kernel's folio_alloc_swap()
   * before swap_writepage()): for callers that must hold the slot before they have the
   * bytes (zswap writeback, a classic swap cache). `narrow` ANDs the memcg's mask.
   */
  reserve(g: GroupId, narrow: number): SwapSlot | StoreRefusal {
    const tree = this.#memcg;
    if (tree !== undefined && tree.tryCharge(g, 'swap', 1) !== NO_GROUP) {
      this.counters.refusals.swapMax++;
      return Refused.SWAP_MAX;
    }
    const mask = (tree === undefined ? ALL_TIERS_MASK : tree.effectiveTierMask(g)) & narrow;
    const r = this.table.allocate(mask, 0, this.counters);
    if (typeof r !== 'number') {
      tree?.uncharge(g, 'swap', 1);
      this.countRefusal(r);
      return r;
    }
    this.own(this.table.get(r >>> SWAP_OFFSET_BITS)!, r & OFFSET_MASK, g);
    this.counters.stores++;
    return r;
  }

  /** storeBatch for a checked group and pages: per page a SwapSlot or a StoreRefusal. */
  storeBatch(g: GroupId, pages: readonly Uint8Array[]): (SwapSlot | StoreRefusal)[] {
    const n = pages.length;
    const tree = this.#memcg;
    const mask = tree === undefined ? ALL_TIERS_MASK : tree.effectiveTierMask(g);
    const out: (SwapSlot | StoreRefusal)[] = new Array(n);
    /** 1 = charged, 2 = charged and owned (written). */
    const state = new Uint8Array(n);
    try {
      // Phase 1: charge and pick a slot for every page, grouped by device.
      const byType = new Map<number, number[]>();
      for (let i = 0; i < n; i++) {
        if (tree !== undefined && tree.tryCharge(g, 'swap', 1) !== NO_GROUP) {
          out[i] = Refused.SWAP_MAX;
          continue;
        }
        state[i] = 1;
        const r = this.table.allocate(mask, 0, this.counters);
        out[i] = r;
        if (typeof r !== 'number') continue;
        const t = r >>> SWAP_OFFSET_BITS;
        const list = byType.get(t);
        if (list === undefined) byType.set(t, [i]);
        else list.push(i);
      }
      // Phase 2: one batched write per device; if it fails, page by page.
      for (const [t, idx] of byType) this.writeBatch(this.table.get(t)!, g, pages, idx, out, state);
    } catch (e) {
      this.rollBackBatch(g, out, state);
      throw e;
    }
    let stored = 0;
    for (let i = 0; i < n; i++) {
      const r = out[i]!;
      if (typeof r === 'number') stored++;
      else {
        if (state[i] === 1) tree?.uncharge(g, 'swap', 1);
        this.countRefusal(r);
      }
    }
    this.counters.stores += stored;
    return out;
  }

  /** Allocates a slot on an allowed device and writes the page; no charging. */
  place(group: GroupId, data: Uint8Array, failedAlready: number): SwapSlot | StoreRefusal {
    const mask = this.#memcg === undefined ? ALL_TIERS_MASK : this.#memcg.effectiveTierMask(group);
    let failed = failedAlready;
    for (;;) {
      const r = this.table.allocate(mask, failed, this.counters);
      if (typeof r !== 'number') return r;
      const dev = this.table.get(r >>> SWAP_OFFSET_BITS)!;
      const offset = r & OFFSET_MASK;
      try {
        dev.device.write(offset, data);
      } catch (e) {
        failed |= this.writeFailed(dev, offset, e);
        continue;
      }
      this.delay(dev.tierIdx * 2 + 1);
      this.own(dev, offset, group);
      return r;
    }
  }

  /** Phase 2 of storeBatch for one device: the batched write, or page by page when it fails. */
  writeBatch(
    dev: Active,
    group: GroupId,
    pages: readonly Uint8Array[],
    idx: number[],
    out: (SwapSlot | StoreRefusal)[],
    state: Uint8Array,
  ): void {
    const offsets = idx.map((i) => (out[i] as number) & OFFSET_MASK);
    try {
      dev.device.writeBatch(
        offsets,
        idx.map((i) => pages[i]!),
      );
    } catch (e) {
      if (!isWriteFault(e)) throw e;
      // None of the batch counts as written: each page again on its own.
      for (let k = 0; k < idx.length; k++) {
        const i = idx[k]!;
        try {
          dev.device.write(offsets[k]!, pages[i]!);
        } catch (e2) {
          // The slot is marked bad (no longer ours to give back); place the page elsewhere.
          out[i] = Refused.IO_ERROR;
          const r = this.place(group, pages[i]!, this.writeFailed(dev, offsets[k]!, e2));
          out[i] = r;
          if (typeof r === 'number') state[i] = 2;
          continue;
        }
        this.delay(dev.tierIdx * 2 + 1);
        this.own(dev, offsets[k]!, group);
        state[i] = 2;
      }
      return;
    }
    for (let k = 0; k < idx.length; k++) {
      this.delay(dev.tierIdx * 2 + 1);
      this.own(dev, offsets[k]!, group);
      state[idx[k]!] = 2;
    }
  }

  /** Gives back every slot and charge a failed storeBatch took. */
  rollBackBatch(group: GroupId, out: (SwapSlot | StoreRefusal)[], state: Uint8Array): void {
    for (let i = 0; i < state.length; i++) {
      if (state[i] === 0) continue;
      const r = out[i];
      if (typeof r === 'number') {
        const dev = this.table.get(r >>> SWAP_OFFSET_BITS)!;
        if (state[i] === 2) this.release(dev, r & OFFSET_MASK);
        else dev.allocator.put(r & OFFSET_MASK);
      }
      this.#memcg?.uncharge(group, 'swap', 1);
    }
  }

  /** Records the owner of a freshly written slot and takes its memcg id reference. */
  own(dev: Active, offset: number, group: GroupId): void {
    dev.owner[offset] = group;
    this.#memcg?.idGet(group);
  }

  /**
   * A write failed. An I/O fault (IO_ERROR, BUSY) marks the slot bad (never handed
   * out again), is counted, and returns the device's bit for the `failed` mask; any
   * other error gives the slot back and is rethrown.
   */
  writeFailed(dev: Active, offset: number, e: unknown): number {
    if (!isWriteFault(e)) {
      dev.allocator.put(offset);
      throw e;
    }
    dev.allocator.markBad(offset);
    this.counters.writeErrors++;
    return 1 << dev.type;
  }

  countRefusal(r: StoreRefusal): void {
    const c = this.counters.refusals;
    if (r === Refused.SWAP_MAX) c.swapMax++;
    else if (r === Refused.NO_DEVICE) c.noDevice++;
    else if (r === Refused.FULL) c.full++;
    else c.ioError++;
  }

  readPage(dev: Active, offset: number, out: Uint8Array): number {
    try {
      const len = dev.device.read(offset, out);
      this.delay(dev.tierIdx * 2);
      return len;
    } catch (e) {
      if (e instanceof TieredStoreError) {
        this.counters.readErrors++;
        if (e.code === 'CHECKSUM_MISMATCH') this.counters.checksumErrors++;
      }
      throw e;
    }
  }

  /** Drops the slot's reference and its memcg id reference (no uncharge). */
  release(dev: Active, offset: number): void {
    const owner = dev.owner[offset]! as GroupId;
    dev.owner[offset] = 0;
    dev.allocator.put(offset);
    if (this.#memcg !== undefined && owner !== NO_GROUP) this.#memcg.idPut(owner);
  }

  delay(index: number): void {
    const micros = this.latency[index]!;
    if (micros > 0) this.#clock.advance(micros / 1000);
  }
}

/** A device write failure the swap layer handles by marking the slot bad and moving on. */
function isWriteFault(e: unknown): boolean {
  return e instanceof TieredStoreError && (e.code === 'IO_ERROR' || e.code === 'BUSY');
}
