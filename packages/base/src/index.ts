/**
 * @tierswap/base: what every layer shares. The kernel's errno table, the Refusal every
 * expected failure is returned as, the base of each package's error class, how a
 * message shows a value, the integer range checks, and the Clock. Depends on nothing.
 */

export { isIntInRange, isPowerOfTwoInRange } from './checks.js';
export type { Clock, VirtualClock } from './clock.js';
export { createSystemClock, createVirtualClock } from './clock.js';
export type { Errno } from './errno.js';
export { ERRNO, ERRNO_TEXT, isErrno } from './errno.js';
export type { Refusal } from './refusal.js';
export { isRefusal, refuse } from './refusal.js';
export { showValue } from './showValue.js';
export { TierswapError } from './tierswapError.js';
