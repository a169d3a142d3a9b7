/**
 * @tierswap/stack: the tierswap layers composed into one swap system. Processes in
 * memory cgroups hold pages with real bytes; reclaim moves them to zero entries, zswap
 * or swap tiers (vswap's virtual entries or classic slots); every interface file is
 * served at the kernel's path by stack.fs.
 */

export type { TierCounters } from './core.js';
export type { StackErrorCode } from './stackError.js';
export { STACK_ERROR_CODES, StackError } from './stackError.js';
export type { StackFs } from './stackFs.js';
export { createSwapStack, SwapStack } from './swapStack.js';
export type {
  StackDevice,
  StackMetadata,
  StackMode,
  StackZswapOptions,
  SwapStackOptions,
  SwapStackStats,
} from './types.js';
