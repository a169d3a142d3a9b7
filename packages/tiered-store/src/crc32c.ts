/**
 * crc32c (Castagnoli, reflected polynomial 0x82F63B78): the checksum kept beside every
 * stored page. Castagnoli rather than the zlib polynomial because it is what storage
 * stacks use (iSCSI, ext4/btrfs metadata, the kernel's crc32c()) and it detects more
 * errors in block-sized data.
 *
 * Computed by the package's addon (native/pageIo.c) on the CPU's crc32 instruction in
 * three interleaved streams, ~0.25 us per 4 KiB plus ~0.15 us for the call; the file
 * device gets the same checksum from its read and write calls directly. Faster hashes were
 * measured and not kept: xxh64 through @node-rs/xxhash costs about the same per call
 * (it returns a BigInt), the WebAssembly ones more (table in docs/benchmarks/tiered-store.md),
 * and none of them removes the call that the combined read-and-checksum saves.
 * The TS reference the tests hold this to is src/testing/crc32cReference.ts.
 * Known answer: crc32c("123456789") = 0xE3069283.
 */

import { pageIo } from './pageIo.js';

/**
 * crc32c of bytes[start, end). Pass a previous result as `crc` to continue a running
 * checksum over several pieces. Throws a RangeError for a range outside `bytes`.
 */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number {
  return pageIo.crc32c(bytes, start, end, crc);
}
