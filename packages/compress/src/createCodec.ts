/**
 * createCodec: the one factory that turns a compressor name into a working codec.
 *
 * Why: zswap's `compressor` parameter is a string and an unknown name is refused
 * (-ENOENT); here that is CompressError('UNKNOWN_CODEC'). Libraries load inside the
 * factory, so a broken install fails at startup with BINDING_LOAD_FAILED, never on the
 * first page.
 */

import { showValue } from '@tierswap/base';
import { CompressError } from './compressError.js';
import { Lz4Codec } from './lz4Codec.js';
import { NoneCodec } from './noneCodec.js';
import type { Codec, CodecName, CodecOptions } from './types.js';
import { ZstdCodec } from './zstdCodec.js';

export const CODEC_NAMES: readonly CodecName[] = Object.freeze(['lz4', 'zstd', 'none']);

export function isCodecName(name: unknown): name is CodecName {
  return (CODEC_NAMES as readonly unknown[]).includes(name);
}

export function createCodec(name: string, options?: CodecOptions): Codec {
  if (typeof name !== 'string') {
    throw new CompressError(
      'INVALID_ARGUMENT',
      'createCodec',
      `name must be a string, got ${showValue(name)}`,
    );
  }
  switch (name) {
    case 'lz4':
      return new Lz4Codec(options);
    case 'zstd':
      return new ZstdCodec(options);
    case 'none':
      return new NoneCodec(options);
    default:
      throw new CompressError(
        'UNKNOWN_CODEC',
        'createCodec',
        `unknown codec ${JSON.stringify(name.slice(0, 40))} (known: ${CODEC_NAMES.join(', ')})`,
      );
  }
}
