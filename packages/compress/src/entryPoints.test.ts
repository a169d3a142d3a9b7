/**
 * Every public entry point against what an adversarial caller passes (issue 11): pages
 * that are not Uint8Arrays (a DataView, a string, a Uint16Array), wrong lengths, ranges
 * outside their buffers, NaN / fractional / huge numbers, unknown options. Each either
 * returns a valid result or throws CompressError('INVALID_ARGUMENT' / 'UNKNOWN_CODEC')
 * naming the value, and never writes outside its destination; a refused call writes
 * nothing at all. Also: a zstd page is exactly one frame, and the library override
 * variables take absolute paths only, checked before anything is loaded.
 */

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { isRefusal } from '@tierswap/base';
import {
  filePages,
  hostileBuffers,
  hostileValue,
  NODE_BINARY,
  textPages,
} from '@tierswap/bench-kit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CompressError } from './compressError.js';
import { createCodec, isCodecName } from './createCodec.js';
import { fillWithWord, isZeroPage, sameFilledWord } from './samePage.js';
import { createCodecInChild } from './testing/addonHarness.js';
import type { Codec } from './types.js';
import { createZstdBatchCodec, isOneZstdFrame } from './zstdBatchCodec.js';

const PAGE = 4096;
const page = filePages(NODE_BINARY, PAGE, 2100, 1)[0]!;

/** Run `f`: its result, or the CompressError it threw (anything else fails the test). */
function outcome<T>(f: () => T): T | CompressError {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof CompressError)) throw e;
    expect(['INVALID_ARGUMENT', 'UNKNOWN_CODEC']).toContain(e.code);
    expect(e.message.startsWith(`@tierswap/compress/${e.where}: `)).toBe(true);
    return e;
  }
}

/** Anything a caller might pass where a number, a page or an option is expected. */
const anyValue = fc.oneof(
  hostileValue({ min: 0, max: PAGE + 8, extra: ['4096', 'lz4', 10n] }),
  fc.integer({ min: -(2 ** 33), max: 2 ** 33 }),
  fc.constantFrom(...hostileBuffers(PAGE), Buffer.alloc(PAGE)),
);

function codecs(): Codec[] {
  return [
    createCodec('lz4'),
    createCodec('lz4', { lz4Library: 'lz4-napi' }),
    createCodec('zstd', { level: 1 }),
    createCodec('none'),
  ];
}

describe('bad arguments are refused with a typed error naming the value', () => {
  it('pages that are not Uint8Arrays of one page, at every codec entry point', () => {
    const bad: [unknown, RegExp][] = [
      [new DataView(new ArrayBuffer(PAGE)), /got a DataView of 4096 bytes/],
      ['abc', /got "abc"/],
      [new Uint16Array(PAGE / 2), /got Uint16Array\(2048\)/],
      [new Uint8Array(PAGE - 1), /got Uint8Array\(4095\)/],
      [undefined, /got undefined/],
    ];
    for (const codec of codecs()) {
      for (const [v, named] of bad) {
        const dst = new Uint8Array(PAGE).fill(9);
        expect(() => codec.compress(v as Uint8Array)).toThrow(named);
        expect(() => codec.decompress(page, v as Uint8Array)).toThrow(named);
        expect(() => codec.decodeInto(page, 0, 10, v as Uint8Array, 0)).toThrow(
          /dst must be|dst of/,
        );
        if (!(v instanceof Uint8Array)) {
          expect(() => codec.decompress(v as Uint8Array, dst)).toThrow(/src must be a Uint8Array/);
          expect(() => codec.decodeInto(v as Uint8Array, 0, 1, dst, 0)).toThrow(
            /src must be a Uint8Array/,
          );
        }
        expect(dst.every((b) => b === 9)).toBe(true);
      }
    }
  });

  it('ranges and numbers: NaN, fractions, negatives, past the end', () => {
    const codec = createCodec('lz4');
    const stored = codec.compress(page).slice();
    const dst = new Uint8Array(2 * PAGE).fill(5);
    const n = stored.length;
    const cases: [number, number, number, RegExp][] = [
      [Number.NaN, n, 0, /srcStart NaN is not an integer/],
      [0, 0.5, 0, /srcEnd 0.5 is not an integer/],
      [0, n, Number.POSITIVE_INFINITY, /dstStart Infinity is not an integer/],
      [-1, n, 0, /source range \[-1, \d+\) is not inside src/],
      [0, n + 1, 0, /is not inside src of/],
      [5, 4, 0, /source range \[5, 4\)/],
      [0, n, PAGE + 1, /destination page \[4097, \+4096\) is not inside dst of 8192 bytes/],
      [0, n, -0.0001, /dstStart -0.0001 is not an integer/],
      [0, 2 ** 32 + n, 0, /is not inside src/],
    ];
    for (const [s0, s1, d0, named] of cases) {
      expect(() => codec.decodeInto(stored, s0, s1, dst, d0)).toThrow(named);
    }
    expect(dst.every((b) => b === 5)).toBe(true);
    // An empty range is well formed, and not a page: a refusal.
    expect(isRefusal(codec.decodeInto(stored, 3, 3, dst, 0))).toBe(true);
  });

  it('options: names, page sizes, levels, libraries, and options that do not apply', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => createCodec('lzo'), /unknown codec "lzo"/],
      [() => createCodec(42 as unknown as string), /name must be a string, got 42/],
      [() => createCodec('zstd', { level: Number.NaN }), /level NaN is not an integer in 1..19/],
      [() => createCodec('zstd', { level: 2.5 }), /level 2.5/],
      [() => createCodec('zstd', { level: '3' as unknown as number }), /level "3"/],
      [() => createCodec('lz4', { pageSize: 4095 }), /pageSize 4095 is not a power of two/],
      [() => createCodec('none', { pageSize: 2 ** 17 }), /pageSize 131072/],
      [() => createCodec('lz4', { level: 3 }), /level 3 given, but lz4 has no level/],
      [() => createCodec('none', { level: 1 }), /none has no level/],
      [() => createCodec('zstd', { lz4Library: 'lz4-napi' }), /lz4Library "lz4-napi" given/],
      [() => createCodec('lz4', null as unknown as object), /options must be an object, got null/],
      [() => createZstdBatchCodec({ pageSize: Number.NaN }), /pageSize NaN/],
      [() => fillWithWord(new Uint8Array(6), 1), /6 bytes is not a whole number of 32-bit words/],
      [() => fillWithWord(new Uint8Array(8), -1), /word -1 is not an integer in \[0, 2\^32\)/],
      [() => fillWithWord(new Uint8Array(8), 2 ** 32), /word 4294967296/],
      [
        () => sameFilledWord('abcd' as unknown as Uint8Array),
        /page must be a Uint8Array, got "abcd"/,
      ],
      [() => isZeroPage(new DataView(new ArrayBuffer(8)) as unknown as Uint8Array), /DataView/],
    ];
    for (const [f, named] of cases) {
      const e = outcome(f);
      expect(e).toBeInstanceOf(CompressError);
      expect((e as CompressError).message).toMatch(named);
      expect((e as CompressError).errno).toBe(
        (e as CompressError).code === 'UNKNOWN_CODEC' ? 'ENOENT' : 'EINVAL',
      );
    }
  });

  it('the batch codec checks its lists, pages and destinations before it reads anything', async () => {
    const codec = createZstdBatchCodec();
    await expect(codec.compressBatch('x' as unknown as Uint8Array[])).rejects.toThrow(
      /pages must be an array, got "x"/,
    );
    await expect(codec.compressBatch([page, new Uint8Array(10)])).rejects.toThrow(
      /pages\[1\] must be a Uint8Array of one 4096-byte page, got Uint8Array\(10\)/,
    );
    const frames = await codec.compressBatch([page]);
    const dst = new Uint8Array(PAGE).fill(1);
    await expect(codec.decompressBatch(frames, [dst, dst])).rejects.toThrow(
      /1 sources for 2 destinations/,
    );
    await expect(
      codec.decompressBatch([new DataView(new ArrayBuffer(8)) as unknown as Uint8Array], [dst]),
    ).rejects.toThrow(/srcs\[0\] must be a Uint8Array, got a DataView of 8 bytes/);
    expect(dst.every((b) => b === 1)).toBe(true);
  });
});

describe('a zstd page is exactly one frame', () => {
  const zstd = createCodec('zstd');
  const half = createCodec('zstd', { pageSize: PAGE / 2 });
  const halves = Buffer.concat([
    half.compress(page.subarray(0, PAGE / 2)).slice(),
    half.compress(page.subarray(PAGE / 2)).slice(),
  ]);
  // A skippable frame (magic 0x184D2A50, 4-byte size, content) in front of a real one.
  const skippable = Buffer.concat([
    Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]),
    zstd.compress(page).slice(),
  ]);

  it('two half-page frames, or a skippable frame in front, are refused as decompress_fail', async () => {
    const batch = createZstdBatchCodec();
    for (const bad of [halves, skippable]) {
      expect(isOneZstdFrame(bad)).toBe(false);
      const dst = new Uint8Array(PAGE).fill(4);
      const r = zstd.decompress(bad, dst);
      expect(r).toMatchObject({ errno: 'EIO', code: 'decompress_fail' });
      expect(dst.every((b) => b === 4)).toBe(true);
      expect(isRefusal(zstd.decodeInto(bad, 0, bad.length, dst, 0))).toBe(true);
      const b = await batch.decompressBatch([bad], [dst]);
      expect(isRefusal(b) && b.reason).toMatch(/page 0 of 1: not exactly one zstd frame/);
    }
    // ... while each frame alone, and the real page, are fine.
    expect(isOneZstdFrame(zstd.compress(page))).toBe(true);
    expect(zstd.decompress(zstd.compress(page).slice(), new Uint8Array(PAGE))).toBe(true);
  });

  it('the frame walker agrees with libzstd on every real frame and on every truncation', async () => {
    const pages = [
      ...filePages(NODE_BINARY, PAGE, 50, 16),
      ...textPages(16, PAGE),
      new Uint8Array(PAGE),
    ];
    const frames = [
      ...pages.map((p) => zstd.compress(p).slice()),
      ...(await createZstdBatchCodec({ level: 9 }).compressBatch(pages)),
    ];
    for (const f of frames) {
      expect(isOneZstdFrame(f)).toBe(true);
      for (const cut of [1, 2, 3, 5])
        expect(isOneZstdFrame(f.subarray(0, f.length - cut))).toBe(false);
      expect(isOneZstdFrame(Buffer.concat([f, Buffer.from([0])]))).toBe(false);
    }
  });
});

describe('library overrides are trusted configuration: absolute paths only', () => {
  for (const [lib, env, debian] of [
    ['lz4', 'TIERSWAP_LIBLZ4', 'liblz4.so.1'],
    ['zstd', 'TIERSWAP_LIBZSTD', 'libzstd.so.1'],
  ] as const) {
    it(`${env} with a relative path is refused before the addon loads; the addon refuses it too`, () => {
      // A bare name dlopen would find on the search path, and one relative to the cwd.
      for (const value of [debian, `./${debian}`]) {
        const r = createCodecInChild(lib, "createCodec('none')", { [env]: value });
        expect(r.stderr).toBe('');
        expect(r.lines[0]).toMatch(
          new RegExp(
            `^BINDING_LOAD_FAILED .*${env}="${value.replace('.', '\\.')}" is not an absolute path; it was not loaded`,
          ),
        );
        expect(r.lines.at(-1)).toBe('builtin');
      }
      // The addon itself, loaded directly, refuses it before dlopen.
      const file = join(import.meta.dirname, '..', 'build', 'Release', `tierswap_${lib}.node`);
      const direct = spawnSync(
        process.execPath,
        ['-e', `console.log(require(${JSON.stringify(file)}).error)`],
        { encoding: 'utf8', env: { ...process.env, [env]: debian } },
      );
      expect(direct.stdout.trim()).toBe(
        `${env}=${debian} is not an absolute path; it was not loaded (only absolute paths are)`,
      );
    });
  }
});

describe('property: arbitrary values at each entry point', () => {
  it('createCodec: a working codec or a typed error', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom('lz4', 'zstd', 'none'), anyValue),
        fc.oneof(
          fc.constant(undefined),
          anyValue,
          fc.record(
            {
              pageSize: fc.oneof(fc.constantFrom(256, 4096, 65536), anyValue),
              level: fc.oneof(fc.integer({ min: 1, max: 19 }), anyValue),
              lz4Library: fc.oneof(fc.constantFrom('liblz4', 'lz4-napi'), anyValue),
            },
            { requiredKeys: [] },
          ),
        ),
        (name, options) => {
          const r = outcome(() => createCodec(name as string, options as object));
          if (!isCodecName(name)) expect(r).toBeInstanceOf(CompressError);
          if (r instanceof CompressError) return;
          const p = new Uint8Array(r.pageSize).fill(3);
          const out = new Uint8Array(r.pageSize);
          expect(r.decompress(r.compress(p).slice(), out)).toBe(true);
          expect(Buffer.compare(out, p)).toBe(0);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('compress, decompress, decodeInto: a valid result, a refusal or a typed error; never a write outside the destination', () => {
    const all = codecs();
    const stored = all.map((c) => c.compress(page).slice());
    const GUARD = 64;
    fc.assert(
      fc.property(
        fc.nat(all.length - 1),
        fc.oneof(fc.constant('good'), fc.constant('flipped'), anyValue),
        fc.oneof(fc.nat(200), anyValue),
        fc.oneof(fc.nat(PAGE + 200), anyValue),
        fc.oneof(fc.nat(PAGE + 8), anyValue),
        fc.nat(PAGE + 8),
        fc.nat(),
        (which, srcKind, srcStart, srcEnd, dstStart, dstExtra, flip) => {
          const codec = all[which]!;
          const good = stored[which]!;
          let src: unknown = srcKind;
          if (srcKind === 'good' || srcKind === 'flipped') {
            const arena = new Uint8Array(good.length + 200);
            arena.set(good, 100);
            if (srcKind === 'flipped') {
              const at = 100 + (flip % good.length);
              arena[at] = arena[at]! ^ (1 << (flip % 8));
            }
            src = arena;
          }
          const before = src instanceof Uint8Array ? src.slice() : undefined;
          // The destination is a view inside a guarded buffer.
          const backing = new Uint8Array(GUARD + PAGE + dstExtra + GUARD).fill(0xab);
          const dst = backing.subarray(GUARD, GUARD + PAGE + dstExtra);
          const r = outcome(() =>
            codec.decodeInto(
              src as Uint8Array,
              srcStart as number,
              srcEnd as number,
              dst,
              dstStart as number,
            ),
          );
          expect(backing.subarray(0, GUARD).every((b) => b === 0xab)).toBe(true);
          expect(backing.subarray(GUARD + dst.length).every((b) => b === 0xab)).toBe(true);
          if (r instanceof CompressError) {
            expect(dst.every((b) => b === 0xab)).toBe(true); // refused: nothing written
          } else if (r === true) {
            const d0 = dstStart as number;
            expect(dst.subarray(0, d0).every((b) => b === 0xab)).toBe(true);
            expect(dst.subarray(d0 + PAGE).every((b) => b === 0xab)).toBe(true);
            if (srcKind === 'good' && srcStart === 100 && srcEnd === 100 + good.length) {
              expect(Buffer.compare(dst.subarray(d0, d0 + PAGE), page)).toBe(0);
            }
          } else {
            expect(r).toMatchObject({ errno: 'EIO', code: 'decompress_fail' });
          }
          if (before !== undefined) expect(Buffer.compare(src as Uint8Array, before)).toBe(0);
          // decompress and compress with the same arbitrary values.
          const whole = new Uint8Array(PAGE).fill(0xcd);
          const d = outcome(() => codec.decompress(src as Uint8Array, whole));
          if (d !== true) expect(whole.every((b) => b === 0xcd)).toBe(true);
          const c = outcome(() => codec.compress(src as Uint8Array));
          if (!(c instanceof CompressError)) {
            expect(codec.decompress(c.slice(), whole)).toBe(true);
            expect(Buffer.compare(whole, src as Uint8Array)).toBe(0);
          }
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('same-filled detection: a valid answer or a typed error', () => {
    fc.assert(
      fc.property(anyValue, fc.oneof(fc.nat(0xffffffff), anyValue), (p, word) => {
        const w = outcome(() => sameFilledWord(p as Uint8Array));
        if (!(w instanceof CompressError))
          expect(w === -1 || (w >= 0 && w <= 0xffffffff)).toBe(true);
        const z = outcome(() => isZeroPage(p as Uint8Array));
        if (!(z instanceof CompressError)) expect(typeof z).toBe('boolean');
        const target = p instanceof Uint8Array ? new Uint8Array(p) : p; // a copy, even of a Buffer
        const f = outcome(() => fillWithWord(target as Uint8Array, word as number));
        if (f instanceof CompressError && p instanceof Uint8Array) {
          expect(Buffer.compare(target as Uint8Array, p)).toBe(0); // refused: unchanged
        } else if (!(f instanceof CompressError) && (target as Uint8Array).length > 0) {
          expect(sameFilledWord(target as Uint8Array)).toBe((word as number) + 0); // -0 fills as 0
        }
      }),
      { numRuns: 600 },
    );
  });

  it('createZstdBatchCodec: a codec or a typed error', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anyValue,
          fc.record(
            {
              pageSize: fc.oneof(fc.constantFrom(256, 4096), anyValue),
              level: fc.oneof(fc.integer({ min: 1, max: 19 }), anyValue),
            },
            { requiredKeys: [] },
          ),
        ),
        (options) => {
          const r = outcome(() => createZstdBatchCodec(options as object));
          if (!(r instanceof CompressError)) {
            expect(r.level >= 1 && r.level <= 19 && Number.isInteger(Math.log2(r.pageSize))).toBe(
              true,
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the batch codec: a valid result, a refusal or a typed error', async () => {
    const codec = createZstdBatchCodec({ level: 1 });
    const [frame] = await codec.compressBatch([page]);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.constant(frame!), fc.constant(page), anyValue), { maxLength: 3 }),
        fc.array(fc.oneof(fc.constant('page'), anyValue), { maxLength: 3 }),
        async (srcs, dstKinds) => {
          const dsts = dstKinds.map((k) => (k === 'page' ? new Uint8Array(PAGE).fill(7) : k));
          let r: unknown;
          try {
            r = await codec.decompressBatch(srcs as Uint8Array[], dsts as Uint8Array[]);
          } catch (e) {
            expect(e).toBeInstanceOf(CompressError);
            expect((e as CompressError).code).toBe('INVALID_ARGUMENT');
            dstKinds.forEach((k, i) => {
              if (k === 'page') expect((dsts[i] as Uint8Array).every((b) => b === 7)).toBe(true);
            });
            return;
          }
          expect(r === true || isRefusal(r)).toBe(true);
          if (r === true)
            for (const d of dsts) expect(Buffer.compare(d as Uint8Array, page)).toBe(0);
          try {
            const c = await codec.compressBatch(srcs as Uint8Array[]);
            expect(c.length).toBe(srcs.length);
          } catch (e) {
            expect(e).toBeInstanceOf(CompressError);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
