/**
 * Tests of the three codecs on real data (node binary, /usr/share text) and generated
 * pages: byte-exact round trips sync and batched, levels, errors, binding reports.
 */

import { entropyPage, filePages, NODE_BINARY, textPages } from '@tierswap/bench-kit';
import { describe, expect, it } from 'vitest';
import { referenceDecode } from '../bench/lz4Reference.js';
import { CompressError } from './compressError.js';
import { createCodec } from './createCodec.js';
import { loadLz4 } from './loadBinding.js';
import { LZ4_PREFIX_BYTES } from './lz4Block.js';
import type { Codec } from './types.js';

function corpus(pageSize: number): Uint8Array[] {
  return [
    ...filePages(NODE_BINARY, pageSize, 1000, 48),
    ...textPages(16, pageSize, '/usr/share/common-licenses'),
    entropyPage(pageSize, 8, 0, 1), // incompressible
    entropyPage(pageSize, 4, 0.3, 2),
    entropyPage(pageSize, 0, 0, 3), // zero page
  ];
}

function totalSize(chunks: readonly Uint8Array[]): number {
  let n = 0;
  for (const c of chunks) n += c.length;
  return n;
}

describe('codecs', () => {
  const BINDING_ZSTD = { zstdEncoder: 'binding', zstdDecoder: 'binding' } as const;
  const kinds = [
    { label: 'lz4', name: 'lz4', options: {} },
    { label: 'none', name: 'none', options: {} },
    { label: 'zstd', name: 'zstd', options: {} },
    { label: 'zstd via @mongodb-js/zstd', name: 'zstd', options: BINDING_ZSTD },
  ] as const;
  for (const { label, name, options } of kinds) {
    for (const pageSize of [4096, 16384]) {
      it(`${label} at ${pageSize} B pages: batch round trip is byte-exact on real and generated data`, async () => {
        const codec = createCodec(name, { ...options, pageSize });
        const pages = corpus(pageSize);
        const comp = await codec.compressBatch(pages);
        const outs = pages.map(() => new Uint8Array(pageSize));
        await codec.decompressBatch(comp, outs);
        for (let i = 0; i < pages.length; i++) expect(Buffer.compare(outs[i]!, pages[i]!)).toBe(0);
        if (name !== 'none') {
          // Real text compresses; the node binary compresses; random data does not.
          expect(totalSize(comp)).toBeLessThan(totalSize(pages) * 0.8);
        }
      });
    }
  }

  it('sync paths of lz4 (all four decoders), zstd and none round-trip and agree with their batch paths', async () => {
    const codecs: Codec[] = [
      createCodec('lz4'),
      createCodec('lz4', { lz4Decoder: 'wasm' }),
      createCodec('lz4', { lz4Decoder: 'binding' }),
      createCodec('lz4', { lz4Decoder: 'js' }),
      createCodec('zstd', { level: 1 }),
      createCodec('zstd', { level: 9 }),
      createCodec('none'),
    ];
    for (const codec of codecs) {
      expect(codec.sync).toBe(true);
      const pages = corpus(4096);
      const batch = await codec.compressBatch(pages);
      const out = new Uint8Array(4096);
      for (let i = 0; i < pages.length; i++) {
        const c = codec.compressSync(pages[i]!).slice();
        expect(Buffer.compare(c, batch[i]!)).toBe(0);
        codec.decompressSync(c, out);
        expect(Buffer.compare(out, pages[i]!)).toBe(0);
        const arena = new Uint8Array(c.length + 64);
        arena.set(c, 32);
        const dst = new Uint8Array(8192);
        expect(codec.decompressRange(arena, 32, 32 + c.length, dst, 4096)).toBe(true);
        expect(Buffer.compare(dst.subarray(4096), pages[i]!)).toBe(0);
      }
    }
  });

  it('zstd through @mongodb-js/zstd has no sync path and says so; levels change the output', async () => {
    const z1 = createCodec('zstd', { level: 1, ...BINDING_ZSTD });
    const z9 = createCodec('zstd', { level: 9, ...BINDING_ZSTD });
    expect(z1.sync).toBe(false);
    const page = filePages(NODE_BINARY, 4096, 2000, 1)[0]!;
    expect(() => z1.compressSync(page)).toThrow(CompressError);
    expect(() => z1.decompressSync(page, new Uint8Array(4096))).toThrow(/no sync API/);
    // Mixed: libzstd compresses synchronously, but loads still need the batch path.
    const mixed = createCodec('zstd', { zstdDecoder: 'binding' });
    expect(mixed.sync).toBe(false);
    expect(mixed.compressSync(page).length).toBeGreaterThan(0);
    expect(() => mixed.decompressRange(page, 0, 10, new Uint8Array(4096), 0)).toThrow(
      /no sync API/,
    );
    const pages = textPages(16, 4096, '/usr/share/common-licenses');
    const [a, b] = await Promise.all([z1.compressBatch(pages), z9.compressBatch(pages)]);
    expect(totalSize(b)).toBeLessThan(totalSize(a));
    expect(z9.level).toBe(9);
    // The same holds through libzstd.
    const n1 = createCodec('zstd', { level: 1 });
    const n9 = createCodec('zstd', { level: 9 });
    expect(totalSize(await n9.compressBatch(pages))).toBeLessThan(
      totalSize(await n1.compressBatch(pages)),
    );
  });

  it('batches read their inputs before the first await (callers may reuse the memory)', async () => {
    for (const { name, options } of kinds) {
      const codec = createCodec(name, options);
      const pages = filePages(NODE_BINARY, 4096, 3300, 32);
      const originals = pages.map((p) => p.slice());
      const pending = codec.compressBatch(pages);
      for (const p of pages) p.fill(0x5a); // reuse the pages at once
      const comp = await pending;
      const srcs = comp.map((c) => c.slice());
      const outs = pages.map(() => new Uint8Array(4096));
      const decoding = codec.decompressBatch(srcs, outs);
      for (const s of srcs) s.fill(0); // and the sources
      await decoding;
      for (let i = 0; i < pages.length; i++) {
        expect(Buffer.compare(outs[i]!, originals[i]!)).toBe(0);
      }
    }
  });

  it('zstd batch names the corrupt page, through either library', async () => {
    for (const options of [{}, BINDING_ZSTD]) {
      const codec = createCodec('zstd', options);
      const pages = filePages(NODE_BINARY, 4096, 3000, 4);
      const comp = (await codec.compressBatch(pages)).map((c) => c.slice());
      const bad = comp[2]!;
      bad[bad.length - 5] = bad[bad.length - 5]! ^ 0xff;
      comp[2] = bad.subarray(0, bad.length - 3);
      const outs = pages.map(() => new Uint8Array(4096));
      await expect(codec.decompressBatch(comp, outs)).rejects.toThrow(/page 2 of 4/);
    }
  });

  it('lz4 stores the bare LZ4 block, as the kernel does: no header, decodable by any LZ4 block decoder', () => {
    const codec = createCodec('lz4');
    const napi = loadLz4().api;
    for (const page of corpus(4096)) {
      const c = codec.compressSync(page).slice();
      // A plain LZ4 block decoder (the test oracle) rebuilds exactly the page from it.
      expect(referenceDecode(c, 4096)).toEqual([...page]);
      // lz4-napi's format is the same kind of block behind a 4-byte size.
      const theirs = napi.compressSync(Buffer.from(page));
      expect(theirs.readUInt32LE(0)).toBe(4096);
      expect(Math.abs(theirs.length - LZ4_PREFIX_BYTES - c.length)).toBeLessThan(
        c.length * 0.02 + 8,
      );
    }
  });

  it('lz4 refuses corrupt input with CORRUPT_INPUT, with every decoder', () => {
    const half = createCodec('lz4', { pageSize: 2048 });
    for (const lz4Decoder of ['native', 'wasm', 'binding', 'js'] as const) {
      const codec = createCodec('lz4', { lz4Decoder });
      const page = filePages(NODE_BINARY, 4096, 5, 1)[0]!;
      const good = codec.compressSync(page).slice();
      const otherSize = half.compressSync(page.subarray(0, 2048)).slice(); // a valid 2 KiB block
      const truncated = good.subarray(0, good.length - 7);
      for (const c of [otherSize, truncated]) {
        try {
          codec.decompressSync(c, new Uint8Array(4096));
          expect.unreachable();
        } catch (e) {
          expect(e).toBeInstanceOf(CompressError);
          expect((e as CompressError).code).toBe('CORRUPT_INPUT');
        }
      }
    }
  });

  it('reports binding names and versions, and refuses unknown names and bad arguments', () => {
    expect(createCodec('lz4').binding).toEqual({ name: 'liblz4', version: '1.9.4' });
    expect(createCodec('lz4', { lz4Encoder: 'binding', lz4Decoder: 'binding' }).binding).toEqual({
      name: 'lz4-napi',
      version: '2.10.0',
    });
    expect(createCodec('lz4', { lz4Encoder: 'wasm' }).binding).toEqual({
      name: 'tierswap-lz4-wasm + liblz4',
      version: '1 + 1.9.4',
    });
    // @ts-expect-error: an option value outside the type, as from untyped callers
    expect(() => createCodec('lz4', { lz4Decoder: 'fast' })).toThrow(
      /lz4Decoder "fast" is not one of native, wasm, binding, js/,
    );
    expect(createCodec('zstd').binding).toEqual({ name: 'libzstd', version: '1.5.4' });
    expect(createCodec('zstd', BINDING_ZSTD).binding).toEqual({
      name: '@mongodb-js/zstd',
      version: '1.2.2',
    });
    expect(createCodec('zstd', { zstdDecoder: 'binding' }).binding).toEqual({
      name: 'libzstd + @mongodb-js/zstd',
      version: '1.5.4 + 1.2.2',
    });
    // @ts-expect-error: an option value outside the type
    expect(() => createCodec('zstd', { zstdEncoder: 'rust' })).toThrow(
      /zstdCodec.constructor: zstdEncoder "rust" is not one of native, binding/,
    );
    expect(createCodec('none').binding.name).toBe('builtin');
    expect(() => createCodec('lzo')).toThrow(/unknown codec "lzo"/);
    expect(() => createCodec('lz4', { pageSize: 1000 })).toThrow(/page size 1000/);
    expect(() => createCodec('zstd', { level: 0 })).toThrow(/level 0/);
    expect(() => createCodec('lz4').compressSync(new Uint8Array(100))).toThrow(/100 bytes/);
  });
});
