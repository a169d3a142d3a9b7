/**
 * PoolStats: the figures a ZswapPool reports, read from its parts and never changing
 * them: the debugfs counters (stats()), a group's memory.stat zswap lines and
 * memory.zswap.current (both the tree's own counters), a group's LRU length, the
 * arena's packing figures and the bytes of metadata. It also defines PoolParts, the
 * objects ZswapPool builds and shares with its base classes.
 *
 * Why a base class of ZswapPool (ZswapPool extends PoolStats extends PoolTunables):
 * the pool stays one object with one API, these methods written once, here; the data
 * path (store, load, invalidate) keeps its own private references to the same parts,
 * so splitting the figures out costs it nothing, not even a hop. What the data path
 * keeps in its own fields is reported by ZswapPool itself: compressedBytes and the
 * limit flags (reachedFull, shrinkWorkPending).
 */

import type { Codec } from '@tierswap/compress';
import type { GroupId, MemcgTree } from '@tierswap/memcg';
import type { CodecSlots } from './codecSlots.js';
import type { EntryTable } from './entryTable.js';
import type { PoolCounters } from './poolCounters.js';
import { checkGroup, type Tunables } from './poolOptions.js';
import { PoolTunables } from './poolTunables.js';
import type { MemcgZswapStats, ZswapStats } from './types.js';
import type { ZsArena, ZsArenaStats } from './zsArena.js';
import type { ZswapCharges } from './zswapCharges.js';

/** The objects a ZswapPool is made of, built by its constructor: shared, not copied. */
export interface PoolParts {
  readonly pageSize: number;
  readonly tun: Tunables;
  readonly tree: MemcgTree;
  readonly charges: ZswapCharges;
  readonly arena: ZsArena;
  readonly codecs: CodecSlots;
  readonly entries: EntryTable;
  readonly counters: PoolCounters;
  readonly retryCodec: Codec | undefined;
}

export class PoolStats extends PoolTunables {
  readonly #tree: MemcgTree;
  readonly #charges: ZswapCharges;
  readonly #arena: ZsArena;
  readonly #entries: EntryTable;
  readonly #c: PoolCounters;

  /** ZswapPool's: `parts` are the objects its data path uses. */
  constructor(parts: PoolParts) {
    super(parts.pageSize, parts.tun, parts.codecs, parts.retryCodec);
    this.#tree = parts.tree;
    this.#charges = parts.charges;
    this.#arena = parts.arena;
    this.#entries = parts.entries;
    this.#c = parts.counters;
  }

  /** The cgroup tree the pool charges. */
  get memcg(): MemcgTree {
    return this.#tree;
  }

  stats(): ZswapStats {
    return { ...this.#c, pool_total_size: this.#arena.footprintBytes };
  }

  /** The group's memory.stat zswap lines, local (not recursive), as the tree holds them. */
  memcgStats(memcg: GroupId): MemcgZswapStats {
    checkGroup(this.#tree, 'pool.memcgStats', memcg);
    return this.#charges.local(memcg);
  }

  /** memory.zswap.current: compressed bytes of the group and its descendants (the tree's counter). */
  zswapCurrent(memcg: GroupId): number {
    checkGroup(this.#tree, 'pool.zswapCurrent', memcg);
    return this.#tree.usagePages(memcg, 'zswap');
  }

  /** Entries on a group's LRU. */
  lruLength(memcg: GroupId): number {
    checkGroup(this.#tree, 'pool.lruLength', memcg);
    return this.#entries.lru.length(memcg);
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
}
