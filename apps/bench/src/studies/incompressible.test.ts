/**
 * The incompressible study in --quick mode: the mixed source really holds the three
 * kinds, and the three modes differ the way they must (reject puts pages on disk and
 * keeps none raw; store_raw keeps raw entries; retry shrinks some of them with zstd).
 */

import { createCodec } from '@tierswap/compress';
import { describe, expect, it } from 'vitest';
import { incompressibleSchema, incompressibleStudy, mixedSource } from './incompressible.js';

describe('mixedSource', () => {
  it('interleaves binary, base64 and random pages in the asked shares', () => {
    const src = mixedSource(100, 0.2, 0.2);
    const lz4 = createCodec('lz4');
    const zstd = createCodec('zstd', { level: 3 });
    let b64 = 0;
    let rnd = 0;
    let n = 0;
    for (const { bytes } of src.pages()) {
      n++;
      expect(bytes.length).toBe(4096);
      const isBase64 = bytes.every((c) => /[A-Za-z0-9+/=]/.test(String.fromCharCode(c)));
      if (isBase64) {
        b64++;
        // lz4 cannot shrink it; zstd takes about a quarter off.
        expect(lz4.compress(bytes).length).toBeGreaterThanOrEqual(4096);
        expect(zstd.compress(bytes).length).toBeLessThan(3300);
      } else if (zstd.compress(bytes).length >= 4096) rnd++;
    }
    expect(n).toBe(100);
    expect(b64).toBe(20);
    expect(rnd).toBeGreaterThanOrEqual(20); // the random pages (and any incompressible part of the binary)
  });
});

describe('incompressibleStudy --quick', () => {
  it('measures memory, disk, refaults and CPU for reject, store_raw and retry', async () => {
    const out = await incompressibleStudy({ quick: true });
    const d = out.data;
    expect(incompressibleSchema.parse(d)).toEqual(d);
    const by = (m: string) => d.rows.find((r) => r.mode === m)!;
    const [rej, raw, retry] = [by('reject'), by('store_raw'), by('retry')];
    expect(rej.rawPagesAtEnd).toBe(0);
    expect(rej.pswpout).toBeGreaterThan(raw.pswpout);
    expect(raw.rawPagesAtEnd).toBeGreaterThan(0);
    expect(raw.recompressAttempts).toBe(0);
    expect(raw.meanZswapBytes).toBeGreaterThan(rej.meanZswapBytes);
    expect(retry.recompressedPages).toBeGreaterThan(0);
    expect(retry.recompressAttempts).toBeGreaterThan(retry.recompressedPages); // random pages never compress
    expect(retry.meanZswapBytes).toBeLessThan(raw.meanZswapBytes);
    console.log(out.summary);
  }, 60_000);
});
