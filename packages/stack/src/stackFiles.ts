/**
 * The per-cgroup files the stack owns, added to memcg's InterfaceFiles registry beside
 * memcg's, zswap's and tiered-store's own:
 *
 * - memory.current (overrides memcg's): resident pages plus the group's zswap bytes.
 * - memory.max, memory.high (override memcg's, same syntax): a write also reclaims
 *   the group down to the new limit, as the kernel's writers do.
 * - memory.reclaim (write-only): `<size> [swappiness=N|max]` as upstream; the v2
 *   keyword `<size> zswap_writeback_only` (write back <size> of original bytes from
 *   zswap); the v5 key `<size> source=zswap` (a budget in compressed bytes, counted in
 *   zswpwb_proactive_b); and `<size> demote=<tier>` (move <size> of pages from <tier>
 *   to the next lower tier; demote=zswap is zswap writeback). EINVAL for a bad size, an
 *   unknown or repeated key, swappiness outside 0..200, swappiness with source= or
 *   demote=, an unknown source or tier, and source=zswap or zswap_writeback_only while
 *   memory.zswap.writeback is off. EAGAIN when less than asked was done: what was done
 *   stays done, as in the kernel (the only refusal that changes something).
 * - memory.swap.demote_age: seconds after which swapped pages move down a tier at
 *   reclaim (0, the default, is off); kstrtouint, EINVAL otherwise.
 */

import type { Refusal } from '@tierswap/base';
import { isRefusal, refuse } from '@tierswap/base';
import type { GroupId, InterfaceFiles } from '@tierswap/memcg';
import {
  formatLimit,
  memparse,
  parseKernelInt,
  parseKeyValue,
  parseLimit,
  strstrip,
  tokenize,
} from '@tierswap/memcg';
import type { StackCore } from './core.js';
import { demotePages } from './demotion.js';
import {
  currentBytes,
  enforceLimits,
  MAX_RECLAIM_RETRIES,
  reclaimPages,
  SWAP_CLUSTER_MAX,
} from './reclaim.js';

const UINT_MAX = 0xffffffff;

/** A parsed memory.reclaim write. */
export interface ReclaimRequest {
  readonly bytes: number;
  readonly swappiness: number | undefined;
  readonly zswapWritebackOnly: boolean;
  readonly source: 'zswap' | undefined;
  readonly demote: string | undefined;
}

/** Parses a memory.reclaim write, or returns the refusal (EINVAL). */
export function parseReclaim(core: StackCore, text: string): ReclaimRequest | Refusal {
  const tokens = tokenize(strstrip(text));
  const first = tokens[0];
  if (first === undefined) return refuse('EINVAL', 'a size is required');
  const { bytes, end } = memparse(first);
  if (end !== first.length || end === 0) return refuse('EINVAL', `"${first}" is not a size`);
  let swappiness: number | undefined;
  let wbOnly = false;
  let source: 'zswap' | undefined;
  let demote: string | undefined;
  const seen = new Set<string>();
  for (const token of tokens.slice(1)) {
    const { key, value } = parseKeyValue(token);
    if (seen.has(key)) return refuse('EINVAL', `"${key}" given twice`);
    seen.add(key);
    if (key === 'swappiness' && value !== undefined) {
      if (value === 'max') swappiness = 201;
      else {
        const n = parseKernelInt(value, -(2 ** 31), 2 ** 31 - 1);
        if (isRefusal(n) || n < 0 || n > 200) {
          return refuse('EINVAL', `swappiness "${value}" is not 0..200 or max`);
        }
        swappiness = n;
      }
    } else if (key === 'zswap_writeback_only' && value === undefined) {
      wbOnly = true;
    } else if (key === 'source' && value !== undefined) {
      if (value !== 'zswap') return refuse('EINVAL', `unknown source "${value}"`);
      source = 'zswap';
    } else if (key === 'demote' && value !== undefined) {
      if (value !== 'zswap' && core.swap.tiers.lookup(value) === undefined) {
        return refuse('EINVAL', `no swap tier "${value}"`);
      }
      demote = value;
    } else {
      return refuse('EINVAL', `unknown key "${token}"`);
    }
  }
  const modes = (wbOnly ? 1 : 0) + (source !== undefined ? 1 : 0) + (demote !== undefined ? 1 : 0);
  if (modes > 1) {
    return refuse('EINVAL', 'zswap_writeback_only, source= and demote= exclude each other');
  }
  if (modes === 1 && swappiness !== undefined) {
    return refuse(
      'EINVAL',
      'swappiness applies to page reclaim only, not to writeback or demotion',
    );
  }
  return { bytes: Number(bytes), swappiness, zswapWritebackOnly: wbOnly, source, demote };
}

function zswapWriteback(
  core: StackCore,
  g: GroupId,
  bytes: number,
  unit: 'original' | 'compressed',
): Refusal | undefined {
  const r = core.pool.proactiveWriteback({ memcg: g, maxBytes: bytes, unit });
  if (isRefusal(r)) return r;
  if (unit === 'compressed') {
    core.counters.zswpwb_proactive_b += r.compressedBytes;
    core.tree.addStat(g, core.stat.zswpwb_proactive_b, r.compressedBytes);
  }
  const done = unit === 'compressed' ? r.compressedBytes : r.originalBytes;
  if (done < bytes) return refuse('EAGAIN', `wrote back ${done} of ${bytes} ${unit} bytes`);
  return undefined;
}

/** Carries out a parsed memory.reclaim write. */
export function runReclaim(core: StackCore, g: GroupId, req: ReclaimRequest): Refusal | undefined {
  const P = core.pageSize;
  if (req.bytes === 0) return undefined;
  if (req.zswapWritebackOnly || req.source !== undefined || req.demote === 'zswap') {
    if (!core.tree.zswapWritebackEnabled(g)) {
      return refuse('EINVAL', 'memory.zswap.writeback is 0 for this group');
    }
    return zswapWriteback(core, g, req.bytes, req.source === 'zswap' ? 'compressed' : 'original');
  }
  if (req.demote !== undefined) {
    const want = Math.ceil(req.bytes / P);
    const moved = demotePages(core, g, req.demote, want);
    return moved < want ? refuse('EAGAIN', `demoted ${moved} of ${want} pages`) : undefined;
  }
  const want = Math.floor(req.bytes / P);
  let reclaimed = 0;
  let retries = MAX_RECLAIM_RETRIES;
  while (reclaimed < want) {
    const batch = Math.max(Math.floor((want - reclaimed) / 4), SWAP_CLUSTER_MAX);
    const got = reclaimPages(core, g, Math.min(batch, want - reclaimed), req.swappiness ?? 60);
    if (got === 0 && retries-- <= 0) break;
    reclaimed += got;
  }
  return reclaimed < want ? refuse('EAGAIN', `reclaimed ${reclaimed} of ${want} pages`) : undefined;
}

/**
 * memory.max / memory.high as memcg parses them, then, as memory_max_write() and
 * memory_high_write() do, reclaim until the group is under the new limit (memory.max:
 * MAX_RECLAIM_RETRIES rounds, then counted as oom; memory.high: one round).
 */
function limitWithReclaim(core: StackCore, which: 'max' | 'high') {
  const tree = core.tree;
  return {
    notOnRoot: true,
    read: (g: GroupId) =>
      `${formatLimit(which === 'max' ? tree.limitPages(g, 'memory') : tree.highPages(g))}\n`,
    write: (g: GroupId, text: string) => {
      const pages = parseLimit(text);
      if (isRefusal(pages)) return pages;
      if (which === 'max') tree.setLimitPages(g, 'memory', pages);
      else tree.setHighPages(g, pages);
      enforceLimits(core, g);
      return undefined;
    },
  };
}

export function registerStackFiles(core: StackCore, files: InterfaceFiles): void {
  files.override('memory.max', limitWithReclaim(core, 'max'));
  files.override('memory.high', limitWithReclaim(core, 'high'));
  files.override('memory.current', {
    notOnRoot: true,
    read: (g) => `${currentBytes(core, g)}\n`,
  });
  files.define('memory.reclaim', {
    write: (g, text) => {
      const req = parseReclaim(core, text);
      return isRefusal(req) ? req : runReclaim(core, g, req);
    },
  });
  files.define('memory.swap.demote_age', {
    notOnRoot: true,
    read: (g) => `${core.demoteAge.get(g) ?? 0}\n`,
    write: (g, text) => {
      const t = strstrip(text);
      // kstrtouint: digits only (a sign other than '+' is EINVAL), ERANGE past UINT_MAX.
      if (!/^\+?[0-9]+$/.test(t)) return refuse('EINVAL', `"${t}" is not a number of seconds`);
      const n = parseKernelInt(t, 0, UINT_MAX);
      if (isRefusal(n)) return n;
      if (n === 0) core.demoteAge.delete(g);
      else core.demoteAge.set(g, n);
      return undefined;
    },
  });
}
