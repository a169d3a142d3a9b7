/**
 * Tests of the pool's two study modes: proactive writeback with and without the
 * per-memcg cursor (seed 003: v4 of Hao Jia's series dropped it), and what becomes of
 * pages that do not compress (reject, store raw, store raw and retry later).
 */

import { isRefusal } from '@tierswap/base';
import { entropyPage, textPages } from '@tierswap/bench-kit';
import { createCodec } from '@tierswap/compress';
import { afterEach, describe, expect, it } from 'vitest';
import { REJECT_MODE_REFUSALS } from './refusals.js';
import { type FileWritebackTarget, TEST_GROUPS, testPool } from './testing/fixtures.js';
import type { ZswapPoolOptions } from './types.js';
import { ZswapError } from './zswapError.js';

const { a: A, b: B, c: C } = TEST_GROUPS;

const targets: FileWritebackTarget[] = [];
afterEach(() => {
  for (const t of targets.splice(0)) t.close();
});

function setup(over: Partial<ZswapPoolOptions> = {}) {
  const fixture = testPool(createCodec('lz4'), over);
  targets.push(fixture.target);
  return fixture;
}

/** lz4 cannot shrink a page of random 5-bit symbols; zstd's entropy coder takes a third off. */
const lowEntropy = (seed: number) => entropyPage(4096, 5, 0, seed);

describe('proactive writeback with and without the per-memcg cursor', () => {
  function fill(pool: ReturnType<typeof setup>['pool']) {
    const corpus = textPages(64);
    for (let id = 0; id < 2048; id++) pool.store(id, id % 2 === 0 ? B : C, corpus[id % 64]!);
  }

  it('with the cursor, repeated small requests alternate between the two children', () => {
    const { pool } = setup();
    fill(pool);
    for (let i = 0; i < 10; i++) {
      const r = pool.proactiveWriteback({ memcg: A, maxBytes: 64 * 4096 });
      expect(isRefusal(r) ? -1 : r.pages).toBe(64);
    }
    expect(pool.memcgStats(B).zswpwb_proactive).toBe(320);
    expect(pool.memcgStats(C).zswpwb_proactive).toBe(320);
  });

  it('without it (v4), every request below the batch is taken from the first child', () => {
    const { pool } = setup({ proactiveCursor: false });
    fill(pool);
    for (let i = 0; i < 10; i++) pool.proactiveWriteback({ memcg: A, maxBytes: 64 * 4096 });
    expect(pool.memcgStats(B).zswpwb_proactive).toBe(640);
    expect(pool.memcgStats(C).zswpwb_proactive).toBe(0);
    // Once the first child is drained the walk reaches the second.
    for (let i = 0; i < 8; i++) pool.proactiveWriteback({ memcg: A, maxBytes: 64 * 4096 });
    expect(pool.memcgStats(B).zswpwb_proactive).toBe(1024);
    expect(pool.memcgStats(C).zswpwb_proactive).toBe(128);
  });

  it('setTunables switches the walk; a non-boolean is refused and changes nothing', () => {
    const { pool } = setup();
    expect(() => pool.setTunables({ proactiveCursor: 'no' as unknown as boolean })).toThrow(
      /proactiveCursor must be a boolean, got "no"/,
    );
    pool.setTunables({ proactiveCursor: false });
    fill(pool);
    pool.proactiveWriteback({ memcg: A, maxBytes: 64 * 4096 });
    pool.proactiveWriteback({ memcg: A, maxBytes: 64 * 4096 });
    expect(pool.memcgStats(C).zswpwb_proactive).toBe(0);
  });
});

describe('incompressible pages', () => {
  it("'store_raw' (default) keeps them raw; 'reject' refuses them even when writeback is on", () => {
    const raw = setup();
    expect(raw.pool.store(1, B, lowEntropy(1))).toBe('stored_raw');
    expect(raw.pool.memcgStats(B).zswap_incomp).toBe(4096);
    const rej = setup({ incompressible: 'reject' });
    expect(rej.pool.store(1, B, lowEntropy(1))).toBe(REJECT_MODE_REFUSALS.reject_compress_poor);
    expect(rej.pool.stats().reject_compress_poor).toBe(1);
    expect(rej.pool.stats().stored_pages).toBe(0);
    // Compressible pages are stored as before.
    expect(rej.pool.store(2, B, textPages(1)[0]!)).toBe('stored');
  });

  it("'retry' recompresses raw entries on the shrink worker once they are old enough, with the retry codec", () => {
    let queued = 0;
    const { pool, clock } = setup({
      incompressible: 'retry',
      rawRetrySeconds: 60,
      retryCodec: createCodec('zstd', { level: 3 }),
      queueShrinkWork: () => {
        queued++;
      },
    });
    const pages = [lowEntropy(1), lowEntropy(2), lowEntropy(3)];
    pages.forEach((p, id) => {
      expect(pool.store(id, B, p)).toBe('stored_raw');
    });
    // Young raw entries are not retried yet: the worker was asked, found none old enough.
    pool.runShrinkWorker();
    expect(pool.stats().recompress_attempts).toBe(0);
    clock.advance(61_000);
    queued = 0;
    expect(pool.store(10, C, textPages(1)[0]!)).toBe('stored');
    expect(queued).toBe(1); // the store found a retry pass due
    pool.runShrinkWorker();
    const s = pool.stats();
    expect(s.recompress_attempts).toBe(3);
    expect(s.recompressed_pages).toBe(3);
    expect(s.stored_incompressible_pages).toBe(0);
    expect(pool.memcgStats(B).zswap_incomp).toBe(0);
    expect(pool.memcgStats(B).zswpout).toBe(3); // not counted twice
    expect(pool.memcgStats(B).zswap).toBeLessThan(3 * 2800);
    expect(pool.lengthOf(0)).toBeLessThan(4096);
    const out = new Uint8Array(4096);
    for (let id = 0; id < 3; id++) {
      expect(pool.load(id, out)).toBe(true);
      expect(Buffer.compare(out, pages[id]!)).toBe(0);
    }
    expect(pool.memcgStats(B).zswap).toBe(0);
  });

  it("'retry' with the same codec spends one attempt per entry; passes wait rawRetrySeconds", () => {
    const { pool, clock } = setup({ incompressible: 'retry', rawRetrySeconds: 30 });
    pool.store(1, B, lowEntropy(1));
    clock.advance(31_000);
    pool.runShrinkWorker();
    expect(pool.stats().recompress_attempts).toBe(1);
    expect(pool.stats().recompressed_pages).toBe(0);
    pool.store(2, B, lowEntropy(2));
    clock.advance(10_000);
    pool.runShrinkWorker(); // not due again yet
    expect(pool.stats().recompress_attempts).toBe(1);
    clock.advance(21_000);
    pool.runShrinkWorker(); // due: entry 2 is tried, entry 1 is not tried again
    expect(pool.stats().recompress_attempts).toBe(2);
    clock.advance(31_000);
    pool.runShrinkWorker();
    expect(pool.stats().recompress_attempts).toBe(2);
    expect(pool.lengthOf(1)).toBe(4096);
    expect(pool.stats().stored_incompressible_pages).toBe(2);
  });

  it('retryRawEntries runs a pass now; bad arguments and modes are refused naming the value', () => {
    const { pool } = setup({ retryCodec: createCodec('zstd', { level: 1 }) });
    pool.store(1, B, lowEntropy(1));
    expect(pool.retryRawEntries()).toBe(1);
    expect(pool.stats().stored_incompressible_pages).toBe(0);
    expect(() => pool.retryRawEntries(-1)).toThrow(ZswapError);
    expect(() => pool.retryRawEntries(1, Number.NaN)).toThrow(/minAgeSeconds/);
    expect(() => pool.setTunables({ incompressible: 'maybe' as never })).toThrow(
      /incompressible must be one of reject, store_raw, retry, got "maybe"/,
    );
    expect(() => pool.setTunables({ rawRetrySeconds: -1 })).toThrow(/rawRetrySeconds/);
  });
});
