/**
 * The zswap WritebackTarget of the stack, and vswap's release callback.
 *
 * zswap_writeback_entry()'s order is kept: reserve first (the kernel allocates the
 * swap-cache folio and, with vswap, the physical slot before it decompresses), then the
 * pool decompresses, then write: the page goes to the slot, the entry is switched to it,
 * and the pool frees its own entry after write returns.
 *
 * vswap mode: reserve adds the entry to vswap's swap cache (EEXIST when a fault holds
 * it: the faulting page wins and the walk stops) and takes a slot on the highest tier
 * the memcg may use; write writes it and transfers the entry ZSWAP -> PHYS.
 * classic mode: the slot was allocated at swap-out; a ghost slot cannot be written
 * (ENOSPC: such pages have no place to go), a real one is written in place.
 */

import type { Refusal } from '@tierswap/base';
import { isRefusal, refuse } from '@tierswap/base';
import type { GroupId } from '@tierswap/memcg';
import type { SwapSlot } from '@tierswap/tiered-store';
import {
  BackendTag,
  type BackendWord,
  backendPayload,
  backendTag,
  type ReleaseReason,
  type SwapEntry,
  toFolioHandle,
  toZswapHandle,
  zswapBackend,
} from '@tierswap/vswap';
import type { WritebackTarget } from '@tierswap/zswap';
import { ClassicBackend } from './addressSpace.js';
import type { StackCore } from './core.js';
import { slotOfPhys } from './swapIn.js';
import { physOf } from './swapOut.js';

const GHOST_SLOT: Refusal = refuse(
  'ENOSPC',
  'the page has a ghost swapfile slot: nowhere to write it',
);
const GONE: Refusal = refuse('EEXIST', 'the entry was faulted in meanwhile');

/** The folio handle writeback holds in vswap's swap cache while it writes. */
const WRITEBACK_FOLIO = toFolioHandle(0);

export function createWritebackTarget(core: StackCore): WritebackTarget {
  return {
    reserve(id: number, memcg: GroupId): number | Refusal {
      if (core.mode === 'vswap') {
        const vs = core.vs!;
        if (!vs.isLive(id)) return GONE;
        const e = id as SwapEntry;
        const held = vs.cacheAdd(e, WRITEBACK_FOLIO);
        if (held !== true) return held; // EEXIST: a fault holds the entry
        const slot = core.swap.reserve(memcg);
        if (isRefusal(slot)) {
          vs.cacheDelete(e);
          return refuse('ENOSPC', slot.reason, slot.code);
        }
        return slot;
      }
      const p = core.pages;
      if ((p.backend[id]! & ClassicBackend.GHOST) !== 0) return GHOST_SLOT;
      return p.swap[id]!;
    },
    write(id: number, token: number, page: Uint8Array): void {
      const slot = token as SwapSlot;
      core.swap.writeSlot(slot, page); // throws on a device fault: the pool keeps its entry
      const g = core.pages.memcg.length > 0 ? memcgOfEntry(core, id) : 0;
      if (core.mode === 'vswap') {
        const vs = core.vs!;
        const e = id as SwapEntry;
        vs.transfer(e, physOf(slot), zswapBackend(toZswapHandle(e)));
        vs.cacheDelete(e);
      } else {
        core.pages.backend[id] = ClassicBackend.DISK;
      }
      core.counters.pswpout++;
      core.counters.tier(core.swap.tierOf(slot)).swpout++;
      core.tree.addStat(g as GroupId, core.stat.pswpout, 1);
    },
    cancel(id: number, token: number): void {
      if (core.mode === 'vswap') {
        core.swap.free(token as SwapSlot);
        core.vs!.cacheDelete(id as SwapEntry);
      }
    },
  };
}

function memcgOfEntry(core: StackCore, id: number): number {
  return core.mode === 'vswap' ? core.vs!.memcgOf(id as SwapEntry) : core.pages.memcg[id]!;
}

/**
 * vswap's release callback: a backend an entry no longer uses goes back to its owner.
 * A ZSWAP backend released by a transfer was written back (the pool frees it itself);
 * released because the entry died, it is invalidated if still stored. A PHYS slot is
 * freed, except while swapoff moves pages (SwapSpace frees the old slots itself).
 */
export function vswapRelease(core: StackCore) {
  return (_entry: SwapEntry, backend: BackendWord, _memcg: number, reason: ReleaseReason) => {
    const tag = backendTag(backend);
    if (tag === BackendTag.ZSWAP) {
      const h = backendPayload(backend);
      if (reason === 'free' && core.pool.has(h)) core.pool.invalidate(h);
    } else if (tag === BackendTag.PHYS && !core.inSwapoff) {
      core.swap.free(slotOfPhys(backend));
    }
  };
}
