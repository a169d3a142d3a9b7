/**
 * Tests of the lz4 codec's default library (the system's liblz4 through the
 * tierswap_lz4 addon, native/lz4Native.c): its blocks follow the format's end rules and
 * decode through the plain reference decoder and lz4-napi, on real pages and inputs of
 * every small length; liblz4's and lz4-napi's pages decode byte-exactly from an arena
 * range into a destination offset; every copy path of a decoder (short periods, long
 * runs, sequences ending at the page end); fuzzed corrupt input (refused, the
 * destination untouched, or in place never written outside; agreement with the
 * reference decoder whenever a block is accepted); range and type checks; the error a
 * missing library gives; and one addon state per Node environment (worker threads).
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
import { createCodec } from './createCodec.js';
import { loadLz4Napi } from './loadBinding.js';
import { loadLiblz4 } from './lz4Codec.js';
import { addonDecode, addonEncode } from './nativeAddon.js';
import { badRanges, createCodecInChild, runAddonWorkers } from './testing/addonHarness.js';
import {
  blockFollowsEndRules,
  encodeBlock,
  literalMatchPages,
  periodicPages,
  referenceDecode,
  sequenceArb,
} from './testing/lz4Reference.js';

const PAGE = 4096;
const { addon } = loadLiblz4();
const napi = loadLz4Napi().api;
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0;

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

/** liblz4's block for `input` of any length (the addon takes any length). */
function liblz4Block(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(input.length + Math.floor(input.length / 255) + 16);
  const n = addonEncode(addon, input, out, 0);
  expect(n).toBeGreaterThan(0);
  return out.subarray(0, n);
}

/** Check a liblz4 block of `input`: end rules, reference decoder, lz4-napi. */
function expectValidBlock(input: Uint8Array): Uint8Array {
  const c = liblz4Block(input);
  const n = input.length;
  expect(c.length).toBeLessThanOrEqual(n + Math.floor(n / 255) + 16);
  expect(blockFollowsEndRules(c, n)).toBe(true);
  expect(referenceDecode(c, n)).toEqual([...input]);
  const sized = Buffer.alloc(4 + c.length);
  sized.writeUInt32LE(n, 0);
  sized.set(c, 4);
  expect(same(napi.uncompressSync(sized), input)).toBe(true);
  return c;
}

/** Decode `c` into the middle of three pages through the codec, in place and not. */
function expectDecodes(c: Uint8Array, page: Uint8Array): void {
  const codec = createCodec('lz4', { pageSize: page.length });
  const out = new Uint8Array(page.length);
  expect(codec.decompress(c, out)).toBe(true);
  expect(same(out, page)).toBe(true);
  const wide = new Uint8Array(3 * page.length).fill(0x5a);
  expect(codec.decodeInto(c, 0, c.length, wide, page.length)).toBe(true);
  expect(same(wide.subarray(page.length, 2 * page.length), page)).toBe(true);
  expect(wide.subarray(0, page.length).every((b) => b === 0x5a)).toBe(true);
  expect(wide.subarray(2 * page.length).every((b) => b === 0x5a)).toBe(true);
}

describe('lz4 through liblz4 (the tierswap_lz4 addon)', () => {
  it('reports the library it opened', () => {
    expect(loadLiblz4().info.name).toBe('liblz4');
    expect(loadLiblz4().info.version).toMatch(/^1\.\d+\.\d+$/);
  });

  it('writes valid blocks that the reference decoder and lz4-napi read, at lz4-napi ratio or better', () => {
    for (const pages of [
      filePages(NODE_BINARY, PAGE, 0, 256),
      textPages(128, PAGE, '/usr/share'),
      heapSnapshotPages(128),
    ]) {
      let ours = 0;
      let theirs = 0;
      for (const p of pages) {
        ours += expectValidBlock(p).length;
        theirs += napi.compressSync(Buffer.from(p)).length - 4;
      }
      expect(ours).toBeLessThanOrEqual(theirs * 1.03);
    }
    // a zero page is a handful of bytes: one literal, one long match, 5 literals
    expect(expectValidBlock(new Uint8Array(PAGE)).length).toBeLessThan(40);
  });

  it('writes valid blocks for inputs of every length from 1 to 80, and for 64 KiB', () => {
    const r = rng(42);
    for (let n = 1; n <= 80; n++) {
      const random = new Uint8Array(n);
      for (let i = 0; i < n; i++) random[i] = Math.floor(r() * 256);
      expectValidBlock(random);
      expectValidBlock(new Uint8Array(n).fill(9));
      expectValidBlock(entropyPage(n, 2, 0.5, n));
    }
    const big = filePages(NODE_BINARY, 65536, 3, 1)[0]!;
    expectDecodes(expectValidBlock(big).slice(), big);
    expectDecodes(createCodec('lz4', { pageSize: 65536 }).compress(big).slice(), big);
  });

  it('stores incompressible pages as a valid literals-only block longer than the page', () => {
    const codec = createCodec('lz4');
    for (let seed = 1; seed <= 8; seed++) {
      const page = entropyPage(PAGE, 8, 0, seed);
      const c = codec.compress(page).slice();
      // zswap's raw path keys on this: a result of a page or more is poor compression
      expect(c.length).toBeGreaterThanOrEqual(PAGE);
      expect(c[0]).toBe(0xf0);
      expect(blockFollowsEndRules(c, PAGE)).toBe(true);
      expectDecodes(c, page);
    }
  });

  it('gives the same bytes for the same page, whatever was compressed before', () => {
    const page = textPages(1, PAGE)[0]!;
    const codec = createCodec('lz4');
    const first = codec.compress(page).slice();
    codec.compress(entropyPage(PAGE, 3, 0.5, 7));
    expect(same(codec.compress(page), first)).toBe(true);
    expect(same(createCodec('lz4').compress(page), first)).toBe(true);
  });

  it("decodes liblz4's and lz4-napi's pages byte-exactly, from an arena range into a destination offset", () => {
    const codec = createCodec('lz4');
    for (const page of realPages()) {
      for (const c of [
        codec.compress(page).slice(),
        napi.compressSync(Buffer.from(page)).subarray(4), // behind its 4-byte size
      ]) {
        const arena = new Uint8Array(c.length + 100).fill(0xee);
        arena.set(c, 37);
        const dst = new Uint8Array(3 * PAGE).fill(0x11);
        expect(addonDecode(addon, arena, 37, 37 + c.length, dst, PAGE, PAGE)).toBe(PAGE);
        expect(same(dst.subarray(PAGE, 2 * PAGE), page)).toBe(true);
        // nothing outside the page changed
        expect(dst.subarray(0, PAGE).every((b) => b === 0x11)).toBe(true);
        expect(dst.subarray(2 * PAGE).every((b) => b === 0x11)).toBe(true);
      }
    }
  });

  it('decodes every copy path: short periods at every phase, long runs and matches, copies ending at the page end', () => {
    const codec = createCodec('lz4');
    for (const page of periodicPages(17)) expectDecodes(codec.compress(page).slice(), page);
    for (const page of literalMatchPages([127, 128, 129, 300, 1000])) {
      expectDecodes(codec.compress(page).slice(), page);
    }
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const page = entropyPage(PAGE, 4, 0.9, seed);
      expectDecodes(codec.compress(page).slice(), page);
    }
  });

  const FILLED = new Uint8Array(PAGE).fill(0x77);

  it('refuses truncated, wrong-size and bit-flipped blocks: the destination untouched, or in place never written outside', () => {
    const codec = createCodec('lz4');
    const half = createCodec('lz4', { pageSize: PAGE / 2 });
    const next = rng(5);
    let refused = 0;
    for (const page of filePages(NODE_BINARY, PAGE, 3000, 24)) {
      const good = codec.compress(page).slice();
      const cases: Uint8Array[] = [
        good.subarray(0, good.length - 1),
        good.subarray(0, 1),
        half.compress(page.subarray(0, PAGE / 2)).slice(), // a valid block of 2 KiB
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
        expect(same(wide.subarray(0, PAGE), FILLED)).toBe(true);
        expect(same(wide.subarray(2 * PAGE), FILLED)).toBe(true);
        if (n < 0) {
          refused++;
          expect(same(dst, FILLED)).toBe(true);
        } else {
          // accepted: it must be a valid block, decoding to what the reference decodes
          expect(n).toBe(PAGE);
          expect(referenceDecode(c, PAGE)).toEqual([...dst]);
          expect(same(wide.subarray(PAGE, 2 * PAGE), dst)).toBe(true);
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

  it('decodes every short sequence shape at every distance from the end, in place, exactly in its room', () => {
    // 40 literal bytes (so every offset is valid), then one sequence of each literal
    // length 0..14, match length 4..18 and offset, then 0..40 closing literals: the
    // room is exactly the decoded length, inside a larger buffer.
    const r = rng(3);
    const head = Array.from({ length: 40 }, () => Math.floor(r() * 256));
    const tail = Array.from({ length: 40 }, () => Math.floor(r() * 256));
    const dst = new Uint8Array(200);
    let checked = 0;
    let accepted = 0;
    for (let lit = 0; lit <= 14; lit++) {
      for (let mlen = 4; mlen <= 18; mlen++) {
        for (const offset of [1, 2, 3, 4, 5, 7, 8, 9, 16, 40]) {
          for (let t = 0; t <= 40; t++) {
            const block = new Uint8Array([
              0xf0,
              40 - 15,
              ...head,
              1, // the first sequence's match: 4 bytes at offset 1
              0,
              (lit << 4) | (mlen - 4),
              ...tail.slice(0, lit),
              offset,
              0,
              Math.min(t, 15) << 4,
              ...(t >= 15 ? [t - 15] : []),
              ...tail.slice(0, t),
            ]);
            const want = referenceDecode(block, Number.POSITIVE_INFINITY)!;
            dst.fill(0x42);
            const n = addonDecode(addon, block, 0, block.length, dst, 50, want.length, true);
            // Every block that keeps the format's end rules (what every encoder writes)
            // decodes; liblz4 may refuse one that breaks them, never decode it wrong.
            const valid = blockFollowsEndRules(block, want.length);
            if (
              (valid && n !== want.length) ||
              (n !== -1 && n !== want.length) ||
              dst[49] !== 0x42
            ) {
              expect({ lit, mlen, offset, t, n }).toEqual({ lit, mlen, offset, t, valid });
            }
            if (n !== -1) {
              accepted++;
              for (let k = 0; k < want.length; k++) {
                if (dst[50 + k] !== want[k]) expect({ lit, mlen, offset, t, k }).toBe('byte-exact');
              }
            }
            expect(dst.subarray(50 + want.length).every((b) => b === 0x42)).toBe(true);
            checked++;
          }
        }
      }
    }
    expect(checked).toBe(15 * 15 * 10 * 41);
    expect(accepted).toBeGreaterThan(checked / 3);
  });

  it('refuses malformed blocks: truncated extensions, matches past the end, offsets before the start', () => {
    const cases: number[][] = [
      [0xf0], // literal length 15 needs an extension byte
      [0xf0, 255], // ... and another
      [0x0f, 0, 1, 0], // no literals: offset 1 reaches before the start
      [0x1f, 65, 1, 0, 255], // match extension cut short
      [0x1f, 65, 1, 0, 60, 0x10, 66], // match of 4 + 15 + 60 bytes > 64
      [0x50, 1, 2, 3], // 5 literals announced, 3 present
      [0x10, 65, 1], // offset cut to one byte
      [0x10, 97, 0, 0, 0x10, 98], // offset 0
      [0x10, 97, 2, 0, 0x10, 98], // offset 2 with only 1 byte decoded
    ];
    for (const block of cases) {
      const src = new Uint8Array(block);
      const out = new Uint8Array(64).fill(9);
      for (const inPlace of [false, true]) {
        expect(addonDecode(addon, src, 0, src.length, out, 0, 64, inPlace)).toBe(-1);
      }
    }
    // a valid overlapping match: 'a' then 4 more copies of offset 1, then 12 literals
    const ok = new Uint8Array([0x10, 97, 1, 0, 0xc0, ...Buffer.from('bbbbbbbbbbbb')]);
    const out = new Uint8Array(17);
    expect(addonDecode(addon, ok, 0, ok.length, out, 0, 17)).toBe(17);
    expect(Buffer.from(out).toString()).toBe('aaaaabbbbbbbbbbbb');
  });

  it('property: random blocks never throw, never write outside the page, never touch src', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 600 }),
        fc.nat(40),
        fc.nat(40),
        fc.integer({ min: 1, max: 300 }),
        (block, srcPad, dstPad, room) => {
          const src = new Uint8Array(block.length + 2 * srcPad).fill(0xee);
          src.set(block, srcPad);
          const srcCopy = src.slice();
          const dst = new Uint8Array(room + 2 * dstPad).fill(0x77);
          const end = srcPad + block.length;
          const n = addonDecode(addon, src, srcPad, end, dst, dstPad, room, true);
          expect(n === -1 || n === room).toBe(true);
          expect(dst.subarray(0, dstPad).every((b) => b === 0x77)).toBe(true);
          expect(dst.subarray(dstPad + room).every((b) => b === 0x77)).toBe(true);
          expect(same(src, srcCopy)).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('returns -1 for ranges outside the buffers and throws TypeError for bad arguments', () => {
    const page = filePages(NODE_BINARY, PAGE, 7, 1)[0]!;
    const block = createCodec('lz4').compress(page).slice();
    const dst = new Uint8Array(PAGE);
    const n = block.length;
    for (const inPlace of [false, true]) {
      const decode = (s0: number, s1: number, d0: number, size: number): number =>
        addonDecode(addon, block, s0, s1, dst, d0, size, inPlace);
      for (const [s0, s1, d0, size] of badRanges(n, PAGE))
        expect(decode(s0, s1, d0, size)).toBe(-1);
    }
    expect(addonEncode(addon, page, new Uint8Array(10), 11)).toBe(0);
    expect(addonEncode(addon, page, new Uint8Array(100), 0)).toBe(0); // does not fit
    expect(dst.every((b) => b === 0)).toBe(true);
    expect(addonDecode(addon, block, 0, n, dst, 0, PAGE)).toBe(PAGE); // the good call works
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

  it('names the library, what to install and which codec to pick when liblz4 cannot be opened', () => {
    const r = createCodecInChild('lz4', "createCodec('lz4', { lz4Library: 'lz4-napi' })", {
      TIERSWAP_LIBLZ4: '/nonexistent/liblz4.so.1',
    });
    expect(r.stderr).toBe('');
    expect(r.lines[0]).toMatch(
      /^BINDING_LOAD_FAILED .*dlopen\(\/nonexistent\/liblz4\.so\.1\) failed/,
    );
    expect(r.lines[0]).toMatch(/apt-get install liblz4-1/);
    expect(r.lines[0]).toMatch(/lz4Library: 'lz4-napi'/);
    expect(r.lines.at(-1)).toBe('lz4-napi');
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
      expect(codec.decompress(codec.compress(p), back)).toBe(true);
      expect(same(back, p)).toBe(true);
    }
    expect(await running).toEqual([20 * 64, 20 * 64, 20 * 64]);
  });
});
