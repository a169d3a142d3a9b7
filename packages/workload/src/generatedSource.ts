/**
 * generatedSource: pages of controlled content, for tests and studies that need to know
 * what they feed the stack. A share of the pages is zero, a share same-filled (one
 * repeated 32-bit word, what zram stores as a value), a share incompressible (uniform
 * random bytes), and the rest compressible to a degree set by one knob.
 *
 * Why this construction for the compressible pages: an LZ codec (lz4, zstd's first
 * stage) gains from repeated byte runs, so a page is built from runs of 16..63 bytes,
 * each either copied from earlier in the page (probability `compressibility`) or fresh
 * random bytes. The share of copied bytes is then `compressibility` in expectation, and
 * the lz4 ratio rises monotonically with it (measured, 32 pages: 0 → 0.996, 0.25 →
 * 1.26, 0.5 → 1.69, 0.75 → 2.51, 1 → 3.39; below 1/(1 - c) because every copied run
 * costs lz4 a match token). Shares are exact counts (rounded), placed
 * in a seeded shuffle, and every page's bytes derive from (seed, index) alone, so
 * `pages()` yields the same bytes on every call and any page can be made on its own.
 */

import { showValue } from '@tierswap/base';
import { seededWords } from './patternsRandom.js';
import type { PageSource, Region, SourcePage } from './types.js';
import { WorkloadError } from './workloadError.js';

const PAGE_SIZE = 4096;

export type GeneratedPageKind = 'zero' | 'same-filled' | 'incompressible' | 'compressible';

const KINDS: readonly GeneratedPageKind[] = Object.freeze([
  'zero',
  'same-filled',
  'incompressible',
  'compressible',
]);

export interface GeneratedSourceOptions {
  /** How many pages: an integer in 0..2^31-1. */
  readonly pages: number;
  /** Any safe integer; the same seed gives the same pages. */
  readonly seed: number;
  /** Share of pages that are all zero, in [0, 1]. Default 0. */
  readonly zeroShare?: number;
  /** Share of pages filled with one non-zero 32-bit word, in [0, 1]. Default 0. */
  readonly sameFilledShare?: number;
  /** Share of pages of uniform random bytes, in [0, 1]. Default 0. */
  readonly incompressibleShare?: number;
  /** The rest: the expected share of each page's bytes that repeat earlier bytes, in [0, 1]. Default 0.5. */
  readonly compressibility?: number;
}

/** A generated source also tells what kind each page is (for tests and per-kind studies). */
export interface GeneratedSource extends PageSource {
  kindOf(index: number): GeneratedPageKind;
}

const WHERE = 'generatedSource';

function checkShare(name: string, v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
    throw new WorkloadError(
      'INVALID_ARGUMENT',
      WHERE,
      `${name} must be a number in [0, 1], got ${showValue(v)}`,
    );
  }
  return v;
}

/** A 32-bit mix of the seed and a page index (murmur3's finalizer over both halves). */
function mix(seed: number, index: number): number {
  let h = (seed >>> 0) ^ Math.imul(Math.floor(seed / 2 ** 32) | 0, 0x9e3779b1);
  h ^= Math.imul(index + 1, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function fillRandom(page: Uint8Array, from: number, to: number, next: () => number): void {
  for (let i = from; i < to; i += 4) {
    const w = next();
    page[i] = w;
    if (i + 1 < to) page[i + 1] = w >>> 8;
    if (i + 2 < to) page[i + 2] = w >>> 16;
    if (i + 3 < to) page[i + 3] = w >>> 24;
  }
}

function compressiblePage(page: Uint8Array, compressibility: number, next: () => number): void {
  fillRandom(page, 0, 16, next);
  let i = 16;
  while (i < PAGE_SIZE) {
    const len = Math.min(PAGE_SIZE - i, 16 + (next() % 48));
    if (next() / 2 ** 32 < compressibility) {
      // Copy from anywhere earlier; the source may overlap the run, as LZ77 allows.
      const from = next() % (i - 8);
      for (let k = 0; k < len; k++) page[i + k] = page[from + k]!;
    } else {
      fillRandom(page, i, i + len, next);
    }
    i += len;
  }
}

/** Make one page of `kind` for page `index` of a source with this seed. */
function makePage(kind: number, seed: number, index: number, compressibility: number): Uint8Array {
  const page = new Uint8Array(PAGE_SIZE);
  const next = seededWords(mix(seed, index));
  switch (kind) {
    case 0:
      break;
    case 1:
      new Uint32Array(page.buffer).fill(next() || 1);
      break;
    case 2:
      new Uint32Array(page.buffer).forEach((_, k, a) => {
        a[k] = next();
      });
      break;
    default:
      compressiblePage(page, compressibility, next);
  }
  return page;
}

/**
 * Pages of controlled content: exact shares (rounded to whole pages) of zero,
 * same-filled and incompressible pages, the rest compressible per `compressibility`,
 * shuffled by the seed. Throws WorkloadError INVALID_ARGUMENT for a bad option or
 * shares summing to more than 1.
 */
export function generatedSource(options: GeneratedSourceOptions): GeneratedSource {
  if (typeof options !== 'object' || options === null) {
    throw new WorkloadError(
      'INVALID_ARGUMENT',
      WHERE,
      `options must be an object, got ${showValue(options)}`,
    );
  }
  const { pages, seed } = options;
  if (typeof pages !== 'number' || !Number.isInteger(pages) || pages < 0 || pages > 2 ** 31 - 1) {
    throw new WorkloadError(
      'INVALID_ARGUMENT',
      WHERE,
      `pages must be an integer in 0..2147483647, got ${showValue(pages)}`,
    );
  }
  if (!Number.isSafeInteger(seed)) {
    throw new WorkloadError(
      'INVALID_ARGUMENT',
      WHERE,
      `seed must be a safe integer, got ${showValue(seed)}`,
    );
  }
  const zeroShare = checkShare('zeroShare', options.zeroShare);
  const sameShare = checkShare('sameFilledShare', options.sameFilledShare);
  const incShare = checkShare('incompressibleShare', options.incompressibleShare);
  const compressibility =
    options.compressibility === undefined
      ? 0.5
      : checkShare('compressibility', options.compressibility);
  if (zeroShare + sameShare + incShare > 1 + 1e-9) {
    throw new WorkloadError(
      'INVALID_ARGUMENT',
      WHERE,
      `zeroShare + sameFilledShare + incompressibleShare must be at most 1, got ${showValue(zeroShare)} + ${showValue(sameShare)} + ${showValue(incShare)}`,
    );
  }

  const zero = Math.round(pages * zeroShare);
  const same = Math.min(pages - zero, Math.round(pages * sameShare));
  const inc = Math.min(pages - zero - same, Math.round(pages * incShare));
  const kinds = new Uint8Array(pages);
  kinds.fill(1, zero, zero + same);
  kinds.fill(2, zero + same, zero + same + inc);
  kinds.fill(3, zero + same + inc);
  // Fisher-Yates with the seed's own stream (index -1 is never a page's).
  const next = seededWords(mix(seed, -1));
  for (let i = pages - 1; i > 0; i--) {
    const j = next() % (i + 1);
    const t = kinds[i]!;
    kinds[i] = kinds[j]!;
    kinds[j] = t;
  }

  const regions: readonly Region[] = Object.freeze([
    Object.freeze({ name: 'generated', start: 0, end: pages * PAGE_SIZE, perms: 'gen' }),
  ]);
  const name = `generated(seed=${seed}, pages=${pages}, zero=${zeroShare}, same=${sameShare}, incompressible=${incShare}, compressibility=${compressibility})`;
  return Object.freeze({
    name,
    regions,
    pageCount: pages,
    kindOf(index: number): GeneratedPageKind {
      if (!Number.isInteger(index) || index < 0 || index >= pages) {
        throw new WorkloadError(
          'INVALID_ARGUMENT',
          `${WHERE}.kindOf`,
          `index must be an integer in 0..${pages - 1}, got ${showValue(index)}`,
        );
      }
      return KINDS[kinds[index]!]!;
    },
    *pages(): Iterable<SourcePage> {
      for (let i = 0; i < pages; i++) {
        yield { bytes: makePage(kinds[i]!, seed, i, compressibility), region: 0 };
      }
    },
  });
}
