/**
 * The Node bindings side by side, for people choosing one: the same sample pages
 * through our addons over the system's liblz4 / libzstd, lz4-napi (lz4_flex, no
 * compiler needed) and @mongodb-js/zstd (Promise-only: one batch for all pages), each
 * compressing and decompressing every page, on one thread (the main one, while the
 * workers are idle). Each row's ratio comes from its own output, so a binding that
 * writes a different format shows it.
 */

import { createCodec, createZstdBatchCodec } from '@tierswap/compress';
import type { BindingResult } from './compressionResult.js';

const MB = 1e6;

function syncRow(
  binding: string,
  codecName: string,
  codec: ReturnType<typeof createCodec>,
  pages: readonly Uint8Array[],
): BindingResult {
  const P = codec.pageSize;
  const outs: Uint8Array[] = [];
  let bytes = 0;
  let t = performance.now();
  for (const page of pages) {
    const c = codec.compress(page);
    bytes += c.length;
    outs.push(c.slice());
  }
  const compressMs = performance.now() - t;
  const dst = new Uint8Array(P);
  t = performance.now();
  for (const c of outs) {
    if (codec.decompress(c, dst) !== true)
      throw new Error(`${binding} could not decode its own output`);
  }
  const decompressMs = performance.now() - t;
  const input = pages.length * P;
  return {
    binding,
    library: `${codec.binding.name} ${codec.binding.version}`,
    codec: codecName,
    pages: pages.length,
    ratio: input / bytes,
    compressMBps: input / MB / (compressMs / 1000),
    decompressMBps: input / MB / (decompressMs / 1000),
    calls: 'per page',
  };
}

async function batchRow(level: number, pages: readonly Uint8Array[]): Promise<BindingResult> {
  const codec = createZstdBatchCodec({ level });
  let t = performance.now();
  const outs = await codec.compressBatch(pages);
  const compressMs = performance.now() - t;
  const dsts = pages.map(() => new Uint8Array(codec.pageSize));
  t = performance.now();
  const r = await codec.decompressBatch(outs, dsts);
  const decompressMs = performance.now() - t;
  if (r !== true) throw new Error('@mongodb-js/zstd could not decode its own output');
  const input = pages.length * codec.pageSize;
  const bytes = outs.reduce((s, o) => s + o.length, 0);
  return {
    binding: '@mongodb-js/zstd (createZstdBatchCodec)',
    library: `${codec.binding.name} ${codec.binding.version}`,
    codec: `zstd-${level}`,
    pages: pages.length,
    ratio: input / bytes,
    compressMBps: input / MB / (compressMs / 1000),
    decompressMBps: input / MB / (decompressMs / 1000),
    calls: 'one batch',
  };
}

/**
 * Every binding that loads here on `pages`, for lz4 and the given zstd levels. A binding
 * that does not load is left out (the report's header lists it as unavailable).
 */
export async function compareBindings(
  pages: readonly Uint8Array[],
  zstdLevels: readonly number[],
): Promise<BindingResult[]> {
  const rows: BindingResult[] = [];
  const attempt = async (make: () => BindingResult | Promise<BindingResult>) => {
    try {
      rows.push(await make());
    } catch (error) {
      if ((error as { code?: string }).code !== 'BINDING_LOAD_FAILED') throw error;
    }
  };
  await attempt(() => syncRow('our addon (createCodec lz4)', 'lz4', createCodec('lz4'), pages));
  await attempt(() =>
    syncRow(
      "lz4-napi (createCodec lz4, lz4Library 'lz4-napi')",
      'lz4',
      createCodec('lz4', { lz4Library: 'lz4-napi' }),
      pages,
    ),
  );
  for (const level of zstdLevels) {
    await attempt(() =>
      syncRow(
        'our addon (createCodec zstd)',
        `zstd-${level}`,
        createCodec('zstd', { level }),
        pages,
      ),
    );
    await attempt(() => batchRow(level, pages));
  }
  return rows;
}
