import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOSTILE_VALUES } from '@tierswap/bench-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileSource } from './fileSource.js';
import { generatedSource } from './generatedSource.js';
import { processSource } from './processSource.js';
import { readSnapshot, writeSnapshot } from './snapshotFile.js';
import type { PageSource } from './types.js';
import { WorkloadError } from './workloadError.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wl-snap-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hex = (s: PageSource) =>
  [...s.pages()].map((p) => `${p.region}:${Buffer.from(p.bytes).toString('hex')}`);

async function thrown(f: () => unknown): Promise<WorkloadError> {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(WorkloadError);
    return e as WorkloadError;
  }
  throw new Error('did not throw');
}

describe('snapshot files', () => {
  it('round-trips generated pages, storing zero pages as a flag only', async () => {
    const src = generatedSource({ pages: 300, seed: 5, zeroShare: 0.5, incompressibleShare: 0.2 });
    const path = join(dir, 'gen.snap');
    const progress: number[] = [];
    const res = await writeSnapshot(src, path, (done, total) => {
      expect(total).toBe(300);
      progress.push(done);
    });
    expect(progress).toEqual([256, 300]);
    expect(res).toEqual({ path, pages: 300, zeroPages: 150, bytes: statSync(path).size });
    // Header, table and index fit in the first data-aligned 8 KiB; 150 stored pages.
    expect(res.bytes).toBe(8192 + 150 * 4096);
    const back = readSnapshot(path);
    expect(back.name).toBe(src.name);
    expect(back.regions).toEqual(src.regions);
    expect(back.pageCount).toBe(300);
    expect(back.zeroPages).toBe(150);
    expect(hex(back)).toEqual(hex(src));
    expect(hex(back)).toEqual(hex(back)); // re-iterable
    expect(back.addressOf(7)).toBe(7 * 4096);
    expect(readdirSync(dir)).toEqual(['gen.snap']); // no temporary file left
  });

  it('keeps each page of a process its VMA and address', async () => {
    const src = processSource(process.pid, { maxPages: 600 });
    const path = join(dir, 'self.snap');
    await writeSnapshot(src, path);
    const back = readSnapshot(path);
    expect(back.name).toBe(src.name);
    expect(back.regions).toEqual(src.regions);
    expect(hex(back)).toEqual(hex(src));
    for (let i = 0; i < back.pageCount; i += 37) {
      expect(back.addressOf(i)).toBe(src.addressOf(i));
    }
    const pages = [...back.pages()];
    for (let i = 0; i < pages.length; i++) {
      const r = back.regions[pages[i]!.region]!;
      expect(back.addressOf(i)).toBeGreaterThanOrEqual(r.start);
      expect(back.addressOf(i)).toBeLessThan(r.end);
    }
  });

  it('keeps file regions, with offsets in the file as addresses', async () => {
    const f = join(dir, 'data.txt');
    writeFileSync(f, 'x'.repeat(9000));
    const src = fileSource(f);
    const path = join(dir, 'files.snap');
    await writeSnapshot(src, path);
    const back = readSnapshot(path);
    expect(back.regions).toEqual([{ name: f, start: 0, end: 9000, perms: 'file' }]);
    expect([0, 1, 2].map((i) => back.addressOf(i))).toEqual([0, 4096, 8192]);
    expect(hex(back)).toEqual(hex(src));
    rmSync(f);
  });

  it('rejects foreign, truncated, padded, damaged and newer files, naming the file', async () => {
    const good = join(dir, 'good.snap');
    await writeSnapshot(generatedSource({ pages: 20, seed: 1 }), good);
    const foreign = join(dir, 'foreign');
    writeFileSync(foreign, 'hello, this is not a snapshot at all, just text'.repeat(10));
    let e = await thrown(() => readSnapshot(foreign));
    expect(e.code).toBe('BAD_FORMAT');
    expect(e.message).toBe(
      `@tierswap/workload/snapshotFile.readSnapshot: ${JSON.stringify(foreign)} is not a tierswap snapshot (no "TSWPSNAP" magic at its start)`,
    );
    const cut = join(dir, 'cut.snap');
    copyFileSync(good, cut);
    truncateSync(cut, statSync(good).size - 1);
    e = await thrown(() => readSnapshot(cut));
    expect(e.message).toMatch(
      /cut\.snap" is \d+ bytes, its header says \d+ \(20 pages, 20 stored\): truncated$/,
    );
    const empty = join(dir, 'empty.snap');
    writeFileSync(empty, '');
    expect((await thrown(() => readSnapshot(empty))).message).toMatch(/is not a tierswap snapshot/);
    const padded = join(dir, 'padded.snap');
    writeFileSync(padded, Buffer.concat([readFileSync(good), Buffer.alloc(1)]));
    expect((await thrown(() => readSnapshot(padded))).message).toMatch(/has trailing bytes$/);
    const newer = join(dir, 'newer.snap');
    const bytes = readFileSync(good);
    bytes.writeUInt32LE(2, 8);
    writeFileSync(newer, bytes);
    expect((await thrown(() => readSnapshot(newer))).message).toMatch(
      /is snapshot format version 2; this reader knows version 1$/,
    );
    const table = readFileSync(good);
    table[64] = 0x5b; // '[' where '{' was
    writeFileSync(newer, table);
    expect((await thrown(() => readSnapshot(newer))).message).toMatch(
      /has a damaged region table$/,
    );
    const index = readFileSync(good);
    index.writeUInt32LE(9, 64 + index.readUInt32LE(20)); // page 0 in region 9 of 1
    writeFileSync(newer, index);
    expect((await thrown(() => readSnapshot(newer))).message).toMatch(
      /damaged page index \(page 0\)$/,
    );
    e = await thrown(() => readSnapshot(join(dir, 'missing.snap')));
    expect(e.code).toBe('NOT_FOUND');
  });

  it('writes atomically: a failing source leaves nothing new and the old file intact', async () => {
    const path = join(dir, 'atomic.snap');
    await writeSnapshot(generatedSource({ pages: 3, seed: 2 }), path);
    const before = readFileSync(path);
    const failing: PageSource = {
      name: 'failing',
      regions: [{ name: 'x', start: 0, end: 4096 * 1000, perms: 'gen' }],
      pageCount: 1000,
      *pages() {
        for (let i = 0; i < 600; i++)
          yield { bytes: new Uint8Array(4096).fill(i & 255), region: 0 };
        throw new Error('source broke');
      },
    };
    await expect(writeSnapshot(failing, path)).rejects.toThrow(/source broke/);
    expect(readFileSync(path).equals(before)).toBe(true);
    const fresh = join(dir, 'fresh.snap');
    await expect(writeSnapshot(failing, fresh)).rejects.toThrow(/source broke/);
    expect(readdirSync(dir).filter((n) => n.includes('fresh') || n.includes('.tmp'))).toEqual([]);
  });

  it('refuses a source that breaks its contract and bad arguments', async () => {
    const short: PageSource = {
      name: 'short',
      regions: [{ name: 'x', start: 0, end: 8192, perms: 'gen' }],
      pageCount: 2,
      *pages() {
        yield { bytes: new Uint8Array(4096), region: 0 };
      },
    };
    let e = await thrown(() => writeSnapshot(short, join(dir, 'short.snap')));
    expect(e.message).toBe(
      '@tierswap/workload/snapshotFile.writeSnapshot: source "short" yielded 1 pages, its pageCount says 2',
    );
    const wrongSize: PageSource = {
      ...short,
      pageCount: 1,
      *pages() {
        yield { bytes: new Uint8Array(100), region: 0 };
      },
    };
    e = await thrown(() => writeSnapshot(wrongSize, join(dir, 'w.snap')));
    expect(e.message).toMatch(/page 0 of source "short" is not 4096 bytes, got Uint8Array\(100\)/);
    const wrongRegion: PageSource = {
      ...short,
      pageCount: 1,
      *pages() {
        yield { bytes: new Uint8Array(4096), region: 3 };
      },
    };
    e = await thrown(() => writeSnapshot(wrongRegion, join(dir, 'w.snap')));
    expect(e.message).toMatch(/names region 3, it has 1/);
    e = await thrown(() => writeSnapshot({} as PageSource, join(dir, 'w.snap')));
    expect(e.code).toBe('INVALID_ARGUMENT');
    e = await thrown(() => writeSnapshot(short, ''));
    expect(e.message).toMatch(/path must be a non-empty string without NUL, got ""/);
    e = await thrown(() =>
      writeSnapshot(generatedSource({ pages: 1, seed: 1 }), join(dir, 'no', 'such', 'dir.snap')),
    );
    expect(e.code).toBe('NOT_FOUND');
    expect(
      readdirSync(dir).filter((n) => n.includes('.tmp') || n === 'w.snap' || n === 'short.snap'),
    ).toEqual([]);
    const one = generatedSource({ pages: 1, seed: 1 });
    for (const v of HOSTILE_VALUES) {
      if (typeof v === 'string' && v !== '' && !v.includes('\0')) continue;
      expect((await thrown(() => writeSnapshot(one, v as string))).code).toBe('INVALID_ARGUMENT');
      expect((await thrown(() => readSnapshot(v as string))).code).toBe('INVALID_ARGUMENT');
      expect((await thrown(() => writeSnapshot(v as PageSource, join(dir, 'h.snap')))).code).toBe(
        'INVALID_ARGUMENT',
      );
    }
    e = await thrown(() => writeSnapshot(one, join(dir, 'h.snap'), 5 as never));
    expect(e.message).toMatch(/onProgress must be a function, got 5/);
  });
});
