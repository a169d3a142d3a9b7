/**
 * vswap's refusals: what VirtualSwap returns, never throws, when a call cannot be done
 * for an expected reason (the virtual space is full, another I/O owns the entry, the
 * backend changed under a writer), and the result types of the calls that can refuse.
 *
 * Each refusal is a Refusal from @tierswap/base frozen once here, at module load, so
 * refusing allocates nothing on the swap path and callers may compare by identity
 * (VSWAP_REFUSALS). A refusal's code is also the name of its counter in
 * stats().refused, so the type of the codes is taken from VirtualSwapStats.
 */

import type { Refusal } from '@tierswap/base';
import { refuse } from '@tierswap/base';
import type { VirtualSwapStats } from './types.js';

/** The reasons vswap refuses: each is a Refusal code and its counter in stats().refused. */
export type VswapRefusalCode = keyof VirtualSwapStats['refused'];
export type VswapRefusal<Code extends VswapRefusalCode = VswapRefusalCode> = Refusal<Code>;

// Frozen once here, so a refusal allocates nothing and callers may compare by identity.
export const REFUSED_NO_SPACE: VswapRefusal<'allocNoSpace'> = refuse(
  'ENOSPC',
  'the virtual swap space is full',
  'allocNoSpace',
);
export const REFUSED_CACHE_EXISTS: VswapRefusal<'cacheExists'> = refuse(
  'EEXIST',
  'the entry is already in the swap cache: another I/O owns it',
  'cacheExists',
);
export const REFUSED_TRANSFER_STALE: VswapRefusal<'transferStale'> = refuse(
  'EAGAIN',
  'the entry is no longer backed by the expected backend: nothing changed',
  'transferStale',
);

/** vswap's three refusals, by code. */
export const VSWAP_REFUSALS = Object.freeze({
  allocNoSpace: REFUSED_NO_SPACE,
  cacheExists: REFUSED_CACHE_EXISTS,
  transferStale: REFUSED_TRANSFER_STALE,
});

/** What cacheAdd() returns: true when the entry is now in the swap cache, or EEXIST. */
export type CacheAddResult = true | VswapRefusal<'cacheExists'>;
/** What transfer() returns: true when the entry now has the new backend, or a stale refusal. */
export type TransferResult = true | VswapRefusal<'transferStale'>;
