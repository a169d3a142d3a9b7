/**
 * The pool's view of a @tierswap/memcg tree: memory.zswap.max and
 * memory.zswap.writeback as written through the tree's interface files, the hierarchy
 * and its pre-order walk, and memory.zswap.current kept equal to what the pool holds.
 *
 * Why an adapter: the pool asks only the narrow ZswapMemcgView (SimpleMemcgTree serves
 * tests and single-layer use); this maps it onto the real cgroup tree, whose ids are
 * the kernel's (root 1, 0 = none) and whose zswap limit is in pages.
 */

import {
  type GroupId,
  type MemcgTree,
  NO_GROUP,
  PAGE_COUNTER_MAX,
  PAGE_SIZE,
} from '@tierswap/memcg';
import type { ZswapMemcgView } from './types.js';

/** Which tree each view was made for (registerZswapFiles checks the pool's). */
const trees = new WeakMap<ZswapMemcgView, MemcgTree>();

/** The tree behind a view made by memcgTreeView, or undefined. */
export function treeOfView(view: ZswapMemcgView): MemcgTree | undefined {
  return trees.get(view);
}

export function memcgTreeView(tree: MemcgTree): ZswapMemcgView {
  const view: ZswapMemcgView = {
    root: () => tree.root,
    parentOf: (id) => {
      const p = tree.parentOf(id as GroupId);
      return p === NO_GROUP ? undefined : p;
    },
    // page_counter limits are pages; obj_cgroup_may_zswap() refuses once
    // floor(bytes / PAGE_SIZE) reaches them, i.e. once bytes >= pages * PAGE_SIZE.
    zswapMax: (id) => {
      const pages = tree.limitPages(id as GroupId, 'zswap');
      return pages >= PAGE_COUNTER_MAX ? Number.POSITIVE_INFINITY : pages * PAGE_SIZE;
    },
    writebackEnabled: (id) => tree.zswapWritebackEnabled(id as GroupId),
    nextInSubtree: (root, pos) => {
      const next = tree.iter(root as GroupId, (pos ?? NO_GROUP) as GroupId);
      return next === NO_GROUP ? undefined : next;
    },
    chargeZswap: (id, delta) => {
      if (delta > 0) tree.forceCharge(id as GroupId, 'zswap', delta);
      else tree.uncharge(id as GroupId, 'zswap', -delta);
    },
  };
  trees.set(view, tree);
  return view;
}
