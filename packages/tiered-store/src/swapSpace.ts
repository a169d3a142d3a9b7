/**
 * SwapSpace: the active swap devices (the kernel's swap_info[] and swap_avail_head),
 * swapon/swapoff, the swap tiers, and page placement for a memcg.
 *
 * Placement (folio_alloc_swap → swap_alloc_slow with the swap-tiers mask):
 * 1. Charge one page to memory.swap.max up the memcg tree; refuse (SWAP_MAX) if any
 *    ancestor is at its limit. Only physical backing is charged (vswap semantics).
 * 2. Walk the active devices by priority, highest first, skipping devices whose tier
 *    is not in the memcg's effective tier mask (computed once per request).
 * 3. Among devices of equal priority, start after the one used last (plist_requeue
 *    round-robin), so they take turns.
 * 4. A full device is skipped (counted as a fallthrough) and the next allowed device
 *    or tier is tried; when none is left the store is refused (FULL, or NO_DEVICE
 *    when the mask allows no active device).
 * 5. A write I/O error marks that slot bad in the device's allocator (never handed
 *    out again), is counted, and the page is retried on the next device: a page is
 *    acknowledged (a slot returned) only once a device has taken it, and until then
 *    it stays the caller's. Any other failure of the device (closed underneath, a
 *    foreign error) gives the slot and the charge back before it is rethrown, so a
 *    refused or failed store leaves no trace.
 * The slot records the owning memcg id (the kernel's swap_cgroup / memcg_table) and
 * holds a reference on it, so a removed memcg's id stays valid until its last page
 * is freed and uncharges reach its online ancestor.
 *
 * Every public method checks its arguments first (a SwapSlot is an unsigned 32-bit
 * integer, a page a Uint8Array of 1..pageSize bytes, a group a known memcg id) and
 * throws INVALID_ARGUMENT or BAD_STATE before anything changes. swapoff is in
 * ./swapoff.ts; this file holds the table, placement and the page calls.
 *
 * The latency model charges a fixed modelled time per read/write on the devices of a
 * tier to the Clock (clock.advance): it models slower media without spinning.
 */
import type { Clock } from '@tierswap/base';
import { createSystemClock } from '@tierswap/base';
import type { GroupId } from '@tierswap/memcg';
import {
  ALL_TIERS_MASK,
  GroupState,
  MAX_GROUP_ID,
  MemcgTree,
  NO_GROUP,
  ROOT_GROUP,
} from '@tierswap/memcg';
import type { SlotAllocator } from '@tierswap/slot-allocator';
import { createSlotAllocator, NO_SLOT } from '@tierswap/slot-allocator';
import {
  checkOptions,
  checkOut,
  checkPage,
  checkSwapSlot,
  invalid,
  isIndex,
  show,
} from './args.js';
import type { BlockDevice } from './blockDevice.js';
import type { SwapoffResult } from './swapoff.js';
import { runSwapoff } from './swapoff.js';
import type { SwapTiers } from './swapTiers.js';
import { createSwapTiers } from './swapTiers.js';
import { TieredStoreError } from './tieredStoreError.js';
import type { DiscardFlag, LatencyModel, StoreRefusal, SwapSlot } from './types.js';
import {
  DEFAULT_PRIORITY,
  MAX_DEVICE_SLOTS,
  MAX_SWAP_DEVICES,
  PRIO_MAX,
  StoreRefusal as Refused,
  SWAP_OFFSET_BITS,
  TIER_DEFAULT_IDX,
} from './types.js';

export interface SwapSpaceOptions {
  /** The memcg tree: charges memory.swap.*, supplies tier masks. Without it, everything is root's. */
  memcg?: MemcgTree;
  /** CONFIG_NR_SWAP_TIERS: 1..31 (default 4). */
  maxTiers?: number;
  /** Where the latency model's modelled time goes (default: createSystemClock()). */
  clock?: Clock;
  /** The page size every device switched on must have (default 4096). */
  pageSize?: number;
}

export interface SwaponOptions {
  /** -1..32767; default -1 (DEF_SWAP_PRIO). */
  priority?: number;
  /** SWAP_FLAG_DISCARD_ONCE / _PAGES. */
  discard?: DiscardFlag;
  /** Slot-allocator cluster size (default 512). */
  clusterSize?: number;
}

export interface SwapDeviceInfo {
  type: number;
  name: string;
  kind: string;
  priority: number;
  tier: string;
  slots: number;
  used: number;
  bad: number;
}

export interface SwapSpaceStats {
  stores: number;
  loads: number;
  frees: number;
  refusals: { swapMax: number; noDevice: number; full: number; ioError: number };
  /** A full device was skipped for the next one. */
  fallthroughs: number;
  /** Device write failures (each slot marked bad, page retried elsewhere). */
  writeErrors: number;
  /** Device read failures (I/O or checksum) seen by load() and swapoff. */
  readErrors: number;
  checksumErrors: number;
  /** Pages moved by swapoff. */
  moved: number;
}

/** One active device (module-internal; swapoff.ts works on it). */
export interface Active {
  readonly type: number;
  readonly device: BlockDevice;
  readonly allocator: SlotAllocator;
  readonly priority: number;
  readonly tierIdx: number;
  /** Owning memcg id per slot (0 = none). */
  readonly owner: Uint16Array;
  /** false while swapoff drains it: no new pages. */
  avail: boolean;
}

interface Bucket {
  priority: number;
  types: number[];
  /** Index into types of the device to try first (round-robin). */
  next: number;
}

const OFFSET_MASK = MAX_DEVICE_SLOTS - 1;
const DISCARD_FLAGS: readonly unknown[] = ['none', 'once', 'pages'];
const MAX_PAGE_SIZE = 1 << 20;

/** Makes a SwapSpace: the documented way to get one. */
export function createSwapSpace(options: SwapSpaceOptions = {}): SwapSpace {
  return new SwapSpace(options);
}

export class SwapSpace {
  readonly #tiers: SwapTiers;
  readonly #memcg: MemcgTree | undefined;
  readonly #clock: Clock;
  readonly #pageSize: number;
  readonly #devices: (Active | undefined)[] = [];
  #buckets: Bucket[] = [];
  /** readMicros, writeMicros per tier index (0 = no model). */
  readonly #latency = new Float64Array(64);
  readonly #counters: SwapSpaceStats = {
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
  /** The callback running now ('' when none): calls that change the table wait for it to return. */
  #inCallback = '';

  /** Use createSwapSpace(). */
  constructor(options: SwapSpaceOptions = {}) {
    const where = 'createSwapSpace';
    checkOptions(options, where);
    const { memcg, clock, pageSize = 4096, maxTiers } = options;
    if (memcg !== undefined && !(memcg instanceof MemcgTree)) {
      throw invalid(where, `memcg must be a MemcgTree (createMemcg().tree), got ${show(memcg)}`);
    }
    if (
      clock !== undefined &&
      (typeof clock !== 'object' ||
        clock === null ||
        typeof clock.advance !== 'function' ||
        typeof clock.now !== 'function')
    ) {
      throw invalid(where, `clock must be a Clock from @tierswap/base, got ${show(clock)}`);
    }
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw invalid(where, `pageSize ${show(pageSize)} must be an integer in 1..${MAX_PAGE_SIZE}`);
    }
    this.#memcg = memcg;
    this.#clock = clock ?? createSystemClock();
    this.#pageSize = pageSize;
    this.#tiers = createSwapTiers({
      ...(maxTiers === undefined ? {} : { maxTiers }),
      activeDevices: () => this.#activeViews(),
      onRemoved: (idx) => {
        this.#memcg?.setTierBitEverywhere(idx);
        this.#latency[idx * 2] = 0;
        this.#latency[idx * 2 + 1] = 0;
      },
    });
  }

  /** The global tiers file (/sys/kernel/mm/swap/tiers). */
  get tiers(): SwapTiers {
    return this.#tiers;
  }

  get memcg(): MemcgTree | undefined {
    return this.#memcg;
  }

  get clock(): Clock {
    return this.#clock;
  }

  get pageSize(): number {
    return this.#pageSize;
  }

  // ==========================================================================
  // swapon / swapoff
  // ==========================================================================

  /** Switches a device on and returns its type (index in the swap table). */
  swapon(device: BlockDevice, options: SwaponOptions = {}): number {
    const where = 'swapSpace.swapon';
    this.#notInCallback(where);
    this.#checkDevice(device, where);
    checkOptions(options, where);
    const { priority = DEFAULT_PRIORITY, discard = 'none', clusterSize } = options;
    if (!(Number.isInteger(priority) && priority >= -1 && priority <= PRIO_MAX)) {
      throw invalid(where, `priority ${show(priority)} must be an integer in -1..${PRIO_MAX}`);
    }
    if (!DISCARD_FLAGS.includes(discard)) {
      throw invalid(where, `discard ${show(discard)} must be 'none', 'once' or 'pages'`);
    }
    if (this.#devices.some((d) => d?.device === device)) {
      throw new TieredStoreError('BAD_STATE', where, `${device.name} is already active`);
    }
    let type = this.#devices.indexOf(undefined);
    if (type < 0) type = this.#devices.length;
    if (type >= MAX_SWAP_DEVICES) {
      throw new TieredStoreError(
        'BAD_STATE',
        where,
        `all ${MAX_SWAP_DEVICES} swap types are in use`,
      );
    }
    let allocator: SlotAllocator;
    try {
      allocator = createSlotAllocator({
        slots: device.slots,
        rotational: device.rotational,
        discard,
        ...(clusterSize === undefined ? {} : { clusterSize }),
        ...(discard === 'none'
          ? {}
          : { onDiscard: (first: number, count: number) => device.discard(first, count) }),
      });
    } catch (e) {
      // The device's own discard failing is the device's error; the rest is a bad option.
      if (e instanceof TieredStoreError) throw e;
      throw new TieredStoreError('INVALID_ARGUMENT', where, (e as Error).message, { cause: e });
    }
    this.#devices[type] = {
      type,
      device,
      allocator,
      priority,
      tierIdx: this.#tiers.tierOfPriority(priority),
      owner: new Uint16Array(device.slots),
      avail: true,
    };
    this.#rebuildBuckets();
    return type;
  }

  /**
   * Switches a device off, moving every page it holds to other allowed devices.
   * `onMove(from, to)` is called for each page after its copy is written. Returns
   * `{ ok: true, moved }`, or a SwapoffRefusal (the device stays on, moved pages stay
   * moved): ENOMEM when a page has nowhere to go, EIO when a page cannot be read back
   * or every device with room failed its write. If onMove throws, the page it was
   * told about stays where it was, the device stays on, and CALLBACK_FAILED is thrown.
   */
  swapoff(type: number, onMove?: (from: SwapSlot, to: SwapSlot) => void): SwapoffResult {
    const where = 'swapSpace.swapoff';
    this.#notInCallback(where);
    if (!isIndex(type, MAX_SWAP_DEVICES)) {
      throw invalid(where, `type ${show(type)} must be an integer in 0..${MAX_SWAP_DEVICES - 1}`);
    }
    if (onMove !== undefined && typeof onMove !== 'function') {
      throw invalid(where, `onMove must be a function, got ${show(onMove)}`);
    }
    const dev = this.#activeDevice(type, where);
    dev.avail = false;
    this.#rebuildBuckets();
    let done = false;
    try {
      const result = runSwapoff(
        {
          pageSize: this.#pageSize,
          readPage: (offset, out) => this.#readPage(dev, offset, out),
          place: (group, page) => this.#place(group, page, 0),
          release: (slot) => {
            const d = this.#devices[slot >>> SWAP_OFFSET_BITS]!;
            this.#release(d, slot & OFFSET_MASK);
          },
          writeErrors: () => this.#counters.writeErrors,
          moved: () => {
            this.#counters.moved++;
          },
          callback: (name, fn) => {
            this.#inCallback = name;
            try {
              fn();
            } finally {
              this.#inCallback = '';
            }
          },
        },
        dev,
        onMove,
      );
      done = result.ok;
      return result;
    } finally {
      if (done) this.#devices[type] = undefined;
      else dev.avail = true;
      this.#rebuildBuckets();
    }
  }

  /**
   * Runs the discard worker: every cluster freed on a device switched on with
   * `discard: 'pages'` is discarded (device.discard) and becomes allocatable again.
   * The allocator also does this itself when an allocation would otherwise fail
   * (swap_sync_discard). Returns the number of clusters discarded.
   */
  processDiscards(): number {
    this.#notInCallback('swapSpace.processDiscards');
    let n = 0;
    for (const d of this.#devices) if (d !== undefined) n += d.allocator.processDiscards();
    return n;
  }

  /** The swap table (what /proc/swaps shows). */
  swaps(): SwapDeviceInfo[] {
    const out: SwapDeviceInfo[] = [];
    for (const d of this.#devices) {
      if (d === undefined) continue;
      const st = d.allocator.stats();
      out.push({
        type: d.type,
        name: d.device.name,
        kind: d.device.kind,
        priority: d.priority,
        tier: this.#tierName(d.tierIdx),
        slots: d.device.slots,
        used: st.used,
        bad: st.bad,
      });
    }
    return out;
  }

  // ==========================================================================
  // Pages
  // ==========================================================================

  /**
   * Stores a page (a Uint8Array of 1..pageSize bytes) for `group` (NO_GROUP means
   * the root): a SwapSlot, or a StoreRefusal (counted) when no allowed device takes it.
   */
  store(group: GroupId, data: Uint8Array): SwapSlot | StoreRefusal {
    const where = 'swapSpace.store';
    this.#notInCallback(where);
    const g = this.#group(group, where);
    checkPage(data, this.#pageSize, where);
    const tree = this.#memcg;
    if (tree !== undefined && tree.tryCharge(g, 'swap', 1) !== NO_GROUP) {
      this.#counters.refusals.swapMax++;
      return Refused.SWAP_MAX;
    }
    let r: SwapSlot | StoreRefusal;
    try {
      r = this.#place(g, data, 0);
    } catch (e) {
      tree?.uncharge(g, 'swap', 1);
      throw e;
    }
    if (typeof r !== 'number') {
      tree?.uncharge(g, 'swap', 1);
      this.#countRefusal(r);
      return r;
    }
    this.#counters.stores++;
    return r;
  }

  /**
   * Stores several pages for `group` with one batched device write per device
   * (SqliteDevice turns it into multi-row INSERTs). Returns, per page, its SwapSlot
   * or a StoreRefusal, exactly as `store` would have decided for the pages one by one
   * (same charging, tier mask, round-robin). If a device's batch write fails, none of
   * its pages counts as written: each is written again on its own, and only the pages
   * whose own write fails are placed elsewhere. If a device fails in any other way
   * (closed underneath), every slot and charge of the call is given back before the
   * error is rethrown.
   */
  storeBatch(group: GroupId, pages: readonly Uint8Array[]): (SwapSlot | StoreRefusal)[] {
    const where = 'swapSpace.storeBatch';
    this.#notInCallback(where);
    const g = this.#group(group, where);
    if (!Array.isArray(pages)) throw invalid(where, `pages must be an array, got ${show(pages)}`);
    for (let i = 0; i < pages.length; i++) checkPage(pages[i], this.#pageSize, `${where}[${i}]`);
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
        const r = this.#allocate(mask, 0);
        out[i] = r;
        if (typeof r !== 'number') continue;
        const t = r >>> SWAP_OFFSET_BITS;
        const list = byType.get(t);
        if (list === undefined) byType.set(t, [i]);
        else list.push(i);
      }
      // Phase 2: one batched write per device; if it fails, page by page.
      for (const [t, idx] of byType) this.#writeBatch(this.#devices[t]!, g, pages, idx, out, state);
    } catch (e) {
      this.#rollBackBatch(g, out, state);
      throw e;
    }
    let stored = 0;
    for (let i = 0; i < n; i++) {
      const r = out[i]!;
      if (typeof r === 'number') stored++;
      else {
        if (state[i] === 1) tree?.uncharge(g, 'swap', 1);
        this.#countRefusal(r);
      }
    }
    this.#counters.stores += stored;
    return out;
  }

  /** Reads a page into `out` (at least pageSize bytes); returns its length. Throws CHECKSUM_MISMATCH / IO_ERROR (counted). */
  load(slot: SwapSlot, out: Uint8Array): number {
    const where = 'swapSpace.load';
    const dev = this.#inUse(slot, where);
    checkOut(out, this.#pageSize, where);
    const len = this.#readPage(dev, slot & OFFSET_MASK, out);
    this.#counters.loads++;
    return len;
  }

  /** Frees a page's slot and uncharges its memcg. */
  free(slot: SwapSlot): void {
    const where = 'swapSpace.free';
    this.#notInCallback(where);
    const dev = this.#inUse(slot, where);
    const offset = slot & OFFSET_MASK;
    const group = dev.owner[offset]! as GroupId;
    // Uncharge while the slot still holds its id reference: release() may free the id.
    if (this.#memcg !== undefined && group !== NO_GROUP) this.#memcg.uncharge(group, 'swap', 1);
    this.#release(dev, offset);
    this.#counters.frees++;
  }

  /** The memcg a stored page is charged to (resolved to an online group). */
  ownerOf(slot: SwapSlot): GroupId {
    const dev = this.#inUse(slot, 'swapSpace.ownerOf');
    const g = dev.owner[slot & OFFSET_MASK]! as GroupId;
    return this.#memcg === undefined || g === NO_GROUP ? g : this.#memcg.resolve(g);
  }

  /** The name of the tier a stored page's device belongs to ('' for the default tier). */
  tierOf(slot: SwapSlot): string {
    return this.#tierName(this.#inUse(slot, 'swapSpace.tierOf').tierIdx);
  }

  /** The device a stored page is on. */
  deviceOf(slot: SwapSlot): BlockDevice {
    return this.#inUse(slot, 'swapSpace.deviceOf').device;
  }

  /** Sets (or clears, with undefined) the latency model of a tier's devices. */
  setTierLatency(tier: string, model: LatencyModel | undefined): void {
    const where = 'swapSpace.setTierLatency';
    if (typeof tier !== 'string') throw invalid(where, `tier must be a name, got ${show(tier)}`);
    const idx = this.#tiers.lookup(tier);
    if (idx === undefined) throw invalid(where, `no tier ${show(tier)}`);
    let r = 0;
    let w = 0;
    if (model !== undefined) {
      checkOptions(model, where);
      r = model.readMicros;
      w = model.writeMicros;
      for (const [name, v] of [
        ['readMicros', r],
        ['writeMicros', w],
      ] as const) {
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
          throw invalid(where, `${name} ${show(v)} must be a finite number of µs >= 0`);
        }
      }
    }
    this.#latency[idx * 2] = r;
    this.#latency[idx * 2 + 1] = w;
  }

  stats(): SwapSpaceStats {
    return { ...this.#counters, refusals: { ...this.#counters.refusals } };
  }

  // ==========================================================================
  // Internals
  // ==========================================================================

  /**
   * Picks the next slot for a page: walks the avail list by priority, round-robin
   * within a priority, skipping devices outside `mask` or in `failed` (a bitmask of
   * device types whose write failed during this request). Returns the SwapSlot, or
   * a StoreRefusal: NO_DEVICE (nothing allowed), IO_ERROR (only failed devices had
   * room, or might have), FULL.
   */
  #allocate(mask: number, failed: number): SwapSlot | StoreRefusal {
    let allowed = false;
    let skippedFailed = false;
    for (const b of this.#buckets) {
      const n = b.types.length;
      for (let k = 0; k < n; k++) {
        const t = b.types[(b.next + k) % n]!;
        const dev = this.#devices[t]!;
        if (((mask >>> dev.tierIdx) & 1) === 0) continue;
        allowed = true;
        if ((failed >>> t) & 1) {
          skippedFailed = true;
          continue;
        }
        const offset = dev.allocator.alloc(0);
        if (offset === NO_SLOT) {
          this.#counters.fallthroughs++;
          continue;
        }
        b.next = (b.next + k + 1) % n;
        return (((t << SWAP_OFFSET_BITS) | offset) >>> 0) as SwapSlot;
      }
    }
    if (!allowed) return Refused.NO_DEVICE;
    return skippedFailed ? Refused.IO_ERROR : Refused.FULL;
  }

  /** Allocates a slot on an allowed device and writes the page; no charging. */
  #place(group: GroupId, data: Uint8Array, failedAlready: number): SwapSlot | StoreRefusal {
    const mask = this.#memcg === undefined ? ALL_TIERS_MASK : this.#memcg.effectiveTierMask(group);
    let failed = failedAlready;
    for (;;) {
      const r = this.#allocate(mask, failed);
      if (typeof r !== 'number') return r;
      const dev = this.#devices[r >>> SWAP_OFFSET_BITS]!;
      const offset = r & OFFSET_MASK;
      try {
        dev.device.write(offset, data);
      } catch (e) {
        failed |= this.#writeFailed(dev, offset, e);
        continue;
      }
      this.#delay(dev.tierIdx * 2 + 1);
      this.#own(dev, offset, group);
      return r;
    }
  }

  /** Phase 2 of storeBatch for one device: the batched write, or page by page when it fails. */
  #writeBatch(
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
          const r = this.#place(group, pages[i]!, this.#writeFailed(dev, offsets[k]!, e2));
          out[i] = r;
          if (typeof r === 'number') state[i] = 2;
          continue;
        }
        this.#delay(dev.tierIdx * 2 + 1);
        this.#own(dev, offsets[k]!, group);
        state[i] = 2;
      }
      return;
    }
    for (let k = 0; k < idx.length; k++) {
      this.#delay(dev.tierIdx * 2 + 1);
      this.#own(dev, offsets[k]!, group);
      state[idx[k]!] = 2;
    }
  }

  /** Gives back every slot and charge a failed storeBatch took. */
  #rollBackBatch(group: GroupId, out: (SwapSlot | StoreRefusal)[], state: Uint8Array): void {
    for (let i = 0; i < state.length; i++) {
      if (state[i] === 0) continue;
      const r = out[i];
      if (typeof r === 'number') {
        const dev = this.#devices[r >>> SWAP_OFFSET_BITS]!;
        if (state[i] === 2) this.#release(dev, r & OFFSET_MASK);
        else dev.allocator.put(r & OFFSET_MASK);
      }
      this.#memcg?.uncharge(group, 'swap', 1);
    }
  }

  /** Records the owner of a freshly written slot and takes its memcg id reference. */
  #own(dev: Active, offset: number, group: GroupId): void {
    dev.owner[offset] = group;
    this.#memcg?.idGet(group);
  }

  /**
   * A write failed. An I/O fault (IO_ERROR, BUSY) marks the slot bad (never handed
   * out again), is counted, and returns the device's bit for the `failed` mask; any
   * other error gives the slot back and is rethrown.
   */
  #writeFailed(dev: Active, offset: number, e: unknown): number {
    if (!isWriteFault(e)) {
      dev.allocator.put(offset);
      throw e;
    }
    dev.allocator.markBad(offset);
    this.#counters.writeErrors++;
    return 1 << dev.type;
  }

  #countRefusal(r: StoreRefusal): void {
    const c = this.#counters.refusals;
    if (r === Refused.SWAP_MAX) c.swapMax++;
    else if (r === Refused.NO_DEVICE) c.noDevice++;
    else if (r === Refused.FULL) c.full++;
    else c.ioError++;
  }

  #readPage(dev: Active, offset: number, out: Uint8Array): number {
    try {
      const len = dev.device.read(offset, out);
      this.#delay(dev.tierIdx * 2);
      return len;
    } catch (e) {
      if (e instanceof TieredStoreError) {
        this.#counters.readErrors++;
        if (e.code === 'CHECKSUM_MISMATCH') this.#counters.checksumErrors++;
      }
      throw e;
    }
  }

  /** Drops the slot's reference and its memcg id reference (no uncharge). */
  #release(dev: Active, offset: number): void {
    const owner = dev.owner[offset]! as GroupId;
    dev.owner[offset] = 0;
    dev.allocator.put(offset);
    if (this.#memcg !== undefined && owner !== NO_GROUP) this.#memcg.idPut(owner);
  }

  #delay(index: number): void {
    const micros = this.#latency[index]!;
    if (micros > 0) this.#clock.advance(micros / 1000);
  }

  /** A group argument: NO_GROUP means root; otherwise a known (online or offline) memcg id. */
  #group(group: unknown, where: string): GroupId {
    if (group === NO_GROUP) return ROOT_GROUP;
    const tree = this.#memcg;
    if (
      !isIndex(group, MAX_GROUP_ID + 1) ||
      (tree !== undefined && tree.stateOf(group) === GroupState.FREE)
    ) {
      throw invalid(where, `group ${show(group)} is not a memcg id in use`);
    }
    return group as GroupId;
  }

  /** The active device holding a slot that is in use, or a typed error. */
  #inUse(slot: unknown, where: string): Active {
    checkSwapSlot(slot, where);
    const dev = this.#devices[slot >>> SWAP_OFFSET_BITS];
    const offset = slot & OFFSET_MASK;
    if (dev === undefined || offset >= dev.device.slots || dev.allocator.count(offset) === 0) {
      // A freed slot still holds its old bytes on the device; reading them would be a use-after-free.
      throw new TieredStoreError(
        'BAD_STATE',
        where,
        dev === undefined
          ? `slot ${slot}: no active swap device of type ${slot >>> SWAP_OFFSET_BITS}`
          : `slot ${slot} is not in use`,
      );
    }
    return dev;
  }

  #activeDevice(type: number, where: string): Active {
    const d = this.#devices[type];
    if (d === undefined)
      throw new TieredStoreError('BAD_STATE', where, `no active swap device of type ${type}`);
    return d;
  }

  #checkDevice(device: unknown, where: string): asserts device is BlockDevice {
    const d = device as BlockDevice;
    if (
      typeof device !== 'object' ||
      device === null ||
      typeof d.write !== 'function' ||
      typeof d.read !== 'function' ||
      typeof d.writeBatch !== 'function' ||
      typeof d.discard !== 'function' ||
      typeof d.name !== 'string'
    ) {
      throw invalid(where, `device must be a BlockDevice, got ${show(device)}`);
    }
    if (!Number.isInteger(d.slots) || d.slots < 1 || d.slots > MAX_DEVICE_SLOTS) {
      throw invalid(where, `${d.name} has ${show(d.slots)} slots; must be 1..${MAX_DEVICE_SLOTS}`);
    }
    if (d.pageSize !== this.#pageSize) {
      throw invalid(
        where,
        `${d.name} has pages of ${show(d.pageSize)} bytes; this swap space's are ${this.#pageSize}`,
      );
    }
  }

  #notInCallback(where: string): void {
    if (this.#inCallback !== '') {
      throw new TieredStoreError(
        'BAD_STATE',
        where,
        `not allowed from inside ${this.#inCallback}; read calls (load, ownerOf, tierOf) are`,
      );
    }
  }

  #tierName(idx: number): string {
    return idx === TIER_DEFAULT_IDX ? '' : (this.#tiers.nameOf(idx) ?? '');
  }

  *#activeViews(): IterableIterator<{ priority: number; tierIdx: number; name: string }> {
    for (const d of this.#devices) {
      if (d !== undefined) yield { priority: d.priority, tierIdx: d.tierIdx, name: d.device.name };
    }
  }

  /**
   * The avail list: devices grouped by priority, highest first, with each group's
   * round-robin position kept across rebuilds. Equal priorities normally share a
   * tier, except that a device switched on before the tiers were defined stays in
   * the default tier, so the tier is checked per device, not per group.
   */
  #rebuildBuckets(): void {
    const old = new Map(this.#buckets.map((b) => [b.priority, b]));
    const groups = new Map<number, Bucket>();
    for (const d of this.#devices) {
      if (d === undefined || !d.avail) continue;
      let b = groups.get(d.priority);
      if (b === undefined) {
        b = { priority: d.priority, types: [], next: 0 };
        groups.set(d.priority, b);
      }
      b.types.push(d.type);
    }
    for (const [p, b] of groups) b.next = (old.get(p)?.next ?? 0) % b.types.length;
    this.#buckets = [...groups.values()].sort((a, b) => b.priority - a.priority);
  }
}

/** A device write failure the swap layer handles by marking the slot bad and moving on. */
function isWriteFault(e: unknown): boolean {
  return e instanceof TieredStoreError && (e.code === 'IO_ERROR' || e.code === 'BUSY');
}
