/**
 * Snapshot files: any PageSource saved to one file and read back as a PageSource, with
 * each page's region (for a process, its VMA: range, perms, name) and address kept, so
 * a study can split its numbers per mapping and rerun on the same bytes later.
 *
 * Format, version 1 (all integers little-endian):
 *
 *   offset 0   8 bytes  magic "TSWPSNAP"
 *          8   u32      version (1)
 *         12   u32      page size (4096)
 *         16   u32      header size (64)
 *         20   u32      region-table length in bytes (a multiple of 8)
 *         24   f64      page count
 *         32   f64      stored (non-zero) page count
 *         40   f64      data offset (a multiple of 4096)
 *         48   16 bytes zero (reserved)
 *         64   the region table: UTF-8 JSON {"name": string, "regions": [{name, start,
 *              end, perms}]}, padded with spaces to a multiple of 8
 *          …   the page index: per page 16 bytes: u32 region, u32 flags (bit 0: a
 *              zero page, no data stored), f64 address (for a process the virtual
 *              address, for a file the offset in it)
 *   data offset the stored pages, 4096 bytes each, in index order
 *
 * The file is exactly data offset + stored × 4096 bytes long, which is how a truncated
 * file is told from a whole one. Why this shape: the header and index are read once
 * and are small (16 bytes a page); zero pages (often a large share of a process) cost
 * 16 bytes; data starts page-aligned so pages can be read with plain preads; counts
 * and addresses are f64 since every value is below 2^53 and JS reads them directly.
 * The writer writes a temporary file in the target's directory, syncs it and renames
 * it over the target, so a failed write leaves nothing, and never half a file.
 */

import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { showValue } from '@tierswap/base';
import { isZeroPage } from '@tierswap/compress';
import { z } from 'zod';
import type { PageSource, Region, SourcePage } from './types.js';
import { WorkloadError } from './workloadError.js';

const PAGE_SIZE = 4096;
const MAGIC = 'TSWPSNAP';
const VERSION = 1;
const HEADER_SIZE = 64;
const ENTRY_SIZE = 16;
const FLAG_ZERO = 1;
/** Pages written or read per batch (1 MiB). */
const BATCH = 256;

export interface SnapshotWriteResult {
  readonly path: string;
  readonly pages: number;
  readonly zeroPages: number;
  /** The file's size in bytes. */
  readonly bytes: number;
}

/** A snapshot read back: a PageSource that also knows each page's address. */
export interface SnapshotSource extends PageSource {
  readonly path: string;
  readonly zeroPages: number;
  /** The address page `index` came from (a virtual address, or an offset in a file). */
  addressOf(index: number): number;
}

const RegionSchema = z.object({
  name: z.string(),
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  perms: z.string(),
});
const TableSchema = z.object({ name: z.string(), regions: z.array(RegionSchema) });

function isPageSource(s: unknown): s is PageSource {
  const o = s as PageSource | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.name === 'string' &&
    Array.isArray(o.regions) &&
    Number.isSafeInteger(o.pageCount) &&
    o.pageCount >= 0 &&
    typeof o.pages === 'function'
  );
}

function ioError(where: string, what: string, path: string, err: unknown): WorkloadError {
  const sys = (err as NodeJS.ErrnoException | undefined)?.code;
  const code =
    sys === 'ENOENT' || sys === 'ENOTDIR'
      ? 'NOT_FOUND'
      : sys === 'EACCES' || sys === 'EPERM'
        ? 'PERMISSION_DENIED'
        : 'IO_ERROR';
  return new WorkloadError(
    code,
    where,
    `cannot ${what} ${JSON.stringify(path)} (${sys ?? String(err)})`,
    { cause: err },
  );
}

/**
 * Save `source` to `path` (replacing it atomically). `onProgress(done, total)` is
 * called after each 256-page batch. Throws WorkloadError: INVALID_ARGUMENT for a bad
 * argument or a source that breaks its own contract (a page of the wrong size, a region
 * out of range, more or fewer pages than `pageCount`); NOT_FOUND, PERMISSION_DENIED or
 * IO_ERROR when the file cannot be written. Nothing is left at `path` on failure.
 */
export async function writeSnapshot(
  source: PageSource,
  path: string,
  onProgress?: (done: number, total: number) => void,
): Promise<SnapshotWriteResult> {
  const where = 'snapshotFile.writeSnapshot';
  if (!isPageSource(source)) {
    throw new WorkloadError(
      'INVALID_ARGUMENT',
      where,
      `source must be a PageSource (name, regions, pageCount, pages()), got ${showValue(source)}`,
    );
  }
  if (typeof path !== 'string' || path === '' || path.includes('\0')) {
    throw new WorkloadError(
      'INVALID_ARGUMENT',
      where,
      `path must be a non-empty string without NUL, got ${showValue(path)}`,
    );
  }
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new WorkloadError(
      'INVALID_ARGUMENT',
      where,
      `onProgress must be a function, got ${showValue(onProgress)}`,
    );
  }
  const regions = source.regions.map((r) => ({
    name: r.name,
    start: r.start,
    end: r.end,
    perms: r.perms,
  }));
  if (!TableSchema.safeParse({ name: source.name, regions }).success) {
    throw new WorkloadError(
      'INVALID_ARGUMENT',
      where,
      `source ${JSON.stringify(source.name)} has a region that is not {name, start, end, perms} with integer start and end >= 0`,
    );
  }
  let table = Buffer.from(JSON.stringify({ name: source.name, regions }), 'utf8');
  const padded = Math.ceil(table.length / 8) * 8;
  table = Buffer.concat([table, Buffer.alloc(padded - table.length, 0x20)]);
  const total = source.pageCount;
  const indexAt = HEADER_SIZE + table.length;
  const dataAt = Math.ceil((indexAt + total * ENTRY_SIZE) / PAGE_SIZE) * PAGE_SIZE;
  const index = new ArrayBuffer(total * ENTRY_SIZE);
  const index32 = new Uint32Array(index);
  const index64 = new Float64Array(index);
  const addressOf = (source as Partial<SnapshotSource>).addressOf;
  const nextInRegion = new Array<number>(regions.length).fill(0);

  const target = resolve(path);
  const tmp = join(
    dirname(target),
    `.${basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(tmp, 'wx');
  } catch (err) {
    throw ioError(where, 'create a temporary file next to', target, err);
  }
  let zeroPages = 0;
  let stored = 0;
  try {
    const batch = Buffer.allocUnsafe(BATCH * PAGE_SIZE);
    let inBatch = 0;
    const flush = async (): Promise<void> => {
      if (inBatch === 0) return;
      const at = dataAt + (stored - inBatch) * PAGE_SIZE;
      await fh.write(batch, 0, inBatch * PAGE_SIZE, at);
      inBatch = 0;
    };
    let i = 0;
    for (const page of source.pages()) {
      if (i >= total) {
        throw new WorkloadError(
          'INVALID_ARGUMENT',
          where,
          `source ${JSON.stringify(source.name)} yielded more pages than its pageCount ${total}`,
        );
      }
      const { bytes, region } = page as SourcePage;
      if (!(bytes instanceof Uint8Array) || bytes.length !== PAGE_SIZE) {
        throw new WorkloadError(
          'INVALID_ARGUMENT',
          where,
          `page ${i} of source ${JSON.stringify(source.name)} is not 4096 bytes, got ${showValue(bytes)}`,
        );
      }
      if (!Number.isInteger(region) || region < 0 || region >= regions.length) {
        throw new WorkloadError(
          'INVALID_ARGUMENT',
          where,
          `page ${i} of source ${JSON.stringify(source.name)} names region ${showValue(region)}, it has ${regions.length}`,
        );
      }
      const k = nextInRegion[region]!;
      nextInRegion[region] = k + 1;
      const zero = isZeroPage(bytes);
      index32[i * 4] = region;
      index32[i * 4 + 1] = zero ? FLAG_ZERO : 0;
      index64[i * 2 + 1] =
        typeof addressOf === 'function'
          ? addressOf.call(source, i)
          : regions[region]!.start + k * PAGE_SIZE;
      if (zero) zeroPages++;
      else {
        batch.set(bytes, inBatch * PAGE_SIZE);
        inBatch++;
        stored++;
        if (inBatch === BATCH) await flush();
      }
      i++;
      if (i % BATCH === 0) onProgress?.(i, total);
    }
    await flush();
    if (i !== total) {
      throw new WorkloadError(
        'INVALID_ARGUMENT',
        where,
        `source ${JSON.stringify(source.name)} yielded ${i} pages, its pageCount says ${total}`,
      );
    }
    const head = Buffer.alloc(HEADER_SIZE);
    head.write(MAGIC, 0, 'latin1');
    head.writeUInt32LE(VERSION, 8);
    head.writeUInt32LE(PAGE_SIZE, 12);
    head.writeUInt32LE(HEADER_SIZE, 16);
    head.writeUInt32LE(table.length, 20);
    head.writeDoubleLE(total, 24);
    head.writeDoubleLE(stored, 32);
    head.writeDoubleLE(dataAt, 40);
    await fh.write(Buffer.concat([head, table, new Uint8Array(index)]), 0, undefined, 0);
    // A file with no stored pages still needs its length (index padding) to match.
    await fh.truncate(dataAt + stored * PAGE_SIZE);
    await fh.sync();
    await fh.close();
    await rename(tmp, target);
  } catch (err) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    if (err instanceof WorkloadError) throw err;
    throw ioError(where, 'write', target, err);
  }
  // Make the rename durable: sync the directory that now names the file.
  try {
    const dir = await open(dirname(target), 'r');
    await dir.sync().finally(() => dir.close());
  } catch {
    // Some file systems refuse fsync on a directory; the file itself is synced.
  }
  onProgress?.(total, total);
  return Object.freeze({
    path: target,
    pages: total,
    zeroPages,
    bytes: dataAt + stored * PAGE_SIZE,
  });
}

function bad(path: string, what: string): WorkloadError {
  return new WorkloadError(
    'BAD_FORMAT',
    'snapshotFile.readSnapshot',
    `${JSON.stringify(path)} ${what}`,
  );
}

function readExactly(fd: number, buf: Uint8Array, position: number): number {
  let got = 0;
  while (got < buf.length) {
    const k = readSync(fd, buf, got, buf.length - got, position + got);
    if (k === 0) break;
    got += k;
  }
  return got;
}

/**
 * Open a snapshot file written by writeSnapshot. The header, region table and index
 * are read and checked now; page data is read when `pages()` runs. Throws
 * WorkloadError: BAD_FORMAT for a foreign, truncated or unknown-version file,
 * NOT_FOUND or PERMISSION_DENIED when it cannot be opened.
 */
export function readSnapshot(path: string): SnapshotSource {
  const where = 'snapshotFile.readSnapshot';
  if (typeof path !== 'string' || path === '' || path.includes('\0')) {
    throw new WorkloadError(
      'INVALID_ARGUMENT',
      where,
      `path must be a non-empty string without NUL, got ${showValue(path)}`,
    );
  }
  const target = resolve(path);
  let fd: number;
  try {
    fd = openSync(target, 'r');
  } catch (err) {
    throw ioError(where, 'open', target, err);
  }
  let name: string;
  let regions: readonly Region[];
  let total: number;
  let stored: number;
  let dataAt: number;
  let index: ArrayBuffer;
  let size: number;
  try {
    size = fstatSync(fd).size;
    const head = Buffer.alloc(HEADER_SIZE);
    if (readExactly(fd, head, 0) < HEADER_SIZE || head.toString('latin1', 0, 8) !== MAGIC) {
      throw bad(target, `is not a tierswap snapshot (no "${MAGIC}" magic at its start)`);
    }
    const version = head.readUInt32LE(8);
    if (version !== VERSION) {
      throw bad(
        target,
        `is snapshot format version ${version}; this reader knows version ${VERSION}`,
      );
    }
    const tableLen = head.readUInt32LE(20);
    total = head.readDoubleLE(24);
    stored = head.readDoubleLE(32);
    dataAt = head.readDoubleLE(40);
    if (
      head.readUInt32LE(12) !== PAGE_SIZE ||
      head.readUInt32LE(16) !== HEADER_SIZE ||
      tableLen % 8 !== 0 ||
      !Number.isSafeInteger(total) ||
      !Number.isSafeInteger(stored) ||
      !Number.isSafeInteger(dataAt) ||
      total < 0 ||
      stored < 0 ||
      stored > total ||
      dataAt % PAGE_SIZE !== 0 ||
      dataAt < HEADER_SIZE + tableLen + total * ENTRY_SIZE
    ) {
      throw bad(target, 'has a damaged header');
    }
    const expected = dataAt + stored * PAGE_SIZE;
    if (size !== expected) {
      throw bad(
        target,
        `is ${size} bytes, its header says ${expected} (${total} pages, ${stored} stored): ${size < expected ? 'truncated' : 'has trailing bytes'}`,
      );
    }
    const tableBytes = Buffer.alloc(tableLen);
    readExactly(fd, tableBytes, HEADER_SIZE);
    let parsed: z.infer<typeof TableSchema>;
    try {
      parsed = TableSchema.parse(JSON.parse(tableBytes.toString('utf8')));
    } catch {
      throw bad(target, 'has a damaged region table');
    }
    name = parsed.name;
    regions = Object.freeze(parsed.regions.map((r) => Object.freeze(r)));
    index = new ArrayBuffer(total * ENTRY_SIZE);
    readExactly(fd, new Uint8Array(index), HEADER_SIZE + tableLen);
  } catch (err) {
    if (err instanceof WorkloadError) throw err;
    throw ioError(where, 'read', target, err);
  } finally {
    closeSync(fd);
  }
  const index32 = new Uint32Array(index);
  const index64 = new Float64Array(index);
  let zeros = 0;
  for (let i = 0; i < total; i++) {
    const flags = index32[i * 4 + 1]!;
    if (index32[i * 4]! >= regions.length || (flags & ~FLAG_ZERO) !== 0) {
      throw bad(target, `has a damaged page index (page ${i})`);
    }
    zeros += flags & FLAG_ZERO;
  }
  if (total - zeros !== stored)
    throw bad(target, 'has a page index that disagrees with its header');

  const zeroPages = zeros;
  return Object.freeze({
    name,
    path: target,
    regions,
    pageCount: total,
    zeroPages,
    addressOf(i: number): number {
      if (!Number.isInteger(i) || i < 0 || i >= total) {
        throw new WorkloadError(
          'INVALID_ARGUMENT',
          'snapshotFile.addressOf',
          `index must be an integer in 0..${total - 1}, got ${showValue(i)}`,
        );
      }
      return index64[i * 2 + 1]!;
    },
    *pages(): Iterable<SourcePage> {
      let fd2: number;
      try {
        fd2 = openSync(target, 'r');
      } catch (err) {
        throw ioError('snapshotFile.pages', 'open', target, err);
      }
      try {
        if (fstatSync(fd2).size !== dataAt + stored * PAGE_SIZE) {
          throw bad(target, 'changed size since it was opened');
        }
        let chunk = new Uint8Array(0);
        let chunkFirst = 0; // stored-page number of chunk[0]
        let slot = 0; // stored-page number of the next data page
        for (let i = 0; i < total; i++) {
          const region = index32[i * 4]!;
          if ((index32[i * 4 + 1]! & FLAG_ZERO) !== 0) {
            yield { bytes: new Uint8Array(PAGE_SIZE), region };
            continue;
          }
          if (slot >= chunkFirst + chunk.length / PAGE_SIZE) {
            const n = Math.min(BATCH, stored - slot);
            // Not zeroed: a short read is an error below, so every byte is overwritten.
            chunk = new Uint8Array(Buffer.allocUnsafeSlow(n * PAGE_SIZE).buffer, 0, n * PAGE_SIZE);
            chunkFirst = slot;
            if (readExactly(fd2, chunk, dataAt + slot * PAGE_SIZE) !== chunk.length) {
              throw bad(target, 'was truncated while being read');
            }
          }
          const off = (slot - chunkFirst) * PAGE_SIZE;
          slot++;
          yield { bytes: chunk.subarray(off, off + PAGE_SIZE), region };
        }
      } finally {
        closeSync(fd2);
      }
    },
  });
}
