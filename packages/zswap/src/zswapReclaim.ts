/**
 * ZswapReclaim: the pool's writeback and shrinking, after mm/zswap.c, all synchronous
 * like the kernel's: writing back chosen entries (zswap_writeback_entry), the one
 * shrink attempt of a store over memory.zswap.max, the shrinker's count and scan
 * (zswap_shrinker_count/scan), the shrink worker with its round-robin cursor
 * (shrink_worker, shrink_memcg), and proactive writeback of a memcg subtree with the
 * group's own cursor (memory.zswap.proactive_writeback, Hao Jia's series; v4 dropped
 * the cursor, which the proactiveCursor tunable reproduces).
 *
 * Why a separate object working through ReclaimHost: reclaim decides *which* entries
 * leave and *when* to stop; the pool owns storing, loading and freeing. The kernel draws
 * the same line (the shrinker and worker call zswap_writeback_entry() through the
 * list_lru walk).
 *
 * Cursors are the tree's SubtreeCursors (the kernel's zswap_wb_iter): the shrink worker
 * uses the root's (zswap_next_shrink), proactive writeback the requested group's, so
 * repeated small requests progress across all of its descendants. The tree moves them
 * off a group before it dies.
 *
 * Writeback reserves the destination first (zswap allocates the swap-cache folio
 * before decompressing), decompresses into a scratch page, writes, then frees the
 * entry. Unlike the kernel, the write happens before the free: here the scratch page
 * is not a swap-cache folio that would keep the data if the write threw.
 */

import type { Clock, Refusal } from '@tierswap/base';
import { isRefusal, showValue } from '@tierswap/base';
import { type GroupId, NO_GROUP, SubtreeCursor } from '@tierswap/memcg';
import { TICK_MS, ticksAt } from './entryStamp.js';
import type { EntryTable } from './entryTable.js';
import type { PoolCounters } from './poolCounters.js';
import { WRITEBACK_REFUSALS } from './refusals.js';
import type { BudgetUnit, ProactiveWritebackResult, WritebackTarget } from './types.js';
import type { ZswapCharges } from './zswapCharges.js';
import { ZswapError } from './zswapError.js';

/** ZSWAP_PROACTIVE_WB_BATCH: target per memcg per visit of a proactive walk. */
export const PROACTIVE_WB_BATCH = 128;
/** SCAN_RATIO: a proactive visit scans at most 16x the pages still wanted. */
export const PROACTIVE_SCAN_RATIO = 16;
/** MAX_RECLAIM_RETRIES: the shrink worker and proactive writeback give up after this. */
export const MAX_RECLAIM_RETRIES = 16;
/** Entries a store over memory.zswap.max may scan in its one shrink attempt. */
export const STORE_SHRINK_SCAN = 32;

/** What one walk over a memcg's LRU achieved. */
interface WalkResult {
  pages: number;
  compressedBytes: number;
  failures: number;
  /** -EEXIST met: stop walking this LRU. */
  stop: boolean;
}

/** What reclaim needs of the pool. The objects are shared, not copies. */
export interface ReclaimHost {
  readonly pageSize: number;
  readonly clock: Clock;
  readonly entries: EntryTable;
  readonly charges: ZswapCharges;
  readonly counters: PoolCounters;
  readonly target: WritebackTarget | undefined;
  /** zswap.shrinker_enabled. */
  shrinkerEnabled(): boolean;
  /** Proactive writeback keeps a per-memcg cursor (false: every request starts at the first child). */
  proactiveCursor(): boolean;
  /** Bytes of zspages the arena holds. */
  footprintBytes(): number;
  /** Bytes of the arena's live objects (the footprint after a perfect compaction). */
  liveBytes(): number;
  /** zswap.accept_threshold_percent of the pool limit, in bytes. */
  acceptThresholdBytes(): number;
  /** zs_compact(). */
  compact(): number;
  /** Decompress entry idx into dst; false when its data is corrupt. */
  decode(idx: number, dst: Uint8Array): boolean;
  /** Free an entry (index, LRU, arena, charges). */
  freeEntry(idx: number): void;
}

export class ZswapReclaim {
  readonly #host: ReclaimHost;
  readonly #scratch: Uint8Array;

  constructor(host: ReclaimHost) {
    this.#host = host;
    this.#scratch = new Uint8Array(host.pageSize);
  }

  // ================================================================ writeback of entries

  /**
   * Write back one entry (zswap_writeback_entry): true, or why not. A write that
   * throws leaves the entry stored and propagates.
   */
  writebackOne(idx: number, proactive: boolean, res?: WalkResult): true | Refusal {
    const h = this.#host;
    const e = h.entries;
    const id = e.ids[idx]!;
    const m = e.memcgs[idx]!;
    const target = h.target;
    if (target === undefined) return this.#failed(res, WRITEBACK_REFUSALS.no_target);
    const token = target.reserve(id, m as GroupId);
    if (typeof token !== 'number') {
      if (isRefusal(token)) return this.#failed(res, token);
      throw new ZswapError(
        'INVALID_ARGUMENT',
        'pool.writeback',
        `the target's reserve() returned ${showValue(token)}, not a token or a Refusal`,
      );
    }
    const page = this.#scratch;
    if (!h.decode(idx, page)) {
      h.counters.decompress_fail++;
      target.cancel(id, token);
      return this.#failed(res, WRITEBACK_REFUSALS.decompress_fail);
    }
    const len = e.lens[idx]! + 1;
    target.write(id, token, page);
    h.freeEntry(idx);
    h.counters.written_back_pages++;
    h.charges.writeback(m, proactive);
    if (res !== undefined) {
      res.pages++;
      res.compressedBytes += len;
    }
    return true;
  }

  #failed(res: WalkResult | undefined, why: Refusal): Refusal {
    this.#host.counters.reject_reclaim_fail++;
    if (res !== undefined) res.failures++;
    return why;
  }

  /** Try each candidate in order, stopping at EEXIST as the kernel's walk does. */
  #writebackVictims(victims: readonly number[], proactive: boolean): WalkResult {
    const res: WalkResult = { pages: 0, compressedBytes: 0, failures: 0, stop: false };
    const lru = this.#host.entries.lru;
    const memcgs = this.#host.entries.memcgs;
    for (let k = 0; k < victims.length; k++) {
      const r = this.writebackOne(victims[k]!, proactive, res);
      if (r !== true && r.errno === 'EEXIST') {
        // The kernel would have stopped right here, never touching the candidates
        // after this one: put them back at the head, in order, leaving the hot entry
        // rotated behind them.
        res.stop = true;
        for (let j = victims.length - 1; j > k; j--) {
          const v = victims[j]!;
          lru.moveToHead(memcgs[v]!, v);
        }
        break;
      }
    }
    return res;
  }

  /**
   * The one shrink attempt of a store over memory.zswap.max: walk the group's LRU (at
   * most STORE_SHRINK_SCAN entries) writing back until every level is under its limit.
   * True when anything was written back.
   */
  shrinkForStore(memcg: number): boolean {
    const h = this.#host;
    const tree = h.charges.tree;
    if (!tree.zswapWritebackEnabled(memcg as GroupId)) return false;
    const lru = h.entries.lru;
    const cap = Math.min(STORE_SHRINK_SCAN, lru.length(memcg));
    let scanned = 0;
    let pages = 0;
    while (scanned < cap) {
      const v = lru.select(
        memcg,
        1,
        Number.POSITIVE_INFINITY,
        cap - scanned,
        undefined,
        this.#now(),
      );
      scanned += lru.lastScanned;
      if (v.length === 0) break;
      const r = this.#writebackVictims(v, false);
      pages += r.pages;
      if (r.stop) break;
      if (pages > 0 && tree.zswapMayStore(memcg as GroupId) === NO_GROUP) break;
    }
    return pages > 0;
  }

  // ================================================================ shrinker

  /**
   * zswap_shrinker_count(): the memcg's LRU length, minus disk swap-ins not yet
   * consumed (they show past over-shrinking), scaled by the memcg's compression ratio
   * (compressed bytes / stored bytes), so a well-compressed pool offers less.
   */
  shrinkerCount(memcg: GroupId): number {
    const h = this.#host;
    if (!h.shrinkerEnabled() || !h.charges.tree.zswapWritebackEnabled(memcg)) return 0;
    const local = h.charges.local(memcg);
    if (local.zswapped === 0) return 0;
    const lru = h.entries.lru;
    let freeable = lru.length(memcg);
    if (freeable === 0) return 0;
    const consumed = Math.min(freeable, lru.swapins(memcg));
    if (consumed > 0) lru.consumeSwapins(memcg, consumed);
    freeable -= consumed;
    if (freeable === 0) return 0;
    return Math.floor((freeable * local.zswap) / local.zswapped);
  }

  /**
   * zswap_shrinker_scan(): walk up to `nrToScan` entries of the memcg's LRU with second
   * chance and write back the unreferenced ones. `stop` is SHRINK_STOP (-EEXIST met, or
   * the shrinker or the memcg's writeback is off).
   */
  shrinkerScan(memcg: GroupId, nrToScan: number): { written: number; stop: boolean } {
    const h = this.#host;
    if (!h.shrinkerEnabled() || !h.charges.tree.zswapWritebackEnabled(memcg)) {
      return { written: 0, stop: true };
    }
    const v = this.#select(memcg, nrToScan, Math.min(nrToScan, h.entries.lru.length(memcg)));
    const r = this.#writebackVictims(v, false);
    return { written: r.pages, stop: r.stop };
  }

  // ================================================================ shrink worker

  /**
   * shrink_worker(): write back until the footprint is at or under the accept
   * threshold, taking memcgs round-robin through the root's cursor; give up after
   * MAX_RECLAIM_RETRIES failures. Compacts the arena first when the live objects alone
   * fit under the threshold (freeing objects only shrinks the footprint when whole
   * zspages empty). Returns the pages written back.
   */
  runShrinkWorker(): number {
    const h = this.#host;
    const tree = h.charges.tree;
    const cursor = tree.cursorOf(tree.root);
    let failures = 0;
    let attempts = 0;
    let written = 0;
    let compacted = false;
    while (h.footprintBytes() > h.acceptThresholdBytes()) {
      if (!compacted && h.liveBytes() <= h.acceptThresholdBytes()) {
        compacted = true;
        h.compact();
        continue;
      }
      const m = cursor.next();
      if (m === NO_GROUP) {
        // A full walk of the tree: only count it as a failure if nothing was tried.
        if (attempts === 0 && ++failures >= MAX_RECLAIM_RETRIES) break;
        attempts = 0;
        continue;
      }
      const r = this.#shrinkMemcg(m);
      if (r === 'ENOENT') continue;
      attempts++;
      if (r === 'ok') {
        written++;
        compacted = false;
      } else if (++failures >= MAX_RECLAIM_RETRIES) break;
    }
    return written;
  }

  /**
   * shrink_memcg(): try one entry of one memcg (nr_to_walk = 1, as the kernel does per
   * node). 'ENOENT' when the memcg has nothing to offer or may not write back.
   */
  #shrinkMemcg(m: GroupId): 'ok' | 'EAGAIN' | 'ENOENT' {
    const h = this.#host;
    if (h.entries.lru.length(m) === 0) return 'ENOENT';
    if (!h.charges.tree.zswapWritebackEnabled(m)) return 'ENOENT';
    const v = this.#select(m, 1, 1);
    if (v.length === 0) return 'EAGAIN';
    return this.#writebackVictims(v, false).pages > 0 ? 'ok' : 'EAGAIN';
  }

  // ================================================================ proactive writeback

  /**
   * memory.zswap.proactive_writeback (Hao Jia's series, v1 semantics with the budget
   * unit of v4 as an option): write back cold entries of the group's subtree, walking
   * descendants through the group's own cursor so repeated small requests make
   * progress across all of them. Per visit: at most PROACTIVE_WB_BATCH pages, scanning
   * at most min(LRU length, 16 x remaining pages). Refused with no_progress (EAGAIN)
   * when nothing was written after MAX_RECLAIM_RETRIES fruitless walks of the subtree,
   * and with writeback_disabled (EINVAL) when memory.zswap.writeback is off. The
   * caller has validated the request.
   */
  proactiveWriteback(
    memcg: GroupId,
    maxBytes: number,
    unit: BudgetUnit,
    minAgeSeconds: number | undefined,
  ): ProactiveWritebackResult | Refusal {
    const h = this.#host;
    const P = h.pageSize;
    const tree = h.charges.tree;
    const lru = h.entries.lru;
    if (!tree.zswapWritebackEnabled(memcg)) return WRITEBACK_REFUSALS.writeback_disabled;
    let cutoff: number | undefined;
    if (minAgeSeconds !== undefined) {
      // "If age >= uptime, returns success with nothing done."
      if (minAgeSeconds * 1000 >= h.clock.now()) {
        return { pages: 0, originalBytes: 0, compressedBytes: 0 };
      }
      cutoff = Math.ceil((minAgeSeconds * 1000) / TICK_MS);
    }
    // v1-v3 keep the group's cursor between requests; v4 dropped it, so each request
    // walks from the group itself and its first child again (a fresh cursor).
    const cursor = h.proactiveCursor() ? tree.cursorOf(memcg) : new SubtreeCursor(tree, memcg);
    let remaining = maxBytes;
    let pages = 0;
    let compressed = 0;
    let fruitless = 0;
    let progress = false;
    while (remaining > 0) {
      const m = cursor.next();
      if (m === NO_GROUP) {
        if (!progress && ++fruitless >= MAX_RECLAIM_RETRIES) break;
        progress = false;
        continue;
      }
      const len = lru.length(m);
      if (len === 0 || !tree.zswapWritebackEnabled(m)) continue;
      let remPages: number;
      if (unit === 'original') {
        remPages = Math.ceil(remaining / P);
      } else {
        const avg = Math.max(1, h.charges.local(m).zswap / len);
        remPages = Math.ceil(remaining / avg);
      }
      const victims = lru.select(
        m,
        Math.min(PROACTIVE_WB_BATCH, remPages),
        unit === 'compressed' ? remaining : Number.POSITIVE_INFINITY,
        Math.min(len, PROACTIVE_SCAN_RATIO * remPages),
        cutoff,
        this.#now(),
      );
      if (victims.length === 0) continue;
      const r = this.#writebackVictims(victims, true);
      if (r.pages > 0) progress = true;
      pages += r.pages;
      compressed += r.compressedBytes;
      remaining -= unit === 'original' ? r.pages * P : r.compressedBytes;
    }
    if (pages === 0 && remaining > 0) return WRITEBACK_REFUSALS.no_progress;
    return { pages, originalBytes: pages * P, compressedBytes: compressed };
  }

  // ================================================================ helpers

  #now(): number {
    return ticksAt(this.#host.clock.now());
  }

  /** A plain second-chance pick (no byte budget, no age) of up to `maxPages`. */
  #select(m: number, maxPages: number, maxScan: number): number[] {
    return this.#host.entries.lru.select(
      m,
      maxPages,
      Number.POSITIVE_INFINITY,
      maxScan,
      undefined,
      this.#now(),
    );
  }
}
