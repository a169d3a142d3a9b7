/**
 * VirtualSwap: virtual swap entries whose backend can change without anyone who holds the
 * entry noticing. This is Nhat Pham's virtual swap space ("[PATCH v3 00/20] Virtual Swap
 * Space"; the swap-table edition "[RFC PATCH v2 0/7] mm, swap: Virtual Swap Space (Swap
 * Table Edition)") in userspace: a page table (or any holder) keeps a SwapEntry; the entry's
 * descriptor says where the data is now (NONE, ZERO, ZSWAP, PHYS, FOLIO). zswap then needs
 * no backing swapfile (no "ghost" swapfile: Yosry Ahmed's reply to "[PATCH 0/2] minimize
 * swapping on zswap store failure", Oct 2023), and moving a page between tiers is one
 * descriptor update, not a page-table walk (Nhat Pham in "Re: [RFC PATCH v2 00/18] Virtual
 * Swap Space", Jun 2025).
 *
 * References. An entry has one reference count, kept in the virtual slot allocator's usage
 * byte (v2's single `swap_refs`): swap count + 1 while the entry is in the swap cache. The
 * entry is freed, and its backend released, when both are gone. So a page being loaded or
 * written back keeps its entry alive even if every mapping is dropped meanwhile; the free
 * then happens when the I/O leaves the cache.
 *
 * The swap cache. cacheAdd() is how a reader (swap-in) or a writer (writeback, demotion)
 * takes an entry for the duration of its I/O; the folio it holds is kept in a Map, as only
 * entries with I/O in flight are there. A second cacheAdd() is refused with EEXIST: a
 * zswap writeback that meets a page being faulted in gives up (the page is hot), and a
 * fault that meets a writeback uses the folio already in the cache.
 *
 * Transfer. transfer(entry, next) points the descriptor at a new backend that the caller
 * has already filled, then releases the old one through the callback: the old copy is
 * never released before the new one is complete. With `expected` it is a compare-and-swap,
 * so a writer that did not hold the cache cannot overwrite a newer backend.
 *
 * Charging. Only PHYS backends count toward memory.swap.current (swapCurrent(memcg)), as in
 * the series: zswap, zero and folio entries own no slot on any device.
 *
 * Departures from the kernel: no locks or RCU (single-threaded; the swap cache serialises
 * I/O on one entry as the folio lock does); no shadow entries (workingset refault detection
 * is the stack's business); no large-folio entries (every entry is order 0).
 */

import type { Refusal } from '@tierswap/base';
import { isIntInRange, refuse, showValue } from '@tierswap/base';
import {
  BackendTag,
  deviceOf,
  formatBackend,
  isValidBackend,
  packBackend,
  slotOf,
  tagOf,
} from './backend.js';
import { DescriptorTable, FLAG_IN_CACHE, TAG_MASK } from './descriptorTable.js';
import { ReverseMap } from './reverseMap.js';
import type {
  BackendWord,
  DeviceId,
  FolioHandle,
  PhysSlot,
  ReleaseCallback,
  ReleaseReason,
  SwapEntry,
  VirtualSwapMemory,
  VirtualSwapOptions,
  VirtualSwapStats,
} from './types.js';
import { MAX_DEVICES, MAX_MEMCG_ID, MAX_VIRTUAL_ENTRIES } from './types.js';
import { VirtualSpace } from './virtualSpace.js';
import { invalidArgument, VswapError } from './vswapError.js';

/** The reasons vswap refuses: each is a Refusal code and its counter in stats().refused. */
export type VswapRefusalCode = keyof VirtualSwapStats['refused'];
export type VswapRefusal<Code extends VswapRefusalCode = VswapRefusalCode> = Refusal<Code>;

// Frozen once here, so a refusal allocates nothing and callers may compare by identity.
const REFUSED_NO_SPACE: VswapRefusal<'allocNoSpace'> = refuse(
  'ENOSPC',
  'the virtual swap space is full',
  'allocNoSpace',
);
const REFUSED_CACHE_EXISTS: VswapRefusal<'cacheExists'> = refuse(
  'EEXIST',
  'the entry is already in the swap cache: another I/O owns it',
  'cacheExists',
);
const REFUSED_TRANSFER_STALE: VswapRefusal<'transferStale'> = refuse(
  'EAGAIN',
  'the entry is no longer backed by the expected backend: nothing changed',
  'transferStale',
);

/** vswap's three refusals, by code. */
export const VSWAP_REFUSALS = Object.freeze({
  allocNoSpace: REFUSED_NO_SPACE,
  cacheExists: REFUSED_CACHE_EXISTS,
  transferStale: REFUSED_TRANSFER_STALE,
});

/** What cacheAdd() returns: true when the entry is now in the swap cache, or EEXIST. */
export type CacheAddResult = true | VswapRefusal<'cacheExists'>;
/** What transfer() returns: true when the entry now has the new backend, or a stale refusal. */
export type TransferResult = true | VswapRefusal<'transferStale'>;

/** The option defaults (see VirtualSwapOptions for what each one sizes). */
export const VSWAP_DEFAULTS = Object.freeze({
  maxEntries: 2 ** 31,
  segmentSlots: 2 ** 20,
  clusterSize: 4096,
  streams: 1,
  rmapClusterSize: 4096,
} as const);

const OPTION_NAMES: readonly string[] = Object.freeze([
  'maxEntries',
  'segmentSlots',
  'clusterSize',
  'streams',
  'rmapClusterSize',
  'onRelease',
]);

const U32_MAX = 0xffffffff;

/** 1 when the swap cache holds a reference to the entry (FLAG_IN_CACHE is bit 3), else 0. */
function cacheRef(flags: number): number {
  return (flags & FLAG_IN_CACHE) >>> 3;
}

export class VirtualSwap {
  readonly maxEntries: number;
  readonly clusterSize: number;
  readonly streams: number;

  // These fields are TypeScript `private`, not `#private` as docs/CONTRIBUTING.md asks,
  // on purpose: with `#` fields, Node 20's V8 ran this class's hot paths 2-5x slower in
  // the bench (bench/vswap.bench.ts, 1 M live entries, ratio to the object baseline in
  // one run, two runs each, 2026-11-30: put 0.96 / 0.63x with `#` against 3.22 / 4.23x
  // without, lookup 1.71 / 1.18x against 3.0 / 2.88x, alloc 3.8 / 4.8x against 7.4 /
  // 7.8x). Private methods (`#free()`, ...) cost nothing measurable and stay `#`. The
  // class is exported as a type only, so nothing outside the package can reach these.

  private readonly table: DescriptorTable;
  private readonly space: VirtualSpace;
  private readonly rmap: ReverseMap;
  private readonly onRelease: ReleaseCallback | undefined;
  /** Folio of every entry in the swap cache (only entries with I/O in flight). */
  private readonly cache = new Map<number, FolioHandle>();
  /** PHYS-backed entries per memcg id: memory.swap.current in pages. Grown on demand. */
  private physByMemcg = new Uint32Array(16);
  /** Live entries per BackendTag. */
  private readonly byTag = new Float64Array(5);

  private liveCount = 0;
  private allocs = 0;
  private frees = 0;
  private dups = 0;
  private puts = 0;
  private transfers = 0;
  private releases = 0;
  private refusedAllocNoSpace = 0;
  private refusedCacheExists = 0;
  private refusedTransferStale = 0;

  constructor(options: VirtualSwapOptions = {}) {
    const where = 'virtualSwap.create';
    if (typeof options !== 'object' || options === null) {
      invalidArgument(where, `options must be an object, got ${showValue(options)}`);
    }
    for (const key of Object.keys(options)) {
      if (!OPTION_NAMES.includes(key)) invalidArgument(where, `unknown option ${showValue(key)}`);
    }
    if (options.onRelease !== undefined && typeof options.onRelease !== 'function') {
      invalidArgument(where, `onRelease must be a function, got ${showValue(options.onRelease)}`);
    }
    const {
      maxEntries = VSWAP_DEFAULTS.maxEntries,
      segmentSlots = VSWAP_DEFAULTS.segmentSlots,
      clusterSize = VSWAP_DEFAULTS.clusterSize,
      streams = VSWAP_DEFAULTS.streams,
      rmapClusterSize = VSWAP_DEFAULTS.rmapClusterSize,
    } = options;
    if (!isIntInRange(maxEntries, 1, MAX_VIRTUAL_ENTRIES)) {
      invalidArgument(
        where,
        `maxEntries must be an integer from 1 to ${MAX_VIRTUAL_ENTRIES}, got ${showValue(maxEntries)}`,
      );
    }
    this.maxEntries = maxEntries;
    this.clusterSize = clusterSize;
    this.streams = streams;
    this.table = new DescriptorTable(clusterSize);
    this.space = new VirtualSpace({ maxEntries, segmentSlots, clusterSize, streams });
    this.rmap = new ReverseMap(rmapClusterSize);
    this.onRelease = options.onRelease;
  }

  // -------------------------------------------------------------------------------------
  // Entry lifetime
  // -------------------------------------------------------------------------------------

  /**
   * A new entry owned by memcg, with swap count 1 and backend NONE. When the virtual
   * space is full it returns the Refusal `allocNoSpace` (ENOSPC, counted in
   * stats().refused). The stream defaults to memcg mod streams, which keeps most clusters
   * to one memcg (and every cluster below the 8 memcgs its palette can name without a
   * per-entry table).
   */
  alloc(memcg: number, stream?: number): SwapEntry | VswapRefusal<'allocNoSpace'> {
    // typeof first: a bigint or a symbol would throw a TypeError in `>>> 0`.
    if (!(typeof memcg === 'number' && memcg >>> 0 === memcg && memcg <= MAX_MEMCG_ID)) {
      badMemcg('alloc', memcg);
    }
    if (stream === undefined) stream = memcg % this.streams;
    else if (!(typeof stream === 'number' && stream >>> 0 === stream && stream < this.streams)) {
      invalidArgument(
        'virtualSwap.alloc',
        `stream must be an integer from 0 to ${this.streams - 1}, got ${showValue(stream)}`,
      );
    }
    const entry = this.space.alloc(stream);
    if (entry < 0) {
      this.refusedAllocNoSpace++;
      return REFUSED_NO_SPACE;
    }
    this.table.claim(entry, memcg);
    this.byTag[BackendTag.NONE]!++;
    this.liveCount++;
    this.allocs++;
    return entry as SwapEntry;
  }

  /** Adds a mapping reference (swap_duplicate) and returns the new swap count. */
  dup(entry: SwapEntry): number {
    const flags = this.#liveFlags(entry, 'dup');
    const refs = this.space.dup(entry);
    this.dups++;
    return refs - cacheRef(flags);
  }

  /**
   * Drops a mapping reference and returns the new swap count. At 0, unless the swap cache
   * still holds the entry, the entry is freed and its backend released ('free').
   */
  put(entry: SwapEntry): number {
    const flags = this.#liveFlags(entry, 'put');
    const cached = cacheRef(flags);
    // Without the cache reference a live entry has swap count >= 1; only check with it.
    if (cached === 1 && this.space.count(entry) === 1) {
      throw new VswapError(
        'PUT_BELOW_ZERO',
        'virtualSwap.put',
        `entry ${entry} has swap count 0 (only the swap cache holds it)`,
      );
    }
    const refs = this.space.put(entry);
    this.puts++;
    if (refs === 0) this.#free(entry, flags);
    return refs - cached;
  }

  /** The swap count (mapping references; the swap-cache reference is not included). */
  swapCount(entry: SwapEntry): number {
    const flags = this.#liveFlags(entry, 'swapCount');
    return this.space.count(entry) - cacheRef(flags);
  }

  /** True while the entry is allocated (never throws). */
  isLive(entry: number): boolean {
    return (
      typeof entry === 'number' &&
      entry >>> 0 === entry &&
      entry < this.maxEntries &&
      this.table.flagsOf(entry) !== 0
    );
  }

  /** The current backend of a live entry. */
  lookup(entry: SwapEntry): BackendWord {
    const flags = this.#liveFlags(entry, 'lookup');
    return packBackend(flags & TAG_MASK, this.#payloadOf(entry));
  }

  memcgOf(entry: SwapEntry): number {
    this.#liveFlags(entry, 'memcgOf');
    return this.table.memcgOf(entry);
  }

  // -------------------------------------------------------------------------------------
  // Transfer
  // -------------------------------------------------------------------------------------

  /**
   * Points the entry at `next`, which the caller has already made complete (data written),
   * then releases the old backend through the callback ('transfer') and returns true.
   * With `expected`, the transfer happens only if the current backend is exactly that;
   * otherwise nothing changes and the Refusal `transferStale` (EAGAIN) is returned
   * (counted in stats().refused).
   */
  transfer(entry: SwapEntry, next: BackendWord, expected?: BackendWord): TransferResult {
    const flags = this.#liveFlags(entry, 'transfer');
    if (!isValidBackend(next)) {
      invalidArgument(
        'virtualSwap.transfer',
        `entry ${entry}: ${showValue(next)} is not a backend word`,
      );
    }
    const tag = flags & TAG_MASK;
    const payload = this.#payloadOf(entry);
    const old = packBackend(tag, payload);
    if (expected !== undefined) {
      if (!isValidBackend(expected)) {
        invalidArgument(
          'virtualSwap.transfer',
          `entry ${entry}: expected ${showValue(expected)} is not a backend word`,
        );
      }
      if (expected !== old) {
        this.refusedTransferStale++;
        return REFUSED_TRANSFER_STALE;
      }
    }
    if (next === old) {
      throw new VswapError(
        'SAME_BACKEND',
        'virtualSwap.transfer',
        `entry ${entry} is already backed by ${formatBackend(old)}`,
      );
    }
    const nextTag = tagOf(next);
    const memcg = this.table.memcgOf(entry);
    // Claim the new physical slot first: a conflict must leave everything unchanged.
    if (nextTag === BackendTag.PHYS) {
      const device = deviceOf(next);
      const slot = slotOf(next);
      if (!this.rmap.insert(device, slot, entry)) {
        throw new VswapError(
          'SLOT_IN_USE',
          'virtualSwap.transfer',
          `entry ${entry}: (device ${device}, slot ${slot}) already backs entry ${this.rmap.get(device, slot)}`,
        );
      }
      this.#charge(memcg, 1);
    }
    const c = entry >>> this.table.shift;
    const i = entry & this.table.mask;
    this.table.payload[c]![i] = next >>> 0;
    this.table.flags[c]![i] = (flags & ~TAG_MASK) | nextTag;
    if (tag === BackendTag.PHYS) {
      this.rmap.remove(deviceOf(old), slotOf(old), entry);
      this.#charge(memcg, -1);
    }
    this.byTag[tag]!--;
    this.byTag[nextTag]!++;
    this.transfers++;
    this.#release(entry, old, memcg, 'transfer');
    return true;
  }

  // -------------------------------------------------------------------------------------
  // Swap cache
  // -------------------------------------------------------------------------------------

  /**
   * Puts the entry's page in the swap cache for an I/O (read or write), taking a reference,
   * and returns true. When it is already there another I/O owns the entry: the Refusal
   * `cacheExists` (EEXIST, counted in stats().refused) is returned, and the caller either
   * gives up (writeback) or uses cacheFolio().
   */
  cacheAdd(entry: SwapEntry, folio: FolioHandle): CacheAddResult {
    const flags = this.#liveFlags(entry, 'cacheAdd');
    if (!(typeof folio === 'number' && folio >>> 0 === folio && folio <= U32_MAX)) {
      invalidArgument(
        'virtualSwap.cacheAdd',
        `entry ${entry}: folio must be an integer from 0 to 2^32-1, got ${showValue(folio)}`,
      );
    }
    if ((flags & FLAG_IN_CACHE) !== 0) {
      this.refusedCacheExists++;
      return REFUSED_CACHE_EXISTS;
    }
    this.space.dup(entry);
    this.#setFlags(entry, flags | FLAG_IN_CACHE);
    this.cache.set(entry, folio);
    return true;
  }

  /** The folio held in the swap cache for this entry, or undefined. */
  cacheFolio(entry: SwapEntry): FolioHandle | undefined {
    this.#liveFlags(entry, 'cacheFolio');
    return this.cache.get(entry);
  }

  inCache(entry: SwapEntry): boolean {
    return (this.#liveFlags(entry, 'inCache') & FLAG_IN_CACHE) !== 0;
  }

  /**
   * Removes the entry's page from the swap cache (the I/O is over) and drops the cache's
   * reference; if no mapping is left either, the entry is freed and its backend released.
   */
  cacheDelete(entry: SwapEntry): void {
    const flags = this.#liveFlags(entry, 'cacheDelete');
    if ((flags & FLAG_IN_CACHE) === 0) {
      throw new VswapError(
        'CACHE_NOT_HELD',
        'virtualSwap.cacheDelete',
        `entry ${entry} is not in the swap cache`,
      );
    }
    const rest = flags & ~FLAG_IN_CACHE;
    this.#setFlags(entry, rest);
    this.cache.delete(entry);
    if (this.space.put(entry) === 0) this.#free(entry, rest);
  }

  // -------------------------------------------------------------------------------------
  // Reverse map and charging
  // -------------------------------------------------------------------------------------

  /** The entry backed by (device, slot), or NO_ENTRY. */
  reverseLookup(device: DeviceId, slot: PhysSlot): SwapEntry {
    return this.rmap.get(device, slot);
  }

  /**
   * Every entry backed by a slot of `device`, in slot order, visiting only that device's
   * tables. Transferring the yielded entries away while iterating is safe (draining).
   */
  entriesOn(device: DeviceId): IterableIterator<SwapEntry> {
    checkDevice('entriesOn', device);
    return this.rmap.entries(device);
  }

  /** Entries backed by slots of `device`. */
  deviceEntries(device: DeviceId): number {
    checkDevice('deviceEntries', device);
    return this.rmap.count(device);
  }

  /** PHYS-backed entries of memcg: its memory.swap.current, in pages. */
  swapCurrent(memcg: number): number {
    if (!(typeof memcg === 'number' && memcg >>> 0 === memcg && memcg <= MAX_MEMCG_ID)) {
      badMemcg('swapCurrent', memcg);
    }
    return this.physByMemcg[memcg] ?? 0;
  }

  // -------------------------------------------------------------------------------------
  // Introspection
  // -------------------------------------------------------------------------------------

  get live(): number {
    return this.liveCount;
  }

  stats(): VirtualSwapStats {
    let cacheOnly = 0;
    for (const entry of this.cache.keys()) if (this.space.count(entry) === 1) cacheOnly++;
    return {
      live: this.liveCount,
      byBackend: {
        none: this.byTag[BackendTag.NONE]!,
        zero: this.byTag[BackendTag.ZERO]!,
        zswap: this.byTag[BackendTag.ZSWAP]!,
        phys: this.byTag[BackendTag.PHYS]!,
        folio: this.byTag[BackendTag.FOLIO]!,
      },
      inCache: this.cache.size,
      cacheOnly,
      allocs: this.allocs,
      frees: this.frees,
      dups: this.dups,
      puts: this.puts,
      transfers: this.transfers,
      releases: this.releases,
      refused: {
        allocNoSpace: this.refusedAllocNoSpace,
        cacheExists: this.refusedCacheExists,
        transferStale: this.refusedTransferStale,
      },
      descriptorClusters: this.table.clusterCount(),
      multiMemcgClusters: this.table.multiMemcgClusterCount(),
      mixedMemcgClusters: this.table.mixedClusterCount(),
      reverseMapTables: this.rmap.tables(),
      segments: this.space.segmentCount(),
    };
  }

  memoryUsage(): VirtualSwapMemory {
    const descriptorBytes = this.table.tableBytes();
    const reverseMapBytes = this.rmap.tableBytes();
    const allocatorBytes = this.space.allocatorBytes();
    const sideBytes =
      this.table.sideBytes() +
      this.rmap.sideBytes() +
      this.physByMemcg.byteLength +
      this.byTag.byteLength;
    return {
      descriptorBytes,
      reverseMapBytes,
      allocatorBytes,
      sideBytes,
      total: descriptorBytes + reverseMapBytes + allocatorBytes + sideBytes,
    };
  }

  /** Every live entry, in id order. */
  *entries(): IterableIterator<SwapEntry> {
    const { clusterSize } = this.table;
    for (let c = 0; c < this.table.span(); c++) {
      for (let i = 0; i < clusterSize; i++) {
        const flags = this.table.flags[c];
        if (flags === undefined) break;
        if (flags[i] !== 0) yield (c * clusterSize + i) as SwapEntry;
      }
    }
  }

  /**
   * Checks every invariant and throws CORRUPT naming the first one broken: each live
   * descriptor has a valid backend and references; PHYS descriptors and the reverse map
   * are inverse bijections; the per-backend, per-memcg and cache counts match; the
   * allocators agree. O(live entries + allocator space): for tests and debugging.
   */
  verify(): void {
    const fail = (detail: string): never => {
      throw new VswapError('CORRUPT', 'virtualSwap.verify', detail);
    };
    const byTag = [0, 0, 0, 0, 0];
    const phys = new Map<number, number>();
    const perDevice = new Map<number, number>();
    let live = 0;
    let cached = 0;
    for (const entry of this.entries()) {
      live++;
      const flags = this.table.flagsOf(entry);
      const tag = flags & TAG_MASK;
      if (tag > BackendTag.FOLIO || !this.table.memcgIndexValid(entry)) {
        fail(`entry ${entry} has flags 0x${flags.toString(16)}`);
      }
      const word = packBackend(tag, this.#payloadOf(entry));
      if (!isValidBackend(word)) fail(`entry ${entry} holds an invalid backend ${word}`);
      byTag[tag]!++;
      const inCache = (flags & FLAG_IN_CACHE) !== 0;
      if (inCache) cached++;
      if (inCache !== this.cache.has(entry)) {
        fail(`entry ${entry}: cache flag ${inCache}, cache map ${this.cache.has(entry)}`);
      }
      const refs = this.space.count(entry);
      // refs = swap count + cache reference; a live entry always holds at least one.
      if (refs < 1) {
        fail(`entry ${entry} is live with ${refs} references (in cache: ${inCache})`);
      }
      if (tag === BackendTag.PHYS) {
        const device = deviceOf(word);
        const back = this.rmap.get(device, slotOf(word));
        if (back !== entry) {
          fail(`entry ${entry} -> ${formatBackend(word)}, but the reverse map gives ${back}`);
        }
        const memcg = this.table.memcgOf(entry);
        phys.set(memcg, (phys.get(memcg) ?? 0) + 1);
        perDevice.set(device, (perDevice.get(device) ?? 0) + 1);
      }
    }
    if (live !== this.liveCount) fail(`${live} live descriptors, ${this.liveCount} counted`);
    if (cached !== this.cache.size) fail(`${cached} cached entries, map holds ${this.cache.size}`);
    for (let t = 0; t < 5; t++) {
      if (byTag[t] !== this.byTag[t])
        fail(`tag ${t}: ${byTag[t]} entries, ${this.byTag[t]} counted`);
    }
    for (let d = 0; d < 32; d++) {
      const n = perDevice.get(d) ?? 0;
      if (this.rmap.count(d as DeviceId) !== n) {
        fail(`device ${d}: reverse map holds ${this.rmap.count(d as DeviceId)}, ${n} PHYS entries`);
      }
      // Counts match and every PHYS entry was found at its slot, so there is no stale cell;
      // walk the device anyway to catch a cell pointing at a non-PHYS entry.
      for (const entry of this.rmap.entries(d as DeviceId)) {
        if ((this.table.flagsOf(entry) & TAG_MASK) !== BackendTag.PHYS) {
          fail(`device ${d}: the reverse map points at entry ${entry}, which is not PHYS`);
        }
      }
    }
    for (let m = 0; m < this.physByMemcg.length; m++) {
      if (this.physByMemcg[m] !== (phys.get(m) ?? 0)) {
        fail(`memcg ${m}: swap.current ${this.physByMemcg[m]}, ${phys.get(m) ?? 0} PHYS entries`);
      }
    }
    if (this.space.liveEntries() !== live) {
      fail(`${live} live descriptors, ${this.space.liveEntries()} allocated virtual slots`);
    }
    this.space.verify();
  }

  // -------------------------------------------------------------------------------------
  // Internals
  // -------------------------------------------------------------------------------------

  /**
   * The flags byte of a live entry. Not an entry of this space: INVALID_ARGUMENT; an
   * entry of the space that is not allocated: UNKNOWN_ENTRY. Both name the method.
   */
  #liveFlags(entry: number, method: string): number {
    if (!(typeof entry === 'number' && entry >>> 0 === entry && entry < this.maxEntries)) {
      invalidArgument(
        `virtualSwap.${method}`,
        `entry must be an integer from 0 to ${this.maxEntries - 1}, got ${showValue(entry)}`,
      );
    }
    const flags = this.table.flagsOf(entry);
    if (flags === 0) {
      throw new VswapError(
        'UNKNOWN_ENTRY',
        `virtualSwap.${method}`,
        `entry ${entry} is not allocated (never allocated, or already freed)`,
      );
    }
    return flags;
  }

  #payloadOf(entry: number): number {
    return this.table.payload[entry >>> this.table.shift]![entry & this.table.mask]!;
  }

  #setFlags(entry: number, flags: number): void {
    this.table.flags[entry >>> this.table.shift]![entry & this.table.mask] = flags;
  }

  /** The last reference is gone (the allocator slot is already free): drop the descriptor. */
  #free(entry: number, flags: number): void {
    const tag = flags & TAG_MASK;
    const word = packBackend(tag, this.#payloadOf(entry));
    const memcg = this.table.memcgOf(entry);
    if (tag === BackendTag.PHYS) {
      this.rmap.remove(deviceOf(word), slotOf(word), entry as SwapEntry);
      this.#charge(memcg, -1);
    }
    this.table.release(entry);
    this.byTag[tag]!--;
    this.liveCount--;
    this.frees++;
    this.#release(entry as SwapEntry, word, memcg, 'free');
  }

  #release(entry: SwapEntry, word: BackendWord, memcg: number, reason: ReleaseReason): void {
    this.releases++;
    this.onRelease?.(entry, word, memcg, reason);
  }

  #charge(memcg: number, delta: number): void {
    if (memcg >= this.physByMemcg.length) {
      let size = this.physByMemcg.length;
      while (size <= memcg) size *= 2;
      const grown = new Uint32Array(size);
      grown.set(this.physByMemcg);
      this.physByMemcg = grown;
    }
    this.physByMemcg[memcg]! += delta;
  }
}

// Misuse is reported from these cold functions so the checking methods stay small.

function badMemcg(method: string, memcg: unknown): never {
  return invalidArgument(
    `virtualSwap.${method}`,
    `memcg must be an id from 0 to ${MAX_MEMCG_ID}, got ${showValue(memcg)}`,
  );
}

function checkDevice(method: string, device: unknown): void {
  if (!(typeof device === 'number' && device >>> 0 === device && device < MAX_DEVICES)) {
    invalidArgument(
      `virtualSwap.${method}`,
      `device must be an integer from 0 to ${MAX_DEVICES - 1}, got ${showValue(device)}`,
    );
  }
}

/** Creates a virtual swap space; see VirtualSwapOptions (every option has a default). */
export function createVirtualSwap(options: VirtualSwapOptions = {}): VirtualSwap {
  return new VirtualSwap(options);
}
