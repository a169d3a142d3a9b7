/**
 * @tierswap/compress: synchronous page codecs (lz4, zstd, none) over the system's C
 * libraries, a Promise-based zstd batch codec for measurements, zstd dictionaries
 * (training, and a codec compressing against one), and zero / same-filled page
 * detection. The only package of tierswap that loads compression libraries.
 */

export type { CompressErrorCode } from './compressError.js';
export { COMPRESS_ERROR_CODES, CompressError } from './compressError.js';
export { CODEC_NAMES, createCodec, isCodecName } from './createCodec.js';
export { fillWithWord, isZeroPage, sameFilledWord } from './samePage.js';
export type {
  BatchCodec,
  BatchCodecOptions,
  BindingInfo,
  Codec,
  CodecName,
  CodecOptions,
  DecodeResult,
  Lz4Library,
} from './types.js';
export { DEFAULT_PAGE_SIZE } from './types.js';
export { createZstdBatchCodec } from './zstdBatchCodec.js';
export { ZSTD_DEFAULT_LEVEL } from './zstdCodec.js';
export {
  createZstdDictionaryCodec,
  type DictionaryCodec,
  type DictionaryCodecOptions,
  type TrainDictionaryOptions,
  trainZstdDictionary,
} from './zstdDictionary.js';
