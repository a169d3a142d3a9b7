/**
 * FileDevice: one preallocated swap file, page `slot` at byte offset slot × pageSize.
 *
 * This is the kernel's swapfile: a fixed-size file addressed by slot offset with
 * positioned reads and writes, never one file per page, which loses to SQLite by ~35%
 * (sqlite.org "35% faster than the filesystem"). The file is created with mode 0600, as
 * swapon insists on for swap files, without following symlinks (deviceFile.ts), and
 * filled with zeros up front so that it has no holes (mkswap/swapon refuse holey files,
 * and a sparse file would allocate blocks on the hot path, where a full filesystem would
 * then fail writes); `preallocate: 'sparse'` skips that for tests of huge devices. A
 * filesystem too small for the file is refused before anything is written.
 *
 * Every page carries a crc32c (PageChecksums), computed by the same native call that
 * writes it and checked against the one that reads it (pageIo.ts): one call per page,
 * the checksum on the CPU's crc32 instruction, so verifying every read costs ~10% of a
 * pread instead of the 2x it cost through fs.readSync plus a separate checksum call.
 * The hot path allocates nothing: reads go into the caller's buffer, writes come from it,
 * batched writes of consecutive full pages go out in one pwritev, batched reads of
 * consecutive slots in one pread, each run with its checksums in the same native call.
 *
 * A write that fails leaves its slots holding no page (see BlockDevice); a failed read
 * zeroes what it was given.
 */
import { closeSync, fdatasyncSync, ftruncateSync, statfsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { dirname } from 'node:path';
import { isIntInRange, showValue } from '@tierswap/base';
import type { BlockDevice, DeviceStats } from './blockDevice.js';
import { emptyDeviceStats } from './blockDevice.js';
import type { DeviceFile } from './deviceFile.js';
import {
  abandonDeviceFile,
  checkPath,
  errnoName,
  openDeviceFile,
  pathError,
} from './deviceFile.js';
import { PageChecksums } from './pageChecksums.js';
import { MAX_RUN, pageIo } from './pageIo.js';
import { TieredStoreError, toTieredStoreError } from './tieredStoreError.js';

export interface FileDeviceOptions {
  path: string;
  slots: number;
  /** Default 4096 (512..1048576). */
  pageSize?: number;
  /** Default false (SSD). */
  rotational?: boolean;
  /** 'zero' (default) writes the whole file once; 'sparse' only sets its size. */
  preallocate?: 'zero' | 'sparse';
}

const ZERO_CHUNK = 1 << 20;
const ENODATA = osConstants.errno.ENODATA;
const WHERE_CREATE = 'fileDevice.create';

/** Checks the options object as a whole; returns the page size. */
function checkOptions(options: FileDeviceOptions): number {
  if (typeof options !== 'object' || options === null) {
    throw new TieredStoreError(
      'INVALID_ARGUMENT',
      WHERE_CREATE,
      `options is ${showValue(options)}; must be an object`,
    );
  }
  checkPath(options.path, WHERE_CREATE);
  const pageSize = options.pageSize ?? 4096;
  if (!isIntInRange(pageSize, 512, 1 << 20)) {
    throw new TieredStoreError(
      'INVALID_ARGUMENT',
      WHERE_CREATE,
      `pageSize ${showValue(pageSize)} not in 512..1048576`,
    );
  }
  if (
    !(
      Number.isInteger(options.slots) &&
      options.slots >= 1 &&
      options.slots * pageSize <= Number.MAX_SAFE_INTEGER &&
      options.slots <= 0xffffffff
    )
  ) {
    throw new TieredStoreError(
      'INVALID_ARGUMENT',
      WHERE_CREATE,
      `slots ${showValue(options.slots)} must be an integer in 1..2^32-1`,
    );
  }
  if (options.rotational !== undefined && typeof options.rotational !== 'boolean') {
    throw new TieredStoreError(
      'INVALID_ARGUMENT',
      WHERE_CREATE,
      `rotational ${showValue(options.rotational)} must be a boolean`,
    );
  }
  if (
    options.preallocate !== undefined &&
    options.preallocate !== 'zero' &&
    options.preallocate !== 'sparse'
  ) {
    throw new TieredStoreError(
      'INVALID_ARGUMENT',
      WHERE_CREATE,
      `preallocate ${showValue(options.preallocate)} must be 'zero' or 'sparse'`,
    );
  }
  return pageSize;
}

/** Sizes and fills a freshly opened device file; on failure removes what it made. */
function prepare(file: DeviceFile, path: string, size: number, sparse: boolean): void {
  try {
    ftruncateSync(file.fd, 0); // wipe: whatever was there is not ours to read
    if (!sparse) {
      const fs = statfsSync(dirname(path));
      const free = fs.bavail * fs.bsize;
      if (free < size) {
        throw new TieredStoreError(
          'IO_ERROR',
          WHERE_CREATE,
          `cannot create ${path}: ENOSPC (${size} bytes needed, ${free} free)`,
        );
      }
    }
    ftruncateSync(file.fd, size);
    if (!sparse) {
      const zeros = new Uint8Array(Math.min(ZERO_CHUNK, size));
      for (let pos = 0; pos < size; pos += zeros.length) {
        const n = Math.min(zeros.length, size - pos);
        const w = pageIo.pwriteCrc(file.fd, zeros, 0, n, pos);
        if (w < 0) throw errnoError(-w, 'fill', path);
      }
    }
  } catch (e) {
    abandonDeviceFile(file, path);
    throw pathError(e, path, 'create', WHERE_CREATE);
  }
}

function errnoError(errno: number, what: string, path: string): TieredStoreError {
  return new TieredStoreError(
    'IO_ERROR',
    WHERE_CREATE,
    `cannot ${what} ${path}: ${errnoName(errno)}`,
  );
}

/** Creates (or wipes and reuses) a swap file; the documented way to make a FileDevice. */
export function createFileDevice(options: FileDeviceOptions): FileDevice {
  return FileDevice.create(options);
}

export class FileDevice implements BlockDevice {
  readonly kind = 'file';
  readonly name: string;
  readonly pageSize: number;
  readonly slots: number;
  readonly rotational: boolean;
  #fd: number;
  readonly #sums: PageChecksums;
  readonly #counters: DeviceStats = emptyDeviceStats();
  /** Per-page crc32c of the batch in flight (grown to the largest batch seen). */
  #batchCrcs = new Uint32Array(64);

  private constructor(fd: number, options: FileDeviceOptions, pageSize: number) {
    this.#fd = fd;
    this.name = options.path;
    this.pageSize = pageSize;
    this.slots = options.slots;
    this.rotational = options.rotational ?? false;
    this.#sums = new PageChecksums(options.slots, pageSize);
  }

  /** Creates (or wipes and reuses) the swap file. Same as createFileDevice(). */
  static create(options: FileDeviceOptions): FileDevice {
    const pageSize = checkOptions(options);
    const file = openDeviceFile(options.path, WHERE_CREATE);
    prepare(file, options.path, options.slots * pageSize, options.preallocate === 'sparse');
    return new FileDevice(file.fd, options, pageSize);
  }

  write(slot: number, data: Uint8Array): void {
    const where = 'fileDevice.write';
    this.#sums.checkWrite(slot, data, where);
    this.#assertOpen(where);
    const crc = pageIo.pwriteCrc(this.#fd, data, 0, data.length, slot * this.pageSize);
    if (crc < 0) {
      this.#sums.forget(slot, 1);
      throw this.#ioError(-crc, where, `writing slot ${slot}`);
    }
    this.#sums.set(slot, crc, data.length);
    this.#counters.writes++;
    this.#counters.bytesWritten += data.length;
  }

  read(slot: number, out: Uint8Array): number {
    const where = 'fileDevice.read';
    const sums = this.#sums;
    if (!(out instanceof Uint8Array)) sums.checkOut(out, 0, where);
    const len = sums.expect(slot, where);
    if (out.length < len) sums.checkOut(out, len, where);
    if (this.#fd < 0) this.#assertOpen(where);
    const crc = pageIo.preadCrc(this.#fd, out, 0, len, slot * this.pageSize);
    if (crc !== sums.crcOf(slot)) this.#refuseRead(slot, crc, out, 0, len, where);
    this.#counters.reads++;
    this.#counters.bytesRead += len;
    return len;
  }

  writeBatch(slots: ArrayLike<number>, pages: readonly Uint8Array[]): void {
    const where = 'fileDevice.writeBatch';
    const sums = this.#sums;
    sums.checkWriteBatch(slots, pages, where);
    this.#assertOpen(where);
    const ps = this.pageSize;
    const crcs = this.#crcsFor(slots.length);
    let i = 0;
    try {
      while (i < slots.length) {
        // A run of consecutive slots holding full pages goes out as one pwritev, the
        // checksums computed by the same call.
        let j = i + 1;
        if (pages[i]!.length === ps) {
          while (
            j < slots.length &&
            j - i < MAX_RUN &&
            slots[j] === slots[j - 1]! + 1 &&
            pages[j]!.length === ps
          )
            j++;
        }
        const r =
          j - i === 1
            ? pageIo.pwriteCrc(this.#fd, pages[i]!, 0, pages[i]!.length, slots[i]! * ps)
            : pageIo.pwritevCrc(this.#fd, pages, i, j - i, slots[i]! * ps, crcs);
        if (r < 0) throw this.#ioError(-r, where, `writing slot ${slots[i]!}`);
        if (j - i === 1) crcs[i] = r;
        for (let k = i; k < j; k++) {
          sums.set(slots[k]!, crcs[k]!, pages[k]!.length);
          this.#counters.bytesWritten += pages[k]!.length;
        }
        this.#counters.writes += j - i;
        i = j;
      }
    } catch (e) {
      // None of the batch counts as written: the caller still has every page.
      sums.forgetEach(slots);
      throw e;
    }
  }

  readBatch(slots: ArrayLike<number>, out: Uint8Array, lengths: Uint32Array): void {
    const where = 'fileDevice.readBatch';
    const sums = this.#sums;
    sums.checkReadBatch(slots, out, lengths, where);
    for (let i = 0; i < slots.length; i++) lengths[i] = sums.expect(slots[i]!, where);
    this.#assertOpen(where);
    const ps = this.pageSize;
    const crcs = this.#crcsFor(slots.length);
    let i = 0;
    while (i < slots.length) {
      let j = i + 1;
      while (j < slots.length && j - i < MAX_RUN && slots[j] === slots[j - 1]! + 1) j++;
      // One pread covers the run (the last page only up to its length), and the same
      // call returns each page's checksum.
      const r = pageIo.preadRunCrc(
        this.#fd,
        out,
        i * ps,
        slots[i]! * ps,
        ps,
        lengths,
        i,
        j - i,
        crcs,
      );
      if (r < 0) this.#refuseRead(slots[i]!, r, out, i * ps, (j - i) * ps, where);
      for (let k = i; k < j; k++) {
        if (crcs[k] !== sums.crcOf(slots[k]!))
          this.#refuseRead(slots[k]!, crcs[k]!, out, k * ps, lengths[k]!, where);
        this.#counters.bytesRead += lengths[k]!;
      }
      this.#counters.reads += j - i;
      i = j;
    }
  }

  discard(first: number, count: number): void {
    this.#sums.checkRange(first, count, 'fileDevice.discard');
    this.#sums.forget(first, count);
    this.#counters.discards += count;
  }

  flush(): void {
    const where = 'fileDevice.flush';
    this.#assertOpen(where);
    try {
      fdatasyncSync(this.#fd);
    } catch (e) {
      this.#counters.ioErrors++;
      throw toTieredStoreError(e, where);
    }
    this.#counters.flushes++;
  }

  close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    closeSync(fd);
  }

  stats(): DeviceStats {
    return { ...this.#counters };
  }

  /** Payload length stored in a slot (0 = empty). */
  lengthOf(slot: number): number {
    this.#sums.checkSlot(slot, 'fileDevice.lengthOf');
    return this.#sums.lengthOf(slot);
  }

  // --- internals ---------------------------------------------------------------

  /**
   * A read that cannot be returned: `got` is -errno from the I/O or the crc32c of the
   * bytes read. Zeroes what was read, counts it and throws IO_ERROR or CHECKSUM_MISMATCH.
   */
  #refuseRead(
    slot: number,
    got: number,
    buf: Uint8Array,
    start: number,
    len: number,
    where: string,
  ): never {
    buf.fill(0, start, start + len);
    if (got < 0) throw this.#ioError(-got, where, `reading slot ${slot}`);
    this.#counters.checksumErrors++;
    throw new TieredStoreError(
      'CHECKSUM_MISMATCH',
      where,
      `slot ${slot} of ${this.name}: crc32c mismatch`,
    );
  }

  #ioError(errno: number, where: string, what: string): TieredStoreError {
    this.#counters.ioErrors++;
    const why =
      errno === ENODATA
        ? 'ENODATA (the file is shorter than the device: truncated?)'
        : errnoName(errno);
    return new TieredStoreError('IO_ERROR', where, `${what} of ${this.name}: ${why}`);
  }

  #assertOpen(where: string): void {
    if (this.#fd < 0) throw new TieredStoreError('CLOSED', where, `${this.name} is closed`);
  }

  #crcsFor(n: number): Uint32Array {
    if (this.#batchCrcs.length < n)
      this.#batchCrcs = new Uint32Array(Math.max(n, this.#batchCrcs.length * 2));
    return this.#batchCrcs;
  }
}
