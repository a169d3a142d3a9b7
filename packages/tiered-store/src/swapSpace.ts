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
 *    out again), is counted, and the page is retried on the next device.
 * The slot records the owning memcg id (the kernel's swap_cgroup / memcg_table) and
 * holds a reference on it, so a removed memcg's id stays valid until its last page
 * is freed and uncharges reach its online ancestor.
 *
 * swapon assigns the device to the tier its priority falls in (fixed while active).
 * swapoff takes the device off the avail list, then moves every page to another
 * allowed device of the owner's tiers, reporting each move through `onMove` so the
 * caller (vswap) can repoint its entry; the bytes are verified on read and rewritten.
 * If a page has nowhere to go, swapoff stops, puts the device back and returns
 * ENOMEM (moved pages stay moved), as try_to_unuse() failing does; a page that
 * cannot be read back (I/O error, checksum mismatch) stops it the same way with EIO.
 *
 * The latency model adds a fixed busy-wait per read/write on the devices of a tier,
 * for tiers that stand in for slower media. It is a model: the real I/O still runs.
 */
import type { GroupId, MemcgTree } from '@tierswap/memcg';
import { ALL_TIERS_MASK, NO_GROUP, ROOT_GROUP } from '@tierswap/memcg';
import type { SlotAllocator } from '@tierswap/slot-allocator';
import { createSlotAllocator } from '@tierswap/slot-allocator';
import type { BlockDevice } from './blockDevice.js';
import type { ActiveDeviceView } from './swapTiers.js';
import { SwapTiers } from './swapTiers.js';
import { TieredStoreError } from './tieredStoreError.js';
import type { DiscardFlag, LatencyModel, SwapSlot } from './types.js';
import {
  DEFAULT_PRIORITY,
  MAX_DEVICE_SLOTS,
  MAX_SWAP_DEVICES,
  PRIO_MAX,
  StoreRefusal,
  swapOffset,
  swapType,
  TIER_DEFAULT_IDX,
  toSwapSlot,
} from './types.js';

export interface SwapSpaceOptions {
  /** The memcg tree: charges memory.swap.*, supplies tier masks. Without it, everything is root's. */
  memcg?: MemcgTree;
  /** CONFIG_NR_SWAP_TIERS (default 4). */
  maxTiers?: number;
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

export type SwapoffResult =
  | { ok: true; moved: number }
  | { ok: false; errno: 'ENOMEM' | 'EIO'; moved: number; remaining: number; reason: string };

export interface SwapSpaceStats {
  stores: number;
  loads: number;
  frees: number;
  refusals: { swapMax: number; noDevice: number; full: number; ioError: number };
  /** A full device was skipped for the next one. */
  fallthroughs: number;
  /** Device write failures (each slot marked bad, page retried elsewhere). */
  writeErrors: number;
  /** Device read failures (I/O or checksum) seen by load(). */
  readErrors: number;
  checksumErrors: number;
  /** Pages moved by swapoff. */
  moved: number;
}

interface Active {
  type: number;
  device: BlockDevice;
  allocator: SlotAllocator;
  priority: number;
  tierIdx: number;
  /** Owning memcg id per slot (0 = none). */
  owner: Uint16Array;
  /** false while swapoff drains it: no new pages. */
  avail: boolean;
}

interface Bucket {
  priority: number;
  types: number[];
  /** Index into types of the device to try first (round-robin). */
  next: number;
}

export class SwapSpace {
  readonly tiers: SwapTiers;
  readonly memcg: MemcgTree | undefined;
  private readonly devices: (Active | undefined)[] = [];
  private buckets: Bucket[] = [];
  /** readMicros, writeMicros per tier index (0 = no model). */
  private readonly latency = new Float64Array(64);
  private readonly counters: SwapSpaceStats = {
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

  constructor(options: SwapSpaceOptions = {}) {
    this.memcg = options.memcg;
    this.tiers = new SwapTiers({
      ...(options.maxTiers === undefined ? {} : { maxTiers: options.maxTiers }),
      activeDevices: () => this.activeViews(),
      onRemoved: (idx) => {
        this.memcg?.setTierBitEverywhere(idx);
        this.latency[idx * 2] = 0;
        this.latency[idx * 2 + 1] = 0;
      },
    });
  }

  // ==========================================================================
  // swapon / swapoff
  // ==========================================================================

  /** Switches a device on and returns its type (index in the swap table). */
  swapon(device: BlockDevice, options: SwaponOptions = {}): number {
    const where = 'swapSpace.swapon';
    const priority = options.priority ?? DEFAULT_PRIORITY;
    if (!(Number.isInteger(priority) && priority >= -1 && priority <= PRIO_MAX)) {
      throw new TieredStoreError(
        'BAD_ARGUMENT',
        where,
        `priority ${priority} not in -1..${PRIO_MAX}`,
      );
    }
    if (this.devices.some((d) => d?.device === device)) {
      throw new TieredStoreError('BAD_STATE', where, `${device.name} is already active`);
    }
    if (device.slots > MAX_DEVICE_SLOTS) {
      throw new TieredStoreError(
        'BAD_ARGUMENT',
        where,
        `${device.name} has ${device.slots} slots; max ${MAX_DEVICE_SLOTS}`,
      );
    }
    let type = this.devices.indexOf(undefined);
    if (type < 0) type = this.devices.length;
    if (type >= MAX_SWAP_DEVICES) {
      throw new TieredStoreError(
        'BAD_STATE',
        where,
        `all ${MAX_SWAP_DEVICES} swap types are in use`,
      );
    }
    const discard = options.discard ?? 'none';
    const allocator = createSlotAllocator({
      slots: device.slots,
      rotational: device.rotational,
      discard,
      ...(options.clusterSize === undefined ? {} : { clusterSize: options.clusterSize }),
      ...(discard === 'none'
        ? {}
        : { onDiscard: (first: number, count: number) => device.discard(first, count) }),
    });
    this.devices[type] = {
      type,
      device,
      allocator,
      priority,
      tierIdx: this.tiers.tierOfPriority(priority),
      owner: new Uint16Array(device.slots),
      avail: true,
    };
    this.rebuildBuckets();
    return type;
  }

  /**
   * Switches a device off, moving every page it holds to other allowed devices.
   * `onMove(from, to)` is called for each page after its copy is written.
   */
  swapoff(type: number, onMove?: (from: SwapSlot, to: SwapSlot) => void): SwapoffResult {
    const dev = this.activeDevice(type, 'swapSpace.swapoff');
    dev.avail = false;
    this.rebuildBuckets();
    const buf = new Uint8Array(dev.device.pageSize);
    const used = [...dev.allocator.usedSlots()];
    let moved = 0;
    for (let i = 0; i < used.length; i++) {
      const offset = used[i]!;
      const from = toSwapSlot(type, offset);
      let len: number;
      try {
        len = this.readPage(dev, offset, buf);
      } catch (e) {
        return this.abortSwapoff(
          dev,
          moved,
          used.length - i,
          'EIO',
          `${from}: ${(e as Error).message}`,
        );
      }
      const group = dev.owner[offset]! as GroupId;
      const to = this.place(group === NO_GROUP ? ROOT_GROUP : group, buf.subarray(0, len));
      if (to < 0) {
        return this.abortSwapoff(
          dev,
          moved,
          used.length - i,
          'ENOMEM',
          `no room for page ${offset} of ${dev.device.name}`,
        );
      }
      onMove?.(from, to as SwapSlot);
      this.release(dev, offset);
      moved++;
      this.counters.moved++;
    }
    dev.device.flush();
    this.devices[type] = undefined;
    this.rebuildBuckets();
    return { ok: true, moved };
  }

  /**
   * Runs the discard worker: every cluster freed on a device switched on with
   * `discard: 'pages'` is discarded (device.discard) and becomes allocatable again.
   * The allocator also does this itself when an allocation would otherwise fail
   * (swap_sync_discard). Returns the number of clusters discarded.
   */
  processDiscards(): number {
    let n = 0;
    for (const d of this.devices) if (d !== undefined) n += d.allocator.processDiscards();
    return n;
  }

  /** The swap table (what /proc/swaps shows). */
  swaps(): SwapDeviceInfo[] {
    const out: SwapDeviceInfo[] = [];
    for (const d of this.devices) {
      if (d === undefined) continue;
      const st = d.allocator.stats();
      out.push({
        type: d.type,
        name: d.device.name,
        kind: d.device.kind,
        priority: d.priority,
        tier: d.tierIdx === TIER_DEFAULT_IDX ? '' : (this.tiers.nameOf(d.tierIdx) ?? ''),
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
   * Stores a page (1..pageSize bytes) for `group`: a SwapSlot, or a negative
   * StoreRefusal (counted) when no allowed device can take it.
   */
  store(group: GroupId, data: Uint8Array): SwapSlot | StoreRefusal {
    if (group === NO_GROUP) group = ROOT_GROUP;
    const tree = this.memcg;
    if (tree !== undefined && tree.tryCharge(group, 'swap', 1) !== NO_GROUP) {
      this.counters.refusals.swapMax++;
      return StoreRefusal.SWAP_MAX;
    }
    const r = this.place(group, data);
    if (r < 0) {
      tree?.uncharge(group, 'swap', 1);
      this.countRefusal(r);
      return r as StoreRefusal;
    }
    this.counters.stores++;
    return r as SwapSlot;
  }

  /**
   * Stores several pages for `group` with one batched device write per device
   * (SqliteDevice turns it into multi-row INSERTs). `out[i]` receives the SwapSlot
   * of pages[i] or a negative StoreRefusal, exactly as `store` would have decided
   * for the pages one by one (same charging, tier mask, round-robin). If a device's
   * batch write fails, its pages are retried one by one so that only the pages
   * whose own write fails are moved elsewhere. Returns how many were stored.
   * (`out` is a Float64Array or an array, not an Int32Array: a SwapSlot is an
   * unsigned 32-bit value and a refusal is negative.)
   */
  storeBatch(group: GroupId, pages: readonly Uint8Array[], out: Float64Array | number[]): number {
    if (out.length < pages.length) {
      throw new TieredStoreError(
        'BAD_ARGUMENT',
        'swapSpace.storeBatch',
        `out has ${out.length} entries for ${pages.length} pages`,
      );
    }
    if (group === NO_GROUP) group = ROOT_GROUP;
    const tree = this.memcg;
    const mask = tree === undefined ? ALL_TIERS_MASK : tree.effectiveTierMask(group);
    // Phase 1: charge and pick a slot for every page, grouped by device.
    const byType = new Map<number, number[]>();
    for (let i = 0; i < pages.length; i++) {
      if (tree !== undefined && tree.tryCharge(group, 'swap', 1) !== NO_GROUP) {
        out[i] = StoreRefusal.SWAP_MAX;
        this.countRefusal(StoreRefusal.SWAP_MAX);
        continue;
      }
      const r = this.allocate(mask, 0);
      out[i] = r;
      if (r < 0) {
        tree?.uncharge(group, 'swap', 1);
        this.countRefusal(r);
        continue;
      }
      const t = swapType(r as SwapSlot);
      const list = byType.get(t);
      if (list === undefined) byType.set(t, [i]);
      else list.push(i);
    }
    // Phase 2: one batched write per device; on failure, page by page.
    let stored = 0;
    for (const [t, idx] of byType) {
      const dev = this.devices[t]!;
      const offsets = idx.map((i) => swapOffset(out[i]! as SwapSlot));
      try {
        dev.device.writeBatch(
          offsets,
          idx.map((i) => pages[i]!),
        );
      } catch (e) {
        if (!(e instanceof TieredStoreError) || (e.code !== 'IO_ERROR' && e.code !== 'BUSY'))
          throw e;
        for (const i of idx) {
          const slot = out[i]! as SwapSlot;
          try {
            dev.device.write(swapOffset(slot), pages[i]!);
          } catch (e2) {
            const r = this.place(group, pages[i]!, this.writeFailed(slot, e2));
            out[i] = r;
            if (r < 0) {
              tree?.uncharge(group, 'swap', 1);
              this.countRefusal(r);
            } else stored++;
            continue;
          }
          this.delay(dev.tierIdx * 2 + 1);
          this.own(slot, group);
          stored++;
        }
        continue;
      }
      for (const i of idx) {
        this.delay(dev.tierIdx * 2 + 1);
        this.own(out[i]! as SwapSlot, group);
      }
      stored += idx.length;
    }
    this.counters.stores += stored;
    return stored;
  }

  /** Reads a page into `out`; returns its length. Throws CHECKSUM_MISMATCH / IO_ERROR (counted). */
  load(slot: SwapSlot, out: Uint8Array): number {
    const dev = this.activeDevice(swapType(slot), 'swapSpace.load');
    const offset = swapOffset(slot);
    // A freed slot still holds its old bytes on the device; reading them would be a use-after-free.
    if (dev.allocator.count(offset) === 0) {
      throw new TieredStoreError('BAD_STATE', 'swapSpace.load', `slot ${slot} is not in use`);
    }
    const len = this.readPage(dev, offset, out);
    this.counters.loads++;
    return len;
  }

  /** Frees a page's slot and uncharges its memcg. */
  free(slot: SwapSlot): void {
    const dev = this.activeDevice(swapType(slot), 'swapSpace.free');
    const offset = swapOffset(slot);
    if (dev.allocator.count(offset) === 0) {
      throw new TieredStoreError('BAD_STATE', 'swapSpace.free', `slot ${slot} is not in use`);
    }
    const group = dev.owner[offset]! as GroupId;
    // Uncharge while the slot still holds its id reference: release() may free the id.
    if (this.memcg !== undefined && group !== NO_GROUP) this.memcg.uncharge(group, 'swap', 1);
    this.release(dev, offset);
    this.counters.frees++;
  }

  /** The memcg a stored page is charged to (resolved to an online group). */
  ownerOf(slot: SwapSlot): GroupId {
    const dev = this.activeDevice(swapType(slot), 'swapSpace.ownerOf');
    const g = dev.owner[swapOffset(slot)]! as GroupId;
    return this.memcg === undefined || g === NO_GROUP ? g : this.memcg.resolve(g);
  }

  /** The name of the tier a slot's device belongs to ('' for the default tier). */
  tierOf(slot: SwapSlot): string {
    const dev = this.activeDevice(swapType(slot), 'swapSpace.tierOf');
    return dev.tierIdx === TIER_DEFAULT_IDX ? '' : (this.tiers.nameOf(dev.tierIdx) ?? '');
  }

  deviceOf(slot: SwapSlot): BlockDevice {
    return this.activeDevice(swapType(slot), 'swapSpace.deviceOf').device;
  }

  /** Sets (or clears, with undefined) the latency model of a tier's devices. */
  setTierLatency(tier: string, model: LatencyModel | undefined): void {
    const idx = this.tiers.lookup(tier);
    if (idx === undefined)
      throw new TieredStoreError('BAD_ARGUMENT', 'swapSpace.setTierLatency', `no tier ${tier}`);
    const r = model?.readMicros ?? 0;
    const w = model?.writeMicros ?? 0;
    if (!(r >= 0 && w >= 0)) {
      throw new TieredStoreError(
        'BAD_ARGUMENT',
        'swapSpace.setTierLatency',
        `latencies must be >= 0 µs`,
      );
    }
    this.latency[idx * 2] = r;
    this.latency[idx * 2 + 1] = w;
  }

  stats(): SwapSpaceStats {
    return { ...this.counters, refusals: { ...this.counters.refusals } };
  }

  // ==========================================================================
  // Internals
  // ==========================================================================

  /**
   * Picks the next slot for a page: walks the avail list by priority, round-robin
   * within a priority, skipping devices outside `mask` or in `failed` (a bitmask of
   * device types whose write failed during this request). Returns the SwapSlot, or
   * a negative StoreRefusal: NO_DEVICE (nothing allowed), IO_ERROR (only failed
   * devices had room, or might have), FULL.
   */
  private allocate(mask: number, failed: number): number {
    let allowed = false;
    let skippedFailed = false;
    for (const b of this.buckets) {
      const n = b.types.length;
      for (let k = 0; k < n; k++) {
        const t = b.types[(b.next + k) % n]!;
        const dev = this.devices[t]!;
        if (((mask >>> dev.tierIdx) & 1) === 0) continue;
        allowed = true;
        if ((failed >>> t) & 1) {
          skippedFailed = true;
          continue;
        }
        const offset = dev.allocator.alloc(0);
        if (typeof offset !== 'number') {
          this.counters.fallthroughs++;
          continue;
        }
        b.next = (b.next + k + 1) % n;
        return toSwapSlot(t, offset);
      }
    }
    if (!allowed) return StoreRefusal.NO_DEVICE;
    return skippedFailed ? StoreRefusal.IO_ERROR : StoreRefusal.FULL;
  }

  /** Records the owner of a freshly written slot and takes its memcg id reference. */
  private own(slot: SwapSlot, group: GroupId): void {
    const owner = group === NO_GROUP ? ROOT_GROUP : group;
    this.devices[swapType(slot)]!.owner[swapOffset(slot)] = owner;
    this.memcg?.idGet(owner);
  }

  /**
   * A write failed: the slot is marked bad (never handed out again) and counted.
   * Returns the failed device's bit for the `failed` mask.
   */
  private writeFailed(slot: SwapSlot, e: unknown): number {
    if (!(e instanceof TieredStoreError) || (e.code !== 'IO_ERROR' && e.code !== 'BUSY')) throw e;
    const t = swapType(slot);
    this.devices[t]!.allocator.markBad(swapOffset(slot));
    this.counters.writeErrors++;
    return 1 << t;
  }

  /** Allocates a slot on an allowed device and writes the page; no charging. */
  private place(group: GroupId, data: Uint8Array, failedAlready = 0): number {
    const mask = this.memcg === undefined ? ALL_TIERS_MASK : this.memcg.effectiveTierMask(group);
    let failed = failedAlready;
    for (;;) {
      const r = this.allocate(mask, failed);
      if (r < 0) return r;
      const slot = r as SwapSlot;
      const dev = this.devices[swapType(slot)]!;
      try {
        dev.device.write(swapOffset(slot), data);
      } catch (e) {
        failed |= this.writeFailed(slot, e);
        continue;
      }
      this.delay(dev.tierIdx * 2 + 1);
      this.own(slot, group);
      return slot;
    }
  }

  private countRefusal(r: number): void {
    if (r === StoreRefusal.SWAP_MAX) this.counters.refusals.swapMax++;
    else if (r === StoreRefusal.NO_DEVICE) this.counters.refusals.noDevice++;
    else if (r === StoreRefusal.FULL) this.counters.refusals.full++;
    else this.counters.refusals.ioError++;
  }

  private readPage(dev: Active, offset: number, out: Uint8Array): number {
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
  private release(dev: Active, offset: number): void {
    const owner = dev.owner[offset]! as GroupId;
    dev.owner[offset] = 0;
    dev.allocator.put(offset);
    if (this.memcg !== undefined && owner !== NO_GROUP) this.memcg.idPut(owner);
  }

  private abortSwapoff(
    dev: Active,
    moved: number,
    remaining: number,
    errno: 'ENOMEM' | 'EIO',
    reason: string,
  ): SwapoffResult {
    dev.avail = true;
    this.rebuildBuckets();
    return { ok: false, errno, moved, remaining, reason };
  }

  private delay(index: number): void {
    const micros = this.latency[index]!;
    if (micros <= 0) return;
    // A busy-wait, not a sleep: the model is of a synchronous device that holds the
    // caller for the I/O time, and timers cannot resolve microseconds.
    const until = performance.now() + micros / 1000;
    while (performance.now() < until) {
      /* spin */
    }
  }

  private activeDevice(type: number, where: string): Active {
    const d = this.devices[type];
    if (d === undefined)
      throw new TieredStoreError('BAD_STATE', where, `no active swap device of type ${type}`);
    return d;
  }

  private *activeViews(): IterableIterator<ActiveDeviceView> {
    for (const d of this.devices) {
      if (d !== undefined) yield { priority: d.priority, tierIdx: d.tierIdx, name: d.device.name };
    }
  }

  /**
   * The avail list: devices grouped by priority, highest first, with each group's
   * round-robin position kept across rebuilds. Equal priorities normally share a
   * tier, except that a device switched on before the tiers were defined stays in
   * the default tier, so the tier is checked per device, not per group.
   */
  private rebuildBuckets(): void {
    const old = new Map(this.buckets.map((b) => [b.priority, b]));
    const groups = new Map<number, Bucket>();
    for (const d of this.devices) {
      if (d === undefined || !d.avail) continue;
      let b = groups.get(d.priority);
      if (b === undefined) {
        b = { priority: d.priority, types: [], next: 0 };
        groups.set(d.priority, b);
      }
      b.types.push(d.type);
    }
    for (const [p, b] of groups) b.next = (old.get(p)?.next ?? 0) % b.types.length;
    this.buckets = [...groups.values()].sort((a, b) => b.priority - a.priority);
  }
}
