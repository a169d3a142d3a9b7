import { isRefusal } from '@tierswap/base';
import { filePages, HOSTILE_VALUES, NODE_BINARY, textPages } from '@tierswap/bench-kit';
import { describe, expect, it } from 'vitest';
import { CompressError } from './compressError.js';
import { createCodec } from './createCodec.js';
import { createZstdDictionaryCodec, trainZstdDictionary } from './zstdDictionary.js';

// Real pages: C headers (many small files alike) and the node binary.
const text = textPages(1200, 4096, '/usr/include');
const binary = filePages(NODE_BINARY, 4096, 2000, 400);

describe('trainZstdDictionary and createZstdDictionaryCodec', () => {
  it('round-trips real pages and compresses them smaller than without the dictionary', () => {
    const samples = text.filter((_, i) => i % 4 === 0);
    const dict = trainZstdDictionary(samples, { maxBytes: 16384 });
    expect(dict.length).toBeGreaterThan(256);
    expect(dict.length).toBeLessThanOrEqual(16384);
    const withDict = createZstdDictionaryCodec(dict, { level: 3 });
    const plain = createCodec('zstd', { level: 3 });
    expect(withDict.binding.name).toBe('libzstd');
    expect(withDict.dictionaryBytes).toBe(dict.length);
    let dictBytes = 0;
    let plainBytes = 0;
    const out = new Uint8Array(4096);
    // Held-out pages (not trained on) count: they are what a dictionary is for.
    for (const page of text.filter((_, i) => i % 4 !== 0)) {
      const c = withDict.compress(page).slice();
      dictBytes += c.length;
      plainBytes += plain.compress(page).length;
      expect(withDict.decompress(c, out)).toBe(true);
      expect(Buffer.compare(out, page)).toBe(0);
    }
    expect(dictBytes).toBeLessThan(plainBytes * 0.9);
  });

  it('refuses frames made without the dictionary or corrupted, leaving a refusal not an exception', () => {
    const dict = trainZstdDictionary(binary.slice(0, 300), { maxBytes: 8192 });
    const codec = createZstdDictionaryCodec(dict);
    const other = createZstdDictionaryCodec(
      trainZstdDictionary(text.slice(0, 300), { maxBytes: 8192 }),
    );
    const page = binary[350] ?? new Uint8Array(4096);
    const frame = codec.compress(page).slice();
    const out = new Uint8Array(4096);
    expect(codec.decompress(frame, out)).toBe(true);
    const wrongDict = other.decompress(frame, out);
    expect(isRefusal(wrongDict) && wrongDict.code).toBe('decompress_fail');
    const truncated = codec.decompress(frame.subarray(0, frame.length - 3), out);
    expect(isRefusal(truncated) && truncated.errno).toBe('EIO');
    const twoFrames = new Uint8Array(frame.length * 2);
    twoFrames.set(frame);
    twoFrames.set(frame, frame.length);
    expect(isRefusal(codec.decompress(twoFrames, new Uint8Array(4096)))).toBe(true);
  });

  it('throws INVALID_ARGUMENT on bad arguments and COMPRESS_FAILED when ZDICT cannot train', () => {
    for (const bad of HOSTILE_VALUES) {
      if (Array.isArray(bad) && bad.length > 0 && bad.every((b) => b instanceof Uint8Array))
        continue;
      expect(() => trainZstdDictionary(bad as Uint8Array[])).toThrow(CompressError);
    }
    expect(() => trainZstdDictionary(text.slice(0, 10), { maxBytes: 100 })).toThrow(/maxBytes 100/);
    expect(() => createZstdDictionaryCodec(new Uint8Array(4))).toThrow(/at least 8 bytes/);
    expect(() => createZstdDictionaryCodec(new Uint8Array(64), { level: 0 })).toThrow(/level 0/);
    const tooFew = () => trainZstdDictionary([new Uint8Array(4096)], { maxBytes: 16384 });
    expect(tooFew).toThrow(CompressError);
    try {
      tooFew();
    } catch (e) {
      expect((e as CompressError).code).toBe('COMPRESS_FAILED');
      expect((e as CompressError).message).toMatch(/ZDICT_trainFromBuffer failed/);
    }
    const codec = createZstdDictionaryCodec(
      trainZstdDictionary(binary.slice(0, 300), { maxBytes: 4096 }),
    );
    expect(() => codec.compress(new Uint8Array(100))).toThrow(/4096-byte page/);
  });
});
