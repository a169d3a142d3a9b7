/**
 * ReverseMap: physical (device, slot) -> virtual entry, so that a device can be drained or
 * demoted by visiting only the slots it holds, never every entry.
 *
 * In the vswap table edition the physical device's own swap table holds the rmap: each
 * used physical slot stores `Pointer(C|swp_entry_t)` back to its virtual entry
 * (CachyOS mm/swap.h, "[RFC PATCH v2 0/7] mm, swap: Virtual Swap Space (Swap Table
 * Edition)"). Physical allocation belongs to another layer here, so vswap keeps the same
 * thing on its side, shaped the same way: per device, one Uint32Array per cluster of
 * physical slots, allocated when the first slot of that cluster is mapped and dropped when
 * the last one is unmapped. The physical slot allocator fills clusters densely, so a live
 * PHYS entry costs about 4 bytes here.
 *
 * Encoding: a table cell holds entry + 1, so 0 (what a new typed array holds) is "empty"
 * and no fill is needed; hence entries must stay below 2^32 - 1.
 */

import { showValue } from '@tierswap/base';
import type { DeviceId, PhysSlot, SwapEntry } from './types.js';
import { checkClusterSize, MAX_DEVICES, MAX_PHYS_SLOTS, NO_ENTRY } from './types.js';
import { VswapError } from './vswapError.js';

interface DeviceTables {
  /** Cluster of physical slots -> table of entry+1 (undefined while the cluster maps nothing). */
  tables: (Uint32Array | undefined)[];
  /** Mapped slots per cluster (a table is dropped when its count returns to 0). */
  used: number[];
  /** Mapped slots on the device. */
  count: number;
}

export class ReverseMap {
  // TypeScript `private` rather than `#` fields: on vswap's hot paths (see virtualSwap.ts).
  readonly clusterSize: number;
  private readonly shift: number;
  private readonly mask: number;
  private readonly devices: (DeviceTables | undefined)[] = [];
  private tableCount = 0;

  constructor(clusterSize: number) {
    this.clusterSize = checkClusterSize('rmapClusterSize', clusterSize, 65536);
    this.shift = Math.log2(clusterSize);
    this.mask = clusterSize - 1;
  }

  /** Maps (device, slot) to entry. Returns false, changing nothing, if the slot is already mapped. */
  insert(device: DeviceId, slot: PhysSlot, entry: SwapEntry): boolean {
    let dev = this.devices[device];
    if (dev === undefined) {
      dev = { tables: [], used: [], count: 0 };
      this.devices[device] = dev;
    }
    const c = slot >>> this.shift;
    let table = dev.tables[c];
    if (table === undefined) {
      // Grow the per-cluster arrays densely so V8 keeps them as packed elements.
      while (dev.tables.length <= c) {
        dev.tables.push(undefined);
        dev.used.push(0);
      }
      table = new Uint32Array(this.clusterSize);
      dev.tables[c] = table;
      this.tableCount++;
    }
    const i = slot & this.mask;
    if (table[i] !== 0) return false;
    table[i] = entry + 1;
    dev.used[c]!++;
    dev.count++;
    return true;
  }

  /** Unmaps (device, slot), which must map `entry` (anything else is a corrupt state). */
  remove(device: DeviceId, slot: PhysSlot, entry: SwapEntry): void {
    const dev = this.devices[device];
    const c = slot >>> this.shift;
    const table = dev?.tables[c];
    const i = slot & this.mask;
    if (dev === undefined || table === undefined || table[i] !== entry + 1) {
      const found = table === undefined ? 'nothing' : `entry ${(table[i] ?? 0) - 1}`;
      throw new VswapError(
        'CORRUPT',
        'reverseMap.remove',
        `(device ${device}, slot ${slot}) maps ${found}, expected entry ${entry}`,
      );
    }
    table[i] = 0;
    dev.count--;
    const left = dev.used[c]! - 1;
    dev.used[c] = left;
    if (left === 0) {
      dev.tables[c] = undefined;
      this.tableCount--;
    }
  }

  /** The entry that (device, slot) backs, or NO_ENTRY. */
  get(device: DeviceId, slot: PhysSlot): SwapEntry {
    if (
      !Number.isInteger(device) ||
      device < 0 ||
      device >= MAX_DEVICES ||
      !Number.isInteger(slot) ||
      slot < 0 ||
      slot >= MAX_PHYS_SLOTS
    ) {
      throw new VswapError(
        'INVALID_ARGUMENT',
        'virtualSwap.reverseLookup',
        `(device, slot) must be integers in 0..${MAX_DEVICES - 1} x 0..2^27-1, got (${showValue(device)}, ${showValue(slot)})`,
      );
    }
    const table = this.devices[device]?.tables[slot >>> this.shift];
    if (table === undefined) return NO_ENTRY;
    return (table[slot & this.mask]! - 1) as SwapEntry;
  }

  /** Mapped slots on a device. */
  count(device: DeviceId): number {
    return this.devices[device]?.count ?? 0;
  }

  /**
   * The entries a device backs, in slot order. Safe against unmapping while iterating
   * (the usual drain loop transfers each entry away): the table is re-read for every slot.
   */
  *entries(device: DeviceId): IterableIterator<SwapEntry> {
    const dev = this.devices[device];
    if (dev === undefined) return;
    for (let c = 0; c < dev.tables.length; c++) {
      for (let i = 0; i < this.clusterSize; i++) {
        const table = dev.tables[c];
        if (table === undefined) break;
        const cell = table[i]!;
        if (cell !== 0) yield (cell - 1) as SwapEntry;
      }
    }
  }

  tables(): number {
    return this.tableCount;
  }

  /** Bytes of the Uint32 tables. */
  tableBytes(): number {
    return this.tableCount * this.clusterSize * 4;
  }

  /** Bytes of the per-cluster side arrays (JS arrays of small integers, 8 bytes a cell at most). */
  sideBytes(): number {
    let side = 0;
    for (const dev of this.devices) if (dev !== undefined) side += dev.used.length * 16;
    return side;
  }
}
