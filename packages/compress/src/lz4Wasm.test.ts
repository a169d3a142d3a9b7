/**
 * Tests of the WebAssembly LZ4 block decoder (lz4Wasm.ts) and of its emitter
 * (wasmEmitter.ts): byte-exact against lz4-napi's uncompressSync on real pages (node
 * binary, /usr/share text, a V8 heap snapshot of this process) and generated entropy
 * pages; against a plain reference decoder on generated blocks and on every short
 * sequence shape at every distance from the end; and under fuzzing (random blocks,
 * corrupted real pages): refused with -1 / CORRUPT_INPUT, never thrown, never a write
 * outside the destination range, checked both in the caller's buffer and in the wasm
 * memory around the decoder's output region.
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
import {
  encodeBlock,
  literalMatchPages,
  periodicPages,
  referenceDecode,
  sequenceArb,
} from '../bench/lz4Reference.js';
import { CompressError } from './compressError.js';
import { createCodec } from './createCodec.js';
import { loadLz4 } from './loadBinding.js';
import { LZ4_PREFIX_BYTES } from './lz4Block.js';
import { LZ4_WASM_OUT_BASE, Lz4WasmDecoder } from './lz4Wasm.js';
import { emitModule, FunctionBuilder, I32, OP, sleb, uleb } from './wasmEmitter.js';
import { wasm } from './wasmRuntime.js';

const lz4 = loadLz4().api;
const decoder = new Lz4WasmDecoder();

function compress(page: Uint8Array): Uint8Array {
  return new Uint8Array(lz4.compressSync(Buffer.from(page)));
}

/** Decode `c` with the wasm decoder and check it gives lz4-napi's bytes and `page`. */
function expectExact(c: Uint8Array, page: Uint8Array): void {
  const out = new Uint8Array(page.length).fill(0xaa);
  expect(decoder.decodePrefixed(c, 0, c.length, out, 0, page.length)).toBe(page.length);
  expect(Buffer.compare(out, lz4.uncompressSync(Buffer.from(c)))).toBe(0);
  expect(Buffer.compare(out, page)).toBe(0);
}

/** Fill the decoder's wasm memory with a marker, so untouched bytes can be checked. */
function markMemory(d: Lz4WasmDecoder): void {
  d.memoryBytes.fill(0x3c);
}

/**
 * After a decode of `srcLen` input bytes into a room of `room`: the wasm memory before
 * the output region, between its end and the input, and after the input is unchanged.
 */
function expectMemoryUntouched(d: Lz4WasmDecoder, room: number, srcLen: number): void {
  const mem = d.memoryBytes;
  const same = (from: number, to: number): boolean => {
    for (let i = from; i < to; i++) if (mem[i] !== 0x3c) return false;
    return true;
  };
  expect(same(0, LZ4_WASM_OUT_BASE)).toBe(true);
  expect(same(LZ4_WASM_OUT_BASE + room, d.inputBase)).toBe(true);
  expect(same(d.inputBase + srcLen, Math.min(mem.length, d.inputBase + srcLen + 4096))).toBe(true);
}

describe('wasmEmitter', () => {
  it('encodes LEB128 as the spec examples say', () => {
    expect(uleb(0)).toEqual([0]);
    expect(uleb(127)).toEqual([127]);
    expect(uleb(128)).toEqual([0x80, 1]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(uleb(0xffffffff)).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(sleb(0)).toEqual([0]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(63)).toEqual([63]);
    expect(sleb(64)).toEqual([0xc0, 0]);
    expect(sleb(-64)).toEqual([0x40]);
    expect(sleb(-65)).toEqual([0xbf, 0x7f]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(() => uleb(-1)).toThrow(RangeError);
    expect(() => sleb(2 ** 31)).toThrow(RangeError);
  });

  it('assembles a module that validates and runs (loop, if/else, memory)', () => {
    // sum(n): 1 + 2 + ... + n through a loop, stored at address 8 and read back.
    const f = new FunctionBuilder([I32], [I32]);
    const acc = f.local();
    f.block((done) => {
      f.loop((again) => {
        f.get(0).op(OP.i32Eqz).brIf(done);
        f.get(acc).get(0).op(OP.i32Add).set(acc);
        f.get(0).i32(1).op(OP.i32Sub).set(0);
        f.br(again);
      });
    });
    f.i32(8).get(acc).store32();
    f.i32(8).load32();
    const g = new FunctionBuilder([I32], [I32]);
    g.get(0).i32(0).op(OP.i32LtS);
    g.if(
      () => {
        g.i32(-1).return();
      },
      () => {
        g.i32(1).return();
      },
    );
    g.i32(0);
    const bytes = emitModule(
      [
        { name: 'sum', fn: f },
        { name: 'sign', fn: g },
      ],
      1,
    );
    expect(wasm.validate(bytes)).toBe(true);
    const { exports } = new wasm.Instance(new wasm.Module(bytes), {});
    const sum = exports.sum;
    const sign = exports.sign;
    if (typeof sum !== 'function' || typeof sign !== 'function') throw new Error('exports');
    const unary = (fn: unknown): ((n: number) => number) => fn as (n: number) => number;
    expect(unary(sum)(100)).toBe(5050);
    expect(unary(sign)(-5)).toBe(-1);
    expect(unary(sign)(5)).toBe(1);
    expect(exports.memory).toBeInstanceOf(wasm.Memory);
  });
});

describe('Lz4WasmDecoder against lz4-napi', () => {
  it('decodes lz4-napi output byte-exact on real and generated pages', () => {
    const pages = [
      ...filePages(NODE_BINARY, 4096, 100, 300),
      ...textPages(80, 4096, '/usr/share'),
      ...heapSnapshotPages(100),
      ...[0, 1, 2, 3, 4, 5, 6, 7, 8].map((bits) => entropyPage(4096, bits, 0.5, bits + 1)),
      entropyPage(4096, 8, 0, 7),
      entropyPage(4096, 3, 0.95, 8),
      new Uint8Array(4096),
    ];
    for (const page of pages) expectExact(compress(page), page);
  });

  it('property: generated pages of any entropy decode byte-exact, as lz4-napi does', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 8 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.nat(),
        (bits, repeat, seed) => {
          expectExact(
            compress(entropyPage(4096, bits, repeat, seed)),
            entropyPage(4096, bits, repeat, seed),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('decodes from the middle of an arena into the middle of a larger buffer, neighbours untouched', () => {
    const page = filePages(NODE_BINARY, 4096, 7, 1)[0]!;
    const c = compress(page);
    const big = new Uint8Array(3 * 4096).fill(0x55);
    const src = new Uint8Array(c.length + 20).fill(0xee);
    src.set(c, 10);
    const srcCopy = src.slice();
    expect(decoder.decodePrefixed(src, 10, 10 + c.length, big, 4096, 4096)).toBe(4096);
    expect(Buffer.compare(big.subarray(4096, 8192), page)).toBe(0);
    expect(big.subarray(0, 4096).every((b) => b === 0x55)).toBe(true);
    expect(big.subarray(8192).every((b) => b === 0x55)).toBe(true);
    expect(Buffer.compare(src, srcCopy)).toBe(0);
  });

  it('decodes short-period patterns (offsets 1-17) at every phase, and runs up to the page end', () => {
    for (const page of periodicPages(17)) expectExact(compress(page), page);
  });

  it('decodes long literal runs and long non-overlapping matches (the memory.copy paths)', () => {
    for (const page of literalMatchPages([7, 8, 9, 15, 16, 31, 32, 33, 127, 300, 1000]))
      expectExact(compress(page), page);
  });

  it('works for every page size, growing its memory for 64 KiB pages and oversized inputs', () => {
    for (const pageSize of [256, 4096, 16384, 65536]) {
      const d = new Lz4WasmDecoder(pageSize);
      const page = entropyPage(pageSize, 8, 0, pageSize); // incompressible: input > page
      const c = compress(page);
      expect(c.length).toBeGreaterThan(pageSize);
      const out = new Uint8Array(pageSize);
      expect(d.decodePrefixed(c, 0, c.length, out, 0, pageSize)).toBe(pageSize);
      expect(Buffer.compare(out, page)).toBe(0);
      const text = textPages(1, pageSize, '/usr/share')[0]!;
      expect(d.decodePrefixed(compress(text), 0, compress(text).length, out, 0, pageSize)).toBe(
        pageSize,
      );
      expect(Buffer.compare(out, text)).toBe(0);
    }
    // A 4 KiB decoder asked for a 200 KiB output grows and still decodes.
    const d = new Lz4WasmDecoder();
    const big = entropyPage(200 * 1024, 4, 0.7, 3);
    const c = compress(big);
    const out = new Uint8Array(big.length);
    expect(d.decodePrefixed(c, 0, c.length, out, 0, big.length)).toBe(big.length);
    expect(Buffer.compare(out, big)).toBe(0);
  });
});

describe('Lz4WasmDecoder against a reference decoder', () => {
  it('property: generated blocks decode as the format says, inside the room or not at all', () => {
    fc.assert(
      fc.property(
        fc.array(sequenceArb, { maxLength: 60 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.integer({ min: -60, max: 20 }),
        fc.nat(48),
        (seqs, last, slack, pad) => {
          const block = encodeBlock(seqs, last);
          const full = referenceDecode(block, Number.POSITIVE_INFINITY);
          const total = full === undefined ? 200 : full.length;
          const room = Math.max(0, total + slack);
          const want = referenceDecode(block, room);
          const dst = new Uint8Array(room + 2 * pad).fill(0x3c);
          const d = new Lz4WasmDecoder(Math.max(room, 4096));
          markMemory(d);
          const n = d.decodeBlock(block, 0, block.length, dst, pad, pad + room);
          if (want === undefined) {
            expect(n).toBe(-1);
            expect(dst.every((b) => b === 0x3c)).toBe(true);
          } else {
            expect(n).toBe(want.length);
            expect(Array.from(dst.subarray(pad, pad + n))).toEqual(want);
          }
          expect(dst.subarray(0, pad).every((b) => b === 0x3c)).toBe(true);
          expect(dst.subarray(pad + room).every((b) => b === 0x3c)).toBe(true);
          expectMemoryUntouched(d, room, block.length);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('decodes every short sequence shape at every distance from the end, exactly in its room', () => {
    // 40 literal bytes (so every offset is valid), then one sequence of each literal
    // length 0..14, match length 4..18 and offset, then 0..40 closing literals: the room
    // is exactly the decoded length; the wasm memory past it must stay untouched.
    const r = rng(3);
    const head = Array.from({ length: 40 }, () => Math.floor(r() * 256));
    const tail = Array.from({ length: 40 }, () => Math.floor(r() * 256));
    const dst = new Uint8Array(200);
    const d = new Lz4WasmDecoder();
    // Decoded lengths are at most 40 + 14 + 18 + 40 bytes; a wild copy past the room
    // would land within 38 bytes of it, well inside this window.
    const WINDOW = LZ4_WASM_OUT_BASE + 256;
    expect(WINDOW).toBeLessThan(d.inputBase);
    const untouched = (mem: Uint8Array, from: number, to: number): boolean => {
      for (let i = from; i < to; i++) if (mem[i] !== 0x3c) return false;
      return true;
    };
    let checked = 0;
    for (let lit = 0; lit <= 14; lit++) {
      for (let mlen = 4; mlen <= 18; mlen++) {
        for (const offset of [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 40]) {
          for (let t = 0; t <= 40; t++) {
            const block = new Uint8Array([
              0xf0,
              40 - 15,
              ...head,
              1,
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
            const mem = d.memoryBytes;
            mem.fill(0x3c, 0, WINDOW);
            const n = d.decodeBlock(block, 0, block.length, dst, 50, 50 + want.length);
            const memEnd = LZ4_WASM_OUT_BASE + want.length;
            if (
              n !== want.length ||
              dst[49] !== 0x42 ||
              dst[50 + want.length] !== 0x42 ||
              mem[LZ4_WASM_OUT_BASE - 1] !== 0x3c ||
              !untouched(mem, memEnd, WINDOW)
            ) {
              expect({ lit, mlen, offset, t, n }).toEqual({ lit, mlen, offset, t, n: want.length });
              expect({ lit, mlen, offset, t, guard: 'wasm memory past the room' }).toBe(
                'untouched',
              );
            }
            for (let k = 0; k < want.length; k++) {
              if (dst[50 + k] !== want[k]) expect({ lit, mlen, offset, t, k }).toBe('byte-exact');
            }
            // One byte less of room: refused, nothing written anywhere.
            dst.fill(0x42);
            mem.fill(0x3c, 0, WINDOW);
            const m = d.decodeBlock(block, 0, block.length, dst, 50, 50 + want.length - 1);
            if (m !== -1 || dst.some((b) => b !== 0x42)) {
              expect({ lit, mlen, offset, t, m }).toEqual({ lit, mlen, offset, t, m: -1 });
            }
            if (!untouched(mem, memEnd - 1, WINDOW)) {
              expect({ lit, mlen, offset, t, room: 'short' }).toBe('untouched');
            }
            checked++;
          }
        }
      }
    }
    expect(checked).toBe(15 * 15 * 12 * 41);
  });
});

describe('Lz4WasmDecoder on malformed input', () => {
  it('refuses truncated extensions, matches past the end, offsets before the start, bad ranges', () => {
    const out = new Uint8Array(64).fill(9);
    const cases: number[][] = [
      [0xf0],
      [0xf0, 255],
      [0x0f, 0, 1, 0],
      [0x1f, 65, 1, 0, 255],
      [0x1f, 65, 1, 0, 60, 0x10, 66],
      [0x50, 1, 2, 3],
      [0x10, 65, 1],
      [0x10, 65, 0, 0, 0x10, 66], // offset 0
      [0x10, 65, 1, 0], // a match with no token after it
    ];
    for (const block of cases) {
      const src = new Uint8Array(block);
      expect(decoder.decodeBlock(src, 0, src.length, out, 0, 64)).toBe(-1);
      expect(out.every((b) => b === 9)).toBe(true);
    }
    const src = new Uint8Array([0x10, 65, 2, 0, 0x10, 66]);
    expect(decoder.decodeBlock(src, 0, src.length, out, 10, 64)).toBe(-1);
    expect(decoder.decodeBlock(src, 0, 7, out, 0, 64)).toBe(-1);
    expect(decoder.decodeBlock(src, 0, src.length, out, 0, 65)).toBe(-1);
    expect(decoder.decodeBlock(src, 3, 3, out, 0, 64)).toBe(-1);
    expect(decoder.decodeBlock(src, 0.5, src.length, out, 0, 64)).toBe(-1);
    expect(decoder.decodeBlock(src, 0, src.length, out, 20, 10)).toBe(-1);
    const ok = new Uint8Array([0x10, 97, 1, 0, 0x10, 98]);
    expect(decoder.decodeBlock(ok, 0, ok.length, out, 0, 16)).toBe(6);
    expect(Buffer.from(out.subarray(0, 6)).toString()).toBe('aaaaab');
    // Prefixed: wrong size, too short, destination too small.
    const c = compress(new Uint8Array(4096).fill(3));
    const page = new Uint8Array(4096);
    expect(decoder.decodePrefixed(c, 0, c.length, page, 0, 2048)).toBe(-1);
    expect(decoder.decodePrefixed(c, 0, 4, page, 0, 4096)).toBe(-1);
    expect(decoder.decodePrefixed(c, 0, c.length, page, 1, 4096)).toBe(-1);
    expect(decoder.decodePrefixed(c, 0, c.length + 1, page, 0, 4096)).toBe(-1);
    // An input far longer than any block of 4096 bytes can be: refused before it is copied.
    const huge = new Uint8Array(3 * 4096);
    huge.set(c);
    expect(decoder.decodePrefixed(huge, 0, huge.length, page, 0, 4096)).toBe(-1);
  });

  it('property: random blocks never throw, never write outside the range, never touch src', () => {
    const d = new Lz4WasmDecoder();
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 600 }),
        fc.nat(40),
        fc.nat(40),
        fc.integer({ min: 0, max: 300 }),
        (block, srcPad, dstPad, room) => {
          const src = new Uint8Array(block.length + 2 * srcPad).fill(0xee);
          src.set(block, srcPad);
          const srcCopy = src.slice();
          const dst = new Uint8Array(room + 2 * dstPad).fill(0x77);
          markMemory(d);
          const n = d.decodeBlock(src, srcPad, srcPad + block.length, dst, dstPad, dstPad + room);
          expect(n === -1 || (n >= 0 && n <= room)).toBe(true);
          expect(dst.subarray(0, dstPad).every((b) => b === 0x77)).toBe(true);
          expect(dst.subarray(dstPad + room).every((b) => b === 0x77)).toBe(true);
          expect(Buffer.compare(src, srcCopy)).toBe(0);
          expectMemoryUntouched(d, room, block.length);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('property: corrupted real pages give CORRUPT_INPUT or their page, never a write outside it', () => {
    const codec = createCodec('lz4', { lz4Decoder: 'wasm' });
    const pages = [
      ...filePages(NODE_BINARY, 4096, 500, 2),
      ...textPages(2, 4096, '/usr/share/common-licenses'),
      ...heapSnapshotPages(2),
    ].map(compress);
    fc.assert(
      fc.property(
        fc.nat(pages.length - 1),
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 6 }),
        fc.nat(5000),
        (which, edits, cut) => {
          const bad = pages[which]!.slice(0, Math.max(LZ4_PREFIX_BYTES + 1, cut));
          for (const [pos, val] of edits) {
            bad[LZ4_PREFIX_BYTES + (pos % (bad.length - LZ4_PREFIX_BYTES))] = val;
          }
          const arena = new Uint8Array(3 * 4096).fill(7);
          if (!codec.decompressRange(bad, 0, bad.length, arena, 4096)) {
            expect(arena.every((b) => b === 7)).toBe(true);
            try {
              codec.decompressSync(bad, new Uint8Array(4096));
              expect.unreachable();
            } catch (e) {
              expect(e).toBeInstanceOf(CompressError);
              expect((e as CompressError).code).toBe('CORRUPT_INPUT');
            }
          }
          expect(arena.subarray(0, 4096).every((b) => b === 7)).toBe(true);
          expect(arena.subarray(8192).every((b) => b === 7)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
