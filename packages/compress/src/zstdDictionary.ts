/**
 * zstd with a dictionary, as zram's per-device zstd dictionaries do: train one on sample
 * pages of a workload (trainZstdDictionary, libzstd's ZDICT_trainFromBuffer), then
 * compress each page as one zstd frame against it (createZstdDictionaryCodec). A
 * dictionary gives 4 KiB pages the history a lone page lacks, which is where small
 * blocks lose ratio.
 *
 * Why a codec of its own rather than a `dictionary` option of createCodec: a pool's
 * pages must all decode with the dictionary they were stored with, and zswap has no
 * notion of one; the measurement (the compression study) is its user. It runs on this
 * package's zstd addon: the dictionary is digested once (a CDict and a DDict, freed when
 * the codec is garbage collected) and each page reuses the environment's contexts.
 */

import { type Refusal, refuse, showValue } from '@tierswap/base';
import { badPage, checkBytes, checkLevel, checkOptions, checkPageSize } from './codecChecks.js';
import { CompressError } from './compressError.js';
import type { NativeAddon } from './nativeAddon.js';
import type { BindingInfo, DecodeResult } from './types.js';
import { loadLibzstd, ZSTD_DEFAULT_LEVEL } from './zstdCodec.js';

/** The dictionary calls of the tierswap_zstd addon (absent on a libzstd without ZDICT). */
interface DictionaryAddon extends NativeAddon {
  trainDictionary?(samples: Uint8Array, sizes: Uint8Array, dst: Uint8Array): number;
  dictCreate?(dictionary: Uint8Array): object;
  dictEncode?(handle: object, src: Uint8Array, dst: Uint8Array): number;
  dictDecode?(handle: object, src: Uint8Array, dst: Uint8Array): number;
}

type Loaded = Required<
  Pick<DictionaryAddon, 'trainDictionary' | 'dictCreate' | 'dictEncode' | 'dictDecode'>
> &
  NativeAddon;

function loadDictionaryAddon(where: string): { addon: Loaded; info: BindingInfo } {
  const { addon, info } = loadLibzstd();
  const a = addon as DictionaryAddon;
  if (a.trainDictionary === undefined || a.dictCreate === undefined) {
    throw new CompressError(
      'BINDING_LOAD_FAILED',
      where,
      `libzstd ${info.version} lacks ZDICT_trainFromBuffer or ZSTD_createCDict: dictionaries need libzstd >= 1.3`,
    );
  }
  return { addon: a as Loaded, info };
}

export interface TrainDictionaryOptions {
  /** Largest dictionary in bytes, an integer in [256, 1 MiB]; default 16 KiB. */
  readonly maxBytes?: number;
}

/**
 * A zstd dictionary trained on `samples` (pages, usually; each at least 8 bytes). ZDICT
 * wants many samples (a hundred or more) and about 10 to 100 times the dictionary's size
 * of them; with too little it throws CompressError('COMPRESS_FAILED') with ZDICT's reason.
 */
export function trainZstdDictionary(
  samples: readonly Uint8Array[],
  options?: TrainDictionaryOptions,
): Uint8Array {
  const where = 'zstdDictionary.trainZstdDictionary';
  if (!Array.isArray(samples) || samples.length === 0) {
    throw new CompressError(
      'INVALID_ARGUMENT',
      where,
      `samples must be a non-empty array, got ${showValue(samples)}`,
    );
  }
  const o = checkOptions(where, options);
  const maxBytes = o.maxBytes ?? 16384;
  if (!Number.isInteger(maxBytes) || maxBytes < 256 || maxBytes > 1 << 20) {
    throw new CompressError(
      'INVALID_ARGUMENT',
      where,
      `maxBytes ${showValue(maxBytes)} is not an integer in [256, 1048576]`,
    );
  }
  let total = 0;
  samples.forEach((s, i) => {
    checkBytes(where, `samples[${i}]`, s);
    total += s.length;
  });
  const { addon } = loadDictionaryAddon(where);
  const joined = new Uint8Array(total);
  const sizes = new Uint32Array(samples.length);
  let at = 0;
  samples.forEach((s, i) => {
    joined.set(s, at);
    at += s.length;
    sizes[i] = s.length;
  });
  const dst = new Uint8Array(maxBytes);
  let n: number;
  try {
    n = addon.trainDictionary(joined, new Uint8Array(sizes.buffer), dst);
  } catch (cause) {
    throw new CompressError(
      'COMPRESS_FAILED',
      where,
      `training a ${maxBytes}-byte dictionary on ${samples.length} samples (${total} bytes) failed: ${String(cause)}`,
      { cause },
    );
  }
  return dst.slice(0, n);
}

export interface DictionaryCodecOptions {
  /** Page size in bytes: a power of two in [256, 65536]. Default 4096. */
  readonly pageSize?: number;
  /** The compression level, an integer in 1..19 (default 3). */
  readonly level?: number;
}

/** A page codec compressing against one dictionary: one zstd frame per page. */
export interface DictionaryCodec {
  readonly name: 'zstd';
  readonly level: number;
  readonly pageSize: number;
  readonly binding: BindingInfo;
  /** The dictionary's size in bytes (a per-device cost, as in zram). */
  readonly dictionaryBytes: number;
  /** One frame of `page`, a view of scratch memory valid until the next call. */
  compress(page: Uint8Array): Uint8Array;
  /** Decode all of `src` (one frame) into `dst` (one page); `true` or the refusal. */
  decompress(src: Uint8Array, dst: Uint8Array): DecodeResult;
}

/** A codec over `dictionary` (from trainZstdDictionary, or any zstd dictionary). */
export function createZstdDictionaryCodec(
  dictionary: Uint8Array,
  options?: DictionaryCodecOptions,
): DictionaryCodec {
  const where = 'zstdDictionary.createZstdDictionaryCodec';
  checkBytes(where, 'dictionary', dictionary);
  if (dictionary.length < 8) {
    throw new CompressError(
      'INVALID_ARGUMENT',
      where,
      `dictionary must hold at least 8 bytes, got ${dictionary.length}`,
    );
  }
  const o = checkOptions(where, options);
  const pageSize = checkPageSize(where, o.pageSize);
  const level = checkLevel(where, o.level, ZSTD_DEFAULT_LEVEL);
  const { addon, info } = loadDictionaryAddon(where);
  addon.args[3] = level;
  const handle = addon.dictCreate(dictionary);
  const P = pageSize;
  const scratch = new Uint8Array(P + (P >> 8) + (P < 131072 ? (131072 - P) >> 11 : 0) + 64);
  const corrupt: Refusal<'decompress_fail'> = refuse(
    'EIO',
    `zstdDictionary: the input is not one zstd frame of a ${P}-byte page made with this dictionary`,
    'decompress_fail',
  );
  return {
    name: 'zstd',
    level,
    pageSize,
    binding: info,
    dictionaryBytes: dictionary.length,
    compress(page: Uint8Array): Uint8Array {
      if (!(page instanceof Uint8Array && page.length === P))
        throw badPage(`${where}.compress`, 'page', page, P);
      const n = addon.dictEncode(handle, page, scratch);
      if (n <= 0) {
        throw new CompressError(
          'COMPRESS_FAILED',
          `${where}.compress`,
          `ZSTD_compress_usingCDict failed on ${P} bytes`,
        );
      }
      return scratch.subarray(0, n);
    },
    decompress(src: Uint8Array, dst: Uint8Array): DecodeResult {
      if (!(src instanceof Uint8Array)) throw badPage(`${where}.decompress`, 'src', src, P);
      if (!(dst instanceof Uint8Array && dst.length === P))
        throw badPage(`${where}.decompress`, 'dst', dst, P);
      return addon.dictDecode(handle, src, dst) === P ? true : corrupt;
    },
  };
}
