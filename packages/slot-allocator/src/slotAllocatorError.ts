/**
 * SlotAllocatorError: the one error class of @tierswap/slot-allocator, for what is thrown.
 *
 * It is thrown only for misuse, a programmer error: a bad argument (`INVALID_ARGUMENT`,
 * the message names the value), a double free, a reference to a free or bad slot, or a
 * broken invariant found by verify(). An expected refusal, such as "no free slot", is not
 * an error: alloc() returns it as a Refusal and counts it in stats(), as the kernel counts
 * its fallbacks instead of failing. Each code says which errno it would be reported as.
 */

import type { Errno } from '@tierswap/base';
import { TierswapError } from '@tierswap/base';

export const SLOT_ALLOCATOR_ERROR_CODES = Object.freeze({
  /** An argument or option of the wrong type or outside its range (the message names it). */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** free()/put() of a slot that is already free. */
  DOUBLE_FREE: 'DOUBLE_FREE',
  /** dup() of a slot that is free. */
  NOT_ALLOCATED: 'NOT_ALLOCATED',
  /** A reference operation on a slot marked bad. */
  SLOT_BAD: 'SLOT_BAD',
  /** free() or markBad() of a slot that more than one owner holds. */
  SLOT_SHARED: 'SLOT_SHARED',
  /** verify() found a broken invariant. */
  CORRUPT: 'CORRUPT',
} as const);

export type SlotAllocatorErrorCode =
  (typeof SLOT_ALLOCATOR_ERROR_CODES)[keyof typeof SLOT_ALLOCATOR_ERROR_CODES];

const ERRNO_OF: Readonly<Record<SlotAllocatorErrorCode, Errno>> = Object.freeze({
  INVALID_ARGUMENT: 'EINVAL',
  DOUBLE_FREE: 'EINVAL',
  NOT_ALLOCATED: 'ENOENT',
  SLOT_BAD: 'EIO',
  SLOT_SHARED: 'EBUSY',
  CORRUPT: 'EIO',
});

export class SlotAllocatorError extends TierswapError<SlotAllocatorErrorCode> {
  override readonly name = 'SlotAllocatorError';
  readonly errno: Errno;

  /** `where` is `module.method`; the message then names the package, the method and the values. */
  constructor(code: SlotAllocatorErrorCode, where: string, detail: string, options?: ErrorOptions) {
    super('slot-allocator', code, where, detail, options);
    this.errno = ERRNO_OF[code];
  }
}
