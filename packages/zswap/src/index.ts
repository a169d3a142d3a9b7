/**
 * @tierswap/zswap: a compressed page pool with zswap's behaviour and names: a
 * zsmalloc-like arena, per-memcg LRU with second chance, global and per-memcg limits
 * (on a @tierswap/memcg tree), shrinker, shrink worker and proactive writeback through
 * a caller's WritebackTarget. Synchronous, like zswap_store() / zswap_load().
 * Test helpers are under '@tierswap/zswap/testing'.
 */

export { RAW_RETRY_BATCH } from './rawRetry.js';
export type { StoreRefusalCode } from './refusals.js';
export {
  LOAD_REFUSALS,
  REJECT_MODE_REFUSALS,
  STORE_REFUSALS,
  WRITEBACK_REFUSALS,
} from './refusals.js';
export type {
  BudgetUnit,
  IncompressibleMode,
  LoadResult,
  MemcgZswapStats,
  ProactiveWritebackRequest,
  ProactiveWritebackResult,
  StoreResult,
  WritebackResult,
  WritebackTarget,
  ZswapPoolOptions,
  ZswapStats,
  ZswapTunables,
} from './types.js';
export type { ZsArenaStats } from './zsArena.js';
export type { ZswapErrorCode } from './zswapError.js';
export { ZSWAP_ERROR_CODES, ZswapError } from './zswapError.js';
export type { ProactiveWritebackArgs } from './zswapFiles.js';
export { parseProactiveWriteback, registerZswapFiles } from './zswapFiles.js';
export { createZswapPool, ZswapPool } from './zswapPool.js';
export {
  MAX_RECLAIM_RETRIES,
  PROACTIVE_SCAN_RATIO,
  PROACTIVE_WB_BATCH,
  STORE_SHRINK_SCAN,
} from './zswapReclaim.js';
