/**
 * ZswapPool: the compressed page pool, with the kernel's zswap behaviour and names
 * (mm/zswap.c, as of the 2025-2026 trees described in reference/kernel-semantics.md).
 *
 * Why this design:
 * - Entries live in a structure of arrays indexed by a dense entry index, found from the
 *   caller's entry id through EntryIndex. The arrays cost 24 B per entry (the kernel's
 *   zswap_entry is about 56 B): id u32, arena handle u32, length-1 u16, memcg u16, a
 *   stamp u32 (store time in 64 ms ticks, codec slot, referenced bit: entryStamp.ts)
 *   and the two LRU links i32, which MemcgLru owns. Raw entries are the ones with
 *   length == pageSize, as in the kernel.
 * - Compressed bytes go into a ZsArena (zsmalloc-like); the pool limit is checked
 *   against the arena's footprint, so "pool_total_size" is memory really held.
 * - Loads are exclusive (the entry is freed), stores of an id already present replace
 *   the stale entry, and a failed store erases it (otherwise a later writeback would
 *   overwrite newer data): zswap_store()/zswap_load().
 * - The LRU is per memcg (MemcgLru) and starts entries referenced; its walk gives
 *   referenced entries a second chance and rotates a candidate to the tail before it is
 *   tried, so a failed writeback leaves it last. -EEXIST (the page is hot) stops a walk.
 * - The reclaim side (shrinker count/scan, shrink worker, proactive writeback and their
 *   memcg cursors) is ZswapReclaim, which decides which entries go; it reaches the pool
 *   through a small ReclaimHost (shared LRU and memcg table, footprint figures,
 *   writebackVictims). This file keeps store / load / invalidate, the limits, and the
 *   writeback of chosen entries.
 * - Writeback reserves the destination first (zswap allocates the swap-cache folio
 *   before decompressing), decompresses into a scratch page, writes, then frees the
 *   entry. Unlike the kernel, the write happens before the free: here the scratch page
 *   is not a swap-cache folio that would keep the data if the write threw.
 * - Codecs: up to 8 at once. A compressor switch makes new stores use the new codec;
 *   entries keep their codec slot and stay readable; a slot is released when its last
 *   entry goes (zswap keeps old pools alive until their entries are gone).
 * - @mongodb-js/zstd is Promise-only, so entries of an async codec are loaded and
 *   written back through the async methods; batches cross the native boundary once.
 *   Across the await the entries are *detached*: out of the id index and the LRU, like
 *   a page locked in the swap cache, so nothing else can load, invalidate or write them
 *   back meanwhile (those calls see ENOENT). Their compressed bytes are handed to the
 *   codec as views, which the Codec contract reads before its first await. On success
 *   a detached entry is freed; on failure it is put back (unless a newer store of the
 *   same id arrived, which wins).
 */

import type { Codec } from '@tierswap/compress';
import { EntryIndex } from './entryIndex.js';
import { MAX_CODECS, slotOf, stamp, ticksAt } from './entryStamp.js';
import { MemcgLru } from './memcgLru.js';
import { MAX_MEMCG_ID, MemcgTable, UNKNOWN_PARENT } from './memcgTable.js';
import type {
  Clock,
  LoadResult,
  MemcgZswapStats,
  ProactiveWritebackRequest,
  ProactiveWritebackResult,
  StoreItem,
  StoreResult,
  WritebackResult,
  WritebackTarget,
  ZswapMemcgView,
  ZswapPoolOptions,
  ZswapStats,
} from './types.js';
import { ZsArena } from './zsArena.js';
import { ZswapError } from './zswapError.js';
import { type WalkResult, ZswapReclaim } from './zswapReclaim.js';

// ---------------------------------------------------------------- constants

/** Entries a store over memory.zswap.max may scan in its one shrink attempt. */
export const STORE_SHRINK_SCAN = 32;
/** End of the free list of entry slots. */
const NONE = -1;

export class ZswapPool {
  readonly pageSize: number;
  readonly #view: ZswapMemcgView;
  /** The view's onZswapEvent, looked up once (most views have none). */
  readonly #onEvent: ZswapMemcgView['onZswapEvent'];
  readonly #clock: Clock;
  readonly #target: WritebackTarget | undefined;
  readonly #arena: ZsArena;
  readonly #memcgs = new MemcgTable();
  readonly #queueShrinkWork: (() => void) | undefined;

  // ------------------------------------------------------------ tunables
  #ramBytes: number;
  #maxPoolPercent: number;
  #acceptPercent: number;
  #maxPoolBytes = 0;
  #acceptBytes = 0;
  #maxCompressed: number;
  #shrinkerEnabled: boolean;

  // ------------------------------------------------------------ codecs
  readonly #codecs: (Codec | undefined)[] = new Array(MAX_CODECS).fill(undefined);
  readonly #codecRefs = new Float64Array(MAX_CODECS);
  #current = 0;

  // ------------------------------------------------------------ entries (SoA)
  #cap: number;
  #eId: Uint32Array;
  #eHandle: Uint32Array;
  #eLen: Uint16Array;
  #eMemcg: Uint16Array;
  #eStamp: Uint32Array;
  /**
   * Free entry slots, linked through their handle column (a free slot has no arena
   * object): eHandle[idx] = next free index + 1, 0 ending the list.
   */
  #freeHead = NONE;
  #unused = 0;
  readonly #index: EntryIndex;
  /** Per-memcg LRU lists through the entries (links, heads, second chance). */
  readonly #lru: MemcgLru;
  readonly #reclaim: ZswapReclaim;

  // ------------------------------------------------------------ state and counters
  #reachedFull = false;
  #shrinkQueued = false;
  readonly #scratch: Uint8Array;
  #poolLimitHit = 0;
  #rejectReclaimFail = 0;
  #rejectAllocFail = 0;
  #rejectCompressFail = 0;
  #rejectCompressPoor = 0;
  #rejectMemcgLimit = 0;
  #decompressFail = 0;
  #writtenBack = 0;
  #storedPages = 0;
  #storedRaw = 0;
  #compressedBytes = 0;

  constructor(options: ZswapPoolOptions) {
    const codec = options.codec;
    this.pageSize = codec.pageSize;
    this.#view = options.memcg;
    this.#onEvent = options.memcg.onZswapEvent?.bind(options.memcg);
    this.#clock = options.clock;
    this.#target = options.writeback;
    this.#queueShrinkWork = options.queueShrinkWork;
    this.#arena = new ZsArena(this.pageSize, {
      ...(options.zsChainSize !== undefined && { chainSize: options.zsChainSize }),
      ...(options.arenaCacheBytes !== undefined && { cacheLimitBytes: options.arenaCacheBytes }),
    });
    this.#ramBytes = options.ramBytes;
    this.#maxPoolPercent = options.maxPoolPercent ?? 20;
    this.#acceptPercent = options.acceptThresholdPercent ?? 90;
    this.#maxCompressed = options.maxCompressedBytes ?? this.pageSize - 1;
    this.#shrinkerEnabled = options.shrinkerEnabled ?? true;
    this.#checkTunables('constructor');
    this.#codecs[0] = codec;
    this.#cap = Math.max(64, options.initialCapacity ?? 1024);
    this.#eId = new Uint32Array(this.#cap);
    this.#eHandle = new Uint32Array(this.#cap);
    this.#eLen = new Uint16Array(this.#cap);
    this.#eMemcg = new Uint16Array(this.#cap);
    this.#eStamp = new Uint32Array(this.#cap);
    this.#index = new EntryIndex(this.#eId, this.#cap);
    this.#lru = new MemcgLru(this.#cap, this.#eStamp, this.#eLen);
    this.#scratch = new Uint8Array(this.pageSize);
    const arena = this.#arena;
    this.#reclaim = new ZswapReclaim({
      pageSize: this.pageSize,
      view: this.#view,
      clock: this.#clock,
      lru: this.#lru,
      memcgs: this.#memcgs,
      shrinkerEnabled: () => this.#shrinkerEnabled,
      footprintBytes: () => arena.footprintBytes,
      liveBytes: () => arena.slotBytes,
      acceptThresholdBytes: () => this.#acceptBytes,
      compact: () => this.compact(),
      writebackVictims: (victims, proactive) => this.#writebackVictims(victims, proactive),
      writebackVictimsSync: (victims, proactive) => this.#writebackVictimsSync(victims, proactive),
    });
  }

  // ================================================================ tunables

  /** zswap.compressor: new stores use `codec`; existing entries keep theirs. */
  setCompressor(codec: Codec): void {
    if (codec.pageSize !== this.pageSize) {
      throw new ZswapError(
        'INVALID_ARGUMENT',
        `@tierswap/zswap/pool.setCompressor: codec page size ${codec.pageSize} != pool page size ${this.pageSize}`,
      );
    }
    if (this.#codecs[this.#current] === codec) return;
    // The codec may still own a slot (switching back before its entries are gone);
    // otherwise take any other slot without entries.
    let slot = this.#codecs.indexOf(codec);
    if (slot < 0) {
      slot = this.#codecs.findIndex((_, i) => i !== this.#current && this.#codecRefs[i] === 0);
      if (slot < 0) {
        throw new ZswapError(
          'TOO_MANY_CODECS',
          `@tierswap/zswap/pool.setCompressor: ${MAX_CODECS} codecs still hold entries`,
        );
      }
      this.#codecs[slot] = codec;
    }
    const old = this.#current;
    this.#current = slot;
    if (this.#codecRefs[old] === 0) this.#codecs[old] = undefined;
  }

  get compressor(): Codec {
    return this.#codecs[this.#current]!;
  }

  /** Set zswap.max_pool_percent / accept_threshold_percent / RAM size / poor threshold. */
  setTunables(t: {
    maxPoolPercent?: number;
    acceptThresholdPercent?: number;
    ramBytes?: number;
    maxCompressedBytes?: number;
    shrinkerEnabled?: boolean;
  }): void {
    const saved = [this.#maxPoolPercent, this.#acceptPercent, this.#ramBytes, this.#maxCompressed];
    this.#maxPoolPercent = t.maxPoolPercent ?? this.#maxPoolPercent;
    this.#acceptPercent = t.acceptThresholdPercent ?? this.#acceptPercent;
    this.#ramBytes = t.ramBytes ?? this.#ramBytes;
    this.#maxCompressed = t.maxCompressedBytes ?? this.#maxCompressed;
    this.#shrinkerEnabled = t.shrinkerEnabled ?? this.#shrinkerEnabled;
    try {
      this.#checkTunables('setTunables');
    } catch (e) {
      [this.#maxPoolPercent, this.#acceptPercent, this.#ramBytes, this.#maxCompressed] = saved as [
        number,
        number,
        number,
        number,
      ];
      this.#checkTunables('setTunables');
      throw e;
    }
  }

  /** Maximum pool footprint in bytes (max_pool_percent of RAM). */
  get maxPoolBytes(): number {
    return this.#maxPoolBytes;
  }

  /** Footprint below which stores are accepted again after the limit was hit. */
  get acceptThresholdBytes(): number {
    return this.#acceptBytes;
  }

  /** True when the pool hit its limit and has not yet come back under the threshold. */
  get reachedFull(): boolean {
    return this.#reachedFull;
  }

  /** True when a store asked for the shrink worker and it has not run since. */
  get shrinkWorkPending(): boolean {
    return this.#shrinkQueued;
  }

  #checkTunables(where: string): void {
    const ok =
      this.#ramBytes > 0 &&
      this.#maxPoolPercent >= 0 &&
      this.#maxPoolPercent <= 100 &&
      this.#acceptPercent >= 0 &&
      this.#acceptPercent <= 100 &&
      Number.isInteger(this.#maxCompressed) &&
      this.#maxCompressed >= 1 &&
      this.#maxCompressed < this.pageSize;
    if (!ok) {
      throw new ZswapError(
        'INVALID_ARGUMENT',
        `@tierswap/zswap/pool.${where}: ramBytes ${this.#ramBytes}, max_pool_percent ${this.#maxPoolPercent}, accept_threshold_percent ${this.#acceptPercent}, maxCompressedBytes ${this.#maxCompressed} (must be 1..${this.pageSize - 1})`,
      );
    }
    this.#maxPoolBytes = Math.floor((this.#ramBytes * this.#maxPoolPercent) / 100);
    this.#acceptBytes = Math.floor((this.#maxPoolBytes * this.#acceptPercent) / 100);
  }

  // ================================================================ store

  /**
   * Store one page (sync codecs). Checks memory.zswap.max up the hierarchy (one shrink
   * attempt of the page's memcg before refusing), then the global limit with
   * hysteresis, then compresses. Returns what happened; refusals are counted.
   */
  store(id: number, memcg: number, page: Uint8Array): StoreResult {
    this.#checkStoreArgs('store', id, memcg, page);
    const codec = this.#codecs[this.#current]!;
    const pre = this.#preStore(id, memcg);
    if (pre !== undefined) return pre;
    let out: Uint8Array | undefined;
    try {
      out = codec.compress(page);
    } catch {
      out = undefined;
    }
    return this.#insert(id, memcg, page, out, this.#current);
  }

  /**
   * Store many pages; for async codecs this is the path, for sync ones it equals calling
   * store() for each. Compression of the accepted pages happens in one codec batch.
   */
  async storeBatch(items: readonly StoreItem[]): Promise<StoreResult[]> {
    const results: StoreResult[] = new Array(items.length);
    const accepted: number[] = [];
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      this.#checkStoreArgs('storeBatch', it.id, it.memcg, it.page);
      if (!this.#mayZswap(it.memcg) && !(await this.#shrinkForStoreAsync(it.memcg))) {
        results[i] = this.#refuse(it.id, 'memcg_limit');
        continue;
      }
      if (this.#checkLimits()) {
        results[i] = this.#refuse(it.id, 'pool_limit');
        continue;
      }
      accepted.push(i);
    }
    if (accepted.length === 0) return results;
    const slot = this.#current;
    const codec = this.#codecs[slot]!;
    this.#codecRefs[slot] = this.#codecRefs[slot]! + 1; // pin across the await
    let outs: (Uint8Array | undefined)[];
    try {
      outs = accepted.map((i) => codec.compress(items[i]!.page).slice());
    } catch {
      outs = accepted.map(() => undefined);
    } finally {
      this.#codecRefs[slot] = this.#codecRefs[slot]! - 1;
    }
    for (let k = 0; k < accepted.length; k++) {
      const it = items[accepted[k]!]!;
      results[accepted[k]!] = this.#insert(it.id, it.memcg, it.page, outs[k], slot);
    }
    if (this.#codecRefs[slot] === 0 && slot !== this.#current) this.#codecs[slot] = undefined;
    return results;
  }

  #checkStoreArgs(where: string, id: number, memcg: number, page: Uint8Array): void {
    if (!(id >= 0 && id <= 0xffffffff && Number.isInteger(id))) {
      throw new ZswapError(
        'INVALID_ARGUMENT',
        `@tierswap/zswap/pool.${where}: entry id ${id} is not a u32`,
      );
    }
    if (!(memcg >= 0 && memcg <= MAX_MEMCG_ID && Number.isInteger(memcg))) {
      throw new ZswapError(
        'INVALID_ARGUMENT',
        `@tierswap/zswap/pool.${where}: memcg id ${memcg} not in 0..${MAX_MEMCG_ID}`,
      );
    }
    if (page.byteLength !== this.pageSize) {
      throw new ZswapError(
        'INVALID_ARGUMENT',
        `@tierswap/zswap/pool.${where}: entry ${id}: page of ${page.byteLength} bytes, expected ${this.pageSize}`,
      );
    }
    if (memcg >= this.#memcgs.size || this.#memcgs.parent[memcg] === UNKNOWN_PARENT) {
      this.#ensureMemcg(memcg);
    }
  }

  /** The limit checks of zswap_store() before compression; a refusal or undefined. */
  #preStore(id: number, memcg: number): StoreResult | undefined {
    if (!this.#mayZswap(memcg) && !this.#shrinkForStoreSync(memcg)) {
      return this.#refuse(id, 'memcg_limit');
    }
    if (this.#checkLimits()) return this.#refuse(id, 'pool_limit');
    return undefined;
  }

  /** A refused store: count it, erase a stale entry of the same id, kick the worker. */
  #refuse(id: number, why: StoreResult): StoreResult {
    switch (why) {
      case 'memcg_limit':
        this.#rejectMemcgLimit++;
        break;
      case 'compress_fail':
        this.#rejectCompressFail++;
        break;
      case 'compress_poor':
        this.#rejectCompressPoor++;
        break;
      case 'alloc_fail':
        this.#rejectAllocFail++;
        break;
      default:
        break; // pool_limit_hit is counted by #checkLimits
    }
    const stale = this.#index.get(id);
    if (stale >= 0) this.#freeEntry(stale);
    if (this.#reachedFull && !this.#shrinkQueued) {
      this.#shrinkQueued = true;
      this.#queueShrinkWork?.();
    }
    return why;
  }

  /** zswap_check_limits(): global limit with hysteresis. True = refuse. */
  #checkLimits(): boolean {
    const cur = this.#arena.footprintBytes;
    if (cur >= this.#maxPoolBytes) {
      this.#poolLimitHit++;
      this.#reachedFull = true;
    } else if (this.#reachedFull && cur <= this.#acceptBytes) {
      this.#reachedFull = false;
    }
    return this.#reachedFull;
  }

  /** obj_cgroup_may_zswap(): every level under its memory.zswap.max. */
  #mayZswap(memcg: number): boolean {
    const view = this.#view;
    const charge = this.#memcgs.charge;
    const parent = this.#memcgs.parent;
    for (let m = memcg; m >= 0; m = parent[m]!) {
      const max = view.zswapMax(m);
      if (max !== Number.POSITIVE_INFINITY && charge[m]! >= max) return false;
    }
    return true;
  }

  /** Put a compressed (or failed) result into the pool. */
  #insert(
    id: number,
    memcg: number,
    page: Uint8Array,
    out: Uint8Array | undefined,
    slot: number,
  ): StoreResult {
    const P = this.pageSize;
    let src: Uint8Array;
    let len: number;
    let raw = false;
    if (
      out === undefined ||
      out.length === 0 ||
      out.length >= P ||
      out.length > this.#maxCompressed
    ) {
      // Compression failed or was poor: keep the page raw when it may later be written
      // back (dca4437a5861), else refuse so the page stays in memory.
      if (!this.#view.writebackEnabled(memcg)) {
        return this.#refuse(id, out === undefined ? 'compress_fail' : 'compress_poor');
      }
      src = page;
      len = P;
      raw = true;
    } else {
      src = out;
      len = out.length;
    }
    const idx = this.#allocIndex();
    let handle: number;
    try {
      handle = this.#arena.alloc(len, idx);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      handle = 0;
    }
    if (handle === 0) {
      this.#releaseIndex(idx);
      return this.#refuse(id, 'alloc_fail');
    }
    this.#arena.bufferOf(handle).set(src, this.#arena.offsetOf(handle));
    const stale = this.#index.get(id);
    if (stale >= 0) this.#freeEntry(stale); // xa_store() replaced an older entry
    this.#eId[idx] = id;
    this.#eHandle[idx] = handle;
    this.#eLen[idx] = len - 1;
    this.#eMemcg[idx] = memcg;
    // New entries start referenced (second chance on the first walk).
    this.#eStamp[idx] = stamp(this.#nowTicks(), slot, 1);
    this.#index.insert(id, idx);
    this.#codecRefs[slot] = this.#codecRefs[slot]! + 1;
    this.#lru.addTail(memcg, idx);
    const mt = this.#memcgs;
    mt.zswapB[memcg] = mt.zswapB[memcg]! + len;
    mt.zswappedB[memcg] = mt.zswappedB[memcg]! + P;
    mt.zswpout[memcg] = mt.zswpout[memcg]! + 1;
    if (raw) {
      mt.incompB[memcg] = mt.incompB[memcg]! + P;
      this.#storedRaw++;
    }
    this.#charge(memcg, len);
    this.#onEvent?.(memcg, 'store', len, raw);
    this.#storedPages++;
    this.#compressedBytes += len;
    return raw ? 'stored_raw' : 'stored';
  }

  /** Add `delta` compressed bytes to the memcg and every ancestor (ensured at store). */
  #charge(memcg: number, delta: number): void {
    const charge = this.#memcgs.charge;
    const parent = this.#memcgs.parent;
    for (let m = memcg; m >= 0; m = parent[m]!) charge[m] = charge[m]! + delta;
  }

  /** Make room for a memcg and its ancestors, caching their parents. */
  #ensureMemcg(memcg: number): void {
    const mt = this.#memcgs;
    let m = memcg;
    for (;;) {
      this.#ensureTables(m);
      if (mt.parent[m] !== UNKNOWN_PARENT) return;
      const p = this.#view.parentOf(m);
      if (p !== undefined && !(p >= 0 && p <= MAX_MEMCG_ID && Number.isInteger(p))) {
        throw new ZswapError(
          'INVALID_ARGUMENT',
          `@tierswap/zswap/pool.store: parent ${p} of memcg ${m} not in 0..${MAX_MEMCG_ID}`,
        );
      }
      mt.parent[m] = p ?? -1;
      if (p === undefined) return;
      m = p;
    }
  }

  /** Make room for memcg m in the memcg table and the LRU (they grow together). */
  #ensureTables(m: number): void {
    this.#memcgs.ensure(m);
    this.#lru.ensureMemcg(m);
  }

  // ================================================================ load / invalidate

  /**
   * Exclusive load into `dst` (one page): decompress, free the entry, count zswpin.
   * 'ENOENT' when the id is not here, 'EIO' (decompress_fail) when the data is corrupt:
   * the entry stays, and `dst` may hold partial output (decoding goes straight into it,
   * as the kernel's into the faulting folio). Throws ASYNC_ONLY for an entry of an
   * async codec.
   */
  load(id: number, dst: Uint8Array): LoadResult {
    this.#checkDst('load', dst);
    const idx = this.#index.get(id);
    if (idx < 0) return 'ENOENT';
    const r = this.#decodeSync(idx, dst);
    if (r === 'async') {
      throw new ZswapError(
        'ASYNC_ONLY',
        `@tierswap/zswap/pool.load: entry ${id} was compressed by ${this.#codecOf(idx).name}; use loadBatch`,
      );
    }
    if (!r) {
      this.#decompressFail++;
      return 'EIO';
    }
    this.#countLoad(idx);
    this.#freeEntry(idx);
    return 'ok';
  }

  #countLoad(idx: number): void {
    const m = this.#eMemcg[idx]!;
    this.#memcgs.zswpin[m] = this.#memcgs.zswpin[m]! + 1;
    this.#onEvent?.(m, 'load', this.#eLen[idx]! + 1, false);
  }

  /**
   * Exclusive load of many entries, any codec. Entries of async codecs are decoded in
   * one codec batch per codec (one native call for zstd).
   */
  async loadBatch(ids: readonly number[], dsts: readonly Uint8Array[]): Promise<LoadResult[]> {
    if (ids.length !== dsts.length) {
      throw new ZswapError(
        'INVALID_ARGUMENT',
        `@tierswap/zswap/pool.loadBatch: ${ids.length} ids for ${dsts.length} pages`,
      );
    }
    const results: LoadResult[] = new Array(ids.length);
    const pendingI: number[] = [];
    const pendingIdx: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      this.#checkDst('loadBatch', dsts[i]!);
      const idx = this.#index.get(ids[i]!);
      if (idx < 0) {
        results[i] = 'ENOENT';
        continue;
      }
      const r = this.#decodeSync(idx, dsts[i]!);
      if (r === 'async') {
        this.#detach(idx);
        pendingI.push(i);
        pendingIdx.push(idx);
      } else if (!r) {
        this.#decompressFail++;
        results[i] = 'EIO';
      } else {
        this.#countLoad(idx);
        this.#freeEntry(idx);
        results[i] = 'ok';
      }
    }
    if (pendingIdx.length > 0) {
      const ok = await this.#decodeAsync(
        pendingIdx,
        pendingI.map((i) => dsts[i]!),
      );
      for (let k = 0; k < pendingIdx.length; k++) {
        const idx = pendingIdx[k]!;
        const i = pendingI[k]!;
        if (ok[k]) {
          this.#countLoad(idx);
          this.#releaseDetached(idx);
          results[i] = 'ok';
        } else {
          this.#decompressFail++;
          this.#reattach(idx);
          results[i] = 'EIO';
        }
      }
    }
    return results;
  }

  /** Drop an entry (its swap slot was freed). False when the id is not here. */
  invalidate(id: number): boolean {
    const idx = this.#index.get(id);
    if (idx < 0) return false;
    this.#freeEntry(idx);
    return true;
  }

  /** True when `id` is stored. */
  has(id: number): boolean {
    return this.#index.get(id) >= 0;
  }

  /** Compressed length of a stored entry (pageSize for raw ones), or -1. */
  lengthOf(id: number): number {
    const idx = this.#index.get(id);
    return idx < 0 ? -1 : this.#eLen[idx]! + 1;
  }

  /** The swap layer saw a swap-in from disk for this memcg (shrinker feedback). */
  noteDiskSwapin(memcg: number): void {
    this.#ensureTables(memcg);
    this.#memcgs.diskSwapins[memcg] = this.#memcgs.diskSwapins[memcg]! + 1;
  }

  #checkDst(where: string, dst: Uint8Array): void {
    if (dst.byteLength !== this.pageSize) {
      throw new ZswapError(
        'INVALID_ARGUMENT',
        `@tierswap/zswap/pool.${where}: destination of ${dst.byteLength} bytes, expected ${this.pageSize}`,
      );
    }
  }

  #codecOf(idx: number): Codec {
    return this.#codecs[slotOf(this.#eStamp[idx]!)]!;
  }

  /** Decode an entry into dst synchronously: true, false (corrupt), or 'async'. */
  #decodeSync(idx: number, dst: Uint8Array): boolean | 'async' {
    const handle = this.#eHandle[idx]!;
    const len = this.#eLen[idx]! + 1;
    const buf = this.#arena.bufferOf(handle);
    const off = this.#arena.offsetOf(handle);
    if (len === this.pageSize) {
      dst.set(buf.subarray(off, off + len)); // raw: no decompression
      return true;
    }
    return this.#codecOf(idx).decodeInto(buf, off, off + len, dst, 0) === true;
  }

  /** Decode entries page by page (every codec is synchronous); per-entry success. */
  async #decodeAsync(idxs: readonly number[], dsts: readonly Uint8Array[]): Promise<boolean[]> {
    return idxs.map(
      (idx, k) => this.#codecOf(idx).decompress(this.#bytesOf(idx), dsts[k]!) === true,
    );
  }

  /** A view of an entry's compressed bytes in the arena. */
  #bytesOf(idx: number): Uint8Array {
    const h = this.#eHandle[idx]!;
    const off = this.#arena.offsetOf(h);
    return this.#arena.bufferOf(h).subarray(off, off + this.#eLen[idx]! + 1);
  }

  // ================================================================ entry slots

  #allocIndex(): number {
    if (this.#freeHead !== NONE) {
      const idx = this.#freeHead;
      this.#freeHead = this.#eHandle[idx]! - 1;
      return idx;
    }
    if (this.#unused === this.#cap) this.#grow();
    return this.#unused++;
  }

  #releaseIndex(idx: number): void {
    this.#eHandle[idx] = this.#freeHead + 1;
    this.#freeHead = idx;
  }

  #freeEntry(idx: number): void {
    this.#detach(idx);
    this.#releaseDetached(idx);
  }

  /** Take an entry out of the id index and its LRU; it stays stored and counted. */
  #detach(idx: number): void {
    this.#lru.delete(this.#eMemcg[idx]!, idx);
    this.#index.removeIndex(idx);
  }

  /** Put a detached entry back, unless a newer store of its id arrived meanwhile. */
  #reattach(idx: number): void {
    if (this.#index.get(this.#eId[idx]!) >= 0) {
      this.#releaseDetached(idx);
      return;
    }
    this.#index.insert(this.#eId[idx]!, idx);
    this.#lru.addTail(this.#eMemcg[idx]!, idx);
  }

  /** Free a detached entry: arena object, counters, codec slot, entry slot. */
  #releaseDetached(idx: number): void {
    const P = this.pageSize;
    const m = this.#eMemcg[idx]!;
    const len = this.#eLen[idx]! + 1;
    const slot = slotOf(this.#eStamp[idx]!);
    this.#arena.free(this.#eHandle[idx]!, len);
    const mt = this.#memcgs;
    mt.zswapB[m] = mt.zswapB[m]! - len;
    mt.zswappedB[m] = mt.zswappedB[m]! - P;
    if (len === P) {
      mt.incompB[m] = mt.incompB[m]! - P;
      this.#storedRaw--;
    }
    this.#charge(m, -len);
    this.#onEvent?.(m, 'free', len, len === P);
    this.#storedPages--;
    this.#compressedBytes -= len;
    const refs = this.#codecRefs[slot]! - 1;
    this.#codecRefs[slot] = refs;
    if (refs === 0 && slot !== this.#current) this.#codecs[slot] = undefined;
    this.#releaseIndex(idx);
  }

  #grow(): void {
    const n = this.#cap * 2;
    const u32 = (a: Uint32Array): Uint32Array => {
      const b = new Uint32Array(n);
      b.set(a);
      return b;
    };
    const u16 = (a: Uint16Array): Uint16Array => {
      const b = new Uint16Array(n);
      b.set(a);
      return b;
    };
    this.#eId = u32(this.#eId);
    this.#eHandle = u32(this.#eHandle);
    this.#eStamp = u32(this.#eStamp);
    this.#eLen = u16(this.#eLen);
    this.#eMemcg = u16(this.#eMemcg);
    this.#index.setIds(this.#eId);
    this.#lru.resize(n, this.#eStamp, this.#eLen);
    this.#cap = n;
  }

  #nowTicks(): number {
    return ticksAt(this.#clock.now());
  }

  // ================================================================ writeback

  /** Write back the given candidates; sync where the codec allows, else one batch. */
  async #writebackVictims(victims: readonly number[], proactive: boolean): Promise<WalkResult> {
    const res: WalkResult = { pages: 0, compressedBytes: 0, failures: 0, stop: false };
    const later: number[] = [];
    const tokens: number[] = [];
    this.#writebackWalk(victims, proactive, res, later, tokens);
    if (later.length === 0) return res;
    const pages = later.map(() => new Uint8Array(this.pageSize));
    const ok = await this.#decodeAsync(later, pages);
    for (let k = 0; k < later.length; k++) {
      const idx = later[k]!;
      if (!ok[k]) {
        this.#decompressFail++;
        this.#rejectReclaimFail++;
        res.failures++;
        this.#target!.cancel(this.#eId[idx]!, tokens[k]!);
        this.#reattach(idx);
        continue;
      }
      this.#finishWriteback(idx, tokens[k]!, pages[k]!, proactive, res, true);
    }
    return res;
  }

  /**
   * The synchronous twin of #writebackVictims: entries of a Promise-only codec cannot be
   * decoded here, so their reservations are cancelled and they count as failures.
   */
  #writebackVictimsSync(victims: readonly number[], proactive: boolean): WalkResult {
    const res: WalkResult = { pages: 0, compressedBytes: 0, failures: 0, stop: false };
    this.#writebackWalk(victims, proactive, res);
    return res;
  }

  /**
   * Try each candidate in order, stopping at EEXIST as the kernel's walk does. Entries
   * that need an async decode are detached and handed back through `later` / `tokens`
   * when given, else cancelled and counted as failures.
   */
  #writebackWalk(
    victims: readonly number[],
    proactive: boolean,
    res: WalkResult,
    later?: number[],
    tokens?: number[],
  ): void {
    for (const idx of victims) {
      const r = this.#writebackOne(idx, proactive, res);
      if (r === 'EEXIST') {
        // The kernel would have stopped right here, never touching the candidates
        // after this one: put them back at the head, in order, leaving the hot entry
        // rotated behind them.
        res.stop = true;
        const at = victims.indexOf(idx);
        for (let j = victims.length - 1; j > at; j--) {
          const v = victims[j]!;
          this.#lru.moveToHead(this.#eMemcg[v]!, v);
        }
        return;
      }
      if (typeof r !== 'number') continue;
      if (later !== undefined && tokens !== undefined) {
        this.#detach(idx);
        later.push(idx);
        tokens.push(r);
      } else {
        this.#target!.cancel(this.#eId[idx]!, r);
        this.#rejectReclaimFail++;
        res.failures++;
      }
    }
  }

  /**
   * One writeback attempt. Returns the result, or the reservation token when the entry
   * must be decoded asynchronously (the caller finishes it).
   */
  #writebackOne(idx: number, proactive: boolean, res: WalkResult): WritebackResult | number {
    const target = this.#target;
    const id = this.#eId[idx]!;
    const m = this.#eMemcg[idx]!;
    if (target === undefined) {
      this.#rejectReclaimFail++;
      res.failures++;
      return 'ENOSPC';
    }
    const token = target.reserve(id, m);
    if (token === 'EEXIST' || token === 'ENOSPC') {
      this.#rejectReclaimFail++;
      res.failures++;
      return token;
    }
    const page = this.#scratch;
    const r = this.#decodeSync(idx, page);
    if (r === 'async') return token;
    if (!r) {
      this.#decompressFail++;
      this.#rejectReclaimFail++;
      res.failures++;
      target.cancel(id, token);
      return 'EIO';
    }
    this.#finishWriteback(idx, token, page, proactive, res);
    return 'ok';
  }

  #finishWriteback(
    idx: number,
    token: number,
    page: Uint8Array,
    proactive: boolean,
    res: WalkResult,
    detached = false,
  ): void {
    const id = this.#eId[idx]!;
    const m = this.#eMemcg[idx]!;
    const len = this.#eLen[idx]! + 1;
    try {
      this.#target!.write(id, token, page);
    } catch (e) {
      if (detached) this.#reattach(idx);
      throw e;
    }
    if (detached) this.#releaseDetached(idx);
    else this.#freeEntry(idx);
    this.#writtenBack++;
    const mt = this.#memcgs;
    mt.zswpwb[m] = mt.zswpwb[m]! + 1;
    if (proactive) mt.zswpwbProactive[m] = mt.zswpwbProactive[m]! + 1;
    this.#onEvent?.(m, proactive ? 'proactive_writeback' : 'writeback', len, false);
    res.pages++;
    res.compressedBytes += len;
  }

  /**
   * Write back one entry by id (e.g. the stack demoting a known-cold page). Does not
   * check the memcg's writeback switch: the caller asked for this entry.
   */
  async writeback(id: number): Promise<WritebackResult> {
    const idx = this.#index.get(id);
    if (idx < 0) return 'ENOENT';
    const res: WalkResult = { pages: 0, compressedBytes: 0, failures: 0, stop: false };
    this.#lru.rotate(this.#eMemcg[idx]!, idx);
    const r = this.#writebackOne(idx, false, res);
    if (typeof r !== 'number') return r;
    // Async codec: decode across an await with the entry detached.
    this.#detach(idx);
    const page = new Uint8Array(this.pageSize);
    const [ok] = await this.#decodeAsync([idx], [page]);
    if (!ok) {
      this.#decompressFail++;
      this.#rejectReclaimFail++;
      this.#target!.cancel(id, r);
      this.#reattach(idx);
      return 'EIO';
    }
    this.#finishWriteback(idx, r, page, false, res, true);
    return 'ok';
  }

  /**
   * The one shrink attempt of a store over memory.zswap.max (sync path): walk the
   * memcg's LRU (at most STORE_SHRINK_SCAN entries) writing back until every level is
   * under its limit. Entries of async codecs cannot be written back here and count as
   * failures. True when anything was written back.
   */
  #shrinkForStoreSync(memcg: number): boolean {
    if (!this.#view.writebackEnabled(memcg)) return false;
    const res: WalkResult = { pages: 0, compressedBytes: 0, failures: 0, stop: false };
    const lru = this.#lru;
    const cap = Math.min(STORE_SHRINK_SCAN, lru.length(memcg));
    let scanned = 0;
    while (scanned < cap && !res.stop) {
      const v = lru.select(
        memcg,
        1,
        Number.POSITIVE_INFINITY,
        cap - scanned,
        undefined,
        this.#nowTicks(),
      );
      scanned += lru.lastScanned;
      if (v.length === 0) break;
      // An async codec's entry cannot be decoded on this sync path: a failure.
      this.#writebackWalk(v, false, res);
      if (res.pages > 0 && this.#mayZswap(memcg)) break;
    }
    return res.pages > 0;
  }

  /** The async twin of #shrinkForStoreSync for storeBatch. */
  async #shrinkForStoreAsync(memcg: number): Promise<boolean> {
    if (!this.#view.writebackEnabled(memcg)) return false;
    const v = this.#lru.select(
      memcg,
      STORE_SHRINK_SCAN,
      Number.POSITIVE_INFINITY,
      Math.min(STORE_SHRINK_SCAN, this.#lru.length(memcg)),
      undefined,
      this.#nowTicks(),
    );
    if (v.length === 0) return false;
    const res = await this.#writebackVictims(v.slice(0, 1), false);
    let pages = res.pages;
    for (let k = 1; k < v.length && !this.#mayZswap(memcg); k++) {
      pages += (await this.#writebackVictims([v[k]!], false)).pages;
    }
    return pages > 0;
  }

  // ================================================================ reclaim (ZswapReclaim)

  /**
   * shrink_worker(): write back until the footprint is at or under the accept
   * threshold, memcgs round-robin through the root's cursor (see ZswapReclaim).
   * Returns the pages written back.
   */
  runShrinkWorker(): Promise<number> {
    this.#shrinkQueued = false;
    return this.#reclaim.runShrinkWorker();
  }

  /** zswap_shrinker_count(): freeable entries of the memcg, scaled by its ratio. */
  shrinkerCount(memcg: number): number {
    return this.#reclaim.shrinkerCount(memcg);
  }

  /** zswap_shrinker_scan(): second-chance walk of up to `nrToScan` entries. */
  shrinkerScan(memcg: number, nrToScan: number): Promise<{ written: number; stop: boolean }> {
    return this.#reclaim.shrinkerScan(memcg, nrToScan);
  }

  /** memory.zswap.proactive_writeback on the memcg's subtree (see ZswapReclaim). */
  proactiveWriteback(req: ProactiveWritebackRequest): Promise<ProactiveWritebackResult> {
    return this.#reclaim.proactiveWriteback(req);
  }

  /**
   * The same walk, synchronously, for callers that cannot await (an interface-file
   * write). Entries of a Promise-only codec are skipped as failures; with the default
   * codecs (lz4, zstd through libzstd) it does exactly what proactiveWriteback does.
   */
  proactiveWritebackSync(req: ProactiveWritebackRequest): ProactiveWritebackResult {
    return this.#reclaim.proactiveWritebackSync(req);
  }

  /**
   * A memcg went offline: reset every cursor that points at it (the walk restarts) and
   * forget its cached parent (its id may be reused). It must hold no entries.
   */
  forgetMemcg(memcg: number): void {
    if (memcg < this.#memcgs.size) {
      const held = this.#lru.length(memcg);
      if (held !== 0) {
        throw new ZswapError(
          'INVALID_ARGUMENT',
          `@tierswap/zswap/pool.forgetMemcg: memcg ${memcg} still holds ${held} entries`,
        );
      }
      this.#memcgs.parent[memcg] = UNKNOWN_PARENT;
    }
    this.#reclaim.forgetMemcg(memcg);
  }

  // ================================================================ arena, stats

  /** The memcg view the pool was built on. */
  get memcgView(): ZswapMemcgView {
    return this.#view;
  }

  /** zs_compact(): pack the arena; returns the zspages released. */
  compact(): number {
    const handles = this.#eHandle;
    return this.#arena.compact((owner, h) => {
      handles[owner] = h;
    });
  }

  stats(): ZswapStats {
    return {
      pool_limit_hit: this.#poolLimitHit,
      reject_reclaim_fail: this.#rejectReclaimFail,
      reject_alloc_fail: this.#rejectAllocFail,
      reject_compress_fail: this.#rejectCompressFail,
      reject_compress_poor: this.#rejectCompressPoor,
      reject_memcg_limit: this.#rejectMemcgLimit,
      decompress_fail: this.#decompressFail,
      written_back_pages: this.#writtenBack,
      pool_total_size: this.#arena.footprintBytes,
      stored_pages: this.#storedPages,
      stored_incompressible_pages: this.#storedRaw,
    };
  }

  /** memory.stat zswap fields of one memcg (local, not recursive). */
  memcgStats(memcg: number): MemcgZswapStats {
    const mt = this.#memcgs;
    if (memcg >= mt.size) {
      return {
        zswap: 0,
        zswapped: 0,
        zswap_incomp: 0,
        zswpin: 0,
        zswpout: 0,
        zswpwb: 0,
        zswpwb_proactive: 0,
      };
    }
    return {
      zswap: mt.zswapB[memcg]!,
      zswapped: mt.zswappedB[memcg]!,
      zswap_incomp: mt.incompB[memcg]!,
      zswpin: mt.zswpin[memcg]!,
      zswpout: mt.zswpout[memcg]!,
      zswpwb: mt.zswpwb[memcg]!,
      zswpwb_proactive: mt.zswpwbProactive[memcg]!,
    };
  }

  /** memory.zswap.current: compressed bytes of the memcg and its descendants. */
  zswapCurrent(memcg: number): number {
    return memcg < this.#memcgs.size ? this.#memcgs.charge[memcg]! : 0;
  }

  /** Entries on a memcg's LRU. */
  lruLength(memcg: number): number {
    return this.#lru.length(memcg);
  }

  /** Sum of compressed lengths of stored entries (raw ones count pageSize). */
  get compressedBytes(): number {
    return this.#compressedBytes;
  }

  /** The arena's own packing figures. */
  arenaStats(): ReturnType<ZsArena['stats']> {
    return this.#arena.stats();
  }

  /**
   * Bytes of metadata: entry arrays (24 B per capacity slot), the id index, the
   * per-memcg table and the arena's tables. Divide by stored_pages for a per-entry cost.
   */
  metadataBytes(): {
    entryArrays: number;
    index: number;
    memcgTable: number;
    arena: number;
    perEntryArrays: number;
  } {
    const entryArrays =
      this.#eId.byteLength +
      this.#eHandle.byteLength +
      this.#eLen.byteLength +
      this.#eMemcg.byteLength +
      this.#eStamp.byteLength +
      this.#lru.entryBytes;
    return {
      entryArrays,
      index: this.#index.byteLength,
      memcgTable: this.#memcgs.byteLength + this.#lru.memcgBytes,
      arena: this.#arena.stats().metadataBytes,
      perEntryArrays: entryArrays / this.#cap,
    };
  }
}
