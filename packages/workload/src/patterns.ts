/**
 * The synthetic access patterns: uniform, hot/cold (Zipf) and phased (a working set
 * that moves). Each is an AccessPattern (./types.ts): for the same options and seed it
 * yields the same accesses, one stream (stream 0), at evenly spaced virtual times
 * i / rate for i = 0, 1, ... while the time is below durationSeconds.
 *
 * Why evenly spaced times and not random arrivals: the scenario runner advances a
 * virtual clock to each access, and a fixed rate makes "accesses per second" exact, so
 * two runs that differ only in the stack's design see the same load at the same times.
 * The randomness is in which page is touched (and whether it is written), drawn from a
 * seeded PRNG (./patternsRandom.ts).
 *
 * Zipf's hot pages are not the low page indices: ranks are mapped to pages through a
 * permutation drawn from the seed, so hot and cold pages are interleaved across the
 * address space as they are in a real heap, and the stack's per-page placement (slot
 * numbers, file offsets) is not biased by the page number.
 */

import { isIntInRange, showValue } from '@tierswap/base';
import { drawRank, mixSeed, seededPermutation, seededRandom, zipfCdf } from './patternsRandom.js';
import type { Access, AccessPattern } from './types.js';
import { invalid } from './workloadError.js';

/** Most pages a pattern addresses: 2^27 pages (512 GiB of 4 KiB pages); Zipf keeps 12 bytes per page. */
export const MAX_PATTERN_PAGES = 2 ** 27;
const MAX_RATE = 1e9;
const MAX_EXPONENT = 10;

export interface UniformPatternOptions {
  /** Accesses per virtual second (> 0). */
  readonly rate: number;
  /** The share of accesses that are writes, 0..1 (default 0: all reads). */
  readonly writeShare?: number;
}

export interface ZipfPatternOptions extends UniformPatternOptions {
  /** Zipf's exponent s >= 0: rank r is drawn with probability proportional to r^-s (0 is uniform). */
  readonly exponent: number;
}

export interface PhasedPatternOptions extends UniformPatternOptions {
  /** The working set's share of the pages, in (0, 1]. */
  readonly workingSetShare: number;
  /** How long each phase lasts, in virtual seconds (> 0); the working set moves at each phase. */
  readonly phaseSeconds: number;
  /** Within the working set: uniform when absent, else Zipf with this exponent. */
  readonly exponent?: number;
}

/** What accesses() is called with, checked. */
export interface CheckedAccessOptions {
  readonly pages: number;
  readonly durationSeconds: number;
  readonly seed: number;
}

/** Checks accesses()'s options: pages 1..MAX_PATTERN_PAGES, a finite duration >= 0, a safe-integer seed. */
export function checkAccessOptions(where: string, options: unknown): CheckedAccessOptions {
  if (typeof options !== 'object' || options === null) {
    throw invalid(
      where,
      `options must be { pages, durationSeconds, seed }, got ${showValue(options)}`,
    );
  }
  const { pages, durationSeconds, seed } = options as Record<string, unknown>;
  if (!isIntInRange(pages, 1, MAX_PATTERN_PAGES)) {
    throw invalid(
      where,
      `pages must be an integer in 1..${MAX_PATTERN_PAGES}, got ${showValue(pages)}`,
    );
  }
  if (
    typeof durationSeconds !== 'number' ||
    !Number.isFinite(durationSeconds) ||
    durationSeconds < 0
  ) {
    throw invalid(
      where,
      `durationSeconds must be a finite number >= 0, got ${showValue(durationSeconds)}`,
    );
  }
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw invalid(where, `seed must be a safe integer, got ${showValue(seed)}`);
  }
  return { pages, durationSeconds, seed };
}

function checkRate(where: string, rate: unknown): number {
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0 || rate > MAX_RATE) {
    throw invalid(
      where,
      `rate must be a number of accesses per second in (0, ${MAX_RATE}], got ${showValue(rate)}`,
    );
  }
  return rate;
}

function checkShare(where: string, name: string, v: unknown, zeroAllowed: boolean): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v > 1 || v < 0 || (!zeroAllowed && v === 0)) {
    throw invalid(
      where,
      `${name} must be a number in ${zeroAllowed ? '[0, 1]' : '(0, 1]'}, got ${showValue(v)}`,
    );
  }
  return v;
}

function checkExponent(where: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > MAX_EXPONENT) {
    throw invalid(where, `exponent must be a number in [0, ${MAX_EXPONENT}], got ${showValue(v)}`);
  }
  return v;
}

/** The options as given: each field still to be checked. */
type Unchecked<T> = { readonly [K in keyof T]-?: unknown };

function checkOptionsObject<T>(where: string, options: T): Unchecked<T> {
  if (typeof options !== 'object' || options === null) {
    throw invalid(where, `options must be an object, got ${showValue(options)}`);
  }
  return options as Unchecked<T>;
}

// Salts that keep the page order, the page draws, the write draws and the phase moves
// on independent PRNG streams.
const SALT_ORDER = 1;
const SALT_DRAW = 2;
const SALT_WRITE = 3;
const SALT_PHASE = 4;

/**
 * Evenly spaced times with one page draw each: the loop all three patterns share.
 * `pick(time)` returns the page for the access at `time`.
 */
function* timedAccesses(
  rate: number,
  writeShare: number,
  o: CheckedAccessOptions,
  pick: (time: number) => number,
): Generator<Access> {
  const writes = seededRandom(mixSeed(o.seed, SALT_WRITE));
  for (let i = 0; ; i++) {
    const time = i / rate;
    if (time >= o.durationSeconds) return;
    const page = pick(time);
    const write = writeShare > 0 && writes() < writeShare;
    yield { time, stream: 0, page, write };
  }
}

/** Every page equally likely. */
export function uniformPattern(options: UniformPatternOptions): AccessPattern {
  const where = 'patterns.uniformPattern';
  const o = checkOptionsObject(where, options);
  const rate = checkRate(where, o.rate);
  const writeShare = checkShare(where, 'writeShare', o.writeShare ?? 0, true);
  return {
    name: `uniform(rate=${rate})`,
    accesses(accessOptions) {
      const a = checkAccessOptions('patterns.uniformPattern.accesses', accessOptions);
      const draw = seededRandom(mixSeed(a.seed, SALT_DRAW));
      return timedAccesses(rate, writeShare, a, () => Math.floor(draw() * a.pages));
    },
  };
}

/**
 * Hot and cold pages: Zipf over ranks, ranks mapped to pages by a seeded permutation.
 * The hottest share h of the pages gets H(h*n, s) / H(n, s) of the accesses (H the
 * generalized harmonic number): with s = 1 and 10 000 pages, the hottest 10% get 75%.
 */
export function zipfPattern(options: ZipfPatternOptions): AccessPattern {
  const where = 'patterns.zipfPattern';
  const o = checkOptionsObject(where, options);
  const rate = checkRate(where, o.rate);
  const exponent = checkExponent(where, o.exponent);
  const writeShare = checkShare(where, 'writeShare', o.writeShare ?? 0, true);
  return {
    name: `zipf(rate=${rate}, exponent=${exponent})`,
    accesses(accessOptions) {
      const a = checkAccessOptions('patterns.zipfPattern.accesses', accessOptions);
      const order = seededPermutation(a.pages, seededRandom(mixSeed(a.seed, SALT_ORDER)));
      const cdf = zipfCdf(a.pages, exponent);
      const draw = seededRandom(mixSeed(a.seed, SALT_DRAW));
      return timedAccesses(rate, writeShare, a, () => order[drawRank(cdf, draw())] as number);
    },
  };
}

/**
 * A working set of round(workingSetShare * pages) contiguous pages (wrapping at the
 * end) that moves to a new seeded start at each phase boundary (every phaseSeconds of
 * virtual time); accesses fall only inside the current working set, uniformly or, with
 * `exponent`, Zipf-distributed over it (ranks shuffled within the set, the same order in
 * every phase). Contiguous because a program's phases work on different data
 * structures, each laid out in a range of its address space.
 */
export function phasedPattern(options: PhasedPatternOptions): AccessPattern {
  const where = 'patterns.phasedPattern';
  const o = checkOptionsObject(where, options);
  const rate = checkRate(where, o.rate);
  const share = checkShare(where, 'workingSetShare', o.workingSetShare, false);
  const phaseSeconds = o.phaseSeconds;
  if (typeof phaseSeconds !== 'number' || !Number.isFinite(phaseSeconds) || phaseSeconds <= 0) {
    throw invalid(
      where,
      `phaseSeconds must be a finite number > 0, got ${showValue(phaseSeconds)}`,
    );
  }
  const exponent = o.exponent === undefined ? undefined : checkExponent(where, o.exponent);
  const writeShare = checkShare(where, 'writeShare', o.writeShare ?? 0, true);
  const shape = exponent === undefined ? '' : `, exponent=${exponent}`;
  return {
    name: `phased(rate=${rate}, workingSetShare=${share}, phaseSeconds=${phaseSeconds}${shape})`,
    accesses(accessOptions) {
      const a = checkAccessOptions('patterns.phasedPattern.accesses', accessOptions);
      const setSize = Math.min(a.pages, Math.max(1, Math.round(share * a.pages)));
      const draw = seededRandom(mixSeed(a.seed, SALT_DRAW));
      const moves = seededRandom(mixSeed(a.seed, SALT_PHASE));
      const cdf = exponent === undefined ? undefined : zipfCdf(setSize, exponent);
      const order =
        cdf === undefined
          ? undefined
          : seededPermutation(setSize, seededRandom(mixSeed(a.seed, SALT_ORDER)));
      let phase = -1;
      let start = 0;
      return timedAccesses(rate, writeShare, a, (time) => {
        const p = Math.floor(time / phaseSeconds);
        // Phases are visited in order; one draw per phase keeps a phase's start the same
        // whatever the rate.
        while (phase < p) {
          start = Math.floor(moves() * a.pages);
          phase++;
        }
        const offset =
          cdf === undefined || order === undefined
            ? Math.floor(draw() * setSize)
            : (order[drawRank(cdf, draw())] as number);
        return (start + offset) % a.pages;
      });
    },
  };
}
