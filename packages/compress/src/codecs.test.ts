/**
 * Tests of the codecs through createCodec and of the zstd batch codec, on real data
 * (node binary, /usr/share text) and generated pages: byte-exact round trips through
 * every entry point, levels, the stored lz4 format, refusals of corrupt input, binding
 * reports and bad arguments.
 */

import { isRefusal } from '@tierswap/base';
import { entropyPage, filePages, NODE_BINARY, textPages } from '@tierswap/bench-kit';
import { describe, expect, it } from 'vitest';
import { CompressError } from './compressError.js';
import { createCodec } from './createCodec.js';
import { loadLz4Napi } from './loadBinding.js';
import { referenceDecode } from './testing/lz4Reference.js';
import type { Codec } from './types.js';
import { createZstdBatchCodec } from './zstdBatchCodec.js';

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

const NAPI = { lz4Library: 'lz4-napi' } as const;

describe('codecs', () => {
  const kinds = [
    { label: 'lz4', name: 'lz4', options: {} },
    { label: 'lz4 via lz4-napi', name: 'lz4', options: NAPI },
    { label: 'none', name: 'none', options: {} },
    { label: 'zstd', name: 'zstd', options: {} },
  ] as const;
  for (const { label, name, options } of kinds) {
    for (const pageSize of [4096, 16384]) {
      it(`${label} at ${pageSize} B pages: round trips are byte-exact through decompress and decodeInto`, () => {
        const codec = createCodec(name, { ...options, pageSize });
        const pages = corpus(pageSize);
        const comp = pages.map((p) => codec.compress(p).slice());
        const out = new Uint8Array(pageSize);
        for (let i = 0; i < pages.length; i++) {
          const c = comp[i]!;
          expect(codec.decompress(c, out)).toBe(true);
          expect(Buffer.compare(out, pages[i]!)).toBe(0);
          const arena = new Uint8Array(c.length + 64);
          arena.set(c, 32);
          const dst = new Uint8Array(2 * pageSize);
          expect(codec.decodeInto(arena, 32, 32 + c.length, dst, pageSize)).toBe(true);
          expect(Buffer.compare(dst.subarray(pageSize), pages[i]!)).toBe(0);
        }
        if (name !== 'none') {
          // Real text compresses; the node binary compresses; random data does not.
          expect(totalSize(comp)).toBeLessThan(totalSize(pages) * 0.8);
        }
      });
    }
  }

  it('zstd batch codec: round trips byte-exact, reading its inputs before the first await', async () => {
    for (const pageSize of [4096, 16384]) {
      const codec = createZstdBatchCodec({ pageSize });
      const pages = corpus(pageSize);
      const originals = pages.map((p) => p.slice());
      const pending = codec.compressBatch(pages);
      for (const p of pages) p.fill(0x5a); // reuse the pages at once
      const comp = await pending;
      expect(totalSize(comp)).toBeLessThan(totalSize(pages) * 0.8);
      const srcs = comp.map((c) => c.slice());
      const outs = pages.map(() => new Uint8Array(pageSize));
      const decoding = codec.decompressBatch(srcs, outs);
      for (const s of srcs) s.fill(0); // and the sources
      expect(await decoding).toBe(true);
      for (let i = 0; i < pages.length; i++) {
        expect(Buffer.compare(outs[i]!, originals[i]!)).toBe(0);
      }
    }
  });

  it('levels change the output, through libzstd and through the batch codec', async () => {
    const pages = textPages(16, 4096, '/usr/share/common-licenses');
    const [a, b] = await Promise.all([
      createZstdBatchCodec({ level: 1 }).compressBatch(pages),
      createZstdBatchCodec({ level: 9 }).compressBatch(pages),
    ]);
    expect(totalSize(b)).toBeLessThan(totalSize(a));
    const n1 = createCodec('zstd', { level: 1 });
    const n9 = createCodec('zstd', { level: 9 });
    expect(n9.level).toBe(9);
    expect(totalSize(pages.map((p) => n9.compress(p).slice()))).toBeLessThan(
      totalSize(pages.map((p) => n1.compress(p).slice())),
    );
  });

  it('zstd batch names the corrupt page', async () => {
    const codec = createZstdBatchCodec();
    const pages = filePages(NODE_BINARY, 4096, 3000, 4);
    const comp = (await codec.compressBatch(pages)).map((c) => c.slice());
    const bad = comp[2]!;
    bad[bad.length - 5] = bad[bad.length - 5]! ^ 0xff;
    comp[2] = bad.subarray(0, bad.length - 3);
    const outs = pages.map(() => new Uint8Array(4096));
    const r = await codec.decompressBatch(comp, outs);
    expect(isRefusal(r)).toBe(true);
    expect(r).toMatchObject({ errno: 'EIO', code: 'decompress_fail' });
    expect(isRefusal(r) && r.reason).toMatch(/page 2 of 4/);
  });

  it('lz4 stores the bare LZ4 block, as the kernel does: no header, the same through both libraries', () => {
    const liblz4 = createCodec('lz4');
    const napiCodec = createCodec('lz4', NAPI);
    const napi = loadLz4Napi().api;
    const out = new Uint8Array(4096);
    for (const page of corpus(4096)) {
      const c = liblz4.compress(page).slice();
      // A plain LZ4 block decoder (the test oracle) rebuilds exactly the page from it.
      expect(referenceDecode(c, 4096)).toEqual([...page]);
      // lz4-napi's own format is the same kind of block behind a 4-byte size.
      const theirs = napi.compressSync(Buffer.from(page));
      expect(theirs.readUInt32LE(0)).toBe(4096);
      const fromNapi = napiCodec.compress(page).slice();
      expect(Buffer.compare(fromNapi, theirs.subarray(4))).toBe(0);
      expect(Math.abs(fromNapi.length - c.length)).toBeLessThan(c.length * 0.02 + 8);
      // Each library reads the other's pages.
      expect(napiCodec.decompress(c, out)).toBe(true);
      expect(Buffer.compare(out, page)).toBe(0);
      expect(liblz4.decompress(fromNapi, out)).toBe(true);
      expect(Buffer.compare(out, page)).toBe(0);
    }
  });

  it('refuses corrupt input as EIO decompress_fail with every codec, the destination untouched', () => {
    const page = filePages(NODE_BINARY, 4096, 5, 1)[0]!;
    const codecs: [Codec, Codec][] = [
      [createCodec('lz4'), createCodec('lz4', { pageSize: 2048 })],
      [createCodec('lz4', NAPI), createCodec('lz4', { ...NAPI, pageSize: 2048 })],
      [createCodec('zstd'), createCodec('zstd', { pageSize: 2048 })],
      [createCodec('none'), createCodec('none', { pageSize: 2048 })],
    ];
    for (const [codec, half] of codecs) {
      const good = codec.compress(page).slice();
      const otherSize = half.compress(page.subarray(0, 2048)).slice(); // a valid 2 KiB page
      const truncated = good.subarray(0, good.length - 7);
      for (const c of [otherSize, truncated]) {
        const dst = new Uint8Array(4096).fill(3);
        const r = codec.decompress(c, dst);
        expect(isRefusal(r)).toBe(true);
        expect(r).toMatchObject({ errno: 'EIO', code: 'decompress_fail' });
        expect(dst.every((b) => b === 3)).toBe(true);
        expect(isRefusal(codec.decodeInto(c, 0, c.length, new Uint8Array(4096), 0))).toBe(true);
      }
    }
  });

  it('reports binding names and versions, and refuses unknown names and bad arguments', () => {
    expect(createCodec('lz4').binding).toEqual({ name: 'liblz4', version: '1.9.4' });
    expect(createCodec('lz4', NAPI).binding).toEqual({ name: 'lz4-napi', version: '2.10.0' });
    // @ts-expect-error: an option value outside the type, as from untyped callers
    expect(() => createCodec('lz4', { lz4Library: 'fast' })).toThrow(
      /lz4Codec.constructor: lz4Library "fast" is not one of liblz4, lz4-napi/,
    );
    expect(createCodec('zstd').binding).toEqual({ name: 'libzstd', version: '1.5.4' });
    expect(createZstdBatchCodec().binding).toEqual({
      name: '@mongodb-js/zstd',
      version: '1.2.2',
    });
    expect(createCodec('none').binding.name).toBe('builtin');
    const unknown = (() => {
      try {
        createCodec('lzo');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(unknown).toBeInstanceOf(CompressError);
    expect(unknown).toMatchObject({ code: 'UNKNOWN_CODEC', errno: 'ENOENT', where: 'createCodec' });
    expect((unknown as Error).message).toBe(
      '@tierswap/compress/createCodec: unknown codec "lzo" (known: lz4, zstd, none)',
    );
    expect(() => createCodec('lz4', { pageSize: 1000 })).toThrow(
      /pageSize 1000 is not a power of two/,
    );
    expect(() => createCodec('zstd', { level: 0 })).toThrow(/level 0/);
    expect(() => createZstdBatchCodec({ level: 20 })).toThrow(/level 20/);
    expect(() => createCodec('lz4').compress(new Uint8Array(100))).toThrow(
      /page must be a Uint8Array of one 4096-byte page, got Uint8Array\(100\)/,
    );
  });
});
