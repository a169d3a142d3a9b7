import { HOSTILE_VALUES } from '@tierswap/bench-kit';
import { createCodec, isZeroPage, sameFilledWord } from '@tierswap/compress';
import { describe, expect, it } from 'vitest';
import { generatedSource } from './generatedSource.js';
import { WorkloadError } from './workloadError.js';

const lz4 = createCodec('lz4');

function lz4Ratio(pages: Iterable<{ bytes: Uint8Array }>): number {
  let raw = 0;
  let packed = 0;
  for (const p of pages) {
    raw += p.bytes.length;
    packed += lz4.compress(p.bytes).length;
  }
  return raw / packed;
}

describe('generatedSource', () => {
  it('gives exact shares, and each kind is what it says (checked with the real codec)', () => {
    const src = generatedSource({
      pages: 200,
      seed: 7,
      zeroShare: 0.2,
      sameFilledShare: 0.1,
      incompressibleShare: 0.3,
      compressibility: 0.8,
    });
    expect(src.pageCount).toBe(200);
    const counts = { zero: 0, 'same-filled': 0, incompressible: 0, compressible: 0 };
    let i = 0;
    for (const p of src.pages()) {
      expect(p.bytes.length).toBe(4096);
      expect(p.region).toBe(0);
      const kind = src.kindOf(i++);
      counts[kind]++;
      const isZero = isZeroPage(p.bytes);
      const word = sameFilledWord(p.bytes);
      const packed = lz4.compress(p.bytes).length;
      if (kind === 'zero') expect(isZero).toBe(true);
      else expect(isZero).toBe(false);
      if (kind === 'same-filled') expect(word).toBeGreaterThan(0);
      else if (kind !== 'zero') expect(word).toBe(-1);
      // lz4 cannot shrink random bytes: its output is at least the page.
      if (kind === 'incompressible') expect(packed).toBeGreaterThanOrEqual(4096);
      if (kind === 'compressible') expect(packed).toBeLessThan(4096 * 0.6);
    }
    expect(i).toBe(200);
    expect(counts).toEqual({ zero: 40, 'same-filled': 20, incompressible: 60, compressible: 80 });
  });

  it('the compressibility knob moves the lz4 ratio monotonically', () => {
    const ratios = [0, 0.25, 0.5, 0.75, 0.9, 1].map((c) =>
      lz4Ratio(generatedSource({ pages: 32, seed: 3, compressibility: c }).pages()),
    );
    for (let k = 1; k < ratios.length; k++) expect(ratios[k]!).toBeGreaterThan(ratios[k - 1]!);
    expect(ratios[0]!).toBeLessThan(1.01); // nothing to gain at 0
    expect(ratios[2]!).toBeGreaterThan(1.5);
    expect(ratios[5]!).toBeGreaterThan(3);
  });

  it('is deterministic for a seed, re-iterable, and differs across seeds', () => {
    const opts = { pages: 40, seed: 12345, zeroShare: 0.25, incompressibleShare: 0.25 };
    const a = [...generatedSource(opts).pages()].map((p) => Buffer.from(p.bytes).toString('hex'));
    const src = generatedSource(opts);
    const b1 = [...src.pages()].map((p) => Buffer.from(p.bytes).toString('hex'));
    const b2 = [...src.pages()].map((p) => Buffer.from(p.bytes).toString('hex'));
    expect(b1).toEqual(a);
    expect(b2).toEqual(a);
    const c = [...generatedSource({ ...opts, seed: 12346 }).pages()].map((p) =>
      Buffer.from(p.bytes).toString('hex'),
    );
    expect(c).not.toEqual(a);
    // Non-zero pages differ from each other (no accidental reuse of a page's stream).
    const nonZero = a.filter((h) => !/^0+$/.test(h));
    expect(new Set(nonZero).size).toBe(nonZero.length);
  });

  it('refuses bad options naming the value', () => {
    for (const v of HOSTILE_VALUES) {
      if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 2 ** 31 - 1) continue;
      expect(() => generatedSource({ pages: v as number, seed: 1 })).toThrow(WorkloadError);
    }
    expect(() => generatedSource({ pages: 1, seed: 1.5 })).toThrow(
      /seed must be a safe integer, got 1.5/,
    );
    expect(() => generatedSource({ pages: 1, seed: 1, zeroShare: 1.2 })).toThrow(
      /zeroShare must be a number in \[0, 1\], got 1.2/,
    );
    expect(() =>
      generatedSource({ pages: 1, seed: 1, zeroShare: 0.6, incompressibleShare: 0.6 }),
    ).toThrow(/at most 1/);
    expect(() => generatedSource(null as never)).toThrow(/options must be an object/);
    const e = (() => {
      try {
        generatedSource({ pages: 1, seed: 1, compressibility: Number.NaN });
      } catch (err) {
        return err as WorkloadError;
      }
      return undefined;
    })();
    expect(e?.code).toBe('INVALID_ARGUMENT');
    expect(e?.errno).toBe('EINVAL');
    expect(e?.message).toBe(
      '@tierswap/workload/generatedSource: compressibility must be a number in [0, 1], got NaN',
    );
    expect(() => generatedSource({ pages: 3, seed: 1 }).kindOf(3)).toThrow(/0\.\.2, got 3/);
  });
});
