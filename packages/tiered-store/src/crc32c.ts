/**
 * crc32c (Castagnoli, reflected polynomial 0x82F63B78): the checksum kept beside every
 * stored page. Castagnoli rather than the zlib polynomial because it is what storage
 * stacks use (iSCSI, ext4/btrfs metadata, the kernel's crc32c()) and it detects more
 * errors in block-sized data.
 *
 * Computed by the package's addon (native/pageIo.c) on the CPU's crc32 instruction in
 * three interleaved streams, ~0.25 us per 4 KiB plus ~0.15 us for the call; the file
 * device gets the same checksum from its read and write calls directly, which is what
 * brings it to ~0.9x of plain pread. Other hashes were measured once per 4 KiB page in
 * one run (packages installed outside the repository, call included): @node-rs/crc32
 * crc32c 1.28 us, @node-rs/xxhash xxh64 0.79 us (a BigInt result) and xxh32 1.18 us,
 * xxhash-wasm h64 0.99 us and h32 1.39 us, hash-wasm xxhash3 2.17 us, against 0.57 us
 * for this crc32c as a separate call: none is cheaper, and none removes the separate
 * call that the combined read-and-checksum saves (bench/fileDevice.bench.ts compares
 * the options that ship with the repository).
 * The TS reference the tests hold this to is src/testing/crc32cReference.ts.
 * Known answer: crc32c("123456789") = 0xE3069283.
 */

import { showValue } from '@tierswap/base';
import { pageIo } from './pageIo.js';
import { TieredStoreError } from './tieredStoreError.js';

/**
 * crc32c of bytes[start, end). Pass a previous result as `crc` to continue a running
 * checksum over several pieces. Throws TieredStoreError('INVALID_ARGUMENT') for anything but
 * a Uint8Array, a range inside it and a crc in 0..2^32-1.
 */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes?.length, crc = 0): number {
  if (
    !(bytes instanceof Uint8Array) ||
    !(
      Number.isInteger(start) &&
      Number.isInteger(end) &&
      start >= 0 &&
      start <= end &&
      end <= bytes.length
    ) ||
    !(Number.isInteger(crc) && crc >= 0 && crc <= 0xffffffff)
  ) {
    throw new TieredStoreError(
      'INVALID_ARGUMENT',
      'crc32c',
      `crc32c(${showValue(bytes)}, ${showValue(start)}, ${showValue(end)}, ${showValue(crc)}): needs a Uint8Array, 0 <= start <= end <= its length and a crc in 0..2^32-1`,
    );
  }
  return pageIo.crc32c(bytes, start, end, crc);
}
