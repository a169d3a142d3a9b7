/**
 * ZswapReclaim: the pool's reclaim side, after mm/zswap.c: the shrinker's count and
 * scan (zswap_shrinker_count/scan), the shrink worker with its round-robin memcg cursor
 * (shrink_worker, shrink_memcg), and proactive writeback of a memcg subtree with the
 * memcg's own cursor (memory.zswap.proactive_writeback, Hao Jia's series).
 *
 * Why a separate object working through ReclaimHost: reclaim decides *which* entries
 * leave and *when* to stop; the pool owns the entries and knows how to write one back.
 * The kernel draws the same line (the shrinker and worker call zswap_writeback_entry()
 * through the list_lru walk). The host is the pool's small internal surface: the shared
 * cgroup view, LRU and per-memcg table, the arena's footprint figures, and
 * writebackVictims. ZswapPool keeps the public methods and delegates to this.
 *
 * Cursors: one Map from a walk's root memcg to its position. The shrink worker uses the
 * root's (zswap_next_shrink); proactive writeback uses the requested memcg's, so
 * repeated small requests progress across all of its descendants. A cursor that points
 * at a memcg going offline is reset (forgetMemcg).
 */

import { TICK_MS, ticksAt } from './entryStamp.js';
import type { MemcgLru } from './memcgLru.js';
import type { MemcgTable } from './memcgTable.js';
import type {
  BudgetUnit,
  Clock,
  ProactiveWritebackRequest,
  ProactiveWritebackResult,
  ZswapMemcgView,
} from './types.js';

// ---------------------------------------------------------------- constants

/** ZSWAP_PROACTIVE_WB_BATCH: target per memcg per visit of a proactive walk. */
export const PROACTIVE_WB_BATCH = 128;
/** SCAN_RATIO: a proactive visit scans at most 16x the pages still wanted. */
export const PROACTIVE_SCAN_RATIO = 16;
/** MAX_RECLAIM_RETRIES: the shrink worker and proactive writeback give up after this. */
export const MAX_RECLAIM_RETRIES = 16;

// ---------------------------------------------------------------- host interface

/** What one walk over a memcg's LRU achieved. */
export interface WalkResult {
  pages: number;
  compressedBytes: number;
  failures: number;
  /** -EEXIST met: stop walking this LRU. */
  stop: boolean;
}

/** What reclaim needs of the pool. The objects are shared, not copies. */
export interface ReclaimHost {
  readonly pageSize: number;
  readonly view: ZswapMemcgView;
  readonly clock: Clock;
  readonly lru: MemcgLru;
  readonly memcgs: MemcgTable;
  /** zswap.shrinker_enabled. */
  shrinkerEnabled(): boolean;
  /** Bytes of zspages the arena holds. */
  footprintBytes(): number;
  /** Bytes of the arena's live objects (the footprint after a perfect compaction). */
  liveBytes(): number;
  /** zswap.accept_threshold_percent of the pool limit, in bytes. */
  acceptThresholdBytes(): number;
  /** zs_compact(). */
  compact(): number;
  /** Write back candidates picked by MemcgLru.select (zswap_writeback_entry each). */
  writebackVictims(victims: readonly number[], proactive: boolean): Promise<WalkResult>;
  /** The same without awaiting: entries of Promise-only codecs count as failures. */
  writebackVictimsSync(victims: readonly number[], proactive: boolean): WalkResult;
}

export class ZswapReclaim {
  readonly #host: ReclaimHost;
  readonly #cursors = new Map<number, number | undefined>();

  constructor(host: ReclaimHost) {
    this.#host = host;
  }

  // ================================================================ shrinker

  /**
   * zswap_shrinker_count(): the memcg's LRU length, minus disk swap-ins not yet
   * consumed (they show past over-shrinking), scaled by the memcg's compression ratio
   * (compressed bytes / stored bytes), so a well-compressed pool offers less.
   */
  shrinkerCount(memcg: number): number {
    const h = this.#host;
    if (!h.shrinkerEnabled() || memcg >= h.memcgs.size) return 0;
    if (!h.view.writebackEnabled(memcg)) return 0;
    const mt = h.memcgs;
    const stored = mt.zswappedB[memcg]!;
    if (stored === 0) return 0;
    let freeable = h.lru.length(memcg);
    if (freeable === 0) return 0;
    const swapins = mt.diskSwapins[memcg]!;
    const consumed = Math.min(freeable, swapins);
    mt.diskSwapins[memcg] = swapins - consumed;
    freeable -= consumed;
    if (freeable === 0) return 0;
    return Math.floor((freeable * mt.zswapB[memcg]!) / stored);
  }

  /**
   * zswap_shrinker_scan(): walk up to `nrToScan` entries of the memcg's LRU with second
   * chance and write back the unreferenced ones. `stop` is SHRINK_STOP (-EEXIST met, or
   * the shrinker or the memcg's writeback is off).
   */
  async shrinkerScan(memcg: number, nrToScan: number): Promise<{ written: number; stop: boolean }> {
    const h = this.#host;
    if (!h.shrinkerEnabled() || !h.view.writebackEnabled(memcg)) {
      return { written: 0, stop: true };
    }
    if (memcg >= h.memcgs.size) return { written: 0, stop: false };
    const v = this.#select(memcg, nrToScan, Math.min(nrToScan, h.lru.length(memcg)));
    const r = await h.writebackVictims(v, false);
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
  async runShrinkWorker(): Promise<number> {
    const h = this.#host;
    const root = h.view.root();
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
      const m = this.#advanceCursor(root);
      if (m === undefined) {
        // A full walk of the tree: only count it as a failure if nothing was tried.
        if (attempts === 0 && ++failures >= MAX_RECLAIM_RETRIES) break;
        attempts = 0;
        continue;
      }
      const r = await this.#shrinkMemcg(m);
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
  async #shrinkMemcg(m: number): Promise<'ok' | 'EAGAIN' | 'ENOENT'> {
    const h = this.#host;
    if (m >= h.memcgs.size || h.lru.length(m) === 0) return 'ENOENT';
    if (!h.view.writebackEnabled(m)) return 'ENOENT';
    const v = this.#select(m, 1, 1);
    if (v.length === 0) return 'EAGAIN';
    const r = await h.writebackVictims(v, false);
    return r.pages > 0 ? 'ok' : 'EAGAIN';
  }

  // ================================================================ proactive writeback

  /**
   * memory.zswap.proactive_writeback (Hao Jia's series, v1 semantics with the budget
   * unit of v4 as an option): write back cold entries of the memcg's subtree, walking
   * descendants through the memcg's own cursor so repeated small requests make
   * progress across all of them. Per visit: at most PROACTIVE_WB_BATCH pages, scanning
   * at most min(LRU length, 16 x remaining pages). 'EAGAIN' when nothing was written
   * after MAX_RECLAIM_RETRIES fruitless walks of the subtree; 'EINVAL' for a zero
   * budget, a negative age, or writeback disabled.
   */
  async proactiveWriteback(req: ProactiveWritebackRequest): Promise<ProactiveWritebackResult> {
    const steps = this.#proactiveSteps(req);
    let step = steps.next();
    while (!step.done) step = steps.next(await this.#host.writebackVictims(step.value, true));
    return step.value;
  }

  /** proactiveWriteback without awaiting (see ZswapPool.proactiveWritebackSync). */
  proactiveWritebackSync(req: ProactiveWritebackRequest): ProactiveWritebackResult {
    const steps = this.#proactiveSteps(req);
    let step = steps.next();
    while (!step.done) step = steps.next(this.#host.writebackVictimsSync(step.value, true));
    return step.value;
  }

  /**
   * The walk itself, written once for both drivers: it yields each batch of victims
   * and is resumed with what writing them back did.
   */
  *#proactiveSteps(
    req: ProactiveWritebackRequest,
  ): Generator<number[], ProactiveWritebackResult, WalkResult> {
    const h = this.#host;
    const P = h.pageSize;
    const unit: BudgetUnit = req.unit ?? 'original';
    const none = { pages: 0, originalBytes: 0, compressedBytes: 0 };
    const minAge = req.minAgeSeconds;
    if (
      !(req.maxBytes > 0) ||
      (minAge !== undefined && !(minAge >= 0)) ||
      !h.view.writebackEnabled(req.memcg)
    ) {
      return { status: 'EINVAL', ...none };
    }
    let cutoff: number | undefined;
    if (minAge !== undefined) {
      // "If age >= uptime, returns success with nothing done."
      if (minAge * 1000 >= h.clock.now()) return { status: 'ok', ...none };
      cutoff = Math.ceil((minAge * 1000) / TICK_MS);
    }
    let remaining = req.maxBytes;
    let pages = 0;
    let compressed = 0;
    let fruitless = 0;
    let progress = false;
    while (remaining > 0) {
      const m = this.#advanceCursor(req.memcg);
      if (m === undefined) {
        if (!progress && ++fruitless >= MAX_RECLAIM_RETRIES) break;
        progress = false;
        continue;
      }
      if (m >= h.memcgs.size) continue;
      const len = h.lru.length(m);
      if (len === 0 || !h.view.writebackEnabled(m)) continue;
      let remPages: number;
      if (unit === 'original') {
        remPages = Math.ceil(remaining / P);
      } else {
        const avg = Math.max(1, h.memcgs.zswapB[m]! / len);
        remPages = Math.ceil(remaining / avg);
      }
      const victims = h.lru.select(
        m,
        Math.min(PROACTIVE_WB_BATCH, remPages),
        unit === 'compressed' ? remaining : Number.POSITIVE_INFINITY,
        Math.min(len, PROACTIVE_SCAN_RATIO * remPages),
        cutoff,
        ticksAt(h.clock.now()),
      );
      if (victims.length === 0) continue;
      const r: WalkResult = yield victims;
      if (r.pages > 0) progress = true;
      pages += r.pages;
      compressed += r.compressedBytes;
      remaining -= unit === 'original' ? r.pages * P : r.compressedBytes;
    }
    return {
      status: pages > 0 || remaining <= 0 ? 'ok' : 'EAGAIN',
      pages,
      originalBytes: pages * P,
      compressedBytes: compressed,
    };
  }

  // ================================================================ cursors

  /** A memcg went offline: reset every cursor that points at it, drop its own. */
  forgetMemcg(memcg: number): void {
    for (const [root, pos] of this.#cursors) {
      if (pos === memcg || root === memcg) this.#cursors.set(root, undefined);
    }
    this.#cursors.delete(memcg);
  }

  /** Next memcg of a cyclic pre-order walk of `root`'s subtree, with `root`'s cursor. */
  #advanceCursor(root: number): number | undefined {
    const pos = this.#cursors.get(root);
    const next = this.#host.view.nextInSubtree(root, pos);
    this.#cursors.set(root, next);
    return next;
  }

  /** A plain second-chance pick (no byte budget, no age) of up to `maxPages`. */
  #select(m: number, maxPages: number, maxScan: number): number[] {
    const h = this.#host;
    return h.lru.select(
      m,
      maxPages,
      Number.POSITIVE_INFINITY,
      maxScan,
      undefined,
      ticksAt(h.clock.now()),
    );
  }
}
