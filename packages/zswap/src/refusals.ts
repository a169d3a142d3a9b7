/**
 * The pool's expected refusals, frozen once at module load so that refusing a store
 * or a load allocates nothing (the store path is hot). Each `code` is the kernel's
 * counter the refusal is counted under (mm/zswap.c debugfs: pool_limit_hit,
 * reject_compress_poor, ...; reject_memcg_limit is tierswap's own), and `errno` is
 * what a caller reporting it through an interface file would answer.
 */

import { refuse } from '@tierswap/base';

export const STORE_REFUSALS = {
  /** The pool is at max_pool_percent of RAM (or above the accept threshold after that). */
  pool_limit_hit: refuse('ENOSPC', 'the pool is at its limit (max_pool_percent)', 'pool_limit_hit'),
  /** memory.zswap.max of the group or an ancestor, after the one shrink attempt. */
  reject_memcg_limit: refuse(
    'ENOSPC',
    'the group or an ancestor is at memory.zswap.max',
    'reject_memcg_limit',
  ),
  /** The codec failed and the group may not write back (so no raw copy is kept). */
  reject_compress_fail: refuse(
    'EIO',
    'compression failed and writeback is disabled for the group',
    'reject_compress_fail',
  ),
  /** The result was not smaller than the page (or maxCompressedBytes) and writeback is off. */
  reject_compress_poor: refuse(
    'ENOSPC',
    'the page does not compress below maxCompressedBytes and writeback is disabled for the group',
    'reject_compress_poor',
  ),
  /** The arena could not allocate (its tables are full). */
  reject_alloc_fail: refuse('ENOMEM', 'the arena could not allocate', 'reject_alloc_fail'),
} as const;

export type StoreRefusalCode = keyof typeof STORE_REFUSALS;

/** The same two codes (and counters) when the pool's incompressible mode is 'reject'. */
export const REJECT_MODE_REFUSALS = {
  reject_compress_fail: refuse(
    'EIO',
    'compression failed and incompressible pages are rejected (incompressible=reject)',
    'reject_compress_fail',
  ),
  reject_compress_poor: refuse(
    'ENOSPC',
    'the page does not compress below maxCompressedBytes and incompressible pages are rejected (incompressible=reject)',
    'reject_compress_poor',
  ),
} as const;

export const LOAD_REFUSALS = {
  /** The id is not in the pool. */
  not_found: refuse('ENOENT', 'no such entry in the pool', 'not_found'),
  /** The entry's data did not decompress: the entry stays (kernel: decompress_fail). */
  decompress_fail: refuse('EIO', 'the entry does not decompress', 'decompress_fail'),
} as const;

export const WRITEBACK_REFUSALS = {
  not_found: LOAD_REFUSALS.not_found,
  decompress_fail: LOAD_REFUSALS.decompress_fail,
  /** No writeback target was given. */
  no_target: refuse('ENOSPC', 'the pool has no writeback target', 'no_target'),
  /** memory.zswap.writeback is 0 for the group or an ancestor. */
  writeback_disabled: refuse(
    'EINVAL',
    'zswap writeback is disabled for this group (memory.zswap.writeback)',
    'writeback_disabled',
  ),
  /** Nothing could be written back after MAX_RECLAIM_RETRIES rounds. */
  no_progress: refuse(
    'EAGAIN',
    'nothing could be written back after 16 rounds over the subtree',
    'no_progress',
  ),
} as const;
