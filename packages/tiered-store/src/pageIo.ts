/**
 * The package's Node-API addon, `tierswap_pageio` (native/pageIo.c, built by node-gyp when
 * the package is installed): positioned page reads and writes that return the page's
 * crc32c from the same call, and crc32c on its own.
 *
 * Why an addon: the file device must verify every page it returns, and through
 * fs.readSync plus @node-rs/crc32 the checksum cost as much as the read (the device ran at
 * 0.47x of plain pread). In one native call the checksum runs on the CPU's crc32
 * instruction right after the system call, and the device reads at ~0.9x of plain pread
 * (bench/fileDevice.bench.ts; its runs are kept in docs/benchmarks/data/tiered-store.jsonl).
 *
 * Loaded once when this module is first imported; if it was not built, importing the
 * package fails with TieredStoreError('IO_ERROR') saying how to build it.
 */

import { createRequire } from 'node:module';
import { TieredStoreError } from './tieredStoreError.js';

/** What native/pageIo.c exports. Offsets and lengths are checked again natively. */
export interface PageIoAddon {
  /** true when crc32c runs on the CPU's crc32 instruction (SSE4.2), else slice-by-8. */
  readonly hardware: boolean;
  /** crc32c of buf[start, end), continuing `crc`. */
  crc32c(buf: Uint8Array, start: number, end: number, crc: number): number;
  /** crc32c on the portable (table) path, whatever the CPU: the tests check both paths. */
  crc32cPortable(buf: Uint8Array, start: number, end: number, crc: number): number;
  /** Reads all `len` bytes at `pos` into buf[off, off + len): 0, or -errno (-ENODATA at EOF). */
  pread(fd: number, buf: Uint8Array, off: number, len: number, pos: number): number;
  /** As pread, returning the crc32c of the bytes read (>= 0), or -errno. */
  preadCrc(fd: number, buf: Uint8Array, off: number, len: number, pos: number): number;
  /** Writes all of buf[off, off + len) at `pos`: its crc32c (>= 0), or -errno. */
  pwriteCrc(fd: number, buf: Uint8Array, off: number, len: number, pos: number): number;
  /**
   * One pread of `count` (1..256) consecutive pages at `pos` into buf[off..], each whole
   * but the last (read up to lengths[first + count - 1]); sets crcs[first + k] to the
   * crc32c of page k's lengths[first + k] bytes. 0, or -errno.
   */
  preadRunCrc(
    fd: number,
    buf: Uint8Array,
    off: number,
    pos: number,
    pageSize: number,
    lengths: Uint32Array,
    first: number,
    count: number,
    crcs: Uint32Array,
  ): number;
  /**
   * One pwritev of pages[first .. first + count) (count 1..256) back to back at `pos`,
   * short writes finished; sets crcs[first + k] to each page's crc32c first. 0, or -errno.
   */
  pwritevCrc(
    fd: number,
    pages: readonly Uint8Array[],
    first: number,
    count: number,
    pos: number,
    crcs: Uint32Array,
  ): number;
}

function load(): PageIoAddon {
  try {
    // From src/ and from dist/ alike, node-gyp's output is one level up.
    return createRequire(import.meta.url)('../build/Release/tierswap_pageio.node') as PageIoAddon;
  } catch (cause) {
    throw new TieredStoreError(
      'IO_ERROR',
      'pageIo.load',
      `the tierswap_pageio addon is not built (${String(cause)}); run \`pnpm install\` in ` +
        '@tierswap/tiered-store (it runs node-gyp and needs a C compiler and Node headers)',
      { cause },
    );
  }
}

export const pageIo: PageIoAddon = load();

/** The most pages preadRunCrc / pwritevCrc take in one call. */
export const MAX_RUN = 256;
