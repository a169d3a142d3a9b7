import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  best,
  EDGE_NUMBERS,
  entropyPage,
  filePages,
  HOSTILE_NON_NUMBERS,
  HOSTILE_NUMBERS,
  HOSTILE_VALUES,
  hostileBuffers,
  hostileValue,
  median,
  NODE_BINARY,
  rng,
  textPages,
  zramFill,
  zramUnavailable,
} from './index.js';

describe('rng', () => {
  it('repeats the same sequence for the same seed, in [0, 1)', () => {
    const a = rng(7);
    const b = rng(7);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBe(1000);
    expect(rng(8)()).not.toBe(rng(7)());
  });
});

describe('hostile values', () => {
  it('the fixed lists hold no u32 and no Uint8Array page', () => {
    const isU32 = (v: unknown) => typeof v === 'number' && v >>> 0 === v;
    expect(HOSTILE_VALUES).toEqual([...HOSTILE_NUMBERS, ...HOSTILE_NON_NUMBERS]);
    expect(HOSTILE_VALUES.filter(isU32)).toEqual([]);
    expect(EDGE_NUMBERS.every(isU32)).toBe(true);
    for (const t of ['bigint', 'symbol', 'function', 'string', 'undefined']) {
      expect(HOSTILE_VALUES.some((v) => typeof v === t)).toBe(true);
    }
    const buffers = hostileBuffers(4096);
    expect(buffers.some((b) => b instanceof Uint8Array && b.length === 4096)).toBe(false);
    expect(buffers.some((b) => b instanceof DataView)).toBe(true);
  });
  it('the arbitrary draws in-range integers, every hostile value, and the extras', () => {
    const seen = fc.sample(hostileValue({ min: 5, max: 6, edges: [2 ** 27], extra: ['memory'] }), {
      numRuns: 5000,
      seed: 1,
    });
    expect(seen).toContain(5);
    expect(seen).toContain(2 ** 27);
    expect(seen).toContain('memory');
    for (const v of [...HOSTILE_VALUES, ...EDGE_NUMBERS]) {
      expect(seen.some((s) => Object.is(s, v))).toBe(true);
    }
  });
});

describe('median and best', () => {
  it('takes the middle sample, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(/no samples/);
    expect(best([3, 1.5, 2])).toBe(1.5);
    expect(() => best([])).toThrow(/no samples/);
  });
});

describe('corpora', () => {
  it('generates pages whose entropy follows the requested symbol count', () => {
    const random = entropyPage(4096, 8, 0, 1);
    const nibbles = entropyPage(4096, 4, 0, 1);
    expect(new Set(random).size).toBeGreaterThan(250);
    expect(new Set(nibbles).size).toBeLessThanOrEqual(16);
    expect(entropyPage(4096, 8, 0, 1)).toEqual(random);
  });

  it('reads real pages of a file, wrapping at its end', () => {
    const [first] = filePages(NODE_BINARY, 4096, 0, 1);
    expect(Array.from(first!.subarray(0, 4))).toEqual([0x7f, 0x45, 0x4c, 0x46]); // ELF magic
    const pages = filePages(NODE_BINARY, 4096, 10, 3);
    expect(pages.map((p) => p.length)).toEqual([4096, 4096, 4096]);
  });

  it('returns as many text pages as asked for, cycling through the texts', () => {
    const pages = textPages(5000);
    expect(pages).toHaveLength(5000);
    const printable = pages[0]!.filter((b) => b === 10 || (b >= 32 && b < 127)).length;
    expect(printable / 4096).toBeGreaterThan(0.95);
  });

  it('walks directories below the one it is given', () => {
    // /usr/share holds directories at its top level; the pages come from files below them.
    const pages = textPages(64, 4096, '/usr/share');
    expect(pages).toHaveLength(64);
    expect(new Set(pages.map((p) => p.join(','))).size).toBe(64);
  });

  it('says clearly when a directory has no text to give', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-kit-'));
    try {
      writeFileSync(join(dir, 'short.txt'), 'ten bytes!');
      expect(() => textPages(1, 4096, dir)).toThrow(/holds 10 bytes, less than one 4096 B page/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('kernel zram', () => {
  it('fills a device of its own with the pages and reads mm_stat, then removes it', () => {
    const why = zramUnavailable();
    if (why !== undefined) {
      // Machines without zram or root: the reason must say which.
      expect(why).toMatch(/zram|root/);
      expect(() => zramFill([new Uint8Array(4096)], 1, 'lz4')).toThrow(why);
      return;
    }
    const devices = (): string[] => readdirSync('/sys/block').filter((d) => d.startsWith('zram'));
    const before = devices();
    const zero = new Uint8Array(4096);
    const pages = [zero, ...filePages(NODE_BINARY, 4096, 500, 63)];
    const st = zramFill(pages, 128, 'lz4');
    expect(st.origDataSize).toBe(128 * 4096);
    expect(st.samePages).toBe(2); // the zero page, twice
    expect(st.comprDataSize).toBeGreaterThan(0);
    expect(st.comprDataSize).toBeLessThan(126 * 4096);
    expect(st.memUsedTotal).toBeGreaterThanOrEqual(st.comprDataSize);
    expect(devices()).toEqual(before);
    expect(() => zramFill(pages, 1, 'no-such-codec')).toThrow(/has no no-such-codec/);
    expect(devices()).toEqual(before);
    expect(() => zramFill([new Uint8Array(100)], 1, 'lz4')).toThrow(/4096 B each/);
  });
});
