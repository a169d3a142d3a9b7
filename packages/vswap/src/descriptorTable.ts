/**
 * DescriptorTable: the per-entry state of the virtual swap space, as a structure of typed
 * arrays cut into clusters that exist only while they hold a live entry.
 *
 * What a descriptor holds, and where (v3 of the series, "[PATCH v3 00/20] Virtual Swap
 * Space", packs `{slot|zswap_entry; folio|shadow; swap_count; memcgid:16; in_swapcache:1;
 * type:2}` into 24 bytes; the swap-table edition gets to 8 bytes per slot plus side tables):
 *
 *   field        bytes/entry  where
 *   backend      4            payload[c]: Uint32Array     (see backend.ts for the payload)
 *   tag + flags  1            flags[c]:   Uint8Array      (layout below)
 *   memcg id     0 or 2       a 3-bit index into the cluster's palette of up to 8 memcg
 *                             ids; memcgTable[c]: Uint16Array only once a 9th memcg
 *                             allocates into the cluster
 *   swap count   (1)          not here: the virtual slot allocator's one-byte usage count
 *                             (with its overflow map for rare large counts) holds the
 *                             entry's references, see virtualSwap.ts
 *
 * payload and flags share one ArrayBuffer per cluster (5 bytes x clusterSize), so a cluster
 * costs one allocation. The memcg palette is the swap-table edition's per-cluster
 * `memcg_table` made cheaper: a cluster is filled by one allocation stream over a short
 * time, so it sees few memcgs (one, when each memcg has its own stream), and 3 spare bits
 * of the flags byte name them. Palettes live in one shared Uint16Array (8 ids per
 * cluster), so they add no object per cluster; a palette only grows until its cluster
 * empties.
 *
 * Flags byte:
 *   bit 7     LIVE      the descriptor is allocated (a NONE entry is otherwise all zero)
 *   bits 6-4  memcg     index into the cluster's palette (0 when the cluster has a table)
 *   bit 3     IN_CACHE  the entry's page is in the swap cache (a read or write in flight)
 *   bits 2-0  tag       BackendTag (0..4)
 * A free descriptor is all zero, so a new cluster needs no fill, and a cluster is only
 * dropped once every descriptor in it is back to zero.
 */

import type { SwapEntry } from './types.js';
import { checkClusterSize } from './types.js';
import { VswapError } from './vswapError.js';

export const FLAG_LIVE = 0x80;
export const FLAG_IN_CACHE = 0x08;
export const TAG_MASK = 0x07;
export const MEMCG_INDEX_SHIFT = 4;
export const MEMCG_INDEX_MASK = 0x70;
/** memcg ids a cluster can name through the flags byte before it needs a per-entry table. */
export const PALETTE_SIZE = 8;

export class DescriptorTable {
  // TypeScript `private` rather than `#` fields: on vswap's hot paths (see virtualSwap.ts).
  readonly clusterSize: number;
  readonly shift: number;
  readonly mask: number;
  /** Backend payload per entry, by cluster (undefined: the cluster holds no live entry). */
  readonly payload: (Uint32Array | undefined)[] = [];
  /** Flags byte per entry, by cluster (a view on the same buffer as payload). */
  readonly flags: (Uint8Array | undefined)[] = [];
  /** Per-entry memcg ids, only for clusters that met more than PALETTE_SIZE memcgs. */
  private readonly memcgTable: (Uint16Array | undefined)[] = [];
  /** PALETTE_SIZE memcg ids per cluster (cluster c uses [c*8, c*8 + paletteLength[c])). */
  private palette = new Uint16Array(8 * PALETTE_SIZE);
  private paletteLength = new Uint8Array(8);
  /** Live descriptors per cluster. */
  private readonly live: number[] = [];
  private clusters = 0;
  private mixedClusters = 0;

  constructor(clusterSize: number) {
    this.clusterSize = checkClusterSize('clusterSize', clusterSize, 32768);
    this.shift = Math.log2(clusterSize);
    this.mask = clusterSize - 1;
  }

  /** The flags byte of an entry; 0 when its cluster has no table (so: not live). */
  flagsOf(entry: number): number {
    const f = this.flags[entry >>> this.shift];
    return f === undefined ? 0 : f[entry & this.mask]!;
  }

  /** The backend payload of a live entry (its cluster must exist). */
  payloadOf(entry: number): number {
    return this.payload[entry >>> this.shift]![entry & this.mask]!;
  }

  /** Sets the flags byte of a live entry (its cluster must exist). */
  setFlags(entry: number, flags: number): void {
    this.flags[entry >>> this.shift]![entry & this.mask] = flags;
  }

  /**
   * Makes a free descriptor live: backend NONE, not in the cache, owned by memcg.
   * The caller (the virtual slot allocator) guarantees the slot was free.
   */
  claim(entry: number, memcg: number): void {
    const c = entry >>> this.shift;
    const i = entry & this.mask;
    let flags = this.flags[c];
    if (flags === undefined) {
      while (this.flags.length <= c) {
        // Grown densely (never with holes) so V8 keeps the arrays in fast elements mode.
        this.flags.push(undefined);
        this.payload.push(undefined);
        this.memcgTable.push(undefined);
        this.live.push(0);
      }
      if (c >= this.paletteLength.length) this.#growPalettes(c);
      const buffer = new ArrayBuffer(this.clusterSize * 5);
      this.payload[c] = new Uint32Array(buffer, 0, this.clusterSize);
      flags = new Uint8Array(buffer, this.clusterSize * 4, this.clusterSize);
      this.flags[c] = flags;
      this.palette[c * PALETTE_SIZE] = memcg;
      this.paletteLength[c] = 1;
      this.clusters++;
      flags[i] = FLAG_LIVE;
      this.live[c]!++;
      return;
    }
    if (flags[i] !== 0) {
      throw new VswapError(
        'CORRUPT',
        'descriptorTable.claim',
        `entry ${entry} was handed out by the allocator but its descriptor is live`,
      );
    }
    this.live[c]!++;
    const table = this.memcgTable[c];
    if (table !== undefined) {
      flags[i] = FLAG_LIVE;
      table[i] = memcg;
      return;
    }
    const base = c * PALETTE_SIZE;
    const length = this.paletteLength[c]!;
    let k = 0;
    while (k < length && this.palette[base + k] !== memcg) k++;
    if (k === length) {
      if (length === PALETTE_SIZE) {
        this.#spill(c, flags);
        flags[i] = FLAG_LIVE;
        this.memcgTable[c]![i] = memcg;
        return;
      }
      this.palette[base + k] = memcg;
      this.paletteLength[c] = length + 1;
    }
    flags[i] = FLAG_LIVE | (k << MEMCG_INDEX_SHIFT);
  }

  /** A ninth memcg in cluster c: from now on every entry carries its own id. */
  #spill(c: number, flags: Uint8Array): void {
    const table = new Uint16Array(this.clusterSize);
    const base = c * PALETTE_SIZE;
    for (let j = 0; j < this.clusterSize; j++) {
      const f = flags[j]!;
      if (f === 0) continue;
      table[j] = this.palette[base + ((f & MEMCG_INDEX_MASK) >>> MEMCG_INDEX_SHIFT)]!;
      flags[j] = f & ~MEMCG_INDEX_MASK;
    }
    this.memcgTable[c] = table;
    this.mixedClusters++;
  }

  #growPalettes(c: number): void {
    let size = this.paletteLength.length;
    while (size <= c) size *= 2;
    const length = new Uint8Array(size);
    length.set(this.paletteLength);
    const palette = new Uint16Array(size * PALETTE_SIZE);
    palette.set(this.palette);
    this.paletteLength = length;
    this.palette = palette;
  }

  /** Returns a live descriptor to all-zero, dropping its cluster's tables if it was the last. */
  release(entry: number): void {
    const c = entry >>> this.shift;
    const i = entry & this.mask;
    this.flags[c]![i] = 0;
    this.payload[c]![i] = 0;
    const left = this.live[c]! - 1;
    this.live[c] = left;
    if (left !== 0) return;
    this.flags[c] = undefined;
    this.payload[c] = undefined;
    if (this.memcgTable[c] !== undefined) {
      this.memcgTable[c] = undefined;
      this.mixedClusters--;
    }
    this.paletteLength[c] = 0;
    this.clusters--;
  }

  memcgOf(entry: number): number {
    const c = entry >>> this.shift;
    const i = entry & this.mask;
    const table = this.memcgTable[c];
    if (table !== undefined) return table[i]!;
    const k = (this.flags[c]![i]! & MEMCG_INDEX_MASK) >>> MEMCG_INDEX_SHIFT;
    return this.palette[c * PALETTE_SIZE + k]!;
  }

  /** True when the entry's memcg index points inside its cluster's palette (for verify). */
  memcgIndexValid(entry: number): boolean {
    const c = entry >>> this.shift;
    const f = this.flags[c]![entry & this.mask]!;
    const k = (f & MEMCG_INDEX_MASK) >>> MEMCG_INDEX_SHIFT;
    return this.memcgTable[c] === undefined ? k < this.paletteLength[c]! : k === 0;
  }

  /** Clusters whose entries name more than one memcg (through the palette or a table). */
  multiMemcgClusterCount(): number {
    let n = 0;
    for (let c = 0; c < this.flags.length; c++) {
      if (this.flags[c] !== undefined && (this.paletteLength[c]! > 1 || this.memcgTable[c])) n++;
    }
    return n;
  }

  /** Clusters currently in memory. */
  clusterCount(): number {
    return this.clusters;
  }

  mixedClusterCount(): number {
    return this.mixedClusters;
  }

  /** Live descriptors in cluster c (0 when it has no table). */
  liveIn(c: number): number {
    return this.live[c] ?? 0;
  }

  /** The highest cluster index the side arrays cover, plus one. */
  span(): number {
    return this.flags.length;
  }

  /** Every live entry, in id order. */
  *entries(): IterableIterator<SwapEntry> {
    const { clusterSize } = this;
    for (let c = 0; c < this.span(); c++) {
      for (let i = 0; i < clusterSize; i++) {
        const flags = this.flags[c];
        if (flags === undefined) break;
        if (flags[i] !== 0) yield (c * clusterSize + i) as SwapEntry;
      }
    }
  }

  /** Bytes of the per-entry typed arrays. */
  tableBytes(): number {
    return this.clusters * this.clusterSize * 5 + this.mixedClusters * this.clusterSize * 2;
  }

  /** Bytes of the per-cluster side arrays (four JS arrays, 8 bytes a cell at most, and the palettes). */
  sideBytes(): number {
    return this.flags.length * 4 * 8 + this.palette.byteLength + this.paletteLength.byteLength;
  }
}
