/**
 * SwapSpace: the swap table a caller works with: swapon/swapoff, the swap tiers, and
 * storing, loading and freeing pages for a memcg, like the kernel's swapfile.c with
 * YoungJun Park's swap tiers.
 *
 * This file is the public face: every method checks its arguments first (a SwapSlot
 * is an unsigned 32-bit integer naming a slot in use, a page a Uint8Array of
 * 1..pageSize bytes, a group a memcg id in use) and throws INVALID_ARGUMENT or
 * BAD_STATE before anything changes, then hands over to the parts along the seams:
 * ./placement.ts (charging, choosing a device, writing, write faults, the latency
 * model), ./swapTable.ts (swap_info[] and the avail list, round-robin among equal
 * priorities), ./swapoff.ts (moving every page off a device) and ./swapTiers.ts.
 *
 * swapon assigns a device to the tier its priority falls in (fixed while active).
 * While swapoff's onMove callback runs, calls that would change the table (store,
 * free, swapon, swapoff) are refused with BAD_STATE; reads are allowed.
 */
import type { Clock } from '@tierswap/base';
import { createSystemClock, isIntInRange, showValue } from '@tierswap/base';
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
import { createSlotAllocator } from '@tierswap/slot-allocator';
import { checkDevice, checkOptions, checkOut, checkPage, checkSwapSlot, invalid } from './args.js';
import type { BlockDevice } from './blockDevice.js';
import { Placement } from './placement.js';
import type { SwapoffResult } from './swapoff.js';
import { runSwapoff } from './swapoff.js';
import type { Active } from './swapTable.js';
import type { SwapTiers } from './swapTiers.js';
import { createSwapTiers } from './swapTiers.js';
import { TieredStoreError } from './tieredStoreError.js';
import type {
  LatencyModel,
  StoreRefusal,
  SwapDeviceInfo,
  SwaponOptions,
  SwapSlot,
  SwapSpaceOptions,
  SwapSpaceStats,
} from './types.js';
import {
  DEFAULT_PRIORITY,
  MAX_DEVICE_SLOTS,
  MAX_SWAP_DEVICES,
  PRIO_MAX,
  SWAP_OFFSET_BITS,
  TIER_DEFAULT_IDX,
} from './types.js';

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
  readonly #pl: Placement;
  /** The callback running now ('' when none): calls that change the table wait for it to return. */
  #inCallback = '';

  /** Use createSwapSpace(). */
  constructor(options: SwapSpaceOptions = {}) {
    const where = 'createSwapSpace';
    checkOptions(options, where);
    const { memcg, clock, pageSize = 4096, maxTiers } = options;
    if (memcg !== undefined && !(memcg instanceof MemcgTree)) {
      throw invalid(
        where,
        `memcg must be a MemcgTree (createMemcg().tree), got ${showValue(memcg)}`,
      );
    }
    if (
      clock !== undefined &&
      (typeof clock !== 'object' ||
        clock === null ||
        typeof clock.advance !== 'function' ||
        typeof clock.now !== 'function')
    ) {
      throw invalid(where, `clock must be a Clock from @tierswap/base, got ${showValue(clock)}`);
    }
    if (!isIntInRange(pageSize, 1, MAX_PAGE_SIZE)) {
      throw invalid(
        where,
        `pageSize ${showValue(pageSize)} must be an integer in 1..${MAX_PAGE_SIZE}`,
      );
    }
    this.#memcg = memcg;
    this.#clock = clock ?? createSystemClock();
    this.#pl = new Placement(memcg, this.#clock);
    this.#pageSize = pageSize;
    this.#tiers = createSwapTiers({
      ...(maxTiers === undefined ? {} : { maxTiers }),
      activeDevices: () => this.#pl.table.views(),
      onRemoved: (idx) => {
        this.#memcg?.setTierBitEverywhere(idx);
        this.#pl.latency[idx * 2] = 0;
        this.#pl.latency[idx * 2 + 1] = 0;
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
    checkDevice(device, this.#pageSize, MAX_DEVICE_SLOTS, where);
    checkOptions(options, where);
    const { priority = DEFAULT_PRIORITY, discard = 'none', clusterSize } = options;
    if (!isIntInRange(priority, -1, PRIO_MAX)) {
      throw invalid(where, `priority ${showValue(priority)} must be an integer in -1..${PRIO_MAX}`);
    }
    if (!DISCARD_FLAGS.includes(discard)) {
      throw invalid(where, `discard ${showValue(discard)} must be 'none', 'once' or 'pages'`);
    }
    if (this.#pl.table.holds(device)) {
      throw new TieredStoreError('BUSY', where, `${device.name} is already active`);
    }
    const type = this.#pl.table.freeType();
    if (type < 0) {
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
    this.#pl.table.add({
      type,
      device,
      allocator,
      priority,
      tierIdx: this.#tiers.tierOfPriority(priority),
      owner: new Uint16Array(device.slots),
      avail: true,
    });
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
    if (!isIntInRange(type, 0, MAX_SWAP_DEVICES - 1)) {
      throw invalid(
        where,
        `type ${showValue(type)} must be an integer in 0..${MAX_SWAP_DEVICES - 1}`,
      );
    }
    if (onMove !== undefined && typeof onMove !== 'function') {
      throw invalid(where, `onMove must be a function, got ${showValue(onMove)}`);
    }
    const dev = this.#pl.table.get(type);
    if (dev === undefined) {
      throw new TieredStoreError('BAD_STATE', where, `no active swap device of type ${type}`);
    }
    this.#pl.table.setAvail(dev, false);
    let done = false;
    try {
      const result = runSwapoff(
        {
          pageSize: this.#pageSize,
          readPage: (offset, out) => this.#pl.readPage(dev, offset, out),
          place: (group, page) => this.#pl.place(group, page, 0),
          release: (slot) => {
            const d = this.#pl.table.get(slot >>> SWAP_OFFSET_BITS)!;
            this.#pl.release(d, slot & OFFSET_MASK);
          },
          writeErrors: () => this.#pl.counters.writeErrors,
          moved: () => {
            this.#pl.counters.moved++;
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
      if (done) this.#pl.table.remove(type);
      else this.#pl.table.setAvail(dev, true);
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
    for (const d of this.#pl.table.active()) n += d.allocator.processDiscards();
    return n;
  }

  /** The swap table (what /proc/swaps shows). */
  swaps(): SwapDeviceInfo[] {
    const out: SwapDeviceInfo[] = [];
    for (const d of this.#pl.table.active()) {
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
    return this.#pl.store(g, data);
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
    if (!Array.isArray(pages))
      throw invalid(where, `pages must be an array, got ${showValue(pages)}`);
    for (let i = 0; i < pages.length; i++) checkPage(pages[i], this.#pageSize, `${where}[${i}]`);
    return this.#pl.storeBatch(g, pages);
  }

  /**
   * Charges memory.swap.max and allocates a slot for `group` on the best device of
   * its allowed tiers, narrowed by `tierMask` (bit = tier index, default all), without
   * writing anything: the kernel's folio_alloc_swap(), for callers that need the slot
   * before they have the bytes (zswap writeback reserves first, then decompresses).
   * Write it with writeSlot, give it back with free. Returns the slot or a StoreRefusal.
   */
  reserve(group: GroupId, tierMask: number = ALL_TIERS_MASK): SwapSlot | StoreRefusal {
    const where = 'swapSpace.reserve';
    this.#notInCallback(where);
    const g = this.#group(group, where);
    if (!isIntInRange(tierMask, 0, 0xffffffff)) {
      throw invalid(
        where,
        `tierMask ${showValue(tierMask)} must be a u32 bit mask of tier indices`,
      );
    }
    return this.#pl.reserve(g, tierMask);
  }

  /**
   * Writes a page (1..pageSize bytes) into a slot that reserve returned. A device
   * fault throws its TieredStoreError (IO_ERROR, BUSY) and the slot stays reserved:
   * the caller keeps its copy and frees the slot.
   */
  writeSlot(slot: SwapSlot, data: Uint8Array): void {
    const where = 'swapSpace.writeSlot';
    this.#notInCallback(where);
    const dev = this.#inUse(slot, where);
    checkPage(data, this.#pageSize, where);
    dev.device.write(slot & OFFSET_MASK, data);
    this.#pl.delay(dev.tierIdx * 2 + 1);
  }

  /** Reads a page into `out` (at least pageSize bytes); returns its length. Throws CHECKSUM_MISMATCH / IO_ERROR (counted). */
  load(slot: SwapSlot, out: Uint8Array): number {
    const where = 'swapSpace.load';
    const dev = this.#inUse(slot, where);
    checkOut(out, this.#pageSize, where);
    const len = this.#pl.readPage(dev, slot & OFFSET_MASK, out);
    this.#pl.counters.loads++;
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
    this.#pl.release(dev, offset);
    this.#pl.counters.frees++;
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
    if (typeof tier !== 'string')
      throw invalid(where, `tier must be a name, got ${showValue(tier)}`);
    const idx = this.#tiers.lookup(tier);
    if (idx === undefined) throw invalid(where, `no tier ${showValue(tier)}`);
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
          throw invalid(where, `${name} ${showValue(v)} must be a finite number of µs >= 0`);
        }
      }
    }
    this.#pl.latency[idx * 2] = r;
    this.#pl.latency[idx * 2 + 1] = w;
  }

  stats(): SwapSpaceStats {
    return { ...this.#pl.counters, refusals: { ...this.#pl.counters.refusals } };
  }

  // ==========================================================================
  // Internals
  // ==========================================================================

  /** A group argument: NO_GROUP means root; otherwise a known (online or offline) memcg id. */
  #group(group: unknown, where: string): GroupId {
    if (group === NO_GROUP) return ROOT_GROUP;
    const tree = this.#memcg;
    if (
      !isIntInRange(group, 0, MAX_GROUP_ID) ||
      (tree !== undefined && tree.stateOf(group) === GroupState.FREE)
    ) {
      throw invalid(where, `group ${showValue(group)} is not a memcg id in use`);
    }
    return group as GroupId;
  }

  /** The active device holding a slot that is in use, or a typed error. */
  #inUse(slot: unknown, where: string): Active {
    checkSwapSlot(slot, where);
    const dev = this.#pl.table.get(slot >>> SWAP_OFFSET_BITS);
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
}
