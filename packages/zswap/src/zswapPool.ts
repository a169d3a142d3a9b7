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
 * - Writeback and shrinking are ZswapReclaim's, the raw-entry retry RawRetry's. This
 *   file keeps the data path (store / load / invalidate), the limits, and the API
 *   that asks reclaim for work. The tunables and the compressor (PoolTunables) and
 *   the reported figures (PoolStats) are base classes: the constructor builds the
 *   parts (PoolParts) and hands the same objects to them, and the data path reads
 *   them through this class's own fields, so the split adds no hop to a store or a
 *   load.
 * - Codecs: up to 8 at once (CodecSlots); entries keep their codec after a switch.
 */

import type { Clock, Refusal } from '@tierswap/base';
import { showValue } from '@tierswap/base';
import { type GroupId, type MemcgTree, NO_GROUP } from '@tierswap/memcg';
import { CodecSlots } from './codecSlots.js';
import { slotOf, stamp, ticksAt } from './entryStamp.js';
import { EntryTable } from './entryTable.js';
import { newPoolCounters, type PoolCounters } from './poolCounters.js';
import {
  checkEntryId,
  checkGroup,
  checkOptions,
  checkProactiveRequest,
  checkRetryArgs,
  checkScanCount,
  checkTunables,
  DEFAULT_TUNABLES,
  type Tunables,
} from './poolOptions.js';
import { type PoolParts, PoolStats } from './poolStats.js';
import { RAW_RETRY_BATCH, RawRetry } from './rawRetry.js';
import {
  LOAD_REFUSALS,
  REJECT_MODE_REFUSALS,
  STORE_REFUSALS,
  WRITEBACK_REFUSALS,
} from './refusals.js';
import type {
  LoadResult,
  ProactiveWritebackRequest,
  ProactiveWritebackResult,
  StoreResult,
  WritebackResult,
  ZswapPoolOptions,
} from './types.js';
import { ZsArena } from './zsArena.js';
import { ZswapCharges } from './zswapCharges.js';
import { ZswapError } from './zswapError.js';
import { ZswapReclaim } from './zswapReclaim.js';

export class ZswapPool extends PoolStats {
  readonly #tree: MemcgTree;
  readonly #charges: ZswapCharges;
  readonly #clock: Clock;
  readonly #arena: ZsArena;
  readonly #entries: EntryTable;
  readonly #reclaim: ZswapReclaim;
  readonly #queueShrinkWork: (() => void) | undefined;
  readonly #rawRetry: RawRetry;

  // ------------------------------------------------------------ tunables and codecs
  /** PoolTunables' objects, read here on every store (it changes them in place). */
  readonly #tun: Tunables;
  readonly #codecs: CodecSlots;

  // ------------------------------------------------------------ state and counters
  #reachedFull = false;
  #shrinkQueued = false;
  /** The debugfs counters but pool_total_size (the arena's); reclaim adds to them too. */
  readonly #c: PoolCounters;
  #compressedBytes = 0;

  /** Use createZswapPool(options). */
  constructor(options: ZswapPoolOptions) {
    const o = checkOptions(options);
    const { codec, clock, target, queue, cap, cacheBytes, chain, retryCodec } = o;
    const P = codec.pageSize;
    const tree = options.memcg;
    const parts: PoolParts = {
      pageSize: P,
      tun: checkTunables(DEFAULT_TUNABLES(P), o.tunables, P, 'pool.constructor'),
      tree,
      charges: new ZswapCharges(tree, P),
      arena: new ZsArena(P, {
        ...(chain !== undefined && { chainSize: chain }),
        ...(cacheBytes !== undefined && { cacheLimitBytes: cacheBytes }),
      }),
      codecs: new CodecSlots(codec),
      entries: new EntryTable(Math.max(64, cap)),
      counters: newPoolCounters(),
      retryCodec,
    };
    super(parts);
    this.#tun = parts.tun;
    this.#tree = tree;
    this.#charges = parts.charges;
    this.#clock = clock;
    this.#queueShrinkWork = queue;
    this.#arena = parts.arena;
    this.#codecs = parts.codecs;
    this.#entries = parts.entries;
    this.#c = parts.counters;
    const arena = this.#arena;
    this.#reclaim = new ZswapReclaim({
      pageSize: this.pageSize,
      clock,
      entries: this.#entries,
      charges: this.#charges,
      counters: this.#c,
      target,
      shrinkerEnabled: () => this.#tun.shrinkerEnabled,
      proactiveCursor: () => this.#tun.proactiveCursor,
      footprintBytes: () => arena.footprintBytes,
      liveBytes: () => arena.slotBytes,
      acceptThresholdBytes: () => this.#tun.acceptBytes,
      compact: () => this.compact(),
      decode: (idx, dst) => this.#decode(idx, dst),
      freeEntry: (idx) => this.#freeEntry(idx),
    });
    this.#rawRetry = new RawRetry({
      pageSize: this.pageSize,
      entries: this.#entries,
      arena,
      codecs: this.#codecs,
      charges: this.#charges,
      counters: this.#c,
      maxCompressedBytes: () => this.#tun.maxCompressedBytes,
      retryCodec: () => this.retryCodec,
      addCompressedBytes: (d) => {
        this.#compressedBytes += d;
      },
    });
  }

  // ================================================================ limits

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
    checkEntryId('pool.store', id);
    checkGroup(this.#tree, 'pool.store', memcg);
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
      this.#c.reject_memcg_limit++;
      return this.#refuse(id, STORE_REFUSALS.reject_memcg_limit);
    }
    if (this.#checkLimits()) return this.#refuse(id, STORE_REFUSALS.pool_limit_hit);
    if (this.#tun.incompressible === 'retry' && this.#rawRetry.due(this.#clock.now())) {
      this.#queueShrink(); // the retry pass runs on the shrink worker
    }
    const slot = this.#codecs.current;
    const codec = this.#codecs.codec(slot);
    let out: Uint8Array | undefined;
    try {
      out = codec.compress(page);
    } catch {
      out = undefined;
    }
    return this.#insert(id, memcg, page, out, slot);
  }

  /** A refused store: erase a stale entry of the same id, kick the worker. */
  #refuse(id: number, why: StoreResult & Refusal): StoreResult {
    const stale = this.#entries.index.get(id);
    if (stale >= 0) this.#freeEntry(stale);
    if (this.#reachedFull) this.#queueShrink();
    return why;
  }

  #queueShrink(): void {
    if (this.#shrinkQueued) return;
    this.#shrinkQueued = true;
    this.#queueShrinkWork?.();
  }

  /** zswap_check_limits(): global limit with hysteresis. True = refuse. */
  #checkLimits(): boolean {
    const cur = this.#arena.footprintBytes;
    if (cur >= this.#tun.maxPoolBytes) {
      this.#c.pool_limit_hit++;
      this.#reachedFull = true;
    } else if (this.#reachedFull && cur <= this.#tun.acceptBytes) {
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
      out.length > this.#tun.maxCompressedBytes
    ) {
      // Compression failed or was poor: keep the page raw when it may later be written
      // back (dca4437a5861), else refuse so the page stays in memory; 'reject' mode
      // refuses always, as the kernel did before.
      if (this.#tun.incompressible === 'reject') {
        if (out === undefined) {
          this.#c.reject_compress_fail++;
          return this.#refuse(id, REJECT_MODE_REFUSALS.reject_compress_fail);
        }
        this.#c.reject_compress_poor++;
        return this.#refuse(id, REJECT_MODE_REFUSALS.reject_compress_poor);
      }
      if (!this.#tree.zswapWritebackEnabled(memcg)) {
        if (out === undefined) {
          this.#c.reject_compress_fail++;
          return this.#refuse(id, STORE_REFUSALS.reject_compress_fail);
        }
        this.#c.reject_compress_poor++;
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
      this.#c.reject_alloc_fail++;
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
    this.#codecs.hold(slot);
    e.lru.addTail(memcg, idx);
    if (raw) {
      this.#c.stored_incompressible_pages++;
      this.#rawRetry.added(idx);
    }
    this.#charges.store(memcg, len, raw);
    this.#c.stored_pages++;
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
    const idx = this.#entries.index.get(checkEntryId('pool.load', id));
    if (idx < 0) return LOAD_REFUSALS.not_found;
    if (!this.#decode(idx, dst)) {
      this.#c.decompress_fail++;
      return LOAD_REFUSALS.decompress_fail;
    }
    this.#charges.load(this.#entries.memcgs[idx]!);
    this.#freeEntry(idx);
    return true;
  }

  /** zswap_invalidate(): drop an entry (its swap slot was freed). False when the id is not here. */
  invalidate(id: number): boolean {
    const idx = this.#entries.index.get(checkEntryId('pool.invalidate', id));
    if (idx < 0) return false;
    this.#freeEntry(idx);
    return true;
  }

  /** True when `id` is stored. */
  has(id: number): boolean {
    return this.#entries.index.get(checkEntryId('pool.has', id)) >= 0;
  }

  /** Compressed length of a stored entry (pageSize for raw ones), or -1. */
  lengthOf(id: number): number {
    const idx = this.#entries.index.get(checkEntryId('pool.lengthOf', id));
    return idx < 0 ? -1 : this.#entries.lens[idx]! + 1;
  }

  /** The swap layer saw a swap-in from disk for this group (shrinker feedback). */
  noteDiskSwapin(memcg: GroupId): void {
    checkGroup(this.#tree, 'pool.noteDiskSwapin', memcg);
    this.#entries.lru.ensureMemcg(memcg);
    this.#entries.lru.noteSwapin(memcg);
  }

  /** Decode an entry into dst: true, or false (corrupt: the codec's refusal, or a throw). */
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
    const codec = this.#codecs.codec(slotOf(e.stamps[idx]!));
    try {
      return codec.decodeInto(buf, off, off + len, dst, 0) === true;
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
    if (len === P) {
      this.#c.stored_incompressible_pages--;
      this.#rawRetry.removed(idx);
    }
    this.#charges.free(m, len, len === P);
    this.#c.stored_pages--;
    this.#compressedBytes -= len;
    this.#codecs.release(slot);
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
    const idx = this.#entries.index.get(checkEntryId('pool.writeback', id));
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
    const t = this.#tun;
    if (t.incompressible === 'retry' && this.#rawRetry.due(this.#clock.now())) {
      this.#rawRetry.pass(this.#clock.now(), t.rawRetrySeconds, t.rawRetrySeconds, RAW_RETRY_BATCH);
    }
    return this.#reclaim.runShrinkWorker();
  }

  /**
   * One retry pass now, whatever the mode and the interval: recompress up to `maxPages`
   * raw entries at least `minAgeSeconds` old (oldest first). Returns the entries
   * recompressed; recompress_attempts counts the tries.
   */
  retryRawEntries(maxPages = RAW_RETRY_BATCH, minAgeSeconds = 0): number {
    checkRetryArgs(maxPages, minAgeSeconds);
    const now = this.#clock.now();
    return this.#rawRetry.pass(now, minAgeSeconds, this.#tun.rawRetrySeconds, maxPages);
  }

  /** zswap_shrinker_count(): freeable entries of the group, scaled by its ratio. */
  shrinkerCount(memcg: GroupId): number {
    checkGroup(this.#tree, 'pool.shrinkerCount', memcg);
    return this.#reclaim.shrinkerCount(memcg);
  }

  /** zswap_shrinker_scan(): second-chance walk of up to `nrToScan` entries. */
  shrinkerScan(memcg: GroupId, nrToScan: number): { written: number; stop: boolean } {
    checkGroup(this.#tree, 'pool.shrinkerScan', memcg);
    checkScanCount(nrToScan);
    return this.#reclaim.shrinkerScan(memcg, nrToScan);
  }

  /**
   * memory.zswap.proactive_writeback on an online group's subtree (see ZswapReclaim):
   * what was written, or writeback_disabled (EINVAL) / no_progress (EAGAIN).
   */
  proactiveWriteback(req: ProactiveWritebackRequest): ProactiveWritebackResult | Refusal {
    const r = checkProactiveRequest(req, this.#tree);
    return this.#reclaim.proactiveWriteback(r.memcg, r.maxBytes, r.unit, r.minAgeSeconds);
  }

  // ================================================================ arena

  /** zs_compact(): pack the arena; returns the zspages released. */
  compact(): number {
    const handles = this.#entries.handles;
    return this.#arena.compact((owner, h) => {
      handles[owner] = h;
    });
  }

  /** Sum of compressed lengths of stored entries (raw ones count pageSize). */
  get compressedBytes(): number {
    return this.#compressedBytes;
  }
}

/** Make a pool (the documented way). */
export function createZswapPool(options: ZswapPoolOptions): ZswapPool {
  return new ZswapPool(options);
}
