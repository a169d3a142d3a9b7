/**
 * swapOut: one resident page leaves memory, as swap_writeout() decides it, in either
 * design.
 *
 * Order, both modes: a zero-filled page becomes a ZERO entry (no I/O, swpout_zero);
 * else zswap stores it (compressed, or raw if the memcg may write back); else, if the
 * memcg may write back (memory.zswap.writeback, hierarchical), the page is written to
 * the highest tier it may use (pswpout); else it stays resident (swpout_kept), as the
 * kernel re-activates it (AOP_WRITEPAGE_ACTIVATE).
 *
 * vswap mode: the page gets a virtual entry (vswap.alloc), and a physical slot only if
 * it goes to disk. zswap is keyed by the entry and needs no swapfile.
 *
 * classic mode: a slot is allocated first (folio_alloc_swap), on a real device if the
 * memcg may write back and one has room, else on the ghost swapfile (a swap_map that is
 * never written: the deployments that run zswap without a disk use a sparse file).
 * zswap is keyed by the page index here (the kernel keys it by that slot).
 *
 * Returns true when the page left memory. The caller has taken it off its LRU.
 */

import { isRefusal } from '@tierswap/base';
import type { GroupId } from '@tierswap/memcg';
import { NO_GROUP } from '@tierswap/memcg';
import type { SwapSlot } from '@tierswap/tiered-store';
import { swapOffset, swapType } from '@tierswap/tiered-store';
import {
  physBackend,
  type SwapEntry,
  toDeviceId,
  toPhysSlot,
  toZswapHandle,
  ZERO_BACKEND,
  zswapBackend,
} from '@tierswap/vswap';
import { ClassicBackend, PageState } from './addressSpace.js';
import type { StackCore } from './core.js';
import { nowSeconds } from './core.js';

/** The word a vswap PHYS backend holds for a SwapSpace slot. */
export function physOf(slot: SwapSlot) {
  return physBackend(toDeviceId(swapType(slot)), toPhysSlot(swapOffset(slot)));
}

/** Runs the zswap shrink worker if a store asked for it (the kernel queues it on a workqueue). */
export function runPendingShrink(core: StackCore): void {
  if (!core.shrinkPending) return;
  core.shrinkPending = false;
  core.pool.runShrinkWorker();
}

export function swapOutPage(core: StackCore, idx: number): boolean {
  const ok = core.mode === 'vswap' ? swapOutVswap(core, idx) : swapOutClassic(core, idx);
  if (!ok) {
    core.counters.swpout_kept++;
    core.tree.addStat(core.pages.memcg[idx]! as GroupId, core.stat.swpout_kept, 1);
    return false;
  }
  const p = core.pages;
  const g = p.memcg[idx]! as GroupId;
  p.freeFrame(p.frame[idx]!);
  p.frame[idx] = -1;
  p.state[idx] = PageState.SWAPPED;
  p.swapTime[idx] = nowSeconds(core);
  core.tree.uncharge(g, 'memory', 1);
  core.tree.addStat(g, core.stat.anon, -1);
  runPendingShrink(core);
  return true;
}

function countZero(core: StackCore, g: GroupId): void {
  core.counters.swpout_zero++;
  core.tree.addStat(g, core.stat.swpout_zero, 1);
}

function countDisk(core: StackCore, g: GroupId, slot: SwapSlot): void {
  core.counters.pswpout++;
  core.counters.tier(core.swap.tierOf(slot)).swpout++;
  core.tree.addStat(g, core.stat.pswpout, 1);
}

function swapOutVswap(core: StackCore, idx: number): boolean {
  const p = core.pages;
  const vs = core.vs!;
  const g = p.memcg[idx]! as GroupId;
  const page = p.frameView(p.frame[idx]!);
  const e = vs.alloc(g);
  if (isRefusal(e)) return false;
  if (p.isZeroFrame(p.frame[idx]!)) {
    vs.transfer(e, ZERO_BACKEND);
    p.swap[idx] = e;
    countZero(core, g);
    return true;
  }
  if (core.zswapEnabled) {
    const r = core.pool.store(e, g, page);
    if (!isRefusal(r)) {
      vs.transfer(e, zswapBackend(toZswapHandle(e)));
      p.swap[idx] = e;
      core.counters.zswpout++;
      return true;
    }
  }
  if (!core.tree.zswapWritebackEnabled(g)) return dropEntry(core, e);
  const slot = core.swap.reserve(g);
  if (isRefusal(slot)) return dropEntry(core, e);
  try {
    core.swap.writeSlot(slot, page);
  } catch (err) {
    core.swap.free(slot);
    vs.put(e);
    throw err;
  }
  vs.transfer(e, physOf(slot));
  p.swap[idx] = e;
  countDisk(core, g, slot);
  return true;
}

function dropEntry(core: StackCore, e: SwapEntry): false {
  core.vs!.put(e);
  return false;
}

/** Classic: a slot for the page, real if the memcg may write back and one is free, else ghost. */
function classicSlot(core: StackCore, g: GroupId): { slot: number; ghost: boolean } | undefined {
  if (core.tree.zswapWritebackEnabled(g)) {
    const s = core.swap.reserve(g);
    if (!isRefusal(s)) {
      if (swapType(s) !== core.draining) return { slot: s, ghost: false };
      core.swap.free(s); // swapoff is draining that device: the page takes a ghost slot
    } else if (s.code === 'swap_max') return undefined;
  }
  if (core.tree.tryCharge(g, 'swap', 1) !== NO_GROUP) return undefined;
  const s = core.ghost!.alloc();
  if (isRefusal(s)) {
    core.tree.uncharge(g, 'swap', 1);
    return undefined;
  }
  return { slot: s, ghost: true };
}

/** Classic: frees a page's slot (real or ghost) and its swap charge. */
export function freeClassicSlot(core: StackCore, idx: number): void {
  const p = core.pages;
  if ((p.backend[idx]! & ClassicBackend.GHOST) !== 0) {
    core.ghost!.put(p.swap[idx]!);
    core.tree.uncharge(p.memcg[idx]! as GroupId, 'swap', 1);
  } else {
    core.swap.free(p.swap[idx]! as SwapSlot);
  }
  p.backend[idx] = 0;
}

function swapOutClassic(core: StackCore, idx: number): boolean {
  const p = core.pages;
  const g = p.memcg[idx]! as GroupId;
  const page = p.frameView(p.frame[idx]!);
  const got = classicSlot(core, g);
  if (got === undefined) return false;
  p.swap[idx] = got.slot;
  const ghost = got.ghost ? ClassicBackend.GHOST : 0;
  if (p.isZeroFrame(p.frame[idx]!)) {
    p.backend[idx] = ClassicBackend.ZERO | ghost;
    countZero(core, g);
    return true;
  }
  if (core.zswapEnabled) {
    const r = core.pool.store(idx, g, page);
    if (!isRefusal(r)) {
      p.backend[idx] = ClassicBackend.ZSWAP | ghost;
      core.counters.zswpout++;
      return true;
    }
  }
  p.backend[idx] = ghost; // so freeClassicSlot knows which map the slot is in
  if (got.ghost || !core.tree.zswapWritebackEnabled(g)) {
    freeClassicSlot(core, idx);
    return false;
  }
  try {
    core.swap.writeSlot(got.slot as SwapSlot, page);
  } catch (err) {
    freeClassicSlot(core, idx);
    throw err;
  }
  p.backend[idx] = ClassicBackend.DISK;
  countDisk(core, g, got.slot as SwapSlot);
  return true;
}
