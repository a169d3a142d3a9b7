/**
 * swapIn: a swapped-out page comes back into a frame (do_swap_page()), and a swapped
 * page of an exiting process is let go (free_swap_and_cache()), in either design.
 *
 * Loads are exclusive, as zswap_load() and a swapin that frees the slot
 * (the kernel's swap_free() once the last mapping is back): after a fault the page is
 * only in memory. Every fault-in of a swapped page is a refault, counted per backend
 * (zero, zswap, disk) and, for disk, per tier with its swpin.
 */

import { isRefusal } from '@tierswap/base';
import type { GroupId } from '@tierswap/memcg';
import type { SwapSlot } from '@tierswap/tiered-store';
import { toSwapSlot } from '@tierswap/tiered-store';
import {
  BackendTag,
  type BackendWord,
  backendTag,
  physDevice,
  physSlot,
  type SwapEntry,
} from '@tierswap/vswap';
import { ClassicBackend } from './addressSpace.js';
import type { StackCore } from './core.js';
import { StackError } from './stackError.js';
import { freeClassicSlot } from './swapOut.js';

export function slotOfPhys(b: BackendWord): SwapSlot {
  return toSwapSlot(physDevice(b), physSlot(b));
}

/** Reads page `idx`'s swapped bytes into `dst` and frees its swap backend. */
export function swapInPage(core: StackCore, idx: number, dst: Uint8Array): void {
  const p = core.pages;
  const g = p.memcg[idx]! as GroupId;
  const c = core.counters;
  if (core.mode === 'vswap') {
    const vs = core.vs!;
    const e = p.swap[idx]! as SwapEntry;
    const b = vs.lookup(e);
    const tag = backendTag(b);
    if (tag === BackendTag.ZERO) {
      dst.fill(0);
      zeroIn(core, g);
    } else if (tag === BackendTag.ZSWAP) {
      zswapIn(core, e, dst);
    } else if (tag === BackendTag.PHYS) {
      diskIn(core, g, slotOfPhys(b), dst);
    } else {
      throw new StackError('IO_ERROR', 'swapIn', `entry ${e} of page ${idx} has no backend`);
    }
    vs.put(e); // frees the entry; the release callback frees a PHYS slot
  } else {
    const kind = p.backend[idx]! & ~ClassicBackend.GHOST;
    if (kind === ClassicBackend.ZERO) {
      dst.fill(0);
      zeroIn(core, g);
    } else if (kind === ClassicBackend.ZSWAP) {
      zswapIn(core, idx, dst);
    } else {
      diskIn(core, g, p.swap[idx]! as SwapSlot, dst);
    }
    freeClassicSlot(core, idx);
  }
  c.pgmajfault++;
  core.tree.addStat(g, core.stat.pgmajfault, 1);
}

function zeroIn(core: StackCore, g: GroupId): void {
  core.counters.swpin_zero++;
  core.counters.refault_zero++;
  core.tree.addStat(g, core.stat.swpin_zero, 1);
}

function zswapIn(core: StackCore, id: number, dst: Uint8Array): void {
  const r = core.pool.load(id, dst);
  if (isRefusal(r)) {
    throw new StackError('IO_ERROR', 'swapIn', `zswap load of entry ${id}: ${r.reason}`);
  }
  core.counters.zswpin++;
  core.counters.refault_zswap++;
}

function diskIn(core: StackCore, g: GroupId, slot: SwapSlot, dst: Uint8Array): void {
  core.swap.load(slot, dst);
  const t = core.counters.tier(core.swap.tierOf(slot));
  t.swpin++;
  t.refault++;
  core.counters.pswpin++;
  core.counters.refault_disk++;
  core.tree.addStat(g, core.stat.pswpin, 1);
  core.pool.noteDiskSwapin(g);
}

/** Drops a swapped page's backend without reading it (the process exits). */
export function freeSwappedPage(core: StackCore, idx: number): void {
  const p = core.pages;
  if (core.mode === 'vswap') {
    core.vs!.put(p.swap[idx]! as SwapEntry); // the release callback frees zswap / slot
    return;
  }
  if ((p.backend[idx]! & ~ClassicBackend.GHOST) === ClassicBackend.ZSWAP) {
    core.pool.invalidate(idx);
  }
  freeClassicSlot(core, idx);
}
