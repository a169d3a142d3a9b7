/**
 * VirtualSwap's argument checks that live outside its methods: the options check that
 * virtualSwap.create runs before anything is built, and the cold reporters the methods
 * call for a bad entry, memcg or device. Misuse is reported from these functions so the
 * checking methods on the swap path stay small; each throws a VswapError naming the
 * method (`virtualSwap.<method>`) and the value: INVALID_ARGUMENT, or UNKNOWN_ENTRY for
 * an entry of the space that is not allocated.
 *
 * Only what VirtualSwap itself uses is checked by checkOptions (the object, its keys,
 * onRelease, maxEntries); the sizes are checked by the parts that use them, in the order
 * the constructor builds them (clusterSize by DescriptorTable, the segment sizes and
 * streams by VirtualSpace, rmapClusterSize by ReverseMap), each as an INVALID_ARGUMENT
 * from virtualSwap.create naming the option and the value. It runs once per space, so
 * it returns a new object freely.
 */

import { isIntInRange, showValue } from '@tierswap/base';
import type { ReleaseCallback, VirtualSwapOptions } from './types.js';
import { MAX_DEVICES, MAX_MEMCG_ID, MAX_VIRTUAL_ENTRIES, VSWAP_DEFAULTS } from './types.js';
import { invalidArgument, VswapError } from './vswapError.js';

const OPTION_NAMES: readonly string[] = Object.freeze([
  'maxEntries',
  'segmentSlots',
  'clusterSize',
  'streams',
  'rmapClusterSize',
  'onRelease',
]);

/** Every option with its default filled in; the sizes other than maxEntries are not checked yet. */
export interface CheckedOptions {
  maxEntries: number;
  segmentSlots: number;
  clusterSize: number;
  streams: number;
  rmapClusterSize: number;
  onRelease: ReleaseCallback | undefined;
}

export function checkOptions(options: VirtualSwapOptions): CheckedOptions {
  const where = 'virtualSwap.create';
  if (typeof options !== 'object' || options === null) {
    invalidArgument(where, `options must be an object, got ${showValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key)) invalidArgument(where, `unknown option ${showValue(key)}`);
  }
  if (options.onRelease !== undefined && typeof options.onRelease !== 'function') {
    invalidArgument(where, `onRelease must be a function, got ${showValue(options.onRelease)}`);
  }
  const {
    maxEntries = VSWAP_DEFAULTS.maxEntries,
    segmentSlots = VSWAP_DEFAULTS.segmentSlots,
    clusterSize = VSWAP_DEFAULTS.clusterSize,
    streams = VSWAP_DEFAULTS.streams,
    rmapClusterSize = VSWAP_DEFAULTS.rmapClusterSize,
  } = options;
  if (!isIntInRange(maxEntries, 1, MAX_VIRTUAL_ENTRIES)) {
    invalidArgument(
      where,
      `maxEntries must be an integer from 1 to ${MAX_VIRTUAL_ENTRIES}, got ${showValue(maxEntries)}`,
    );
  }
  return {
    maxEntries,
    segmentSlots,
    clusterSize,
    streams,
    rmapClusterSize,
    onRelease: options.onRelease,
  };
}

/** An entry that is not an integer of this space (maxEntries entries). */
export function badEntry(method: string, entry: unknown, maxEntries: number): never {
  return invalidArgument(
    `virtualSwap.${method}`,
    `entry must be an integer from 0 to ${maxEntries - 1}, got ${showValue(entry)}`,
  );
}

/** An entry of the space that is not allocated. */
export function unknownEntry(method: string, entry: number): never {
  throw new VswapError(
    'UNKNOWN_ENTRY',
    `virtualSwap.${method}`,
    `entry ${entry} is not allocated (never allocated, or already freed)`,
  );
}

export function badMemcg(method: string, memcg: unknown): never {
  return invalidArgument(
    `virtualSwap.${method}`,
    `memcg must be an id from 0 to ${MAX_MEMCG_ID}, got ${showValue(memcg)}`,
  );
}

export function checkDevice(method: string, device: unknown): void {
  if (!(typeof device === 'number' && device >>> 0 === device && device < MAX_DEVICES)) {
    invalidArgument(
      `virtualSwap.${method}`,
      `device must be an integer from 0 to ${MAX_DEVICES - 1}, got ${showValue(device)}`,
    );
  }
}
