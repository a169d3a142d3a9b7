/**
 * ZswapPool: the compressed page pool, with the kernel's zswap behaviour and names
 * (mm/zswap.c: zswap_store(), zswap_load(), zswap_invalidate()), synchronous like the
 * kernel's: every codec of @tierswap/compress the pool takes has a synchronous path.
 *
 * Why this design:
 * - Entries live in an EntryTable (structure of arrays, 24 B per entry) found from the
 *   caller's entry id through its EntryIndex; compressed bytes go into a ZsArena
 *   (zsmalloc-like), and the pool limit is checked against the arena's footprint, so
 *   "pool_total_size" is memory really held.
 * - The cgroup side is the MemcgTree itself (ZswapCharges): memory.zswap.max through
 *   zswapMayStore, memory.zswap.writeback, the charges and the memory.stat lines. The
 *   per-memcg LRU is the pool's own list, keyed by the tree's ids.
 * - Loads are exclusive (the entry is freed), stores of an id already present replace
 *   the stale entry, and a refused store erases it (otherwise a later writeback would
 *   overwrite newer data).
 * - Refusals are the frozen STORE_REFUSALS / LOAD_REFUSALS, counted under their codes:
 *   refusing allocates nothing.
 * - Writeback and shrinking are ZswapReclaim's; this file keeps store / load /
 *   invalidate, the limits and the tunables.
 * - Codecs: up to 8 at once. A compressor switch makes new stores use the new codec;
 *   entries keep their codec slot and stay readable; a slot is released when its last
 *   entry goes (zswap keeps old pools alive until their entries are gone).
 */

import type { Clock, Refusal } from '@tierswap/base';
import type { Codec } from '@tierswap/compress';
import { type GroupId, GroupState, MemcgTree, NO_GROUP } from '@tierswap/memcg';
import { MAX_CODECS, slotOf, stamp, ticksAt } from './entryStamp.js';
import { EntryTable } from './entryTable.js';
import { LOAD_REFUSALS, STORE_REFUSALS, WRITEBACK_REFUSALS } from './refusals.js';
import type {
  LoadResult,
  MemcgZswapStats,
  ProactiveWritebackRequest,
  ProactiveWritebackResult,
  StoreResult,
  WritebackResult,
  ZswapPoolOptions,
  ZswapStats,
  ZswapTunables,
} from './types.js';
import { ZsArena, type ZsArenaStats } from './zsArena.js';
import { ZswapCharges } from './zswapCharges.js';
import { showValue, ZswapError } from './zswapError.js';
import { type ReclaimCounters, ZswapReclaim } from './zswapReclaim.js';

/** Most entries a pool may size its tables for at start. */
const MAX_INITIAL_CAPACITY = 1 << 24;

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function isFiniteIn(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
}

/** Checks a codec's shape; the pool uses its synchronous calls. */
function checkCodec(codec: unknown, where: string): asserts codec is Codec {
  const c = codec as Codec;
  if (
    typeof c !== 'object' ||
    c === null ||
    typeof c.compressSync !== 'function' ||
    typeof c.decompressRange !== 'function' ||
    !isInt(c.pageSize, 256, 65536)
  ) {
    throw new ZswapError('INVALID_ARGUMENT', where, `${showValue(codec)} is not a codec`);
  }
}

export class ZswapPool {
  readonly pageSize: number;
  readonly #tree: MemcgTree;
  readonly #charges: ZswapCharges;
  readonly #clock: Clock;
  readonly #arena: ZsArena;
  readonly #entries: EntryTable;
  readonly #reclaim: ZswapReclaim;
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

  // ------------------------------------------------------------ state and counters
  #reachedFull = false;
  #shrinkQueued = false;
  #poolLimitHit = 0;
  #rejectAllocFail = 0;
  #rejectCompressFail = 0;
  #rejectCompressPoor = 0;
  #rejectMemcgLimit = 0;
  readonly #counters: ReclaimCounters = { rejectReclaimFail: 0, decompressFail: 0, writtenBack: 0 };
  #storedPages = 0;
  #storedRaw = 0;
  #compressedBytes = 0;

  /** Use createZswapPool(options). */
  constructor(options: ZswapPoolOptions) {
    const where = 'pool.constructor';
    if (typeof options !== 'object' || options === null) {
      throw new ZswapError('INVALID_ARGUMENT', where, 'options must be an object');
    }
    const codec = options.codec;
    checkCodec(codec, where);
    if (!(options.memcg instanceof MemcgTree)) {
      throw new ZswapError(
        'INVALID_ARGUMENT',
        where,
        `memcg must be a MemcgTree (createMemcg().tree), got ${showValue(options.memcg)}`,
      );
    }
    const clock = options.clock;
    if (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function') {
      throw new ZswapError(
        'INVALID_ARGUMENT',
        where,
        `clock must be a Clock, got ${showValue(clock)}`,
      );
    }
    const target = options.writeback;
    if (
      target !== undefined &&
      (typeof target !== 'object' ||
        target === null ||
        typeof target.reserve !== 'function' ||
        typeof target.write !== 'function' ||
        typeof target.cancel !== 'function')
    ) {
      throw new ZswapError(
        'INVALID_ARGUMENT',
        where,
        'writeback must have reserve, write and cancel',
      );
    }
    const queue = options.queueShrinkWork;
    if (queue !== undefined && typeof queue !== 'function') {
      throw new ZswapError('INVALID_ARGUMENT', where, 'queueShrinkWork must be a function');
    }
    const cap = options.initialCapacity ?? 1024;
    if (!isInt(cap, 1, MAX_INITIAL_CAPACITY)) {
      throw new ZswapError(
        'INVALID_ARGUMENT',
        where,
        `initialCapacity must be an integer in 1..${MAX_INITIAL_CAPACITY}, got ${showValue(cap)}`,
      );
    }
    const cacheBytes = options.arenaCacheBytes;
    if (cacheBytes !== undefined && !isInt(cacheBytes, 0, Number.MAX_SAFE_INTEGER)) {
      throw new ZswapError(
        'INVALID_ARGUMENT',
        where,
        `arenaCacheBytes must be an integer >= 0, got ${showValue(cacheBytes)}`,
      );
    }
    const chain = options.zsChainSize;
    if (chain !== undefined && !isInt(chain, 4, 16)) {
      throw new ZswapError(
        'INVALID_ARGUMENT',
        where,
        `zsChainSize must be an integer in 4..16, got ${showValue(chain)}`,
      );
    }
    this.pageSize = codec.pageSize;
    this.#ramBytes = 0;
    this.#maxPoolPercent = 20;
    this.#acceptPercent = 90;
    this.#maxCompressed = this.pageSize - 1;
    this.#shrinkerEnabled = true;
    this.#applyTunables(
      {
        ramBytes: options.ramBytes,
        ...(options.maxPoolPercent !== undefined && { maxPoolPercent: options.maxPoolPercent }),
        ...(options.acceptThresholdPercent !== undefined && {
          acceptThresholdPercent: options.acceptThresholdPercent,
        }),
        ...(options.maxCompressedBytes !== undefined && {
          maxCompressedBytes: options.maxCompressedBytes,
        }),
        ...(options.shrinkerEnabled !== undefined && { shrinkerEnabled: options.shrinkerEnabled }),
      },
      where,
    );
    this.#tree = options.memcg;
    this.#charges = new ZswapCharges(this.#tree, this.pageSize);
    this.#clock = clock;
    this.#queueShrinkWork = queue;
    this.#arena = new ZsArena(this.pageSize, {
      ...(chain !== undefined && { chainSize: chain }),
      ...(cacheBytes !== undefined && { cacheLimitBytes: cacheBytes }),
    });
    this.#codecs[0] = codec;
    this.#entries = new EntryTable(Math.max(64, cap));
    const arena = this.#arena;
    this.#reclaim = new ZswapReclaim({
      pageSize: this.pageSize,
      clock,
      entries: this.#entries,
      charges: this.#charges,
      counters: this.#counters,
      target,
      shrinkerEnabled: () => this.#shrinkerEnabled,
      footprintBytes: () => arena.footprintBytes,
      liveBytes: () => arena.slotBytes,
      acceptThresholdBytes: () => this.#acceptBytes,
      compact: () => this.compact(),
      decode: (idx, dst) => this.#decode(idx, dst),
      freeEntry: (idx) => this.#freeEntry(idx),
    });
  }

  // ================================================================ tunables

  /** zswap.compressor: new stores use `codec`; existing entries keep theirs. */
  setCompressor(codec: Codec): void {
    checkCodec(codec, 'pool.setCompressor');
    if (codec.pageSize !== this.pageSize) {
      throw new ZswapError(
        'INVALID_ARGUMENT',
        'pool.setCompressor',
        `codec page size ${codec.pageSize} != pool page size ${this.pageSize}`,
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
          'pool.setCompressor',
          `${MAX_CODECS} codecs still hold entries`,
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

  /**
   * Set zswap.max_pool_percent / accept_threshold_percent / RAM size / poor threshold /
   * shrinker_enabled. All or nothing: a refused call applies none of them.
   */
  setTunables(t: ZswapTunables): void {
    if (typeof t !== 'object' || t === null) {
      throw new ZswapError('INVALID_ARGUMENT', 'pool.setTunables', 'expected an object');
    }
    this.#applyTunables(t, 'pool.setTunables');
  }

  #applyTunables(t: ZswapTunables, where: string): void {
    const ram = t.ramBytes ?? this.#ramBytes;
    const maxPct = t.maxPoolPercent ?? this.#maxPoolPercent;
    const acceptPct = t.acceptThresholdPercent ?? this.#acceptPercent;
    const maxComp = t.maxCompressedBytes ?? this.#maxCompressed;
    const shrinker = t.shrinkerEnabled ?? this.#shrinkerEnabled;
    const bad = (what: string, v: unknown, want: string): never => {
      throw new ZswapError(
        'INVALID_ARGUMENT',
        where,
        `${what} must be ${want}, got ${showValue(v)}`,
      );
    };
    if (!isInt(ram, 1, Number.MAX_SAFE_INTEGER)) bad('ramBytes', ram, 'an integer > 0');
    if (!isFiniteIn(maxPct, 0, 100)) bad('maxPoolPercent', maxPct, 'a number in 0..100');
    if (!isFiniteIn(acceptPct, 0, 100)) {
      bad('acceptThresholdPercent', acceptPct, 'a number in 0..100');
    }
    if (!isInt(maxComp, 1, this.pageSize - 1)) {
      bad('maxCompressedBytes', maxComp, `an integer in 1..${this.pageSize - 1}`);
    }
    if (typeof shrinker !== 'boolean') bad('shrinkerEnabled', shrinker, 'a boolean');
    this.#ramBytes = ram;
    this.#maxPoolPercent = maxPct;
    this.#acceptPercent = acceptPct;
    this.#maxCompressed = maxComp;
    this.#shrinkerEnabled = shrinker;
    this.#maxPoolBytes = Math.floor((ram * maxPct) / 100);
    this.#acceptBytes = Math.floor((this.#maxPoolBytes * acceptPct) / 100);
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

  // ================================================================ store

  /**
   * zswap_store(): store one page of group `memcg` under entry id `id` (a u32). Checks
   * memory.zswap.max up the hierarchy (one shrink attempt of the group before
   * refusing), then the global limit with hysteresis, then compresses. Returns
   * 'stored', 'stored_raw', or one of STORE_REFUSALS (counted).
   */
  store(id: number, memcg: GroupId, page: Uint8Array): StoreResult {
    this.#checkId('pool.store', id);
    this.#checkMemcg('pool.store', memcg);
    // A DataView or any other view would not be copied by TypedArray.set: only a
    // Uint8Array of exactly one page is a page.
    if (!(page instanceof Uint8Array) || page.length !== this.pageSize) {
      throw new ZswapError(
        'INVALID_ARGUMENT',
        'pool.store',
        `entry ${id}: the page must be a Uint8Array of ${this.pageSize} bytes, got ${page instanceof Uint8Array ? `${page.length} bytes` : showValue(page)}`,
      );
    }
    const lru = this.#entries.lru;
    if (memcg >= lru.memcgSlots) lru.ensureMemcg(memcg);
    if (this.#tree.zswapMayStore(memcg) !== NO_GROUP && !this.#reclaim.shrinkForStore(memcg)) {
      this.#rejectMemcgLimit++;
      return this.#refuse(id, STORE_REFUSALS.reject_memcg_limit);
    }
    if (this.#checkLimits()) return this.#refuse(id, STORE_REFUSALS.pool_limit_hit);
    const codec = this.#codecs[this.#current]!;
    let out: Uint8Array | undefined;
    try {
      out = codec.compressSync(page);
    } catch {
      out = undefined;
    }
    return this.#insert(id, memcg, page, out, this.#current);
  }

  /** A refused store: erase a stale entry of the same id, kick the worker. */
  #refuse(id: number, why: StoreResult & Refusal): StoreResult {
    const stale = this.#entries.index.get(id);
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

  /** Put a compressed (or failed) result into the pool. */
  #insert(
    id: number,
    memcg: GroupId,
    page: Uint8Array,
    out: Uint8Array | undefined,
    slot: number,
  ): StoreResult {
    const P = this.pageSize;
    let src: Uint8Array;
    let len: number;
    let raw = false;
    if (
      !(out instanceof Uint8Array) ||
      out.length === 0 ||
      out.length >= P ||
      out.length > this.#maxCompressed
    ) {
      // Compression failed or was poor: keep the page raw when it may later be written
      // back (dca4437a5861), else refuse so the page stays in memory.
      if (!this.#tree.zswapWritebackEnabled(memcg)) {
        if (out === undefined) {
          this.#rejectCompressFail++;
          return this.#refuse(id, STORE_REFUSALS.reject_compress_fail);
        }
        this.#rejectCompressPoor++;
        return this.#refuse(id, STORE_REFUSALS.reject_compress_poor);
      }
      src = page;
      len = P;
      raw = true;
    } else {
      src = out;
      len = out.length;
    }
    const e = this.#entries;
    const idx = e.alloc();
    let handle: number;
    try {
      handle = this.#arena.alloc(len, idx);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      handle = 0;
    }
    if (handle === 0) {
      e.release(idx);
      this.#rejectAllocFail++;
      return this.#refuse(id, STORE_REFUSALS.reject_alloc_fail);
    }
    this.#arena.bufferOf(handle).set(src, this.#arena.offsetOf(handle));
    const stale = e.index.get(id);
    if (stale >= 0) this.#freeEntry(stale); // xa_store() replaced an older entry
    e.ids[idx] = id;
    e.handles[idx] = handle;
    e.lens[idx] = len - 1;
    e.memcgs[idx] = memcg;
    // New entries start referenced (second chance on the first walk).
    e.stamps[idx] = stamp(ticksAt(this.#clock.now()), slot, 1);
    e.index.insert(id, idx);
    this.#codecRefs[slot] = this.#codecRefs[slot]! + 1;
    e.lru.addTail(memcg, idx);
    if (raw) this.#storedRaw++;
    this.#charges.store(memcg, len, raw);
    this.#storedPages++;
    this.#compressedBytes += len;
    return raw ? 'stored_raw' : 'stored';
  }

  // ================================================================ load / invalidate

  /**
   * zswap_load(): exclusive load into `dst` (a Uint8Array of one page): decompress,
   * free the entry, count zswpin. Refused with not_found (ENOENT) when the id is not
   * here, decompress_fail (EIO) when the data is corrupt: the entry stays, and `dst`
   * may hold partial output (decoding goes straight into it, as the kernel's into the
   * faulting folio).
   */
  load(id: number, dst: Uint8Array): LoadResult {
    if (!(dst instanceof Uint8Array) || dst.length !== this.pageSize) {
      throw new ZswapError(
        'INVALID_ARGUMENT',
        'pool.load',
        `the destination must be a Uint8Array of ${this.pageSize} bytes, got ${dst instanceof Uint8Array ? `${dst.length} bytes` : showValue(dst)}`,
      );
    }
    const idx = this.#find('pool.load', id);
    if (idx < 0) return LOAD_REFUSALS.not_found;
    if (!this.#decode(idx, dst)) {
      this.#counters.decompressFail++;
      return LOAD_REFUSALS.decompress_fail;
    }
    this.#charges.load(this.#entries.memcgs[idx]!);
    this.#freeEntry(idx);
    return true;
  }

  /** zswap_invalidate(): drop an entry (its swap slot was freed). False when the id is not here. */
  invalidate(id: number): boolean {
    const idx = this.#find('pool.invalidate', id);
    if (idx < 0) return false;
    this.#freeEntry(idx);
    return true;
  }

  /** True when `id` is stored. */
  has(id: number): boolean {
    return this.#find('pool.has', id) >= 0;
  }

  /** Compressed length of a stored entry (pageSize for raw ones), or -1. */
  lengthOf(id: number): number {
    const idx = this.#find('pool.lengthOf', id);
    return idx < 0 ? -1 : this.#entries.lens[idx]! + 1;
  }

  /** The swap layer saw a swap-in from disk for this group (shrinker feedback). */
  noteDiskSwapin(memcg: GroupId): void {
    this.#checkMemcg('pool.noteDiskSwapin', memcg);
    this.#entries.lru.ensureMemcg(memcg);
    this.#entries.lru.noteSwapin(memcg);
  }

  /** Decode an entry into dst: true, or false (corrupt). */
  #decode(idx: number, dst: Uint8Array): boolean {
    const e = this.#entries;
    const handle = e.handles[idx]!;
    const len = e.lens[idx]! + 1;
    const buf = this.#arena.bufferOf(handle);
    const off = this.#arena.offsetOf(handle);
    if (len === this.pageSize) {
      dst.set(buf.subarray(off, off + len)); // raw: no decompression
      return true;
    }
    const codec = this.#codecs[slotOf(e.stamps[idx]!)]!;
    try {
      return codec.decompressRange(buf, off, off + len, dst, 0);
    } catch {
      return false;
    }
  }

  /** Free an entry: LRU, index, arena object, charges, codec slot, entry slot. */
  #freeEntry(idx: number): void {
    const e = this.#entries;
    const P = this.pageSize;
    const m = e.memcgs[idx]!;
    const len = e.lens[idx]! + 1;
    const slot = slotOf(e.stamps[idx]!);
    e.lru.delete(m, idx);
    e.index.removeIndex(idx);
    this.#arena.free(e.handles[idx]!, len);
    if (len === P) this.#storedRaw--;
    this.#charges.free(m, len, len === P);
    this.#storedPages--;
    this.#compressedBytes -= len;
    const refs = this.#codecRefs[slot]! - 1;
    this.#codecRefs[slot] = refs;
    if (refs === 0 && slot !== this.#current) this.#codecs[slot] = undefined;
    e.release(idx);
  }

  // ================================================================ writeback and reclaim

  /**
   * zswap_writeback_entry() for one entry by id (e.g. the stack demoting a known-cold
   * page): true, or not_found, no_target, the target's own refusal (EEXIST, ENOSPC), or
   * decompress_fail. Does not check the group's writeback switch: the caller asked for
   * this entry.
   */
  writeback(id: number): WritebackResult {
    const idx = this.#find('pool.writeback', id);
    if (idx < 0) return WRITEBACK_REFUSALS.not_found;
    this.#entries.lru.rotate(this.#entries.memcgs[idx]!, idx);
    return this.#reclaim.writebackOne(idx, false);
  }

  /**
   * shrink_worker(): write back until the footprint is at or under the accept
   * threshold, groups round-robin through the root's cursor. Returns the pages written.
   */
  runShrinkWorker(): number {
    this.#shrinkQueued = false;
    return this.#reclaim.runShrinkWorker();
  }

  /** zswap_shrinker_count(): freeable entries of the group, scaled by its ratio. */
  shrinkerCount(memcg: GroupId): number {
    this.#checkMemcg('pool.shrinkerCount', memcg);
    return this.#reclaim.shrinkerCount(memcg);
  }

  /** zswap_shrinker_scan(): second-chance walk of up to `nrToScan` entries. */
  shrinkerScan(memcg: GroupId, nrToScan: number): { written: number; stop: boolean } {
    this.#checkMemcg('pool.shrinkerScan', memcg);
    if (!isInt(nrToScan, 0, Number.MAX_SAFE_INTEGER)) {
      throw new ZswapError(
        'INVALID_ARGUMENT',
        'pool.shrinkerScan',
        `nrToScan must be an integer >= 0, got ${showValue(nrToScan)}`,
      );
    }
    return this.#reclaim.shrinkerScan(memcg, nrToScan);
  }

  /**
   * memory.zswap.proactive_writeback on an online group's subtree (see ZswapReclaim):
   * what was written, or writeback_disabled (EINVAL) / no_progress (EAGAIN).
   */
  proactiveWriteback(req: ProactiveWritebackRequest): ProactiveWritebackResult | Refusal {
    const where = 'pool.proactiveWriteback';
    if (typeof req !== 'object' || req === null) {
      throw new ZswapError('INVALID_ARGUMENT', where, 'expected a request object');
    }
    const { memcg, maxBytes, minAgeSeconds } = req;
    const unit = req.unit ?? 'original';
    if (!this.#tree.isOnline(memcg)) {
      throw new ZswapError(
        'INVALID_ARGUMENT',
        where,
        `memcg ${showValue(memcg)} is not an online group`,
      );
    }
    if (!(typeof maxBytes === 'number' && maxBytes > 0 && !Number.isNaN(maxBytes))) {
      throw new ZswapError(
        'INVALID_ARGUMENT',
        where,
        `maxBytes must be > 0, got ${showValue(maxBytes)}`,
      );
    }
    if (unit !== 'original' && unit !== 'compressed') {
      throw new ZswapError(
        'INVALID_ARGUMENT',
        where,
        `unit must be original or compressed, got ${showValue(unit)}`,
      );
    }
    if (minAgeSeconds !== undefined && !isFiniteIn(minAgeSeconds, 0, Number.MAX_SAFE_INTEGER)) {
      throw new ZswapError(
        'INVALID_ARGUMENT',
        where,
        `minAgeSeconds must be a finite number >= 0, got ${showValue(minAgeSeconds)}`,
      );
    }
    return this.#reclaim.proactiveWriteback(memcg, maxBytes, unit, minAgeSeconds);
  }

  // ================================================================ arena, stats

  /** The cgroup tree the pool charges. */
  get memcg(): MemcgTree {
    return this.#tree;
  }

  /** zs_compact(): pack the arena; returns the zspages released. */
  compact(): number {
    const handles = this.#entries.handles;
    return this.#arena.compact((owner, h) => {
      handles[owner] = h;
    });
  }

  stats(): ZswapStats {
    const c = this.#counters;
    return {
      pool_limit_hit: this.#poolLimitHit,
      reject_reclaim_fail: c.rejectReclaimFail,
      reject_alloc_fail: this.#rejectAllocFail,
      reject_compress_fail: this.#rejectCompressFail,
      reject_compress_poor: this.#rejectCompressPoor,
      reject_memcg_limit: this.#rejectMemcgLimit,
      decompress_fail: c.decompressFail,
      written_back_pages: c.writtenBack,
      pool_total_size: this.#arena.footprintBytes,
      stored_pages: this.#storedPages,
      stored_incompressible_pages: this.#storedRaw,
    };
  }

  /** The group's memory.stat zswap lines, local (not recursive), as the tree holds them. */
  memcgStats(memcg: GroupId): MemcgZswapStats {
    this.#checkMemcg('pool.memcgStats', memcg);
    return this.#charges.local(memcg);
  }

  /** memory.zswap.current: compressed bytes of the group and its descendants (the tree's counter). */
  zswapCurrent(memcg: GroupId): number {
    this.#checkMemcg('pool.zswapCurrent', memcg);
    return this.#tree.usagePages(memcg, 'zswap');
  }

  /** Entries on a group's LRU. */
  lruLength(memcg: GroupId): number {
    this.#checkMemcg('pool.lruLength', memcg);
    return this.#entries.lru.length(memcg);
  }

  /** Sum of compressed lengths of stored entries (raw ones count pageSize). */
  get compressedBytes(): number {
    return this.#compressedBytes;
  }

  /** The arena's own packing figures. */
  arenaStats(): ZsArenaStats {
    return this.#arena.stats();
  }

  /**
   * Bytes of metadata: entry arrays (24 B per capacity slot), the id index, the
   * per-memcg LRU heads and the arena's tables. Divide by stored_pages for a per-entry cost.
   */
  metadataBytes(): {
    entryArrays: number;
    index: number;
    memcgTable: number;
    arena: number;
    perEntryArrays: number;
  } {
    const e = this.#entries;
    return {
      entryArrays: e.byteLength,
      index: e.index.byteLength,
      memcgTable: e.lru.memcgBytes,
      arena: this.#arena.stats().metadataBytes,
      perEntryArrays: e.byteLength / e.capacity,
    };
  }

  // ================================================================ argument checks

  #checkId(where: string, id: number): void {
    if (!isInt(id, 0, 0xffffffff)) {
      throw new ZswapError('INVALID_ARGUMENT', where, `entry id ${showValue(id)} is not a u32`);
    }
  }

  /** The entry's dense index, or -1; throws for an id that is not a u32. */
  #find(where: string, id: number): number {
    if (!isInt(id, 0, 0xffffffff)) {
      throw new ZswapError('INVALID_ARGUMENT', where, `entry id ${showValue(id)} is not a u32`);
    }
    return this.#entries.index.get(id);
  }

  /** A group id the tree has allocated (online, or offline with references). */
  #checkMemcg(where: string, memcg: number): void {
    if (this.#tree.stateOf(memcg) === GroupState.FREE) {
      throw new ZswapError(
        'INVALID_ARGUMENT',
        where,
        `memcg ${showValue(memcg)} is not a group of the tree`,
      );
    }
  }
}

/** Make a pool (the documented way). */
export function createZswapPool(options: ZswapPoolOptions): ZswapPool {
  return new ZswapPool(options);
}
