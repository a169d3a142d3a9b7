/**
 * The package's seeded random numbers (the access patterns, the generated pages, the
 * recipes' data): mulberry32 (32 bits of state; words, or uniform floats in [0, 1)),
 * seeded from the caller's seed mixed with a salt per use, so a pattern's page order and
 * its access draws are independent streams and two patterns with the same seed do not
 * walk the same sequence. (The node-heap recipe's child program carries its own copy:
 * it runs in another process.)
 *
 * Why a local copy and not @tierswap/bench-kit's: bench-kit is a private test package,
 * and this package must not depend on it at run time.
 */

/** Mixes a seed (any safe integer) and a salt into 32 bits (a murmur3 finalizer). */
export function mixSeed(seed: number, salt: number): number {
  let h = (Math.trunc(seed) ^ Math.trunc(seed / 4294967296) ^ Math.imul(salt, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** mulberry32: 32 random bits per call from a 32-bit state, the same sequence for the same seed. */
export function seededWords(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Uniform floats in [0, 1) from a 32-bit state, the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  const next = seededWords(seed);
  return () => next() / 4294967296;
}

/** A seeded permutation of 0..n-1 (Fisher-Yates). */
export function seededPermutation(n: number, random: () => number): Uint32Array {
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = perm[i] as number;
    perm[i] = perm[j] as number;
    perm[j] = t;
  }
  return perm;
}

/**
 * The cumulative distribution of Zipf over ranks 1..n with exponent s: cdf[i] is the
 * probability of a rank <= i + 1. Drawing is a binary search for a uniform float.
 */
export function zipfCdf(n: number, exponent: number): Float64Array {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let r = 1; r <= n; r++) {
    sum += r ** -exponent;
    cdf[r - 1] = sum;
  }
  for (let i = 0; i < n; i++) cdf[i] = (cdf[i] as number) / sum;
  cdf[n - 1] = 1;
  return cdf;
}

/** The 0-based rank whose cumulative probability first reaches `u` (u in [0, 1)). */
export function drawRank(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cdf[mid] as number) > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
