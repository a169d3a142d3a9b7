/**
 * The pool's view of a @tierswap/memcg tree: memory.zswap.max and
 * memory.zswap.writeback as written through the tree's interface files, the hierarchy
 * and its pre-order walk; and the tree's memory.zswap.current and memory.stat zswap
 * lines (zswap, zswapped, zswap_incomp, zswpin, zswpout, zswpwb, zswpwb_proactive) kept
 * equal to what the pool holds and did.
 *
 * Why an adapter: the pool asks only the narrow ZswapMemcgView (SimpleMemcgTree serves
 * tests and single-layer use); this maps it onto the real cgroup tree, whose ids are
 * the kernel's (root 1, 0 = none) and whose zswap limit is in pages.
 */

import {
  type CounterId,
  type GroupId,
  type MemcgTree,
  NO_GROUP,
  PAGE_COUNTER_MAX,
  PAGE_SIZE,
} from '@tierswap/memcg';
import type { ZswapMemcgView } from './types.js';
import { ZswapError } from './zswapError.js';

/** Which tree each view was made for (registerZswapFiles checks the pool's). */
const trees = new WeakMap<ZswapMemcgView, MemcgTree>();

/** The tree behind a view made by memcgTreeView, or undefined. */
export function treeOfView(view: ZswapMemcgView): MemcgTree | undefined {
  return trees.get(view);
}

export function memcgTreeView(tree: MemcgTree): ZswapMemcgView {
  const counter = (name: string): CounterId => {
    const id = tree.stats.lookup(name);
    if (id === undefined) {
      throw new ZswapError(
        'INVALID_ARGUMENT',
        `@tierswap/zswap/memcgTreeView: the tree has no memory.stat counter "${name}"`,
      );
    }
    return id;
  };
  const stat = {
    zswap: counter('zswap'),
    zswapped: counter('zswapped'),
    zswap_incomp: counter('zswap_incomp'),
    zswpin: counter('zswpin'),
    zswpout: counter('zswpout'),
    zswpwb: counter('zswpwb'),
    zswpwb_proactive: counter('zswpwb_proactive'),
  };
  const view: ZswapMemcgView = {
    root: () => tree.root,
    parentOf: (id) => {
      const p = tree.parentOf(id as GroupId);
      return p === NO_GROUP ? undefined : p;
    },
    // page_counter limits are pages; obj_cgroup_may_zswap() refuses once
    // floor(bytes / PAGE_SIZE) reaches them, i.e. once bytes >= pages * PAGE_SIZE.
    zswapMax: (id) => {
      // A removed group's entries answer to the nearest online ancestor, as its objcg does.
      const pages = tree.limitPages(tree.resolve(id as GroupId), 'zswap');
      return pages >= PAGE_COUNTER_MAX ? Number.POSITIVE_INFINITY : pages * PAGE_SIZE;
    },
    writebackEnabled: (id) => tree.zswapWritebackEnabled(id as GroupId),
    nextInSubtree: (root, pos) => {
      const next = tree.iter(root as GroupId, (pos ?? NO_GROUP) as GroupId);
      return next === NO_GROUP ? undefined : next;
    },
    onZswapEvent: (id, event, bytes, raw) => {
      const g = id as GroupId;
      switch (event) {
        case 'store':
          // Each entry holds its group's id, as a swap entry does (swap_cgroup), so a
          // removed group's id stays allocated, its charges moving up, until the last
          // entry goes.
          tree.idGet(g);
          tree.forceCharge(g, 'zswap', bytes);
          tree.addStat(g, stat.zswap, bytes);
          tree.addStat(g, stat.zswapped, PAGE_SIZE);
          if (raw) tree.addStat(g, stat.zswap_incomp, PAGE_SIZE);
          tree.addStat(g, stat.zswpout, 1);
          return;
        case 'free':
          tree.uncharge(g, 'zswap', bytes);
          tree.addStat(g, stat.zswap, -bytes);
          tree.addStat(g, stat.zswapped, -PAGE_SIZE);
          if (raw) tree.addStat(g, stat.zswap_incomp, -PAGE_SIZE);
          tree.idPut(g);
          return;
        case 'load':
          tree.addStat(g, stat.zswpin, 1);
          return;
        case 'proactive_writeback':
          tree.addStat(g, stat.zswpwb_proactive, 1);
          tree.addStat(g, stat.zswpwb, 1);
          return;
        case 'writeback':
          tree.addStat(g, stat.zswpwb, 1);
          return;
      }
    },
  };
  trees.set(view, tree);
  return view;
}
