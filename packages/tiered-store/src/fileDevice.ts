/**
 * FileDevice: one preallocated swap file, page `slot` at byte offset slot × pageSize.
 *
 * This is the kernel's swapfile: a fixed-size file addressed by slot offset with
 * positioned reads and writes (pread/pwrite through fs.readSync/writeSync with a
 * position), never one file per page, which loses to SQLite by ~35% (sqlite.org
 * "35% faster than the filesystem"). The file is created with mode 0600, as swapon
 * insists on for swap files, and filled with zeros up front so that it has no holes
 * (mkswap/swapon refuse holey files, and a sparse file would allocate blocks on the
 * hot path); `preallocate: 'sparse'` skips that for tests of huge devices.
 *
 * The hot path allocates no buffers: reads go into the caller's buffer, writes come
 * from it, and batched writes of consecutive full pages go out in one writev.
 * Checksums live in PageChecksums; their cost (crc32c, ~1 µs per 4 KiB) is most of
 * what this class adds to a pread/pwrite (README, "Numbers").
 */
import {
  closeSync,
  fchmodSync,
  fdatasyncSync,
  ftruncateSync,
  openSync,
  readSync,
  writeSync,
  writevSync,
} from 'node:fs';
import type { BlockDevice, DeviceStats } from './blockDevice.js';
import { emptyDeviceStats } from './blockDevice.js';
import { PageChecksums } from './pageChecksums.js';
import { TieredStoreError, toTieredStoreError } from './tieredStoreError.js';

export interface FileDeviceOptions {
  path: string;
  slots: number;
  /** Default 4096. */
  pageSize?: number;
  /** Default false (SSD). */
  rotational?: boolean;
  /** 'zero' (default) writes the whole file once; 'sparse' only sets its size. */
  preallocate?: 'zero' | 'sparse';
}

const ZERO_CHUNK = 1 << 20;

export class FileDevice implements BlockDevice {
  readonly kind = 'file';
  readonly name: string;
  readonly pageSize: number;
  readonly slots: number;
  readonly rotational: boolean;
  private fd: number;
  private readonly sums: PageChecksums;
  private readonly counters: DeviceStats = emptyDeviceStats();

  private constructor(fd: number, options: FileDeviceOptions, pageSize: number) {
    this.fd = fd;
    this.name = options.path;
    this.pageSize = pageSize;
    this.slots = options.slots;
    this.rotational = options.rotational ?? false;
    this.sums = new PageChecksums(options.slots, pageSize);
  }

  /** Creates (or truncates and wipes) the swap file. */
  static create(options: FileDeviceOptions): FileDevice {
    const pageSize = options.pageSize ?? 4096;
    if (!(Number.isInteger(pageSize) && pageSize >= 512 && pageSize <= 1 << 20)) {
      throw new TieredStoreError(
        'BAD_ARGUMENT',
        'fileDevice.create',
        `pageSize ${pageSize} not in 512..1048576`,
      );
    }
    if (!(Number.isInteger(options.slots) && options.slots >= 1)) {
      throw new TieredStoreError(
        'BAD_ARGUMENT',
        'fileDevice.create',
        `slots ${options.slots} must be >= 1`,
      );
    }
    const fd = openSync(options.path, 'w+', 0o600);
    try {
      fchmodSync(fd, 0o600); // open() leaves the mode of an existing file alone
      const size = options.slots * pageSize;
      if (options.preallocate === 'sparse') ftruncateSync(fd, size);
      else {
        const zeros = new Uint8Array(Math.min(ZERO_CHUNK, size));
        for (let pos = 0; pos < size; pos += zeros.length) {
          writeSync(fd, zeros, 0, Math.min(zeros.length, size - pos), pos);
        }
      }
    } catch (e) {
      closeSync(fd);
      throw toTieredStoreError(e, 'fileDevice.create');
    }
    return new FileDevice(fd, options, pageSize);
  }

  write(slot: number, data: Uint8Array): void {
    this.sums.checkWrite(slot, data, 'fileDevice.write');
    this.pwriteAll(data, 0, data.length, slot * this.pageSize, 'fileDevice.write');
    this.sums.record(slot, data);
    this.counters.writes++;
    this.counters.bytesWritten += data.length;
  }

  read(slot: number, out: Uint8Array): number {
    const len = this.sums.expect(slot, 'fileDevice.read');
    this.checkOut(out, len, 'fileDevice.read');
    this.preadAll(out, 0, len, slot * this.pageSize, 'fileDevice.read');
    this.verify(slot, out, 0, len, 'fileDevice.read');
    this.counters.reads++;
    this.counters.bytesRead += len;
    return len;
  }

  writeBatch(slots: ArrayLike<number>, pages: readonly Uint8Array[]): void {
    const where = 'fileDevice.writeBatch';
    this.sums.checkWriteBatch(slots, pages, where);
    const ps = this.pageSize;
    let i = 0;
    while (i < slots.length) {
      // A run of consecutive slots holding full pages goes out as one writev.
      let j = i + 1;
      if (pages[i]!.length === ps) {
        while (j < slots.length && slots[j] === slots[j - 1]! + 1 && pages[j]!.length === ps) j++;
      }
      if (j - i === 1) this.pwriteAll(pages[i]!, 0, pages[i]!.length, slots[i]! * ps, where);
      else this.pwritev(pages.slice(i, j), slots[i]! * ps, (j - i) * ps, where);
      for (let k = i; k < j; k++) {
        this.sums.record(slots[k]!, pages[k]!);
        this.counters.bytesWritten += pages[k]!.length;
      }
      this.counters.writes += j - i;
      i = j;
    }
  }

  readBatch(slots: ArrayLike<number>, out: Uint8Array, lengths: Uint32Array): void {
    const where = 'fileDevice.readBatch';
    const ps = this.pageSize;
    if (out.length < slots.length * ps || lengths.length < slots.length) {
      throw new TieredStoreError(
        'BAD_ARGUMENT',
        where,
        `buffers too small for ${slots.length} pages`,
      );
    }
    for (let i = 0; i < slots.length; i++) lengths[i] = this.sums.expect(slots[i]!, where);
    let i = 0;
    while (i < slots.length) {
      let j = i + 1;
      while (j < slots.length && slots[j] === slots[j - 1]! + 1) j++;
      // One pread covers the run; the tail of the last page is read only up to its length.
      const bytes = (j - i - 1) * ps + lengths[j - 1]!;
      this.preadAll(out, i * ps, bytes, slots[i]! * ps, where);
      for (let k = i; k < j; k++) {
        this.verify(slots[k]!, out, k * ps, lengths[k]!, where);
        this.counters.bytesRead += lengths[k]!;
      }
      this.counters.reads += j - i;
      i = j;
    }
  }

  discard(first: number, count: number): void {
    this.sums.checkSlot(first, 'fileDevice.discard');
    this.sums.checkSlot(first + count - 1, 'fileDevice.discard');
    this.sums.forget(first, count);
    this.counters.discards += count;
  }

  flush(): void {
    this.assertOpen('fileDevice.flush');
    fdatasyncSync(this.fd);
    this.counters.flushes++;
  }

  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }

  stats(): DeviceStats {
    return { ...this.counters };
  }

  /** Payload length stored in a slot (0 = empty). */
  lengthOf(slot: number): number {
    return this.sums.lengthOf(slot);
  }

  // --- internals ---------------------------------------------------------------

  private verify(slot: number, buf: Uint8Array, start: number, len: number, where: string): void {
    if (this.sums.verify(slot, buf, start, len)) return;
    buf.fill(0, start, start + len);
    this.counters.checksumErrors++;
    throw new TieredStoreError(
      'CHECKSUM_MISMATCH',
      where,
      `slot ${slot} of ${this.name}: crc32c mismatch`,
    );
  }

  private checkOut(out: Uint8Array, len: number, where: string): void {
    if (out.length < len) {
      throw new TieredStoreError(
        'BAD_ARGUMENT',
        where,
        `output buffer of ${out.length} bytes < page ${len}`,
      );
    }
  }

  private assertOpen(where: string): void {
    if (this.fd < 0) throw new TieredStoreError('CLOSED', where, `${this.name} is closed`);
  }

  private pwriteAll(
    buf: Uint8Array,
    offset: number,
    length: number,
    position: number,
    where: string,
  ): void {
    this.assertOpen(where);
    try {
      this.writeRest(buf, offset, length, position);
    } catch (e) {
      this.counters.ioErrors++;
      throw toTieredStoreError(e, where);
    }
  }

  /** pwrite `length` bytes of `buf` from `offset` at `position`, however short each write. */
  private writeRest(buf: Uint8Array, offset: number, length: number, position: number): void {
    let done = 0;
    while (done < length) {
      done += writeSync(this.fd, buf, offset + done, length - done, position + done);
    }
  }

  private pwritev(bufs: Uint8Array[], position: number, total: number, where: string): void {
    this.assertOpen(where);
    try {
      const n = writevSync(this.fd, bufs, position);
      // A short writev is legal; finish the rest page by page.
      if (n < total) {
        let pos = 0;
        for (const b of bufs) {
          const end = pos + b.length;
          if (end > n) {
            const from = Math.max(0, n - pos);
            this.writeRest(b, from, b.length - from, position + pos + from);
          }
          pos = end;
        }
      }
    } catch (e) {
      this.counters.ioErrors++;
      throw toTieredStoreError(e, where);
    }
  }

  private preadAll(
    buf: Uint8Array,
    offset: number,
    length: number,
    position: number,
    where: string,
  ): void {
    this.assertOpen(where);
    try {
      let done = 0;
      while (done < length) {
        const n = readSync(this.fd, buf, offset + done, length - done, position + done);
        if (n === 0) throw new Error(`unexpected end of file at ${position + done}`);
        done += n;
      }
    } catch (e) {
      this.counters.ioErrors++;
      throw toTieredStoreError(e, where);
    }
  }
}
