/**
 * Real and generated page corpora for the tests and benchmarks of @tierswap/compress.
 *
 * Why: the rules ask for real data. Real pages come from files on this machine (the
 * node binary, text under /usr/share); generated pages have a controlled entropy so a
 * test can ask for "incompressible" or "about 2x" and get it, reproducibly (seeded).
 */

import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** A small seeded PRNG (mulberry32): reproducible generated pages. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A page whose bytes are drawn from 2^bits symbols, with `repeat` (0..1) of it made of
 * copies of earlier 8..64-byte runs. bits=8, repeat=0 is incompressible; repeat near 1 is
 * very compressible for LZ codecs.
 */
export function entropyPage(
  pageSize: number,
  bits: number,
  repeat: number,
  seed: number,
): Uint8Array {
  const r = rng(seed);
  const page = new Uint8Array(pageSize);
  const mask = (1 << bits) - 1;
  let i = 0;
  while (i < pageSize) {
    if (i >= 64 && r() < repeat) {
      const len = Math.min(pageSize - i, 8 + Math.floor(r() * 56));
      const from = Math.floor(r() * (i - len > 0 ? i - len : 1));
      for (let k = 0; k < len; k++) page[i + k] = page[from + k]!;
      i += len;
    } else {
      page[i++] = bits === 0 ? 0 : Math.floor(r() * 256) & mask;
    }
  }
  return page;
}

/** Read `count` pages from `path` starting at page `first` (short files wrap around). */
export function filePages(
  path: string,
  pageSize: number,
  first: number,
  count: number,
): Uint8Array[] {
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  try {
    const pagesInFile = Math.max(1, Math.floor(size / pageSize));
    const out: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const page = new Uint8Array(pageSize);
      readSync(fd, page, 0, pageSize, ((first + i) % pagesInFile) * pageSize);
      out.push(page);
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/** Concatenated text files under `dir` (e.g. /usr/share/common-licenses) as pages. */
export function textPages(dir: string, pageSize: number, count: number): Uint8Array[] {
  const chunks: Buffer[] = [];
  let total = 0;
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      if (total >= count * pageSize) return;
      const p = join(d, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && st.size > 0) {
        const fd = openSync(p, 'r');
        try {
          const b = Buffer.alloc(Math.min(st.size, count * pageSize - total));
          readSync(fd, b, 0, b.length, 0);
          chunks.push(b);
          total += b.length;
        } finally {
          closeSync(fd);
        }
      }
    }
  };
  walk(dir);
  const all = Buffer.concat(chunks);
  const out: Uint8Array[] = [];
  for (let i = 0; i + pageSize <= all.length && out.length < count; i += pageSize) {
    out.push(new Uint8Array(all.subarray(i, i + pageSize)));
  }
  return out;
}

/** The node binary: a real, mixed (code + data + strings) corpus present on every machine. */
export const NODE_BINARY = process.execPath;
