/**
 * SqliteDevice: a swap device stored in one SQLite table through better-sqlite3.
 *
 * Layout: `pages(slot INTEGER PRIMARY KEY, data BLOB)`. The slot is the rowid, so a
 * lookup is one b-tree descent and no index is needed; a payload is stored at its
 * own length (1..pageSize bytes), which lets a caller store compressed pages.
 *
 * Why these settings (chosen by bench/sqliteDevice.bench.ts, see the README):
 * - Swap contents need no durability across a crash: the file is deleted and
 *   recreated when the device is opened, as the kernel wipes a device at swapon.
 *   So synchronous=OFF is fair, and the device keeps one write transaction open
 *   across writes, committing every `batchSize` writes (and on flush/close). Reads
 *   on the same connection see uncommitted rows, so batching is invisible to callers.
 * - page_size 16384, journal in memory, locking_mode EXCLUSIVE and mmap won the
 *   sweep (4 KiB random pages: ~130 k writes/s and ~165 k random reads/s through
 *   this class, crc32c included, against ~80 k / ~80 k for WAL with normal locking).
 * - The transaction starts with BEGIN IMMEDIATE, so the only place another
 *   connection can make us wait is that statement (or COMMIT); SQLITE_BUSY there is
 *   retried up to `busyRetries` times with a short sleep, each retry counted, then
 *   thrown as BUSY. better-sqlite3's own busy timeout is set to 0 so that the bound
 *   is ours and visible. With the default exclusive locking, the device takes the
 *   lock at open and keeps it, so BUSY can only happen while opening or with
 *   `lockingMode: 'normal'` (a database shared with another connection).
 * - writeBatch sends 32 rows per INSERT statement: better-sqlite3's per-statement
 *   cost is most of a one-row insert, so this roughly doubles pages/s (README).
 * - The crc32c of every page is kept in memory beside the rows (PageChecksums), so
 *   a blob changed behind our back is caught on read.
 */
import { chmodSync, closeSync, openSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { BlockDevice, DeviceStats } from './blockDevice.js';
import { emptyDeviceStats } from './blockDevice.js';
import { PageChecksums } from './pageChecksums.js';
import { TieredStoreError, toTieredStoreError } from './tieredStoreError.js';

export type JournalMode = 'wal' | 'memory' | 'off' | 'delete' | 'truncate';
export type Synchronous = 'off' | 'normal' | 'full';
export type LockingMode = 'normal' | 'exclusive';

export interface SqliteDeviceOptions {
  /** The database file; whatever is there (and its -wal/-shm/-journal) is deleted first. */
  path: string;
  slots: number;
  /** Swap page size, default 4096. */
  pageSize?: number;
  /** SQLite page_size (512..65536, power of two). Default from the benchmark. */
  sqlitePageSize?: number;
  journalMode?: JournalMode;
  synchronous?: Synchronous;
  /** Writes per transaction before an automatic COMMIT. */
  batchSize?: number;
  /**
   * locking_mode: 'exclusive' takes the file locks once and keeps them (no lock
   * syscalls per statement; other connections are shut out, as a swap device is
   * owned by one kernel). 'normal' lets other connections in between transactions.
   */
  lockingMode?: LockingMode;
  /** mmap_size in bytes (0 = read pages with pread). */
  mmapSize?: number;
  /** SQLITE_BUSY retries before giving up (default 50). */
  busyRetries?: number;
  /** Sleep between busy retries, ms (default 1). */
  busyWaitMs?: number;
  /** Called before each busy retry (diagnostics; tests use it to release a lock). */
  onBusyRetry?: (attempt: number) => void;
  rotational?: boolean;
}

/** Defaults chosen by measurement (bench/sqliteDevice.bench.ts; numbers in the README). */
export const SQLITE_DEVICE_DEFAULTS = {
  /** Three 4 KiB rows per b-tree page; 4096 spills every row to an overflow page, 8192 wastes half. */
  sqlitePageSize: 16384,
  /** A rollback journal in memory: one write per page (WAL writes twice) and ROLLBACK still works. */
  journalMode: 'memory',
  synchronous: 'off',
  batchSize: 1000,
  /** No lock syscalls per statement: +30% reads. Shuts other connections out (a swap device is private). */
  lockingMode: 'exclusive',
  /** Reads through mmap instead of pread: +30% reads. Only the file's size is mapped. */
  mmapSize: 1 << 30,
} as const;

/** Rows per multi-row INSERT in writeBatch (64 bound parameters). */
const MULTI_ROWS = 32;

function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
  );
}

/** Opens (wiping any previous contents) a device; the documented way to make a SqliteDevice. */
export function createSqliteDevice(options: SqliteDeviceOptions): SqliteDevice {
  return SqliteDevice.open(options);
}

export class SqliteDevice implements BlockDevice {
  readonly kind = 'sqlite';
  readonly name: string;
  readonly pageSize: number;
  readonly slots: number;
  readonly rotational: boolean;
  readonly settings: Readonly<{
    sqlitePageSize: number;
    journalMode: JournalMode;
    synchronous: Synchronous;
    batchSize: number;
    lockingMode: LockingMode;
    mmapSize: number;
  }>;
  private db: Database.Database | undefined;
  private readonly insert: Database.Statement<[number, Buffer]>;
  private readonly select: Database.Statement<[number], Buffer | undefined>;
  private readonly deleteRange: Database.Statement<[number, number]>;
  private readonly begin: Database.Statement<[]>;
  private readonly commitStmt: Database.Statement<[]>;
  private readonly insertMulti: Database.Statement<(number | Buffer)[]>;
  private readonly multiArgs: (number | Buffer)[] = new Array(2 * MULTI_ROWS);
  private inTransaction = false;
  private pending = 0;
  private readonly sums: PageChecksums;
  private readonly counters: DeviceStats = emptyDeviceStats();
  private readonly busyRetries: number;
  private readonly busyWaitMs: number;
  private readonly onBusyRetry: ((attempt: number) => void) | undefined;
  private readonly sleeper = new Int32Array(new SharedArrayBuffer(4));

  private constructor(options: SqliteDeviceOptions) {
    const pageSize = options.pageSize ?? 4096;
    const sqlitePageSize = options.sqlitePageSize ?? SQLITE_DEVICE_DEFAULTS.sqlitePageSize;
    const batchSize = options.batchSize ?? SQLITE_DEVICE_DEFAULTS.batchSize;
    const where = 'sqliteDevice.open';
    if (!(Number.isInteger(options.slots) && options.slots >= 1)) {
      throw new TieredStoreError('BAD_ARGUMENT', where, `slots ${options.slots} must be >= 1`);
    }
    if (!(Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= 1 << 20)) {
      throw new TieredStoreError('BAD_ARGUMENT', where, `pageSize ${pageSize} not in 1..1048576`);
    }
    if (
      !(
        sqlitePageSize >= 512 &&
        sqlitePageSize <= 65536 &&
        (sqlitePageSize & (sqlitePageSize - 1)) === 0
      )
    ) {
      throw new TieredStoreError(
        'BAD_ARGUMENT',
        where,
        `sqlitePageSize ${sqlitePageSize} is not a power of two in 512..65536`,
      );
    }
    if (!(Number.isInteger(batchSize) && batchSize >= 1)) {
      throw new TieredStoreError('BAD_ARGUMENT', where, `batchSize ${batchSize} must be >= 1`);
    }
    this.name = options.path;
    this.pageSize = pageSize;
    this.slots = options.slots;
    this.rotational = options.rotational ?? false;
    this.busyRetries = options.busyRetries ?? 50;
    this.busyWaitMs = options.busyWaitMs ?? 1;
    this.onBusyRetry = options.onBusyRetry;
    this.settings = {
      sqlitePageSize,
      journalMode: options.journalMode ?? SQLITE_DEVICE_DEFAULTS.journalMode,
      synchronous: options.synchronous ?? SQLITE_DEVICE_DEFAULTS.synchronous,
      batchSize,
      lockingMode: options.lockingMode ?? SQLITE_DEVICE_DEFAULTS.lockingMode,
      mmapSize: options.mmapSize ?? SQLITE_DEVICE_DEFAULTS.mmapSize,
    };
    this.sums = new PageChecksums(options.slots, pageSize);
    // Wipe at swapon: a fresh file also lets page_size take effect without a VACUUM.
    for (const suffix of ['', '-wal', '-shm', '-journal'])
      rmSync(options.path + suffix, { force: true });
    // Swap contents are private: create the file 0600 (as swapon demands of swap
    // files) before SQLite opens it; SQLite gives -wal/-shm the same mode.
    try {
      closeSync(openSync(options.path, 'w', 0o600));
      chmodSync(options.path, 0o600);
    } catch (e) {
      throw toTieredStoreError(e, where);
    }
    let db: Database.Database;
    try {
      db = new Database(options.path, { timeout: 0 });
    } catch (e) {
      throw toTieredStoreError(e, where);
    }
    this.db = db;
    try {
      db.pragma(`page_size = ${sqlitePageSize}`);
      db.pragma(`journal_mode = ${this.settings.journalMode}`);
      db.pragma(`synchronous = ${this.settings.synchronous}`);
      db.pragma(`locking_mode = ${this.settings.lockingMode}`);
      db.pragma(`mmap_size = ${this.settings.mmapSize}`);
      db.exec('CREATE TABLE pages (slot INTEGER PRIMARY KEY, data BLOB NOT NULL)');
      this.insert = db.prepare('INSERT OR REPLACE INTO pages (slot, data) VALUES (?, ?)');
      this.select = db
        .prepare<[number], Buffer | undefined>('SELECT data FROM pages WHERE slot = ?')
        .pluck();
      this.deleteRange = db.prepare('DELETE FROM pages WHERE slot >= ? AND slot < ?');
      this.begin = db.prepare('BEGIN IMMEDIATE');
      this.commitStmt = db.prepare('COMMIT');
      this.insertMulti = db.prepare<(number | Buffer)[]>(
        `INSERT OR REPLACE INTO pages (slot, data) VALUES ${new Array(MULTI_ROWS).fill('(?, ?)').join(', ')}`,
      );
    } catch (e) {
      db.close();
      throw toTieredStoreError(e, where);
    }
  }

  /** Opens (wiping any previous contents) a device at `path`. */
  static open(options: SqliteDeviceOptions): SqliteDevice {
    return new SqliteDevice(options);
  }

  /** The SQLite library version behind the binding (reported by benchmarks). */
  static sqliteVersion(): string {
    const db = new Database(':memory:');
    try {
      return String(db.prepare('SELECT sqlite_version()').pluck().get());
    } finally {
      db.close();
    }
  }

  write(slot: number, data: Uint8Array): void {
    const where = 'sqliteDevice.write';
    this.sums.checkWrite(slot, data, where);
    this.ensureTransaction(where);
    const buf = Buffer.from(data.buffer, data.byteOffset, data.length);
    // Inside our own write transaction the statement cannot meet SQLITE_BUSY; the
    // retry wrapper (and its closure) is only built on the error path.
    try {
      this.insert.run(slot, buf);
    } catch (e) {
      this.retry(e, () => this.insert.run(slot, buf), where);
    }
    this.sums.record(slot, data);
    this.counters.writes++;
    this.counters.bytesWritten += data.length;
    if (++this.pending >= this.settings.batchSize) this.commit(where);
  }

  writeBatch(slots: ArrayLike<number>, pages: readonly Uint8Array[]): void {
    const where = 'sqliteDevice.writeBatch';
    this.sums.checkWriteBatch(slots, pages, where);
    // Whole groups of MULTI_ROWS go through one multi-row INSERT: better-sqlite3's
    // per-statement cost is most of a single-row insert, so this is ~4x the rows/s.
    // Rows of one statement are inserted in order, so a slot given twice ends with
    // its last page, as with separate writes (and as the crc32c is recorded).
    let i = 0;
    const args = this.multiArgs;
    for (; i + MULTI_ROWS <= slots.length; i += MULTI_ROWS) {
      for (let k = 0; k < MULTI_ROWS; k++) {
        const data = pages[i + k]!;
        args[2 * k] = slots[i + k]!;
        args[2 * k + 1] = Buffer.from(data.buffer, data.byteOffset, data.length);
      }
      this.ensureTransaction(where);
      try {
        this.insertMulti.run(...args);
      } catch (e) {
        this.retry(e, () => this.insertMulti.run(...args), where);
      }
      for (let k = i; k < i + MULTI_ROWS; k++) {
        this.sums.record(slots[k]!, pages[k]!);
        this.counters.bytesWritten += pages[k]!.length;
      }
      this.counters.writes += MULTI_ROWS;
      this.pending += MULTI_ROWS;
      if (this.pending >= this.settings.batchSize) this.commit(where);
    }
    for (; i < slots.length; i++) this.write(slots[i]!, pages[i]!);
  }

  read(slot: number, out: Uint8Array): number {
    return this.readInto(slot, out, 0, 'sqliteDevice.read');
  }

  readBatch(slots: ArrayLike<number>, out: Uint8Array, lengths: Uint32Array): void {
    const where = 'sqliteDevice.readBatch';
    if (out.length < slots.length * this.pageSize || lengths.length < slots.length) {
      throw new TieredStoreError(
        'BAD_ARGUMENT',
        where,
        `buffers too small for ${slots.length} pages`,
      );
    }
    this.assertOpen(where);
    for (let i = 0; i < slots.length; i++) lengths[i] = this.sums.expect(slots[i]!, where);
    // Row by row: one `slot IN (...)` query for 32 random slots was measured slower
    // than 32 point lookups (282 k vs 363 k rows/s raw), unlike multi-row INSERT.
    const ps = this.pageSize;
    for (let i = 0; i < slots.length; i++)
      lengths[i] = this.readInto(slots[i]!, out, i * ps, where);
  }

  discard(first: number, count: number): void {
    const where = 'sqliteDevice.discard';
    this.sums.checkSlot(first, where);
    this.sums.checkSlot(first + count - 1, where);
    this.ensureTransaction(where);
    this.run(() => this.deleteRange.run(first, first + count), where);
    this.sums.forget(first, count);
    this.counters.discards += count;
  }

  flush(): void {
    if (this.inTransaction) this.commit('sqliteDevice.flush');
    this.counters.flushes++;
  }

  close(): void {
    if (this.db === undefined) return;
    try {
      if (this.inTransaction) this.commit('sqliteDevice.close');
    } finally {
      this.db.close();
      this.db = undefined;
    }
  }

  stats(): DeviceStats {
    return { ...this.counters };
  }

  /** Rows written but not yet committed. */
  get uncommitted(): number {
    return this.pending;
  }

  // --- internals ---------------------------------------------------------------

  private readInto(slot: number, out: Uint8Array, offset: number, where: string): number {
    this.assertOpen(where);
    const len = this.sums.expect(slot, where);
    if (out.length < offset + len) {
      throw new TieredStoreError(
        'BAD_ARGUMENT',
        where,
        `output buffer of ${out.length} bytes too small`,
      );
    }
    let blob: Buffer | undefined;
    try {
      blob = this.select.get(slot);
    } catch (e) {
      blob = this.retry(e, () => this.select.get(slot), where);
    }
    if (blob === undefined) {
      this.counters.ioErrors++;
      throw new TieredStoreError('IO_ERROR', where, `slot ${slot} of ${this.name}: row is missing`);
    }
    this.accept(slot, blob, out, offset, len, where);
    return len;
  }

  /** Copies a fetched blob into place and verifies it against the slot's crc32c. */
  private accept(
    slot: number,
    blob: Buffer,
    out: Uint8Array,
    offset: number,
    len: number,
    where: string,
  ): void {
    const n = Math.min(blob.length, len);
    out.set(n === blob.length ? blob : blob.subarray(0, n), offset);
    if (blob.length !== len || !this.sums.verify(slot, out, offset, len)) {
      out.fill(0, offset, offset + len);
      this.counters.checksumErrors++;
      throw new TieredStoreError(
        'CHECKSUM_MISMATCH',
        where,
        `slot ${slot} of ${this.name}: crc32c mismatch`,
      );
    }
    this.counters.reads++;
    this.counters.bytesRead += len;
  }

  private assertOpen(where: string): void {
    if (this.db === undefined)
      throw new TieredStoreError('CLOSED', where, `${this.name} is closed`);
  }

  private ensureTransaction(where: string): void {
    this.assertOpen(where);
    if (this.inTransaction) return;
    this.run(() => this.begin.run(), where);
    this.inTransaction = true;
    this.pending = 0;
  }

  private commit(where: string): void {
    this.run(() => this.commitStmt.run(), where);
    this.inTransaction = false;
    this.pending = 0;
  }

  /** Runs one statement, retrying SQLITE_BUSY within the bound. */
  private run<T>(fn: () => T, where: string): T {
    try {
      return fn();
    } catch (e) {
      return this.retry(e, fn, where);
    }
  }

  /** The error path of a statement: retry SQLITE_BUSY within the bound, else throw typed. */
  private retry<T>(first: unknown, fn: () => T, where: string): T {
    let e = first;
    for (let attempt = 0; ; attempt++) {
      if (!isBusy(e) || attempt >= this.busyRetries) {
        this.counters.ioErrors++;
        if (isBusy(e)) {
          throw new TieredStoreError(
            'BUSY',
            where,
            `${this.name} still busy after ${attempt} retries`,
            {
              cause: e,
            },
          );
        }
        throw toTieredStoreError(e, where);
      }
      this.counters.busyRetries++;
      this.onBusyRetry?.(attempt + 1);
      if (this.busyWaitMs > 0) Atomics.wait(this.sleeper, 0, 0, this.busyWaitMs);
      try {
        return fn();
      } catch (again) {
        e = again;
      }
    }
  }
}
