/**
 * The cold throw paths of SlotAllocator's argument checks: each builds the
 * INVALID_ARGUMENT SlotAllocatorError for one kind of bad argument, naming the method
 * (`slotAllocator.<method>`) and the value it got.
 *
 * Why functions of their own: the hot methods (alloc(), free()) test their arguments in
 * line and call one of these only on misuse, so the message building stays out of their
 * bodies and they stay small enough for V8 to inline them into their callers.
 */

import { showValue } from '@tierswap/base';
import { SlotAllocatorError } from './slotAllocatorError.js';

export function badOrder(method: string, order: unknown, maxOrder: number): never {
  throw new SlotAllocatorError(
    'INVALID_ARGUMENT',
    `slotAllocator.${method}`,
    `order must be an integer from 0 to ${maxOrder}, got ${showValue(order)}`,
  );
}

export function badStream(stream: unknown, streams: number): never {
  throw new SlotAllocatorError(
    'INVALID_ARGUMENT',
    'slotAllocator.alloc',
    `stream must be an integer from 0 to ${streams - 1}, got ${showValue(stream)}`,
  );
}

export function outOfRange(method: string, slot: unknown, slots: number): never {
  throw new SlotAllocatorError(
    'INVALID_ARGUMENT',
    `slotAllocator.${method}`,
    `slot must be an integer from 0 to ${slots - 1}, got ${showValue(slot)}`,
  );
}

export function misaligned(slot: number, order: number): never {
  throw new SlotAllocatorError(
    'INVALID_ARGUMENT',
    'slotAllocator.free',
    `slot ${slot} is not aligned to an order-${order} run of ${1 << order} slots`,
  );
}
