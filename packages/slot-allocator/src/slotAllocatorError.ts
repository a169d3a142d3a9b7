/**
 * The one error class of @tierswap/slot-allocator. It is thrown only for misuse (a
 * programmer error such as a double free); expected refusals such as "device full" are
 * returned as NO_SLOT and counted in stats(), as the kernel counts them instead of failing.
 */

export const SLOT_ALLOCATOR_ERROR_CODES = {
  INVALID_OPTION: 'INVALID_OPTION',
  OUT_OF_RANGE: 'OUT_OF_RANGE',
  BAD_ORDER: 'BAD_ORDER',
  BAD_STREAM: 'BAD_STREAM',
  MISALIGNED: 'MISALIGNED',
  DOUBLE_FREE: 'DOUBLE_FREE',
  NOT_ALLOCATED: 'NOT_ALLOCATED',
  SLOT_BAD: 'SLOT_BAD',
  SLOT_SHARED: 'SLOT_SHARED',
  CORRUPT: 'CORRUPT',
} as const;

export type SlotAllocatorErrorCode =
  (typeof SLOT_ALLOCATOR_ERROR_CODES)[keyof typeof SLOT_ALLOCATOR_ERROR_CODES];

export class SlotAllocatorError extends Error {
  override readonly name = 'SlotAllocatorError';
  readonly code: SlotAllocatorErrorCode;

  /** `where` is `module.method`; the message then names the package, the method and the values. */
  constructor(code: SlotAllocatorErrorCode, where: string, detail: string) {
    super(`@tierswap/slot-allocator/${where}: ${detail}`);
    this.code = code;
  }
}
