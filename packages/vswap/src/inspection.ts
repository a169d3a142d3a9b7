/**
 * Reads of a whole VirtualSwap at once, off the swap path: its statistics (stats()), its
 * memory use (memoryUsage()) and the full invariant check (verify()).
 *
 * They read every part the class keeps (descriptor table, virtual space, reverse map,
 * swap cache, counts), so they take those parts as one VirtualSwapParts view that the
 * class builds when asked. Keeping them out of virtualSwap.ts leaves that file to the
 * per-entry operations; the view costs one object per call of these cold functions,
 * nothing on the hot paths, whose state stays in the class's own fields.
 */

import {
  BackendTag,
  deviceOf,
  formatBackend,
  isValidBackend,
  packBackend,
  slotOf,
} from './backend.js';
import type { DescriptorTable } from './descriptorTable.js';
import { FLAG_IN_CACHE, TAG_MASK } from './descriptorTable.js';
import type { ReverseMap } from './reverseMap.js';
import type { DeviceId, FolioHandle, VirtualSwapMemory, VirtualSwapStats } from './types.js';
import { MAX_DEVICES } from './types.js';
import type { VirtualSpace } from './virtualSpace.js';
import { VswapError } from './vswapError.js';

/** What a VirtualSwap holds, as these functions see it (read only). */
export interface VirtualSwapParts {
  readonly table: DescriptorTable;
  readonly space: VirtualSpace;
  readonly rmap: ReverseMap;
  /** Folio of every entry in the swap cache. */
  readonly cache: ReadonlyMap<number, FolioHandle>;
  /** PHYS-backed entries per memcg id. */
  readonly physByMemcg: Uint32Array;
  /** Live entries per BackendTag. */
  readonly byTag: Float64Array;
  /** Live entries, as counted. */
  readonly liveCount: number;
  /** Operations done, and refusals by reason (see VirtualSwapStats). */
  readonly allocs: number;
  readonly frees: number;
  readonly dups: number;
  readonly puts: number;
  readonly transfers: number;
  readonly releases: number;
  readonly refusedAllocNoSpace: number;
  readonly refusedCacheExists: number;
  readonly refusedTransferStale: number;
}

export function virtualSwapStats(parts: VirtualSwapParts): VirtualSwapStats {
  const { table, space, rmap, cache, byTag } = parts;
  let cacheOnly = 0;
  for (const entry of cache.keys()) if (space.count(entry) === 1) cacheOnly++;
  return {
    live: parts.liveCount,
    byBackend: {
      none: byTag[BackendTag.NONE]!,
      zero: byTag[BackendTag.ZERO]!,
      zswap: byTag[BackendTag.ZSWAP]!,
      phys: byTag[BackendTag.PHYS]!,
      folio: byTag[BackendTag.FOLIO]!,
    },
    inCache: cache.size,
    cacheOnly,
    allocs: parts.allocs,
    frees: parts.frees,
    dups: parts.dups,
    puts: parts.puts,
    transfers: parts.transfers,
    releases: parts.releases,
    refused: {
      allocNoSpace: parts.refusedAllocNoSpace,
      cacheExists: parts.refusedCacheExists,
      transferStale: parts.refusedTransferStale,
    },
    descriptorClusters: table.clusterCount(),
    multiMemcgClusters: table.multiMemcgClusterCount(),
    mixedMemcgClusters: table.mixedClusterCount(),
    reverseMapTables: rmap.tables(),
    segments: space.segmentCount(),
  };
}

/** Bytes of the typed arrays and side arrays (see VirtualSwapMemory). */
export function virtualSwapMemory(parts: VirtualSwapParts): VirtualSwapMemory {
  const { table, rmap, space } = parts;
  const descriptorBytes = table.tableBytes();
  const reverseMapBytes = rmap.tableBytes();
  const allocatorBytes = space.allocatorBytes();
  const sideBytes =
    table.sideBytes() + rmap.sideBytes() + parts.physByMemcg.byteLength + parts.byTag.byteLength;
  return {
    descriptorBytes,
    reverseMapBytes,
    allocatorBytes,
    sideBytes,
    total: descriptorBytes + reverseMapBytes + allocatorBytes + sideBytes,
  };
}

/**
 * VirtualSwap.verify(): walks every live descriptor, then the reverse map per device, the
 * per-memcg charge and the allocators, and throws CORRUPT from virtualSwap.verify naming
 * the first invariant broken.
 */
export function verifyVirtualSwap(parts: VirtualSwapParts): void {
  const { table, space, rmap, cache } = parts;
  const fail = (detail: string): never => {
    throw new VswapError('CORRUPT', 'virtualSwap.verify', detail);
  };
  const byTag = [0, 0, 0, 0, 0];
  const phys = new Map<number, number>();
  const perDevice = new Map<number, number>();
  let live = 0;
  let cached = 0;
  for (const entry of table.entries()) {
    live++;
    const flags = table.flagsOf(entry);
    const tag = flags & TAG_MASK;
    if (tag > BackendTag.FOLIO || !table.memcgIndexValid(entry)) {
      fail(`entry ${entry} has flags 0x${flags.toString(16)}`);
    }
    const word = packBackend(tag, table.payloadOf(entry));
    if (!isValidBackend(word)) fail(`entry ${entry} holds an invalid backend ${word}`);
    byTag[tag]!++;
    const inCache = (flags & FLAG_IN_CACHE) !== 0;
    if (inCache) cached++;
    if (inCache !== cache.has(entry)) {
      fail(`entry ${entry}: cache flag ${inCache}, cache map ${cache.has(entry)}`);
    }
    const refs = space.count(entry);
    // refs = swap count + cache reference; a live entry always holds at least one.
    if (refs < 1) {
      fail(`entry ${entry} is live with ${refs} references (in cache: ${inCache})`);
    }
    if (tag === BackendTag.PHYS) {
      const device = deviceOf(word);
      const back = rmap.get(device, slotOf(word));
      if (back !== entry) {
        fail(`entry ${entry} -> ${formatBackend(word)}, but the reverse map gives ${back}`);
      }
      const memcg = table.memcgOf(entry);
      phys.set(memcg, (phys.get(memcg) ?? 0) + 1);
      perDevice.set(device, (perDevice.get(device) ?? 0) + 1);
    }
  }
  if (live !== parts.liveCount) fail(`${live} live descriptors, ${parts.liveCount} counted`);
  if (cached !== cache.size) fail(`${cached} cached entries, map holds ${cache.size}`);
  for (let t = 0; t < 5; t++) {
    if (byTag[t] !== parts.byTag[t])
      fail(`tag ${t}: ${byTag[t]} entries, ${parts.byTag[t]} counted`);
  }
  for (let d = 0; d < MAX_DEVICES; d++) {
    const n = perDevice.get(d) ?? 0;
    if (rmap.count(d as DeviceId) !== n) {
      fail(`device ${d}: reverse map holds ${rmap.count(d as DeviceId)}, ${n} PHYS entries`);
    }
    // Counts match and every PHYS entry was found at its slot, so there is no stale cell;
    // walk the device anyway to catch a cell pointing at a non-PHYS entry.
    for (const entry of rmap.entries(d as DeviceId)) {
      if ((table.flagsOf(entry) & TAG_MASK) !== BackendTag.PHYS) {
        fail(`device ${d}: the reverse map points at entry ${entry}, which is not PHYS`);
      }
    }
  }
  const { physByMemcg } = parts;
  for (let m = 0; m < physByMemcg.length; m++) {
    if (physByMemcg[m] !== (phys.get(m) ?? 0)) {
      fail(`memcg ${m}: swap.current ${physByMemcg[m]}, ${phys.get(m) ?? 0} PHYS entries`);
    }
  }
  if (space.liveEntries() !== live) {
    fail(`${live} live descriptors, ${space.liveEntries()} allocated virtual slots`);
  }
  space.verify();
}
