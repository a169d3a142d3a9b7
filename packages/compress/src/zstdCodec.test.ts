/**
 * Tests of the zstd codec (the system's libzstd through the tierswap_zstd addon,
 * native/zstdNative.c): its frames and @mongodb-js/zstd's read each other on real
 * pages; corrupt frames are refused (the destination untouched by decompress, nothing
 * written outside the page in place); the addon's range and type checks; the error a
 * missing libzstd gives; and worker threads, each with its own contexts.
 */

import { isRefusal } from '@tierswap/base';
import { filePages, heapSnapshotPages, NODE_BINARY, rng, textPages } from '@tierswap/bench-kit';
import { describe, expect, it } from 'vitest';
import { createCodec } from './createCodec.js';
import { addonDecode, addonEncode } from './nativeAddon.js';
import { badRanges, createCodecInChild, runAddonWorkers } from './testing/addonHarness.js';
import { createZstdBatchCodec } from './zstdBatchCodec.js';
import { loadLibzstd } from './zstdCodec.js';

const PAGE = 4096;
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
    const { info } = loadLibzstd();
    expect(info.name).toBe('libzstd');
    expect(info.version).toMatch(/^1\.\d+\.\d+$/);
  });

  it('reads @mongodb-js/zstd frames and writes frames it reads, at several levels', {
    timeout: 30_000,
  }, async () => {
    const pages = realPages();
    for (const level of [1, 3, 12]) {
      const native = createCodec('zstd', { level });
      const binding = createZstdBatchCodec({ level });
      const fromBinding = (await binding.compressBatch(pages)).map((c) => c.slice());
      const fromNative = pages.map((p) => native.compress(p).slice());
      const out = new Uint8Array(PAGE);
      for (let i = 0; i < pages.length; i++) {
        expect(native.decompress(fromBinding[i]!, out)).toBe(true);
        expect(same(out, pages[i]!)).toBe(true);
      }
      const outs = pages.map(() => new Uint8Array(PAGE));
      expect(await binding.decompressBatch(fromNative, outs)).toBe(true);
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
      const good = codec.compress(page).slice();
      const cases: Uint8Array[] = [
        good.subarray(0, good.length - 1),
        good.subarray(0, 5),
        small.compress(page.subarray(0, 1024)).slice(), // a valid frame of 1 KiB
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
        const r = codec.decompress(c, dst);
        const ok = r === true;
        if (!ok) {
          expect(isRefusal(r)).toBe(true);
          expect(r).toMatchObject({ errno: 'EIO', code: 'decompress_fail' });
        }
        const wide = new Uint8Array(3 * PAGE).fill(0x77);
        expect(codec.decodeInto(c, 0, c.length, wide, PAGE) === true).toBe(ok);
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
    const { addon } = loadLibzstd();
    const page = filePages(NODE_BINARY, PAGE, 7, 1)[0]!;
    const frame = createCodec('zstd').compress(page).slice();
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
    expect(() => createCodec('zstd').compress(new Uint8Array(100))).toThrow(
      /got Uint8Array\(100\)/,
    );
  });

  it('names the library, what to install and which codec to pick when libzstd cannot be opened', () => {
    const env = { TIERSWAP_LIBZSTD: '/nonexistent/libzstd.so.1' };
    const r = createCodecInChild('zstd', "createCodec('lz4')", env);
    expect(r.stderr).toBe('');
    expect(r.lines[0]).toMatch(
      /^BINDING_LOAD_FAILED .*dlopen\(\/nonexistent\/libzstd\.so\.1\) failed/,
    );
    expect(r.lines[0]).toMatch(/apt-get install libzstd1/);
    expect(r.lines[0]).toMatch(/pick lz4 instead \(createCodec\('lz4'\)/);
    expect(r.lines.at(-1)).toBe('liblz4');
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
      expect(codec.decompress(codec.compress(p), back)).toBe(true);
      expect(same(back, p)).toBe(true);
    }
    expect(await running).toEqual([10 * 32, 10 * 32, 10 * 32]);
  });
});
