/**
 * @tierswap/compress: page codecs (lz4, zstd, none), zero / same-filled page detection,
 * and a batch API. The only package of tierswap that loads compression bindings.
 */

export type { CompressErrorCode } from './compressError.js';
export { COMPRESS_ERROR_CODES, CompressError } from './compressError.js';
export { CODEC_NAMES, createCodec, isCodecName } from './createCodec.js';
export { LZ4_PREFIX_BYTES, lz4DecodeBlock, lz4DecodePrefixed } from './lz4Block.js';
export type { Lz4Decoder, Lz4Encoder } from './lz4Codec.js';
export { Lz4Codec } from './lz4Codec.js';
export { Lz4WasmDecoder } from './lz4Wasm.js';
export { LZ4_WASM_ENCODER_MAX_INPUT, Lz4WasmEncoder } from './lz4WasmEncoder.js';
export { NoneCodec } from './noneCodec.js';
export { fillWithWord, isZeroPage, sameFilledWord } from './samePage.js';
export type { BindingInfo, Codec, CodecName, CodecOptions } from './types.js';
export { DEFAULT_PAGE_SIZE } from './types.js';
export type { ZstdLibrary } from './zstdCodec.js';
export { ZSTD_DEFAULT_LEVEL, ZstdCodec } from './zstdCodec.js';
