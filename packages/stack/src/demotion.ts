/**
 * demotion: swapped pages move down the swap tiers, by request and by age.
 *
 * By request (`echo "<size> demote=<tier>" > memory.reclaim`, YoungJun Park's
 * `<size> <demote_prefix><tier_name>` in seed 000's thread, with the prefix as a key):
 * up to <size> of the subtree's pages on <tier> go to the next lower tier each page's
 * memcg may use. `demote=zswap` is zswap writeback (zswap as the first tier).
 * By age (the stack's knob `memory.swap.demote_age`, seconds, 0 = off): at every
 * reclaim of a group, its subtree's pages swapped out longer ago than that move one tier
 * down (zswap entries are written back, disk pages demoted); the age restarts on each
 * move, so a page stays at least that long in every tier.
 *
 * A move takes the new slot first, copies the page, switches the entry and frees the
 * old slot. In vswap mode that is one descriptor transfer: page tables hold the virtual
 * entry and are not touched. In classic mode the page table holds the slot itself, so
 * the kernel would have to find and rewrite every PTE mapping it (an rmap walk): the
 * stack updates its page table and counts each such rewrite in pte_rewrites.
 */

import { isRefusal } from '@tierswap/base';
import type { GroupId } from '@tierswap/memcg';
import type { SwapSlot } from '@tierswap/tiered-store';
import { BackendTag, backendTag, type SwapEntry } from '@tierswap/vswap';
import { ClassicBackend, PageState } from './addressSpace.js';
import type { StackCore } from './core.js';
import { nowSeconds } from './core.js';
import { slotOfPhys } from './swapIn.js';
import { physOf } from './swapOut.js';

/** The disk slot of a swapped page, or -1 when it is not on a disk tier. */
export function diskSlotOf(core: StackCore, idx: number): number {
  const p = core.pages;
  if (p.state[idx] !== PageState.SWAPPED) return -1;
  if (core.mode === 'vswap') {
    const b = core.vs!.lookup(p.swap[idx]! as SwapEntry);
    return backendTag(b) === BackendTag.PHYS ? slotOfPhys(b) : -1;
  }
  return p.backend[idx] === ClassicBackend.DISK ? p.swap[idx]! : -1;
}

/** Groups of `root`'s subtree, as a lookup table by id. */
function subtreeSet(core: StackCore, root: GroupId): Set<number> {
  return new Set<number>(core.tree.subtree(root));
}

/** Bit mask of the tiers below `from` (lower start priority). */
export function tiersBelow(core: StackCore, from: string): number {
  const tiers = core.swap.tiers.list();
  const t = tiers.find((x) => x.name === from);
  if (t === undefined) return 0;
  let mask = 0;
  for (const x of tiers) if (x.start < t.start) mask |= 1 << x.idx;
  return mask >>> 0;
}

/**
 * Moves up to `maxPages` pages of `root`'s subtree from disk tier `from` one tier down.
 * `minAgeSeconds` limits it to pages swapped out at least that long ago. Returns pages moved.
 */
export function demotePages(
  core: StackCore,
  root: GroupId,
  from: string,
  maxPages: number,
  minAgeSeconds = 0,
): number {
  const mask = tiersBelow(core, from);
  if (mask === 0 || maxPages <= 0) return 0;
  const groups = subtreeSet(core, root);
  const p = core.pages;
  const now = nowSeconds(core);
  const buf = core.scratch;
  let moved = 0;
  for (const proc of p.procs.values()) {
    if (!groups.has(proc.memcg)) continue;
    for (let idx = proc.base; idx < proc.base + proc.pages; idx++) {
      if (moved >= maxPages) return moved;
      const old = diskSlotOf(core, idx);
      if (old < 0 || core.swap.tierOf(old as SwapSlot) !== from) continue;
      if (minAgeSeconds > 0 && now - p.swapTime[idx]! < minAgeSeconds) continue;
      const g = p.memcg[idx]! as GroupId;
      const next = core.swap.reserve(g, mask);
      if (isRefusal(next)) continue; // nothing below this page's allowed tiers has room
      core.swap.load(old as SwapSlot, buf);
      core.swap.writeSlot(next, buf);
      if (core.mode === 'vswap') {
        core.vs!.transfer(p.swap[idx]! as SwapEntry, physOf(next), physOf(old as SwapSlot));
      } else {
        p.swap[idx] = next;
        core.swap.free(old as SwapSlot);
        core.counters.pte_rewrites++;
      }
      p.swapTime[idx] = now;
      core.counters.tier(from).demoted_out++;
      core.counters.tier(core.swap.tierOf(next)).demoted_in++;
      core.counters.swap_demote++;
      core.tree.addStat(g, core.stat.swap_demote, 1);
      moved++;
    }
  }
  return moved;
}

/**
 * Demotion by age: disk pages first (lowest tiers first, so no page moves twice), then
 * zswap entries written back to the highest tier their memcg may use.
 */
export function demoteByAge(core: StackCore, root: GroupId, ageSeconds: number): void {
  const tiers = [...core.swap.tiers.list()].sort((a, b) => a.start - b.start);
  for (const t of tiers) demotePages(core, root, t.name, Number.POSITIVE_INFINITY, ageSeconds);
  if (core.tree.zswapWritebackEnabled(root)) {
    core.pool.proactiveWriteback({
      memcg: root,
      maxBytes: Number.POSITIVE_INFINITY,
      minAgeSeconds: ageSeconds,
    });
  }
}
