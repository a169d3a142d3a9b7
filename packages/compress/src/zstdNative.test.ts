/**
 * Tests of the native zstd path (native/zstdNative.c): frames from libzstd and from
 * @mongodb-js/zstd read each other on real pages; corrupt frames are refused (the
 * destination untouched by decompressSync, nothing written outside the page in place);
 * the addon's range and type checks; the error a missing libzstd gives; and worker
 * threads, each with its own contexts.
 */

import { filePages, heapSnapshotPages, NODE_BINARY, rng, textPages } from '@tierswap/bench-kit';
import { describe, expect, it } from 'vitest';
import { badRanges, createCodecInChild, runAddonWorkers } from '../bench/addonHarness.js';
import { CompressError } from './compressError.js';
import { createCodec } from './createCodec.js';
import { addonDecode, addonEncode } from './nativeAddon.js';
import { loadZstdNative } from './zstdCodec.js';

const PAGE = 4096;
const BINDING = { zstdEncoder: 'binding', zstdDecoder: 'binding' } as const;
const FILLED = new Uint8Array(PAGE).fill(0x77);
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0;

function realPages(): Uint8Array[] {
  return [
    ...filePages(NODE_BINARY, PAGE, 700, 24),
    ...textPages(24, PAGE, '/usr/share/common-licenses'),
    ...heapSnapshotPages(24),
    new Uint8Array(PAGE),
  ];
}

describe('native zstd (system libzstd through the tierswap_zstd addon)', () => {
  it('reports the library it opened', () => {
    const { info } = loadZstdNative();
    expect(info.name).toBe('libzstd');
    expect(info.version).toMatch(/^1\.\d+\.\d+$/);
  });

  it('reads @mongodb-js/zstd frames and writes frames it reads, at several levels', async () => {
    const pages = realPages();
    for (const level of [1, 3, 12]) {
      const native = createCodec('zstd', { level });
      const binding = createCodec('zstd', { level, ...BINDING });
      const fromBinding = (await binding.compressBatch(pages)).map((c) => c.slice());
      const fromNative = pages.map((p) => native.compressSync(p).slice());
      const out = new Uint8Array(PAGE);
      for (let i = 0; i < pages.length; i++) {
        native.decompressSync(fromBinding[i]!, out);
        expect(same(out, pages[i]!)).toBe(true);
      }
      const outs = pages.map(() => new Uint8Array(PAGE));
      await binding.decompressBatch(fromNative, outs);
      for (let i = 0; i < pages.length; i++) expect(same(outs[i]!, pages[i]!)).toBe(true);
      // Same library family, same level: sizes within a few percent of each other.
      const total = (cs: Uint8Array[]): number => cs.reduce((n, c) => n + c.length, 0);
      expect(total(fromNative) / total(fromBinding)).toBeGreaterThan(0.95);
      expect(total(fromNative) / total(fromBinding)).toBeLessThan(1.05);
    }
  });

  it('refuses truncated, bit-flipped and wrong-size frames: untouched, or in place never written outside', () => {
    const codec = createCodec('zstd', { level: 3 });
    const small = createCodec('zstd', { pageSize: 1024 });
    const next = rng(9);
    let refused = 0;
    for (const page of filePages(NODE_BINARY, PAGE, 4000, 16)) {
      const good = codec.compressSync(page).slice();
      const cases: Uint8Array[] = [
        good.subarray(0, good.length - 1),
        good.subarray(0, 5),
        small.compressSync(page.subarray(0, 1024)).slice(), // a valid frame of 1 KiB
        Uint8Array.of(...good, ...good), // two pages' worth of frames
      ];
      for (let k = 0; k < 40; k++) {
        const bad = good.slice();
        const at = Math.floor(next() * bad.length);
        bad[at] = bad[at]! ^ (1 << Math.floor(next() * 8));
        cases.push(bad);
      }
      for (const c of cases) {
        const dst = new Uint8Array(PAGE).fill(0x77);
        let ok = true;
        try {
          codec.decompressSync(c, dst);
        } catch (e) {
          expect(e).toBeInstanceOf(CompressError);
          expect((e as CompressError).code).toBe('CORRUPT_INPUT');
          ok = false;
        }
        const wide = new Uint8Array(3 * PAGE).fill(0x77);
        expect(codec.decompressRange(c, 0, c.length, wide, PAGE)).toBe(ok);
        expect(same(wide.subarray(0, PAGE), FILLED)).toBe(true);
        expect(same(wide.subarray(2 * PAGE), FILLED)).toBe(true);
        if (ok) {
          // A flip zstd cannot notice (no checksum) still yields exactly one page.
          expect(same(wide.subarray(PAGE, 2 * PAGE), dst)).toBe(true);
        } else {
          refused++;
          expect(same(dst, FILLED)).toBe(true);
        }
      }
    }
    expect(refused).toBeGreaterThan(16 * 4); // every truncation and wrong size at least
  });

  it('returns -1 or 0 for ranges and levels out of bounds and throws TypeError for bad arguments', () => {
    const { addon } = loadZstdNative();
    const page = filePages(NODE_BINARY, PAGE, 7, 1)[0]!;
    const frame = createCodec('zstd').compressSync(page).slice();
    const n = frame.length;
    const dst = new Uint8Array(PAGE);
    for (const inPlace of [false, true]) {
      const decode = (s0: number, s1: number, d0: number, size: number): number =>
        addonDecode(addon, frame, s0, s1, dst, d0, size, inPlace);
      for (const [s0, s1, d0, size] of badRanges(n, PAGE))
        expect(decode(s0, s1, d0, size)).toBe(-1);
      expect(decode(0, n, 0, PAGE - 1)).toBe(-1); // decodes to more than asked
      // Refusals leave dst untouched, except a frame decoded in place and found too long.
      if (!inPlace) expect(dst.every((b) => b === 0)).toBe(true);
    }
    expect(addonEncode(addon, page, new Uint8Array(20), 0, 3)).toBe(0); // does not fit
    expect(addonEncode(addon, page, new Uint8Array(8192), 0, 0)).toBe(0); // level 0
    expect(addonEncode(addon, page, new Uint8Array(8192), 0, 99)).toBe(0); // above the maximum
    expect(addonEncode(addon, page, new Uint8Array(8192), 9000, 3)).toBe(0);
    expect(addonDecode(addon, frame, 0, n, dst, 0, PAGE)).toBe(PAGE); // the good call works
    expect(same(dst, page)).toBe(true);
    const raw = addon.decode as (...args: unknown[]) => number;
    expect(() => raw([1, 2, 3], dst)).toThrow(TypeError);
    expect(() => raw(new Uint16Array(8), dst)).toThrow(/tierswap_zstd: expected a Uint8Array/);
    expect(() => raw(frame)).toThrow(/decode: 2 arguments expected/);
    expect(() => (addon.encode as (...args: unknown[]) => number)(page)).toThrow(
      /encode: 2 arguments expected/,
    );
    expect(() => createCodec('zstd').compressSync(new Uint8Array(100))).toThrow(/100 bytes/);
  });

  it('names the library and the fix when libzstd cannot be opened', () => {
    const env = { TIERSWAP_LIBZSTD: '/nonexistent/libzstd.so.1' };
    const r = createCodecInChild('zstd', BINDING, env);
    expect(r.stderr).toBe('');
    expect(r.lines[0]).toMatch(
      /^BINDING_LOAD_FAILED .*dlopen\(\/nonexistent\/libzstd\.so\.1\) failed/,
    );
    expect(r.lines[0]).toMatch(/apt-get install libzstd1/);
    expect(r.lines[0]).toMatch(/zstdEncoder: 'binding', zstdDecoder: 'binding'/);
    expect(r.lines.at(-1)).toBe('@mongodb-js/zstd');
  });

  it('keeps contexts per Node environment: worker threads compress and decode at once', async () => {
    const pages = filePages(NODE_BINARY, PAGE, 500, 32);
    const running = runAddonWorkers(
      'tierswap_zstd',
      pages,
      `const out = new Uint8Array(8192), back = new Uint8Array(${PAGE});
      let ok = 0;
      for (let round = 0; round < 10; round++) {
        for (const p of pages) {
          a.args.set([0, 0, 0, 1 + (round % 5)]);
          const n = a.encode(p, out);
          a.args.set([0, n, 0, ${PAGE}]);
          if (n > 0 && a.decodeInto(out, back) === ${PAGE} && Buffer.compare(back, p) === 0) ok++;
        }
      }
      parentPort.postMessage(ok);`,
    );
    const codec = createCodec('zstd', { level: 7 });
    const back = new Uint8Array(PAGE);
    for (const p of pages) {
      codec.decompressSync(codec.compressSync(p), back);
      expect(same(back, p)).toBe(true);
    }
    expect(await running).toEqual([10 * 32, 10 * 32, 10 * 32]);
  });
});
