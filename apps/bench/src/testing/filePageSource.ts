/**
 * A PageSource over files, for this package's tests and benches only: the pages of each
 * file in turn (the last one zero-padded), one region per file. @tierswap/workload's
 * fileSource is the real one; this stays small so the studies' tests depend on nothing
 * but the PageSource contract.
 */

import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { PageSource, Region, SourcePage } from '@tierswap/workload';

export function filePageSource(
  paths: readonly string[],
  maxPages = Number.MAX_SAFE_INTEGER,
): PageSource {
  const regions: Region[] = [];
  const pagesPer: number[] = [];
  let total = 0;
  for (const path of paths) {
    if (total >= maxPages) break;
    const size = statSync(path).size;
    if (size === 0) continue;
    const n = Math.min(Math.ceil(size / 4096), maxPages - total);
    regions.push({ name: path, start: 0, end: size, perms: 'file' });
    pagesPer.push(n);
    total += n;
  }
  return {
    name: regions.length === 1 ? (regions[0]?.name ?? 'file') : `${regions.length} files`,
    regions,
    pageCount: total,
    *pages(): Generator<SourcePage> {
      for (const [r, region] of regions.entries()) {
        const fd = openSync(region.name, 'r');
        try {
          for (let i = 0; i < (pagesPer[r] ?? 0); i++) {
            const bytes = new Uint8Array(4096);
            readSync(fd, bytes, 0, 4096, i * 4096);
            yield { bytes, region: r };
          }
        } finally {
          closeSync(fd);
        }
      }
    },
  };
}
