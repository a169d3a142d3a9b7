/**
 * @tierswap/memcg: a cgroup v2 memory-controller tree with the kernel's interface
 * files, kernel-style refusals (Refusal from @tierswap/base), counters and subtree
 * cursors. Depends only on @tierswap/base.
 */

export type { Memcg } from './createMemcg.js';
export { createMemcg } from './createMemcg.js';
export type { InterfaceFile } from './interfaceFiles.js';
export { InterfaceFiles, MAX_WRITE_BYTES } from './interfaceFiles.js';
export type { MemcgErrorCode, MemcgErrorOptions } from './memcgError.js';
export { MEMCG_ERROR_CODES, MemcgError } from './memcgError.js';
export type { ChargeFailures, MemcgTreeOptions } from './memcgTree.js';
export { MemcgTree } from './memcgTree.js';
export { registerMemoryFiles } from './memoryFiles.js';
export type { MemparseResult } from './memparse.js';
export {
  formatLimit,
  memparse,
  parseKernelInt,
  parseKeyValue,
  parseLimit,
  strstrip,
  tokenize,
} from './memparse.js';
export type { CounterId, CounterUnit } from './statCounters.js';
export { STANDARD_STATS, StatCounters } from './statCounters.js';
export type { PreorderSource } from './subtreeCursor.js';
export { SubtreeCursor } from './subtreeCursor.js';
export type { GroupId, Resource } from './types.js';
export {
  ALL_TIERS_MASK,
  GroupState,
  MAX_GROUP_ID,
  NO_GROUP,
  PAGE_COUNTER_MAX,
  PAGE_SIZE,
  RESOURCES,
  ROOT_GROUP,
  toGroupId,
} from './types.js';
