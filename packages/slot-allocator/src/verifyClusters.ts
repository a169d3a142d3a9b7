/**
 * verifyClusters(): the invariants of a ClusterAllocator, checked against the slot map.
 * The cluster half of SlotAllocator.verify(), which adds the slot totals.
 *
 * It walks every slot (O(slots)) and is meant for tests and for debugging a caller, like
 * the kernel's VM_BUG_ONs; nothing on the allocation path needs it, so it lives apart from
 * the class it checks. It reads only through ClusterQueries, read-only views that
 * ClusterAllocator hands out (its state is protected), so checking can change nothing.
 */

import type { ClusterState } from './types.js';
import { COUNT_BAD, COUNT_FREE } from './usageCounts.js';

/** What verifyClusters() reads of a ClusterAllocator (ClusterAllocator.clusterQueries()). */
export interface ClusterQueries {
  /** Slots of cluster c not free: in use, bad, or past the end of the device. */
  usedOf(c: number): number;
  orderOf(c: number): number;
  stateOf(c: number): ClusterState;
  /** The first-free hint of cluster c: no slot of c below this offset is free. */
  firstFreeOf(c: number): number;
  /** The order of the nonfull or frag list cluster c is on. */
  listOrderOf(c: number): number;
  /** Checks the lists themselves (ClusterLists.verify()); `fail` throws. */
  verifyLists(fail: (detail: string) => never): void;
}

/**
 * Calls `fail` (which throws) with the first broken invariant: each cluster's use count
 * matches its slots, its first-free hint holds, it is on the list its count and order
 * allow, and the lists are whole. Returns the slots the map says are in use and bad, for
 * the caller's totals.
 */
export function verifyClusters(
  clusters: ClusterQueries,
  bytes: Uint8Array,
  clusterSize: number,
  fail: (detail: string) => never,
): { inUse: number; bad: number } {
  const slots = bytes.length;
  const clusterCount = Math.ceil(slots / clusterSize);
  const shift = Math.log2(clusterSize);
  let inUse = 0;
  let bad = 0;
  for (let c = 0; c < clusterCount; c++) {
    const start = c << shift;
    const end = Math.min(start + clusterSize, slots);
    let used = start + clusterSize - end;
    for (let s = start; s < end; s++) {
      const b = bytes[s]!;
      if (b === COUNT_BAD) bad++;
      else if (b !== COUNT_FREE) inUse++;
      if (b !== COUNT_FREE) used++;
    }
    const counted = clusters.usedOf(c);
    if (used !== counted) fail(`cluster ${c} counts ${counted} used, slots say ${used}`);
    const firstFree = clusters.firstFreeOf(c);
    for (let s = start; s < Math.min(start + firstFree, end); s++) {
      if (bytes[s] === COUNT_FREE)
        fail(`cluster ${c} hints its first free slot at ${start + firstFree}, but ${s} is free`);
    }
    const state = clusters.stateOf(c);
    if (state === 'isolated') fail(`cluster ${c} is on no list`);
    if ((state === 'free' || state === 'discard') && used !== 0) {
      fail(`cluster ${c} is ${state} with ${used} slots used`);
    }
    if (state === 'full' && used !== clusterSize) {
      fail(`cluster ${c} is full with ${used}/${clusterSize} slots used`);
    }
    if ((state === 'nonfull' || state === 'frag') && (used === 0 || used === clusterSize)) {
      fail(`cluster ${c} is ${state} with ${used}/${clusterSize} slots used`);
    }
    if (
      (state === 'nonfull' || state === 'frag') &&
      clusters.listOrderOf(c) !== clusters.orderOf(c)
    ) {
      fail(
        `cluster ${c} of order ${clusters.orderOf(c)} is on the ${state} list of order ${clusters.listOrderOf(c)}`,
      );
    }
  }
  clusters.verifyLists(fail);
  return { inUse, bad };
}
