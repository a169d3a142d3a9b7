/**
 * Shared types and constants of @tierswap/memcg, laid out like a header.
 *
 * Group ids are the kernel's 16-bit memcg ids (mem_cgroup_id(), MEM_CGROUP_ID_MAX =
 * USHRT_MAX): 0 means "no group", the root is 1, so an id fits the 16-bit `memcgid`
 * field of a vswap descriptor. GroupId is branded so that a slot number or an entry
 * id cannot be passed where a group is expected by accident.
 */

export type GroupId = number & { readonly __brand: 'GroupId' };

/** "No group": the end of an iteration, or an unset cursor. */
export const NO_GROUP = 0 as GroupId;
export const ROOT_GROUP = 1 as GroupId;
/** MEM_CGROUP_ID_MAX: ids are 1..65535. */
export const MAX_GROUP_ID = 0xffff;

/** Page size used to convert bytes ↔ pages in the limit files (4 KiB, x86-64). */
export const PAGE_SIZE = 4096;
/** PAGE_COUNTER_MAX on 64-bit: LONG_MAX / PAGE_SIZE; a limit at this value reads "max". */
export const PAGE_COUNTER_MAX = 2 ** 51 - 1;

/** Every tier allowed: the default own and effective tier mask of a group. */
export const ALL_TIERS_MASK = 0xffffffff;

/** Group lifecycle: FREE (id unused), ONLINE (in the tree), OFFLINE (removed, id still referenced). */
export const GroupState = { FREE: 0, ONLINE: 1, OFFLINE: 2 } as const;
export type GroupState = (typeof GroupState)[keyof typeof GroupState];

/** The page counters every group has (kernel: memcg->memory, ->swap, and the zswap charge). */
export const RESOURCES = ['memory', 'swap', 'zswap'] as const;
export type Resource = (typeof RESOURCES)[number];

export function toGroupId(n: number): GroupId {
  return n as GroupId;
}
