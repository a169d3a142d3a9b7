/**
 * Tests of the native lz4 path (lz4Native.ts and the addon native/lz4Native.c over the
 * system's liblz4): byte-identical output to our WebAssembly encoder (two independent
 * implementations of C lz4's fast mode agreeing on real pages), byte-exact decoding of
 * every encoder's pages from a range of an arena into an offset of the destination,
 * fuzzed corrupt input (refused, the destination untouched, agreement with the plain
 * reference decoder whenever a block is accepted), range and type checks, the error a
 * missing library gives, and one addon state per Node environment (worker threads).
 */

import {
  entropyPage,
  filePages,
  heapSnapshotPages,
  NODE_BINARY,
  rng,
  textPages,
} from '@tierswap/bench-kit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { badRanges, createCodecInChild, runAddonWorkers } from '../bench/addonHarness.js';
import { encodeBlock, referenceDecode, sequenceArb } from '../bench/lz4Reference.js';
import { createCodec } from './createCodec.js';
import { loadLz4 } from './loadBinding.js';
import { LZ4_PREFIX_BYTES } from './lz4Block.js';
import { Lz4NativeEncoder, loadLz4Native } from './lz4Native.js';
import { Lz4WasmEncoder } from './lz4WasmEncoder.js';
import { addonDecode, addonEncode } from './nativeAddon.js';

const PAGE = 4096;
const { addon } = loadLz4Native();

function realPages(): Uint8Array[] {
  return [
    ...filePages(NODE_BINARY, PAGE, 100, 96),
    ...textPages(48, PAGE, '/usr/share'),
    ...heapSnapshotPages(32),
    entropyPage(PAGE, 8, 0, 1), // incompressible
    entropyPage(PAGE, 5, 0.5, 2),
    entropyPage(PAGE, 2, 0.9, 3),
    new Uint8Array(PAGE),
  ];
}

describe('native lz4 (system liblz4 through the tierswap_lz4 addon)', () => {
  it('reports the library it opened', () => {
    expect(loadLz4Native().info.name).toBe('liblz4');
    expect(loadLz4Native().info.version).toMatch(/^1\.\d+\.\d+$/);
  });

  it("compresses real pages to exactly our WebAssembly encoder's bytes (both are C lz4's fast mode)", () => {
    const native = new Lz4NativeEncoder(PAGE);
    const wasm = new Lz4WasmEncoder();
    for (const page of realPages()) {
      const a = native.compressBlock(page).slice();
      const b = wasm.compressBlock(page);
      expect(Buffer.compare(a, b)).toBe(0);
    }
  });

  it("decodes every encoder's pages byte-exactly, from an arena range into a destination offset", () => {
    const napi = loadLz4().api;
    const native = new Lz4NativeEncoder(PAGE);
    for (const page of realPages()) {
      // liblz4's block, and lz4-napi's (lz4_flex) behind its 4-byte size prefix.
      for (const c of [
        native.compressBlock(page).slice(),
        napi.compressSync(Buffer.from(page)).subarray(LZ4_PREFIX_BYTES),
      ]) {
        const arena = new Uint8Array(c.length + 100).fill(0xee);
        arena.set(c, 37);
        const dst = new Uint8Array(3 * PAGE).fill(0x11);
        expect(addonDecode(addon, arena, 37, 37 + c.length, dst, PAGE, PAGE)).toBe(PAGE);
        expect(Buffer.compare(dst.subarray(PAGE, 2 * PAGE), page)).toBe(0);
        // nothing outside the page changed
        expect(dst.subarray(0, PAGE).every((b) => b === 0x11)).toBe(true);
        expect(dst.subarray(2 * PAGE).every((b) => b === 0x11)).toBe(true);
      }
    }
  });

  const FILLED = new Uint8Array(PAGE).fill(0x77);
  const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0;

  it('refuses truncated, wrong-size and bit-flipped blocks: the destination untouched, or in place never written outside', () => {
    const native = new Lz4NativeEncoder(PAGE);
    const half = new Lz4NativeEncoder(PAGE / 2);
    const next = rng(5);
    let refused = 0;
    for (const page of filePages(NODE_BINARY, PAGE, 3000, 24)) {
      const good = native.compressBlock(page).slice();
      const cases: Uint8Array[] = [
        good.subarray(0, good.length - 1),
        good.subarray(0, 1),
        half.compressBlock(page.subarray(0, PAGE / 2)).slice(), // a valid block of 2 KiB
      ];
      for (let k = 0; k < 40; k++) {
        const bad = good.slice();
        const at = Math.floor(next() * bad.length);
        bad[at] = bad[at]! ^ (1 << Math.floor(next() * 8));
        cases.push(bad);
      }
      for (const c of cases) {
        const dst = new Uint8Array(PAGE).fill(0x77);
        const n = addonDecode(addon, c, 0, c.length, dst, 0, PAGE);
        // In place (the pool's path), into the middle of three pages: same verdict, and
        // whatever it wrote stays inside the middle page.
        const wide = new Uint8Array(3 * PAGE).fill(0x77);
        const m = addonDecode(addon, c, 0, c.length, wide, PAGE, PAGE, true);
        expect(m).toBe(n);
        expect(sameBytes(wide.subarray(0, PAGE), FILLED)).toBe(true);
        expect(sameBytes(wide.subarray(2 * PAGE), FILLED)).toBe(true);
        if (n < 0) {
          refused++;
          expect(sameBytes(dst, FILLED)).toBe(true);
        } else {
          // accepted: it must be a valid block, decoding to what the reference decodes
          expect(n).toBe(PAGE);
          expect(referenceDecode(c, PAGE)).toEqual([...dst]);
          expect(sameBytes(wide.subarray(PAGE, 2 * PAGE), dst)).toBe(true);
        }
      }
    }
    expect(refused).toBeGreaterThan(24 * 3); // at least every truncation and wrong size
  });

  it('agrees with the reference decoder on generated blocks, and refuses what does not decode to the size asked', () => {
    fc.assert(
      fc.property(
        fc.array(sequenceArb, { maxLength: 40 }),
        fc.uint8Array({ maxLength: 20 }),
        (seqs, last) => {
          const block = encodeBlock(seqs, last);
          const ref = referenceDecode(block, 1 << 20);
          const size = ref?.length ?? 100;
          const dst = new Uint8Array(size + 8).fill(0x42);
          const n = size === 0 ? -1 : addonDecode(addon, block, 0, block.length, dst, 4, size);
          if (n >= 0) {
            expect(ref).toEqual([...dst.subarray(4, 4 + size)]);
          } else {
            expect(dst.every((b) => b === 0x42)).toBe(true);
          }
          // asking for one byte more than the block holds is always refused
          if (ref !== undefined) {
            const longer = new Uint8Array(size + 1);
            expect(addonDecode(addon, block, 0, block.length, longer, 0, size + 1)).toBe(-1);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('returns -1 for ranges outside the buffers and throws TypeError for bad arguments', () => {
    const page = filePages(NODE_BINARY, PAGE, 7, 1)[0]!;
    const block = new Lz4NativeEncoder(PAGE).compressBlock(page).slice();
    const dst = new Uint8Array(PAGE);
    const n = block.length;
    for (const inPlace of [false, true]) {
      const decode = (s0: number, s1: number, d0: number, size: number): number =>
        addonDecode(addon, block, s0, s1, dst, d0, size, inPlace);
      for (const [s0, s1, d0, size] of badRanges(n, PAGE))
        expect(decode(s0, s1, d0, size)).toBe(-1);
    }
    const decode = (s0: number, s1: number, d0: number, size: number): number =>
      addonDecode(addon, block, s0, s1, dst, d0, size);
    expect(addonEncode(addon, page, new Uint8Array(10), 11)).toBe(0);
    expect(addonEncode(addon, page, new Uint8Array(100), 0)).toBe(0); // does not fit
    expect(dst.every((b) => b === 0)).toBe(true);
    expect(decode(0, n, 0, PAGE)).toBe(PAGE); // and the good call still works
    const raw = addon.decode as (...args: unknown[]) => number;
    expect(() => raw([1, 2, 3], dst)).toThrow(TypeError);
    expect(() => raw(new Uint16Array(8), dst)).toThrow(/expected a Uint8Array/);
    expect(() => raw(block)).toThrow(/decode: 2 arguments expected/);
    expect(() => (addon.decodeInto as (...args: unknown[]) => number)(block)).toThrow(
      /decodeInto: 2 arguments expected/,
    );
    expect(() => (addon.encode as (...args: unknown[]) => number)(page)).toThrow(
      /encode: 2 arguments expected/,
    );
  });

  it('names the library and the fix when liblz4 cannot be opened', () => {
    const wasm = { lz4Encoder: 'wasm', lz4Decoder: 'wasm' };
    const r = createCodecInChild('lz4', wasm, { TIERSWAP_LIBLZ4: '/nonexistent/liblz4.so.1' });
    expect(r.stderr).toBe('');
    expect(r.lines[0]).toMatch(
      /^BINDING_LOAD_FAILED .*dlopen\(\/nonexistent\/liblz4\.so\.1\) failed/,
    );
    expect(r.lines[0]).toMatch(/apt-get install liblz4-1/);
    expect(r.lines[0]).toMatch(/lz4Encoder: 'wasm', lz4Decoder: 'wasm'/);
    expect(r.lines.at(-1)).toBe('tierswap-lz4-wasm');
  });

  it('keeps one state per Node environment: worker threads compress and decode at once', async () => {
    const pages = filePages(NODE_BINARY, PAGE, 500, 64);
    const running = runAddonWorkers(
      'tierswap_lz4',
      pages,
      `const out = new Uint8Array(8192), back = new Uint8Array(${PAGE});
      let ok = 0;
      for (let round = 0; round < 20; round++) {
        for (const p of pages) {
          a.args[2] = 0;
          const n = a.encode(p, out);
          a.args.set([0, n, 0, ${PAGE}]);
          if (a.decode(out, back) === ${PAGE} && Buffer.compare(back, p) === 0) ok++;
        }
      }
      parentPort.postMessage(ok);`,
    );
    // the main thread keeps using its own state meanwhile
    const codec = createCodec('lz4');
    const back = new Uint8Array(PAGE);
    for (const p of pages) {
      codec.decompressSync(codec.compressSync(p), back);
      expect(Buffer.compare(back, p)).toBe(0);
    }
    expect(await running).toEqual([20 * 64, 20 * 64, 20 * 64]);
  });
});
