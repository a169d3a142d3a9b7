/**
 * reclaim: the per-memcg LRU scan (shrink_lruvec for anon pages) and the limits that
 * start it.
 *
 * A scan first deactivates from the active list's tail while the inactive list is the
 * smaller one (anon pages are deactivated referenced or not, as shrink_active_list does
 * for anon), then walks the inactive list from its tail: a page whose accessed bit is
 * set gets a second chance (bit cleared, moved to the active head: pgactivate); any
 * other page is swapped out (swapOut.ts), or re-activated when it had to stay resident.
 * A subtree is reclaimed in passes, each group asked for a share of the target
 * proportional to its LRU size, until the target is met or a pass makes no progress.
 *
 * memory.current here is resident pages plus the group's zswap bytes, as the kernel
 * charges zswap's compressed memory to the memcg. After every new resident page the
 * group and its ancestors are checked: above memory.max, reclaim the excess (at least
 * SWAP_CLUSTER_MAX pages, until MAX_RECLAIM_RETRIES rounds freed nothing; what remains is counted as
 * oom, where the kernel would OOM-kill); above memory.high, one best-effort round.
 */

import type { GroupId } from '@tierswap/memcg';
import { NO_GROUP, PAGE_COUNTER_MAX, ROOT_GROUP } from '@tierswap/memcg';
import { PageState } from './addressSpace.js';
import type { StackCore } from './core.js';
import { demoteByAge } from './demotion.js';
import { StackError } from './stackError.js';
import { swapOutPage } from './swapOut.js';

export const SWAP_CLUSTER_MAX = 32;
export const MAX_RECLAIM_RETRIES = 16;

const inactiveList = (g: number) => g * 2;
const activeList = (g: number) => g * 2 + 1;

/** Bytes of memory.current: resident pages plus zswap's compressed bytes, hierarchical. */
export function currentBytes(core: StackCore, g: GroupId): number {
  return core.tree.usagePages(g, 'memory') * core.pageSize + core.tree.usagePages(g, 'zswap');
}

/**
 * Scans one group's own lists for up to `nr` pages; returns pages swapped out. `wide`
 * scans both whole lists (the kernel's scan at priority 0): a retry after a fruitless
 * round must reach the pages whose accessed bits that round cleared, however many
 * freshly touched pages lie before them.
 */
export function shrinkGroup(core: StackCore, g: number, nr: number, wide = false): number {
  const lru = core.lru;
  const ref = core.pages.referenced;
  const c = core.counters;
  const inactive = inactiveList(g);
  const active = activeList(g);
  if (inactive >= lru.head.length) return 0;
  const window = wide ? lru.count[inactive]! + lru.count[active]! : 0;
  let moves = Math.max(nr * 2 + SWAP_CLUSTER_MAX, window);
  while (lru.count[inactive]! < lru.count[active]! && moves-- > 0) {
    const p = lru.tail(active);
    lru.remove(p);
    ref[p] = 0;
    lru.add(p, inactive);
    c.pgdeactivate++;
  }
  let reclaimed = 0;
  let budget = Math.max(nr * 2 + SWAP_CLUSTER_MAX, window);
  while (reclaimed < nr && budget-- > 0) {
    const p = lru.tail(inactive);
    if (p < 0) break;
    lru.remove(p);
    c.pgscan++;
    if (ref[p] !== 0) {
      ref[p] = 0;
      lru.add(p, active);
      c.pgactivate++;
      continue;
    }
    if (swapOutPage(core, p)) {
      reclaimed++;
      c.pgsteal++;
    } else {
      lru.add(p, active);
      c.pgactivate++;
    }
  }
  return reclaimed;
}

/** try_to_free_mem_cgroup_pages over `root`'s subtree; returns pages reclaimed. `wide`: see shrinkGroup. */
export function reclaimPages(
  core: StackCore,
  root: GroupId,
  nr: number,
  swappiness = 60,
  wide = false,
): number {
  const age = core.demoteAge.get(root) ?? 0;
  if (age > 0) demoteByAge(core, root, age);
  if (swappiness === 0 || nr <= 0) return 0;
  const lru = core.lru;
  const groups = [...core.tree.subtree(root)].filter((g) => g * 2 + 1 < lru.head.length);
  let reclaimed = 0;
  for (let pass = 0; pass < 4 && reclaimed < nr; pass++) {
    // Each group's share is proportional to its LRU size (shrink_node_memcgs scans
    // every memcg in proportion), at least one page, so no group is reclaimed alone.
    let total = 0;
    for (const g of groups) total += lru.count[g * 2]! + lru.count[g * 2 + 1]!;
    if (total === 0) break;
    const want = nr - reclaimed;
    let progress = 0;
    for (const g of groups) {
      if (reclaimed >= nr) break;
      const size = lru.count[g * 2]! + lru.count[g * 2 + 1]!;
      if (size === 0) continue;
      const share = Math.min(nr - reclaimed, Math.max(1, Math.ceil((want * size) / total)));
      const got = shrinkGroup(core, g, share, wide);
      reclaimed += got;
      progress += got;
    }
    if (progress === 0 && pass > 0) break;
  }
  return reclaimed;
}

/** After a page was charged to `g`: reclaim in every level above memory.max or memory.high. */
export function enforceLimits(core: StackCore, g: GroupId): void {
  const tree = core.tree;
  const P = core.pageSize;
  for (let a: GroupId = g; a !== NO_GROUP; a = tree.parentOf(a)) {
    const max = tree.limitPages(a, 'memory');
    if (max < PAGE_COUNTER_MAX) {
      let over = currentBytes(core, a) - max * P;
      // As try_charge and memory_max_write: only a fruitless round uses up a retry. A
      // round over freshly touched pages frees nothing (it clears their accessed bits)
      // and the next one reclaims them, so giving up on the first zero would report an
      // oom with every page reclaimable.
      for (let fruitless = 0; over > 0 && fruitless < MAX_RECLAIM_RETRIES; ) {
        const want = Math.max(SWAP_CLUSTER_MAX, Math.ceil(over / P));
        if (reclaimPages(core, a, want, 60, fruitless > 0) === 0) fruitless++;
        over = currentBytes(core, a) - max * P;
      }
      if (over > 0) core.counters.oom++;
    }
    const high = tree.highPages(a);
    if (high < PAGE_COUNTER_MAX) {
      const over = currentBytes(core, a) - high * P;
      if (over > 0) reclaimPages(core, a, Math.max(SWAP_CLUSTER_MAX, Math.ceil(over / P)));
    }
    if (a === ROOT_GROUP) break;
  }
}

/** A free frame; reclaims globally (from the root) when RAM is full. */
export function allocFrame(core: StackCore): number {
  // Global reclaim retries the same way: a round that only cleared accessed bits is not the end.
  for (let fruitless = 0; fruitless <= MAX_RECLAIM_RETRIES; ) {
    const f = core.pages.allocFrame();
    if (f >= 0) return f;
    if (reclaimPages(core, ROOT_GROUP, SWAP_CLUSTER_MAX, 60, fruitless > 0) === 0) fruitless++;
  }
  throw new StackError(
    'OUT_OF_MEMORY',
    'allocFrame',
    `all ${core.pages.maxFrames} page frames are in use and reclaim freed none`,
  );
}

/** Makes page `idx` resident in a new frame (not charged yet); returns the frame. */
export function attachFrame(core: StackCore, idx: number): number {
  const f = allocFrame(core);
  core.pages.frame[idx] = f;
  core.pages.state[idx] = PageState.RESIDENT;
  return f;
}

/** Charges a page that just became resident, reclaims if a limit is exceeded, then puts it on its group's inactive list. */
export function chargeResident(core: StackCore, idx: number): void {
  const g = core.pages.memcg[idx]! as GroupId;
  core.tree.forceCharge(g, 'memory', 1);
  core.tree.addStat(g, core.stat.anon, 1);
  core.pages.referenced[idx] = 1;
  // Limits first, LRU after: the page being faulted in must not be reclaimed by its own fault.
  enforceLimits(core, g);
  core.lru.add(idx, inactiveList(g));
}
