/**
 * @tierswap/zswap: a compressed page pool with zswap's behaviour and names: a
 * zsmalloc-like arena, per-memcg LRU with second chance, global and per-memcg limits,
 * shrinker, shrink worker and proactive writeback through a caller's WritebackTarget.
 */

export { memcgTreeView } from './memcgTreeView.js';
export { SimpleMemcgTree } from './simpleMemcgTree.js';
export type {
  BudgetUnit,
  Clock,
  LoadResult,
  MemcgZswapStats,
  ProactiveWritebackRequest,
  ProactiveWritebackResult,
  StoreItem,
  StoreResult,
  WritebackRefusal,
  WritebackResult,
  WritebackTarget,
  ZswapEvent,
  ZswapMemcgView,
  ZswapPoolOptions,
  ZswapStats,
} from './types.js';
export type { ZsArenaStats } from './zsArena.js';
export { ZS_CHAIN_SIZE, ZsArena } from './zsArena.js';
export type { ZswapErrorCode } from './zswapError.js';
export { ZSWAP_ERROR_CODES, ZswapError } from './zswapError.js';
export type { ProactiveWritebackArgs } from './zswapFiles.js';
export { parseProactiveWriteback, registerZswapFiles } from './zswapFiles.js';
export { STORE_SHRINK_SCAN, ZswapPool } from './zswapPool.js';
export {
  MAX_RECLAIM_RETRIES,
  PROACTIVE_SCAN_RATIO,
  PROACTIVE_WB_BATCH,
} from './zswapReclaim.js';
