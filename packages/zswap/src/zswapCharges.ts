/**
 * ZswapCharges: everything the pool tells the cgroup tree, in one place. The tree is
 * the only record of memory.zswap.current (a page counter of compressed bytes, charged
 * up the hierarchy: obj_cgroup_charge_zswap) and of the zswap lines of memory.stat
 * (zswap, zswapped, zswap_incomp, zswpin, zswpout, zswpwb, zswpwb_proactive); the pool
 * keeps no copy.
 *
 * Each entry holds a reference on its group's id (the tree's chargeZswap takes it,
 * unchargeZswap drops it), as a swap entry holds its swap_cgroup id, so a group removed
 * while it has entries stays offline with its charges moved up and its id never reused
 * underneath them.
 */

import type { CounterId, GroupId, MemcgTree } from '@tierswap/memcg';
import type { MemcgZswapStats } from './types.js';
import { ZswapError } from './zswapError.js';

const NAMES = [
  'zswap',
  'zswapped',
  'zswap_incomp',
  'zswpin',
  'zswpout',
  'zswpwb',
  'zswpwb_proactive',
] as const;

export class ZswapCharges {
  readonly tree: MemcgTree;
  readonly #pageSize: number;
  readonly #zswap: CounterId;
  readonly #zswapped: CounterId;
  readonly #incomp: CounterId;
  readonly #zswpin: CounterId;
  readonly #zswpout: CounterId;
  readonly #zswpwb: CounterId;
  readonly #zswpwbProactive: CounterId;

  constructor(tree: MemcgTree, pageSize: number) {
    this.tree = tree;
    this.#pageSize = pageSize;
    const ids = NAMES.map((name) => {
      const id = tree.stats.lookup(name);
      if (id === undefined) {
        throw new ZswapError(
          'INVALID_ARGUMENT',
          'pool.constructor',
          `the memcg tree has no memory.stat counter "${name}"`,
        );
      }
      return id;
    });
    [
      this.#zswap,
      this.#zswapped,
      this.#incomp,
      this.#zswpin,
      this.#zswpout,
      this.#zswpwb,
      this.#zswpwbProactive,
    ] = ids as [CounterId, CounterId, CounterId, CounterId, CounterId, CounterId, CounterId];
  }

  /** An entry of `len` compressed bytes was stored for group m. */
  store(m: number, len: number, raw: boolean): void {
    this.tree.chargeZswap(m as GroupId, len, this.#pageSize, raw);
  }

  /** An entry of group m left the pool (loaded, invalidated, written back or replaced). */
  free(m: number, len: number, raw: boolean): void {
    this.tree.unchargeZswap(m as GroupId, len, this.#pageSize, raw);
  }

  /** A raw entry of group m was recompressed to `len` bytes: raw charges become compressed ones, zswpout unchanged. */
  recompressed(m: number, len: number): void {
    // Charge before uncharging: the entry's reference on an offline group's id must not drop to 0 in between.
    this.tree.chargeZswap(m as GroupId, len, this.#pageSize, false);
    this.tree.unchargeZswap(m as GroupId, this.#pageSize, this.#pageSize, true);
    this.tree.addStat(m as GroupId, this.#zswpout, -1);
  }

  load(m: number): void {
    this.tree.addStat(m as GroupId, this.#zswpin, 1);
  }

  writeback(m: number, proactive: boolean): void {
    const g = m as GroupId;
    this.tree.addStat(g, this.#zswpwb, 1);
    if (proactive) this.tree.addStat(g, this.#zswpwbProactive, 1);
  }

  /** The group's own values (not summed over its subtree). */
  local(m: GroupId): MemcgZswapStats {
    const t = this.tree;
    return {
      zswap: t.statLocal(m, this.#zswap),
      zswapped: t.statLocal(m, this.#zswapped),
      zswap_incomp: t.statLocal(m, this.#incomp),
      zswpin: t.statLocal(m, this.#zswpin),
      zswpout: t.statLocal(m, this.#zswpout),
      zswpwb: t.statLocal(m, this.#zswpwb),
      zswpwb_proactive: t.statLocal(m, this.#zswpwbProactive),
    };
  }
}
