/**
 * SwapTable: the active swap devices by type (the kernel's swap_info[]) and the
 * avail list they are allocated from (swap_avail_head), for SwapSpace.
 *
 * The avail list groups the devices that take new pages by priority, highest first.
 * `allocate` walks it, skipping devices outside the memcg's tier mask and devices
 * whose write already failed during the request, and starts each priority group after
 * the device it used last (plist_requeue round-robin), so equal priorities take turns.
 * Equal priorities normally share a tier, except that a device switched on before the
 * tiers were defined stays in the default tier, so the tier is checked per device.
 */
import type { SlotAllocator } from '@tierswap/slot-allocator';
import type { BlockDevice } from './blockDevice.js';
import type { ActiveDeviceView } from './swapTiers.js';
import type { SwapSlot } from './types.js';
import { MAX_SWAP_DEVICES, StoreRefusal, SWAP_OFFSET_BITS } from './types.js';

/** One active device. */
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

export class SwapTable {
  readonly #devices: (Active | undefined)[] = [];
  #buckets: Bucket[] = [];

  /** The device of a type, if that type is active. */
  get(type: number): Active | undefined {
    return this.#devices[type];
  }

  *active(): IterableIterator<Active> {
    for (const d of this.#devices) if (d !== undefined) yield d;
  }

  /** The active devices as the tiers file sees them. */
  *views(): IterableIterator<ActiveDeviceView> {
    for (const d of this.active()) {
      yield { priority: d.priority, tierIdx: d.tierIdx, name: d.device.name };
    }
  }

  holds(device: BlockDevice): boolean {
    return this.#devices.some((d) => d?.device === device);
  }

  /** The lowest free type, or -1 when all MAX_SWAP_DEVICES are in use. */
  freeType(): number {
    const t = this.#devices.indexOf(undefined);
    if (t >= 0) return t;
    return this.#devices.length < MAX_SWAP_DEVICES ? this.#devices.length : -1;
  }

  add(dev: Active): void {
    this.#devices[dev.type] = dev;
    this.#rebuild();
  }

  remove(type: number): void {
    this.#devices[type] = undefined;
    this.#rebuild();
  }

  /** Puts a device on the avail list or takes it off (swapoff). */
  setAvail(dev: Active, avail: boolean): void {
    dev.avail = avail;
    this.#rebuild();
  }

  /**
   * Picks the next slot for a page: walks the avail list by priority, round-robin
   * within a priority, skipping devices outside `mask` or in `failed` (a bitmask of
   * device types whose write failed during this request). Returns the SwapSlot, or
   * a StoreRefusal: NO_DEVICE (nothing allowed), IO_ERROR (only failed devices had
   * room, or might have), FULL. Each full device skipped is counted in `fallthroughs`.
   */
  allocate(
    mask: number,
    failed: number,
    counters: { fallthroughs: number },
  ): SwapSlot | StoreRefusal {
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
        // A Refusal (full / fragmented): fall through to the next device.
        if (typeof offset !== 'number') {
          counters.fallthroughs++;
          continue;
        }
        b.next = (b.next + k + 1) % n;
        return (((t << SWAP_OFFSET_BITS) | offset) >>> 0) as SwapSlot;
      }
    }
    if (!allowed) return StoreRefusal.NO_DEVICE;
    return skippedFailed ? StoreRefusal.IO_ERROR : StoreRefusal.FULL;
  }

  /** Regroups the avail devices by priority, keeping each group's round-robin position. */
  #rebuild(): void {
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
