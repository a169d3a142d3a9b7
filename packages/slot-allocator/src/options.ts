/**
 * Checks a SlotAllocatorOptions object at the package boundary and fills in the defaults,
 * so the allocator's constructor only ever sees values it can use. Every refusal is an
 * INVALID_ARGUMENT naming the option and the value it got; nothing is created before all
 * of them pass.
 */

import { isIntInRange, isPowerOfTwoInRange, showValue } from '@tierswap/base';
import { SlotAllocatorError } from './slotAllocatorError.js';
import type { DiscardPolicy, SlotAllocatorOptions } from './types.js';
import { DEFAULT_CLUSTER_SIZE } from './types.js';

/** Cluster use counts are Uint16, so a cluster holds at most 2^15 slots. */
export const MAX_CLUSTER_SIZE = 1 << 15;
export const MAX_SLOTS = 2 ** 31 - 1;
export const MAX_STREAMS = 1024;

export interface CheckedOptions {
  slots: number;
  clusterSize: number;
  streams: number;
  rotational: boolean;
  discard: DiscardPolicy;
  onDiscard: ((firstSlot: number, count: number) => void) | undefined;
  onFullChange: ((full: boolean) => void) | undefined;
}

const WHERE = 'slotAllocator.create';

function invalid(detail: string): never {
  throw new SlotAllocatorError('INVALID_ARGUMENT', WHERE, detail);
}

function callback<T>(name: string, value: T): T {
  if (value !== undefined && typeof value !== 'function') {
    invalid(`${name} must be a function, got ${showValue(value)}`);
  }
  return value;
}

export function checkOptions(options: SlotAllocatorOptions): CheckedOptions {
  if (typeof options !== 'object' || options === null) {
    invalid(`options must be an object with at least { slots }, got ${showValue(options)}`);
  }
  const {
    slots,
    clusterSize = DEFAULT_CLUSTER_SIZE,
    streams = 1,
    rotational = false,
    discard = 'none',
  } = options;
  if (!isIntInRange(slots, 1, MAX_SLOTS)) {
    invalid(`slots must be an integer from 1 to 2^31-1, got ${showValue(slots)}`);
  }
  if (!isPowerOfTwoInRange(clusterSize, 1, MAX_CLUSTER_SIZE)) {
    invalid(
      `clusterSize must be a power of two from 1 to ${MAX_CLUSTER_SIZE}, got ${showValue(clusterSize)}`,
    );
  }
  if (!isIntInRange(streams, 1, MAX_STREAMS)) {
    invalid(`streams must be an integer from 1 to ${MAX_STREAMS}, got ${showValue(streams)}`);
  }
  if (typeof rotational !== 'boolean') {
    invalid(`rotational must be a boolean, got ${showValue(rotational)}`);
  }
  if (discard !== 'none' && discard !== 'once' && discard !== 'pages') {
    invalid(`discard must be 'none', 'once' or 'pages', got ${showValue(discard)}`);
  }
  return {
    slots,
    clusterSize,
    streams,
    rotational,
    discard,
    onDiscard: callback('onDiscard', options.onDiscard),
    onFullChange: callback('onFullChange', options.onFullChange),
  };
}
