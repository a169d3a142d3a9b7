/**
 * Tests of the WebAssembly LZ4 block encoder (lz4WasmEncoder.ts): every output is
 * decoded by lz4-napi's uncompressSync, the wasm decoder and the TypeScript decoder,
 * byte-exact, on real pages (node binary, /usr/share text, a V8 heap snapshot of this
 * process), generated entropy pages, zero and one-byte pages, tiny inputs,
 * incompressible pages and random inputs of random lengths (fast-check); each block
 * is also parsed to check the LZ4 end-of-block rules, and the ratio is compared with
 * lz4-napi's on the same pages. Then the codec's `lz4Encoder` option end to end.
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
import { loadLz4 } from './loadBinding.js';
import { LZ4_PREFIX_BYTES, lz4DecodePrefixed } from './lz4Block.js';
import { Lz4Codec } from './lz4Codec.js';
import { Lz4WasmDecoder } from './lz4Wasm.js';
import { LZ4_WASM_ENCODER_MAX_INPUT, Lz4WasmEncoder } from './lz4WasmEncoder.js';

const lz4 = loadLz4().api;
const encoder = new Lz4WasmEncoder();
const decoder = new Lz4WasmDecoder();

/**
 * Walk a block and check the format rules every LZ4 decoder relies on: the block ends
 * with a literals-only sequence, the last 5 input bytes are literals, and no match
 * starts within the last 12 bytes. Returns false on any violation.
 */
function blockFollowsEndRules(block: Uint8Array, n: number): boolean {
  let sp = 0;
  let pos = 0;
  let lastMatchStart = -1;
  let lastMatchEnd = 0;
  for (;;) {
    const token = block[sp++]!;
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        b = block[sp++]!;
        lit += b;
      } while (b === 255);
    }
    sp += lit;
    pos += lit;
    if (sp === block.length) break;
    const off = block[sp]! | (block[sp + 1]! << 8);
    sp += 2;
    if (off === 0 || off > pos) return false;
    let ml = (token & 15) + 4;
    if ((token & 15) === 15) {
      let b: number;
      do {
        b = block[sp++]!;
        ml += b;
      } while (b === 255);
    }
    lastMatchStart = pos;
    pos += ml;
    lastMatchEnd = pos;
    if (sp > block.length) return false;
  }
  if (pos !== n) return false;
  if (lastMatchStart < 0) return true;
  return lastMatchStart <= n - 12 && lastMatchEnd <= n - 5;
}

/** Compress with the wasm encoder; check every decoder gives `input` back. */
function expectRoundTrip(input: Uint8Array): Uint8Array {
  const c = encoder.compressPrefixed(input).slice();
  const n = input.length;
  expect(c[0]! | (c[1]! << 8) | (c[2]! << 16) | (c[3]! << 24)).toBe(n);
  expect(c.length).toBeLessThanOrEqual(LZ4_PREFIX_BYTES + n + Math.floor(n / 255) + 16);
  expect(blockFollowsEndRules(c.subarray(LZ4_PREFIX_BYTES), n)).toBe(true);
  expect(Buffer.compare(lz4.uncompressSync(Buffer.from(c)), input)).toBe(0);
  const viaWasm = new Uint8Array(n + 8).fill(0xaa);
  expect(decoder.decodePrefixed(c, 0, c.length, viaWasm, 0, n)).toBe(n);
  expect(Buffer.compare(viaWasm.subarray(0, n), input)).toBe(0);
  const viaTs = new Uint8Array(n + 8).fill(0xaa);
  expect(lz4DecodePrefixed(c, 0, c.length, viaTs, 0, n)).toBe(n);
  expect(Buffer.compare(viaTs.subarray(0, n), input)).toBe(0);
  return c;
}

/** Total compressed sizes of `pages` with the wasm encoder and with lz4-napi. */
function sizes(pages: readonly Uint8Array[]): { wasm: number; binding: number } {
  let wasmBytes = 0;
  let bindingBytes = 0;
  for (const p of pages) {
    wasmBytes += expectRoundTrip(p).length;
    bindingBytes += lz4.compressSync(Buffer.from(p)).length;
  }
  return { wasm: wasmBytes, binding: bindingBytes };
}

describe('Lz4WasmEncoder', () => {
  it('round-trips real pages through lz4-napi and both decoders, at lz4-napi ratio or better', () => {
    const corpora = [
      filePages(NODE_BINARY, 4096, 0, 512),
      textPages(256, 4096, '/usr/share'),
      heapSnapshotPages(256),
    ];
    for (const pages of corpora) {
      expect(pages.length).toBeGreaterThan(100);
      const { wasm, binding } = sizes(pages);
      // ratio = input / output: within 3% of the binding's (in practice equal or better)
      expect(wasm).toBeLessThanOrEqual(binding * 1.03);
    }
  });

  it('round-trips generated entropy pages, zero pages and pages of one repeated byte', () => {
    const pages: Uint8Array[] = [];
    for (let bits = 0; bits <= 8; bits++) {
      for (const repeat of [0, 0.3, 0.7, 0.95]) pages.push(entropyPage(4096, bits, repeat, bits));
    }
    pages.push(new Uint8Array(4096));
    for (const byte of [1, 0x7f, 0xff]) pages.push(new Uint8Array(4096).fill(byte));
    const { wasm, binding } = sizes(pages);
    expect(wasm).toBeLessThanOrEqual(binding * 1.03);
    // a zero page is a handful of bytes: one literal, one long match, 5 literals
    expect(expectRoundTrip(new Uint8Array(4096)).length).toBeLessThan(40);
  });

  it('stores incompressible pages as a valid literals-only block longer than the page', () => {
    for (let seed = 1; seed <= 8; seed++) {
      const page = entropyPage(4096, 8, 0, seed);
      const c = expectRoundTrip(page);
      // zswap's raw path keys on this: a result of a page or more is "poor compression"
      expect(c.length).toBeGreaterThanOrEqual(4096);
      expect(c[LZ4_PREFIX_BYTES]).toBe(0xf0);
    }
  });

  it('round-trips tiny inputs of every length from 1 to 80, random and repeated', () => {
    const r = rng(42);
    for (let n = 1; n <= 80; n++) {
      const random = new Uint8Array(n);
      for (let i = 0; i < n; i++) random[i] = Math.floor(r() * 256);
      expectRoundTrip(random);
      expectRoundTrip(new Uint8Array(n).fill(9));
      expectRoundTrip(entropyPage(n, 2, 0.5, n));
    }
  });

  it('round-trips the largest input (64 KiB) and refuses a longer one', () => {
    expectRoundTrip(filePages(NODE_BINARY, LZ4_WASM_ENCODER_MAX_INPUT, 3, 1)[0]!);
    expectRoundTrip(new Uint8Array(LZ4_WASM_ENCODER_MAX_INPUT));
    expect(() => encoder.compressPrefixed(new Uint8Array(LZ4_WASM_ENCODER_MAX_INPUT + 1))).toThrow(
      RangeError,
    );
  });

  it('gives the same bytes for the same input, whatever was compressed before', () => {
    const page = textPages(1, 4096)[0]!;
    const first = encoder.compressPrefixed(page).slice();
    encoder.compressPrefixed(entropyPage(4096, 3, 0.5, 7));
    const other = new Lz4WasmEncoder();
    expect(Buffer.compare(encoder.compressPrefixed(page), first)).toBe(0);
    expect(Buffer.compare(other.compressPrefixed(page), first)).toBe(0);
  });

  it('round-trips random inputs of random lengths (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20000 }),
        fc.integer({ min: 0, max: 8 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 1_000_000 }),
        (n, bits, repeat, seed) => {
          expectRoundTrip(entropyPage(n, bits, repeat, seed));
        },
      ),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 600 }), (bytes) => {
        expectRoundTrip(bytes);
      }),
      { numRuns: 300 },
    );
  });
});

describe('Lz4Codec lz4Encoder option', () => {
  it('uses the native encoder by default; every encoder gives pages every decoder reads', async () => {
    expect(new Lz4Codec().encoder).toBe('native');
    expect(new Lz4Codec({ lz4Encoder: 'binding' }).encoder).toBe('binding');
    const pages = [
      ...filePages(NODE_BINARY, 4096, 200, 16),
      ...textPages(8, 4096),
      entropyPage(4096, 8, 0, 5),
      new Uint8Array(4096),
    ];
    for (const lz4Encoder of ['native', 'wasm', 'binding'] as const) {
      for (const lz4Decoder of ['native', 'wasm', 'binding', 'js'] as const) {
        const codec = createCodec('lz4', { lz4Encoder, lz4Decoder });
        const batch = await codec.compressBatch(pages);
        const out = new Uint8Array(4096);
        for (let i = 0; i < pages.length; i++) {
          const c = codec.compressSync(pages[i]!).slice();
          expect(Buffer.compare(c, batch[i]!)).toBe(0);
          codec.decompressSync(c, out);
          expect(Buffer.compare(out, pages[i]!)).toBe(0);
        }
        // batch results are the caller's own: later calls do not change them
        const again = await codec.compressBatch(pages);
        for (let i = 0; i < pages.length; i++) {
          expect(Buffer.compare(again[i]!, batch[i]!)).toBe(0);
        }
      }
    }
  });

  it('wasm results at a 64 KiB page size round-trip through the codec', () => {
    const codec = createCodec('lz4', { pageSize: 65536, lz4Encoder: 'wasm', lz4Decoder: 'wasm' });
    const page = filePages(NODE_BINARY, 65536, 5, 1)[0]!;
    const c = codec.compressSync(page).slice();
    const out = new Uint8Array(65536);
    codec.decompressSync(c, out);
    expect(Buffer.compare(out, page)).toBe(0);
  });
});
