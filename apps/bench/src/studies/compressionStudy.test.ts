import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BenchError } from '../benchError.js';
import { checkReport } from '../report/reportChecks.js';
import { createReportWriter } from '../report/reportWriter.js';
import { filePageSource } from '../testing/filePageSource.js';
import { hasTool, runNative } from './compressionNative.js';
import { writeCompressionReport } from './compressionReport.js';
import { type CompressionResult, compressionResultSchema } from './compressionResult.js';
import { compressionStudy } from './compressionStudy.js';

// Real inputs: a slice of the node binary, C headers, and a file we build from real
// bytes with a known number of zero and same-filled pages.
let dir: string;
let mixed: string;
const ZERO = 37;
const SAME = 11;
const REAL = 300;

function headerFiles(n: number): string[] {
  const out: string[] = [];
  for (const name of readdirSync('/usr/include').sort()) {
    const p = join('/usr/include', name);
    if (name.endsWith('.h') && statSync(p).size > 8192) out.push(p);
    if (out.length === n) break;
  }
  return out;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'compression-study-'));
  mixed = join(dir, 'mixed.bin');
  const node = readFileSync(process.execPath).subarray(8 << 20, (8 << 20) + REAL * 4096);
  const fd = openSync(mixed, 'w');
  writeSync(fd, node.subarray(0, 100 * 4096));
  writeSync(fd, new Uint8Array(ZERO * 4096));
  writeSync(fd, new Uint8Array(new Uint32Array(SAME * 1024).fill(0xdeadbeef).buffer));
  writeSync(fd, node.subarray(100 * 4096));
  closeSync(fd);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('compressionStudy (quick, real bytes)', () => {
  let result: CompressionResult;

  beforeAll(async () => {
    const sources = [mixed, ...headerFiles(12)];
    result = await compressionStudy(filePageSource(sources), {
      quick: true,
      workers: 2,
      bindingPages: 128,
    });
  }, 120_000);

  it('returns data matching its schema, with every codec measured', () => {
    expect(compressionResultSchema.parse(result)).toBeTruthy();
    expect(result.codecs.map((c) => c.codec)).toEqual(['lz4', 'zstd-1', 'zstd-3']);
    for (const c of result.codecs) {
      expect(c.pages).toBe(result.source.pages);
      expect(c.ratio).toBeGreaterThan(1);
      expect(c.pool.footprintBytes).toBeGreaterThanOrEqual(c.pool.heldBytes);
      expect(c.store.p99Us).toBeGreaterThanOrEqual(c.store.p50Us);
      expect(c.sizeHistogram.reduce((s, b) => s + b.pages, 0)).toBe(c.pages);
    }
  });

  it('counts the zero and same-filled pages that are there', () => {
    expect(result.zeroPages).toBe(ZERO);
    expect(result.sameFilledPages).toBe(SAME);
  });

  // The CLIs' benchmark mode with -B4096 compresses the file in independent 4 KiB
  // blocks with the same libraries and prints the exact total of the blocks, so the
  // tolerance is zero bytes: both sides run liblz4 / libzstd on the same blocks with
  // the same parameters (lz4 acceleration 1; one zstd frame with the content size).
  // The bytes are the study's own: it writes its pages to the file the CLIs read.
  it.skipIf(!hasTool('lz4') || !hasTool('zstd'))(
    "has the native CLIs' compressed totals on the same bytes, to the byte",
    () => {
      for (const c of result.codecs) {
        expect(c.native).not.toBeNull();
        expect(c.native?.inputBytes).toBe(c.inputBytes);
        expect(c.compressedBytes).toBe(c.native?.compressedBytes);
        expect(c.ratio).toBeCloseTo(c.native?.ratio ?? 0, 9);
      }
    },
  );

  it('breaks the ratio down per region (one per file here), multi-page units, dictionary and bindings', () => {
    expect(result.regions.length).toBe(13);
    expect(result.regions.reduce((s, r) => s + r.pages, 0)).toBe(result.source.pages);
    const mixedRow = result.regions.find((r) => r.name === mixed);
    expect(mixedRow?.zeroShare).toBeCloseTo(ZERO / (REAL + ZERO + SAME), 9);
    expect(result.units.map((u) => `${u.codec}/${u.unitBytes}`)).toEqual([
      'lz4/16384',
      'lz4/65536',
      'zstd-1/16384',
      'zstd-1/65536',
      'zstd-3/16384',
      'zstd-3/65536',
    ]);
    // Larger units see more history: C headers compress better in 64 KiB than in 4 KiB.
    for (const u of result.units.filter((x) => x.unitBytes === 65536))
      expect(u.gain).toBeGreaterThan(1);
    expect(result.dictionary?.rows.map((r) => r.codec)).toEqual(['zstd-1', 'zstd-3']);
    expect(result.bindings.map((b) => b.codec)).toEqual(
      expect.arrayContaining(['lz4', 'zstd-1', 'zstd-3']),
    );
    for (const b of result.bindings) expect(b.ratio).toBeGreaterThan(1);
  });

  it('writes a well-formed report: JSON against its schema, SVG charts, links that resolve', async () => {
    const out = join(dir, 'report');
    const files = await writeCompressionReport(createReportWriter(out), result);
    expect(checkReport(out)).toEqual([]);
    expect(files.charts.length).toBeGreaterThanOrEqual(6);
    const md = readFileSync(files.summary, 'utf8');
    expect(md).toContain('**Conclusion.**');
    expect(md).toContain('| lz4 |');
  });
});

// An independent check of the same claim: the CLIs read the original file themselves
// (not the study's copy of its pages), so the study's reading of a source is checked too.
// mixed.bin is a whole number of pages, so the CLIs' 4 KiB blocks are the study's pages.
describe.skipIf(!hasTool('lz4') || !hasTool('zstd'))(
  'compressionStudy against the CLIs on the original file',
  () => {
    it('has the same compressed totals as lz4 -b1 -B4096 and zstd -b3 -B4096 on the file', async () => {
      const r = await compressionStudy(filePageSource([mixed]), {
        codecs: ['lz4', 'zstd-3'],
        quick: true,
        native: false,
        unitSizes: [],
        dictionary: false,
        bindings: false,
      });
      expect(statSync(mixed).size).toBe(r.source.bytes);
      const lz4 = runNative('lz4', 1, mixed);
      const zstd = runNative('zstd', 3, mixed);
      expect(r.codecs[0]?.compressedBytes).toBe(lz4.compressedBytes);
      expect(r.codecs[1]?.compressedBytes).toBe(zstd.compressedBytes);
    }, 120_000);
  },
);

describe('compressionStudy arguments', () => {
  it('refuses unknown codecs, bad sizes and non-sources, naming the value', async () => {
    const source = filePageSource([mixed]);
    await expect(compressionStudy(source, { codecs: ['zstd-25'] })).rejects.toThrow(/zstd-25/);
    await expect(compressionStudy(source, { codecs: ['gzip'] })).rejects.toThrow(BenchError);
    await expect(compressionStudy(source, { maxPages: 0 })).rejects.toThrow(/maxPages 0/);
    await expect(compressionStudy(source, { workers: 0 })).rejects.toThrow(/workers 0/);
    await expect(compressionStudy(source, { unitSizes: [12288] })).rejects.toThrow(/12288/);
    await expect(compressionStudy({} as never)).rejects.toThrow(/PageSource/);
  });
});
