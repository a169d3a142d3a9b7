/**
 * The checks of everything a caller hands the pool at construction and through
 * setTunables / proactiveWriteback, in one place: each throws ZswapError
 * INVALID_ARGUMENT naming the value before anything changes, so a refused call applies
 * nothing (setTunables is all or nothing, as a module-parameter write either takes or
 * is refused).
 */

import type { Clock } from '@tierswap/base';
import { isIntInRange, showValue } from '@tierswap/base';
import type { Codec } from '@tierswap/compress';
import { type GroupId, GroupState, MemcgTree } from '@tierswap/memcg';
import type {
  BudgetUnit,
  IncompressibleMode,
  ProactiveWritebackRequest,
  WritebackTarget,
  ZswapPoolOptions,
  ZswapTunables,
} from './types.js';
import { ZswapError } from './zswapError.js';

/** Most entries a pool may size its tables for at start. */
const MAX_INITIAL_CAPACITY = 1 << 24;

function isFiniteIn(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
}

function bad(where: string, what: string, v: unknown, want: string): never {
  throw new ZswapError('INVALID_ARGUMENT', where, `${what} must be ${want}, got ${showValue(v)}`);
}

/** Checks a codec's shape; the pool uses its synchronous calls. */
export function checkCodec(codec: unknown, where: string): asserts codec is Codec {
  const c = codec as Codec;
  if (
    typeof c !== 'object' ||
    c === null ||
    typeof c.compress !== 'function' ||
    typeof c.decodeInto !== 'function' ||
    !isIntInRange(c.pageSize, 256, 65536)
  ) {
    throw new ZswapError('INVALID_ARGUMENT', where, `${showValue(codec)} is not a codec`);
  }
}

/** The options a pool is built from, checked. */
export interface CheckedOptions {
  readonly codec: Codec;
  readonly clock: Clock;
  readonly target: WritebackTarget | undefined;
  readonly queue: (() => void) | undefined;
  readonly cap: number;
  readonly cacheBytes: number | undefined;
  readonly chain: number | undefined;
  readonly tunables: ZswapTunables;
  readonly retryCodec: Codec | undefined;
}

export function checkOptions(options: ZswapPoolOptions): CheckedOptions {
  const where = 'pool.constructor';
  if (typeof options !== 'object' || options === null) {
    throw new ZswapError('INVALID_ARGUMENT', where, 'options must be an object');
  }
  const codec = options.codec;
  checkCodec(codec, where);
  if (!(options.memcg instanceof MemcgTree)) {
    bad(where, 'memcg', options.memcg, 'a MemcgTree (createMemcg().tree)');
  }
  const clock = options.clock;
  if (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function') {
    bad(where, 'clock', clock, 'a Clock');
  }
  const target = options.writeback;
  if (
    target !== undefined &&
    (typeof target !== 'object' ||
      target === null ||
      typeof target.reserve !== 'function' ||
      typeof target.write !== 'function' ||
      typeof target.cancel !== 'function')
  ) {
    bad(where, 'writeback', target, 'an object with reserve, write and cancel');
  }
  const queue = options.queueShrinkWork;
  if (queue !== undefined && typeof queue !== 'function') {
    bad(where, 'queueShrinkWork', queue, 'a function');
  }
  const cap = options.initialCapacity ?? 1024;
  if (!isIntInRange(cap, 1, MAX_INITIAL_CAPACITY)) {
    bad(where, 'initialCapacity', cap, `an integer in 1..${MAX_INITIAL_CAPACITY}`);
  }
  const cacheBytes = options.arenaCacheBytes;
  if (cacheBytes !== undefined && !isIntInRange(cacheBytes, 0, Number.MAX_SAFE_INTEGER)) {
    bad(where, 'arenaCacheBytes', cacheBytes, 'an integer >= 0');
  }
  const chain = options.zsChainSize;
  if (chain !== undefined && !isIntInRange(chain, 4, 16)) {
    bad(where, 'zsChainSize', chain, 'an integer in 4..16');
  }
  const tunables: ZswapTunables = {
    ramBytes: options.ramBytes,
    ...(options.maxPoolPercent !== undefined && { maxPoolPercent: options.maxPoolPercent }),
    ...(options.acceptThresholdPercent !== undefined && {
      acceptThresholdPercent: options.acceptThresholdPercent,
    }),
    ...(options.maxCompressedBytes !== undefined && {
      maxCompressedBytes: options.maxCompressedBytes,
    }),
    ...(options.shrinkerEnabled !== undefined && { shrinkerEnabled: options.shrinkerEnabled }),
    ...(options.proactiveCursor !== undefined && { proactiveCursor: options.proactiveCursor }),
    ...(options.incompressible !== undefined && { incompressible: options.incompressible }),
    ...(options.rawRetrySeconds !== undefined && { rawRetrySeconds: options.rawRetrySeconds }),
  };
  const retryCodec = options.retryCodec;
  if (retryCodec !== undefined) {
    checkCodec(retryCodec, where);
    if (retryCodec.pageSize !== codec.pageSize) {
      bad(where, 'retryCodec', retryCodec, `a codec of page size ${codec.pageSize}`);
    }
  }
  return { codec, clock, target, queue, cap, cacheBytes, chain, tunables, retryCodec };
}

/** Every tunable, set. */
export interface TunablesState {
  readonly ramBytes: number;
  readonly maxPoolPercent: number;
  readonly acceptThresholdPercent: number;
  readonly maxCompressedBytes: number;
  readonly shrinkerEnabled: boolean;
  readonly proactiveCursor: boolean;
  readonly incompressible: IncompressibleMode;
  readonly rawRetrySeconds: number;
}

const INCOMPRESSIBLE_MODES: readonly IncompressibleMode[] = ['reject', 'store_raw', 'retry'];

/** The tunables with the limits they give, in bytes. */
export interface Tunables extends TunablesState {
  readonly maxPoolBytes: number;
  readonly acceptBytes: number;
}

/** The kernel's defaults (ramBytes has none: the constructor requires it). */
export const DEFAULT_TUNABLES = (pageSize: number): TunablesState => ({
  ramBytes: 0,
  maxPoolPercent: 20,
  acceptThresholdPercent: 90,
  maxCompressedBytes: pageSize - 1,
  shrinkerEnabled: true,
  proactiveCursor: true,
  incompressible: 'store_raw',
  rawRetrySeconds: 60,
});

/**
 * `current` with `t` applied, checked as a whole, plus the limits they give; throws
 * before anything is applied.
 */
export function checkTunables(
  current: TunablesState,
  t: ZswapTunables,
  pageSize: number,
  where: string,
): Tunables {
  if (typeof t !== 'object' || t === null) bad(where, 'tunables', t, 'an object');
  const ram = t.ramBytes ?? current.ramBytes;
  const maxPct = t.maxPoolPercent ?? current.maxPoolPercent;
  const acceptPct = t.acceptThresholdPercent ?? current.acceptThresholdPercent;
  const maxComp = t.maxCompressedBytes ?? current.maxCompressedBytes;
  const shrinker = t.shrinkerEnabled ?? current.shrinkerEnabled;
  const cursor = t.proactiveCursor ?? current.proactiveCursor;
  const incomp = t.incompressible ?? current.incompressible;
  const retrySec = t.rawRetrySeconds ?? current.rawRetrySeconds;
  if (!isIntInRange(ram, 1, Number.MAX_SAFE_INTEGER)) bad(where, 'ramBytes', ram, 'an integer > 0');
  if (!isFiniteIn(maxPct, 0, 100)) bad(where, 'maxPoolPercent', maxPct, 'a number in 0..100');
  if (!isFiniteIn(acceptPct, 0, 100)) {
    bad(where, 'acceptThresholdPercent', acceptPct, 'a number in 0..100');
  }
  if (!isIntInRange(maxComp, 1, pageSize - 1)) {
    bad(where, 'maxCompressedBytes', maxComp, `an integer in 1..${pageSize - 1}`);
  }
  if (typeof shrinker !== 'boolean') bad(where, 'shrinkerEnabled', shrinker, 'a boolean');
  if (typeof cursor !== 'boolean') bad(where, 'proactiveCursor', cursor, 'a boolean');
  if (!INCOMPRESSIBLE_MODES.includes(incomp)) {
    bad(where, 'incompressible', incomp, `one of ${INCOMPRESSIBLE_MODES.join(', ')}`);
  }
  if (!isFiniteIn(retrySec, 0, 2 ** 31)) {
    bad(where, 'rawRetrySeconds', retrySec, 'a number of seconds in 0..2^31');
  }
  const maxPoolBytes = Math.floor((ram * maxPct) / 100);
  return {
    ramBytes: ram,
    maxPoolPercent: maxPct,
    acceptThresholdPercent: acceptPct,
    maxCompressedBytes: maxComp,
    shrinkerEnabled: shrinker,
    proactiveCursor: cursor,
    incompressible: incomp,
    rawRetrySeconds: retrySec,
    maxPoolBytes,
    acceptBytes: Math.floor((maxPoolBytes * acceptPct) / 100),
  };
}

/** A proactive writeback request, checked. */
export function checkProactiveRequest(
  req: ProactiveWritebackRequest,
  tree: MemcgTree,
): { memcg: GroupId; maxBytes: number; unit: BudgetUnit; minAgeSeconds: number | undefined } {
  const where = 'pool.proactiveWriteback';
  if (typeof req !== 'object' || req === null) bad(where, 'the request', req, 'an object');
  const { memcg, maxBytes, minAgeSeconds } = req;
  const unit = req.unit ?? 'original';
  if (!tree.isOnline(memcg)) bad(where, 'memcg', memcg, 'an online group');
  if (!(typeof maxBytes === 'number' && maxBytes > 0)) bad(where, 'maxBytes', maxBytes, '> 0');
  if (unit !== 'original' && unit !== 'compressed') {
    bad(where, 'unit', unit, 'original or compressed');
  }
  if (minAgeSeconds !== undefined && !isFiniteIn(minAgeSeconds, 0, Number.MAX_SAFE_INTEGER)) {
    bad(where, 'minAgeSeconds', minAgeSeconds, 'a finite number >= 0');
  }
  return { memcg, maxBytes, unit, minAgeSeconds };
}

/** The arguments of retryRawEntries. */
export function checkRetryArgs(maxPages: number, minAgeSeconds: number): void {
  const where = 'pool.retryRawEntries';
  if (!isIntInRange(maxPages, 0, Number.MAX_SAFE_INTEGER)) {
    bad(where, 'maxPages', maxPages, 'an integer >= 0');
  }
  if (!isFiniteIn(minAgeSeconds, 0, 2 ** 31)) {
    bad(where, 'minAgeSeconds', minAgeSeconds, 'a number of seconds in 0..2^31');
  }
}

/** The page count of shrinkerScan. */
export function checkScanCount(nrToScan: number): void {
  if (!isIntInRange(nrToScan, 0, Number.MAX_SAFE_INTEGER)) {
    bad('pool.shrinkerScan', 'nrToScan', nrToScan, 'an integer >= 0');
  }
}

/** An entry id (a u32), returned for use in line. */
export function checkEntryId(where: string, id: number): number {
  if (!isIntInRange(id, 0, 0xffffffff)) bad(where, 'entry id', id, 'a u32');
  return id;
}

/** A group id the tree has allocated (online, or offline with references). */
export function checkGroup(tree: MemcgTree, where: string, memcg: number): void {
  if (tree.stateOf(memcg) === GroupState.FREE) bad(where, 'memcg', memcg, 'a group of the tree');
}
