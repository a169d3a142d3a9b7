/**
 * Where a `run` command's pages and accesses come from: `--source generated|file:<path>`
 * and `--pattern uniform|zipf[:<exponent>]` turned into a PageSource and an
 * AccessPattern, the shared contract of @tierswap/workload.
 *
 * Until @tierswap/workload's generatedSource, fileSource, uniformPattern and zipfPattern
 * land, the small ones here stand in, with the same shapes, so swapping them is a change
 * to this file only: generated pages are a seeded mix of zero, same-filled, text-like
 * (compressible about 3:1) and random (incompressible) pages; a file's pages are its
 * bytes, the last one zero-padded; uniform and zipf draw page indices from a seeded
 * generator at `rate` accesses per virtual second, evenly spaced.
 */

import { readFileSync, statSync } from 'node:fs';
import type { Refusal } from '@tierswap/base';
import { refuse } from '@tierswap/base';
import type { Access, AccessPattern, PageSource, SourcePage } from '@tierswap/workload';

const PAGE = 4096;

/** mulberry32: a small seeded generator, the same sequence for the same seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS =
  'page swap memory cgroup reclaim zswap tier writeback entry slot device pool kernel fault cold hot lru anon file node'.split(
    ' ',
  );

/** `pages` generated pages: 10% zero, 10% same-filled, 60% text-like, 20% random. */
export function generatedPages(pages: number, seed: number): PageSource {
  const make = (i: number): Uint8Array => {
    const rnd = random(seed * 7919 + i);
    const kind = rnd();
    const p = new Uint8Array(PAGE);
    if (kind < 0.1) return p;
    if (kind < 0.2) return p.fill(1 + Math.floor(rnd() * 255));
    if (kind < 0.8) {
      let at = 0;
      while (at < PAGE) {
        const w = `${WORDS[Math.floor(rnd() * WORDS.length)]!}${rnd() < 0.2 ? `=${Math.floor(rnd() * 1000)}` : ''} `;
        for (let k = 0; k < w.length && at < PAGE; k++) p[at++] = w.charCodeAt(k);
      }
      return p;
    }
    for (let k = 0; k < PAGE; k += 4) {
      const v = Math.floor(rnd() * 4294967296);
      p[k] = v & 0xff;
      p[k + 1] = (v >>> 8) & 0xff;
      p[k + 2] = (v >>> 16) & 0xff;
      p[k + 3] = v >>> 24;
    }
    return p;
  };
  return {
    name: `generated(${pages}, seed ${seed})`,
    regions: [{ name: '[generated]', start: 0, end: pages * PAGE, perms: 'rw-p' }],
    pageCount: pages,
    *pages(): Iterable<SourcePage> {
      for (let i = 0; i < pages; i++) yield { bytes: make(i), region: 0 };
    },
  };
}

/** The pages of a file (at most `maxPages`), the last one zero-padded. */
export function filePages(path: string, maxPages: number): PageSource | Refusal {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) return refuse('EINVAL', `${path} is not a regular file`);
    size = st.size;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') return refuse('ENOENT', `${path}: no such file`);
    if (code === 'EACCES') return refuse('EACCES', `${path}: permission denied`);
    return refuse('EIO', `${path}: ${(e as Error).message}`);
  }
  if (size === 0) return refuse('EINVAL', `${path} is empty`);
  const count = Math.min(maxPages, Math.ceil(size / PAGE));
  let bytes: Buffer;
  try {
    bytes = readFileSync(path).subarray(0, count * PAGE);
  } catch (e) {
    return refuse('EIO', `${path}: ${(e as Error).message}`);
  }
  return {
    name: path,
    regions: [{ name: path, start: 0, end: size, perms: 'file' }],
    pageCount: count,
    *pages(): Iterable<SourcePage> {
      for (let i = 0; i < count; i++) {
        const p = new Uint8Array(PAGE);
        p.set(bytes.subarray(i * PAGE, (i + 1) * PAGE));
        yield { bytes: p, region: 0 };
      }
    },
  };
}

/** Evenly spaced accesses at `rate` per second, each page drawn by what `pick` makes. */
function spaced(
  name: string,
  rate: number,
  pick: (pages: number, rnd: () => number) => () => number,
): AccessPattern {
  return {
    name,
    *accesses({ pages, durationSeconds, seed }): Iterable<Access> {
      const rnd = random(seed);
      const draw = pick(pages, rnd);
      const n = Math.floor(durationSeconds * rate);
      for (let k = 0; k < n; k++) {
        yield { time: k / rate, stream: 0, page: draw(), write: rnd() < 0.3 };
      }
    },
  };
}

/** Every page equally likely. */
export function uniformAccesses(rate: number): AccessPattern {
  return spaced(`uniform ${rate}/s`, rate, (pages, rnd) => () => Math.floor(rnd() * pages));
}

/** Page k (0-based) drawn with probability proportional to 1 / (k + 1)^exponent. */
export function zipfAccesses(rate: number, exponent: number): AccessPattern {
  return spaced(`zipf ${exponent} ${rate}/s`, rate, (pages, rnd) => {
    const cdf = new Float64Array(pages);
    let sum = 0;
    for (let k = 0; k < pages; k++) {
      sum += 1 / (k + 1) ** exponent;
      cdf[k] = sum;
    }
    return () => {
      const x = rnd() * sum;
      let lo = 0;
      let hi = pages - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cdf[mid]! < x) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
  });
}
