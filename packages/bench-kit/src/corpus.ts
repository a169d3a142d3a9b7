/**
 * Page corpora for tests and benchmarks. The rules ask for real data, so real pages come
 * from files on every machine (the node binary: code, data and strings; the licence texts
 * under /usr/share/common-licenses: prose). Generated pages have a controlled entropy, so
 * a test can ask for "incompressible" or "about 2x" and get it, reproducibly (seeded).
 */

import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { rng } from './rng.js';

/** The node binary: a real, mixed (code + data + strings) corpus present on every machine. */
export const NODE_BINARY = process.execPath;

/**
 * A page of 2^bits-symbol bytes where `repeat` (0..1) of it copies earlier runs:
 * bits 8 / repeat 0 is incompressible, high repeat compresses well with LZ codecs.
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

/** `count` pages of a real file from page `first` on (wrapping at the end). */
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

/**
 * `count` pages of the files under `dir` (default /usr/share/common-licenses), walked
 * recursively in name order and concatenated: real text. Reading stops once there are
 * enough bytes, so a large tree such as /usr/share costs only what is used. A short
 * corpus is cycled; page i of a later cycle starts 1 byte further on per cycle, so
 * repeated pages are not identical.
 */
export function textPages(
  count: number,
  pageSize = 4096,
  dir = '/usr/share/common-licenses',
): Uint8Array[] {
  const want = count * pageSize + 64;
  const parts: Buffer[] = [];
  let total = 0;
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      if (total >= want) return;
      const p = join(d, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (st?.isDirectory()) walk(p);
      else if (st?.isFile() && st.size > 0) {
        const part = readFileSync(p).subarray(0, want - total);
        parts.push(part);
        total += part.length;
      }
    }
  };
  walk(dir);
  const all = Buffer.concat(parts);
  const perCycle = Math.floor((all.length - 64) / pageSize);
  if (perCycle < 1) {
    throw new Error(
      `textPages: ${dir} holds ${all.length} bytes, less than one ${pageSize} B page`,
    );
  }
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const cycle = Math.floor(i / perCycle);
    const off = (i % perCycle) * pageSize + (cycle % 64);
    out.push(new Uint8Array(all.subarray(off, off + pageSize)));
  }
  return out;
}

/**
 * Up to `count` pages of a V8 heap snapshot of this process: real, JSON-shaped data, much
 * like what a Node service's swap holds. The snapshot file is written to a temporary
 * directory and removed again.
 */
export function heapSnapshotPages(count: number, pageSize = 4096): Uint8Array[] {
  const dir = mkdtempSync(join(tmpdir(), 'tierswap-heap-'));
  try {
    const bytes = readFileSync(writeHeapSnapshot(join(dir, 'heap.heapsnapshot')));
    const out: Uint8Array[] = [];
    for (let i = 0; i + pageSize <= bytes.length && out.length < count; i += pageSize) {
      out.push(new Uint8Array(bytes.subarray(i, i + pageSize)));
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** True when every byte of `page` is 0 (pages are multiples of 8 bytes). */
function isAllZero(page: Uint8Array): boolean {
  const words = new BigUint64Array(page.buffer, page.byteOffset, page.byteLength >>> 3);
  for (let i = 0; i < words.length; i++) if (words[i] !== 0n) return false;
  return true;
}

/**
 * Up to `count` non-zero pages of this process's own anonymous memory (V8 heap, malloc
 * arenas), read through /proc/self/mem: the closest thing to what a swap pool sees.
 * Zero pages are skipped (the swap layer keeps them out of zswap). Returns fewer pages
 * when the process has less readable memory.
 */
export function procSelfPages(count: number, pageSize = 4096): Uint8Array[] {
  const maps = readFileSync('/proc/self/maps', 'utf8').split('\n');
  const fd = openSync('/proc/self/mem', 'r');
  const out: Uint8Array[] = [];
  try {
    for (const line of maps) {
      const m = /^([0-9a-f]+)-([0-9a-f]+) rw-p \S+ \S+ \d+\s*(.*)$/.exec(line);
      if (!m) continue;
      const path = m[3] ?? '';
      if (path !== '' && path !== '[heap]') continue;
      const start = Number.parseInt(m[1]!, 16);
      const end = Number.parseInt(m[2]!, 16);
      for (let a = start; a + pageSize <= end && out.length < count; a += pageSize) {
        const page = new Uint8Array(pageSize);
        let n = 0;
        try {
          n = readSync(fd, page, 0, pageSize, BigInt(a));
        } catch {
          break; // unreadable mapping (guard pages): next mapping
        }
        if (n !== pageSize) break;
        if (!isAllZero(page)) out.push(page);
      }
      if (out.length >= count) break;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}
