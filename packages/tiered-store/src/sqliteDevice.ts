/**
 * SqliteDevice: a swap device stored in one SQLite table through better-sqlite3.
 *
 * Layout: `pages(slot INTEGER PRIMARY KEY, data BLOB)`. The slot is the rowid, so a
 * lookup is one b-tree descent and no index is needed; a payload is stored at its
 * own length (1..pageSize bytes), which lets a caller store compressed pages.
 *
 * Why it is built this way (settings chosen by bench/sqliteDevice.bench.ts):
 * - Swap contents need no durability across a crash: the file is wiped when the device
 *   is opened, as the kernel wipes a device at swapon. So synchronous=OFF is fair, and
 *   the device keeps one write transaction open across writes, committing every
 *   `batchSize` writes and on flush/close.
 * - Until its transaction commits, an acknowledged page is also held in memory
 *   (PageStage) and read from there: if SQLite loses the transaction (SQLITE_FULL rolls
 *   it back), no acknowledged page is lost; the device writes them again later. A write
 *   whose own row cannot be stored throws and leaves its slot empty (BlockDevice's
 *   contract); a COMMIT that fails after the rows were written (SQLITE_FULL, or
 *   SQLITE_BUSY past the retry bound) does not fail the write that triggered it, since
 *   that page is held: flush() reports it.
 * - page_size 16384, journal in memory and locking_mode EXCLUSIVE won the sweep. mmap is
 *   off by default: a memory-mapped file truncated by another process kills the process
 *   with SIGBUS, while pread gets an error this class can report.
 * - The file is opened without following symlinks and wiped through its descriptor
 *   (deviceFile.ts), never unlinked and recreated; SQLite itself opens the database and
 *   its -wal/-shm/-journal files with O_NOFOLLOW.
 * - The transaction starts with BEGIN IMMEDIATE, so the only places another connection
 *   can make us wait are that statement and COMMIT; SQLITE_BUSY there is retried up to
 *   `busyRetries` times with a short sleep, each retry counted, then reported as BUSY.
 *   better-sqlite3's own busy timeout is 0 so that the bound is ours and visible.
 * - writeBatch sends 32 rows per INSERT statement: better-sqlite3's per-statement cost
 *   is most of a one-row insert, so this roughly doubles pages/s.
 * - The crc32c of every page is kept in memory beside the rows (PageChecksums), so a
 *   blob changed behind our back is caught on read.
 */
import { closeSync, fstatSync, ftruncateSync, lstatSync, unlinkSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { BlockDevice, DeviceStats } from './blockDevice.js';
import { emptyDeviceStats } from './blockDevice.js';
import { abandonDeviceFile, openDeviceFile, pathError } from './deviceFile.js';
import { PageChecksums } from './pageChecksums.js';
import { PageStage } from './pageStage.js';
import type { SqliteDeviceOptions, SqliteSettings } from './sqliteOptions.js';
import { applySettings, checkSqliteOptions, readSettings } from './sqliteOptions.js';
import { TieredStoreError, toTieredStoreError } from './tieredStoreError.js';

export type {
  JournalMode,
  LockingMode,
  SqliteDeviceOptions,
  SqliteSettings,
  Synchronous,
} from './sqliteOptions.js';
export { SQLITE_DEVICE_DEFAULTS } from './sqliteOptions.js';

/** Rows per multi-row INSERT in writeBatch (64 bound parameters). */
const MULTI_ROWS = 32;
const SIDE_FILES = ['-wal', '-shm', '-journal'] as const;

function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
  );
}

/** Removes stale side files; refuses one that is not a regular file (a planted symlink). */
function removeSideFiles(path: string, where: string): void {
  for (const suffix of SIDE_FILES) {
    const p = path + suffix;
    const st = lstatSync(p, { throwIfNoEntry: false });
    if (st === undefined) continue;
    if (!st.isFile()) {
      throw new TieredStoreError(
        'IO_ERROR',
        where,
        `cannot use ${path}: ${p} is not a regular file (refusing to follow it)`,
      );
    }
    unlinkSync(p); // unlink never follows a symlink
  }
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
  /** The settings SQLite reports it uses (read back after they were set). */
  readonly settings: Readonly<SqliteSettings>;
  #db: Database.Database | undefined;
  readonly #insert: Database.Statement<[number, Uint8Array]>;
  readonly #select: Database.Statement<[number], Buffer | undefined>;
  readonly #deleteRange: Database.Statement<[number, number]>;
  readonly #begin: Database.Statement<[]>;
  readonly #commitStmt: Database.Statement<[]>;
  readonly #insertMulti: Database.Statement<(number | Uint8Array)[]>;
  readonly #multiArgs: (number | Uint8Array)[] = new Array(2 * MULTI_ROWS);
  /** Our BEGIN is open. */
  #inTransaction = false;
  /** Rows written in the open transaction. */
  #pending = 0;
  /** Every page held in #stage is also a row of the open transaction. */
  #stageInDb = true;
  readonly #stage: PageStage;
  readonly #sums: PageChecksums;
  readonly #counters: DeviceStats = emptyDeviceStats();
  readonly #busyRetries: number;
  readonly #busyWaitMs: number;
  readonly #onBusyRetry: ((attempt: number) => void) | undefined;
  readonly #sleeper = new Int32Array(new SharedArrayBuffer(4));

  private constructor(options: SqliteDeviceOptions) {
    const where = 'sqliteDevice.open';
    const o = checkSqliteOptions(options, where);
    this.name = o.path;
    this.pageSize = o.pageSize;
    this.slots = o.slots;
    this.rotational = o.rotational;
    this.#busyRetries = o.busyRetries;
    this.#busyWaitMs = o.busyWaitMs;
    this.#onBusyRetry = o.onBusyRetry;
    this.#sums = new PageChecksums(o.slots, o.pageSize);
    this.#stage = new PageStage(o.slots, o.pageSize, o.requested.batchSize + MULTI_ROWS);

    // Wipe at swapon, through the descriptor: a fresh file also lets page_size take effect.
    const file = openDeviceFile(o.path, where);
    let ino: number;
    try {
      ftruncateSync(file.fd, 0);
      ino = fstatSync(file.fd).ino;
      removeSideFiles(o.path, where);
    } catch (e) {
      abandonDeviceFile(file, o.path);
      throw pathError(e, o.path, 'wipe', where);
    }
    // Our descriptor goes before SQLite takes its locks: closing any descriptor of a file
    // drops all of the process's POSIX locks on it.
    closeSync(file.fd);
    let db: Database.Database;
    try {
      db = new Database(o.path, { timeout: 0 });
    } catch (e) {
      throw pathError(e, o.path, 'open', where);
    }
    try {
      if (lstatSync(o.path).ino !== ino) {
        throw new TieredStoreError(
          'IO_ERROR',
          where,
          `cannot open ${o.path}: it was replaced while opening`,
        );
      }
      applySettings(db, o.requested);
      db.exec('CREATE TABLE pages (slot INTEGER PRIMARY KEY, data BLOB NOT NULL)');
      this.settings = Object.freeze(readSettings(db, o.requested.batchSize));
      this.#insert = db.prepare('INSERT OR REPLACE INTO pages (slot, data) VALUES (?, ?)');
      this.#select = db
        .prepare<[number], Buffer | undefined>('SELECT data FROM pages WHERE slot = ?')
        .pluck();
      this.#deleteRange = db.prepare('DELETE FROM pages WHERE slot >= ? AND slot < ?');
      this.#begin = db.prepare('BEGIN IMMEDIATE');
      this.#commitStmt = db.prepare('COMMIT');
      this.#insertMulti = db.prepare<(number | Uint8Array)[]>(
        `INSERT OR REPLACE INTO pages (slot, data) VALUES ${new Array(MULTI_ROWS).fill('(?, ?)').join(', ')}`,
      );
    } catch (e) {
      db.close();
      // A failed open leaves nothing behind: no partial database, no side files.
      try {
        removeSideFiles(o.path, where);
        const st = lstatSync(o.path, { throwIfNoEntry: false });
        if (st !== undefined && st.ino === ino) unlinkSync(o.path);
      } catch {
        // the original error is the one to report
      }
      throw pathError(e, o.path, 'create', where);
    }
    this.#db = db;
  }

  /** Opens (wiping any previous contents) a device at `path`. Same as createSqliteDevice(). */
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
    this.#sums.checkWrite(slot, data, where);
    this.#assertOpen(where);
    this.#makeRoom(1, where);
    try {
      this.#prepareTransaction(where);
      this.#run(() => this.#insert.run(slot, data), where);
    } catch (e) {
      this.#lost(slot);
      throw e;
    }
    this.#accepted(slot, data);
    if (++this.#pending >= this.settings.batchSize) this.#commitQuietly('sqliteDevice.write');
  }

  writeBatch(slots: ArrayLike<number>, pages: readonly Uint8Array[]): void {
    const where = 'sqliteDevice.writeBatch';
    this.#sums.checkWriteBatch(slots, pages, where);
    this.#assertOpen(where);
    // Whole groups of MULTI_ROWS go through one multi-row INSERT: better-sqlite3's
    // per-statement cost is most of a single-row insert, so this is ~4x the rows/s.
    // Rows of one statement are inserted in order, so a slot given twice ends with
    // its last page, as with separate writes (and as the crc32c is recorded).
    const args = this.#multiArgs;
    let i = 0;
    try {
      for (; i < slots.length; ) {
        const n = slots.length - i >= MULTI_ROWS ? MULTI_ROWS : 1;
        this.#makeRoom(n, where);
        this.#prepareTransaction(where);
        if (n === MULTI_ROWS) {
          for (let k = 0; k < MULTI_ROWS; k++) {
            args[2 * k] = slots[i + k]!;
            args[2 * k + 1] = pages[i + k]!;
          }
          this.#run(() => this.#insertMulti.run(...args), where);
        } else {
          this.#run(() => this.#insert.run(slots[i]!, pages[i]!), where);
        }
        for (let k = i; k < i + n; k++) this.#accepted(slots[k]!, pages[k]!);
        i += n;
        this.#pending += n;
        if (this.#pending >= this.settings.batchSize) this.#commitQuietly(where);
      }
    } catch (e) {
      // None of the batch counts as written: the caller still has every page.
      for (let k = 0; k < slots.length; k++) this.#lost(slots[k]!);
      this.#lostTransaction();
      throw e;
    } finally {
      args.fill(0);
    }
  }

  read(slot: number, out: Uint8Array): number {
    this.#sums.checkOut(out, 0, 'sqliteDevice.read');
    return this.#readInto(slot, out, 0, 'sqliteDevice.read');
  }

  readBatch(slots: ArrayLike<number>, out: Uint8Array, lengths: Uint32Array): void {
    const where = 'sqliteDevice.readBatch';
    this.#sums.checkReadBatch(slots, out, lengths, where);
    for (let i = 0; i < slots.length; i++) lengths[i] = this.#sums.expect(slots[i]!, where);
    this.#assertOpen(where);
    // Row by row: one `slot IN (...)` query for 32 random slots was measured slower
    // than 32 point lookups (282 k vs 363 k rows/s raw), unlike multi-row INSERT.
    const ps = this.pageSize;
    for (let i = 0; i < slots.length; i++)
      lengths[i] = this.#readInto(slots[i]!, out, i * ps, where);
  }

  /**
   * Forgets the slots. Never fails for I/O: the rows are only deleted to give the space
   * back, and a row left behind is never read (its slot holds no page).
   */
  discard(first: number, count: number): void {
    const where = 'sqliteDevice.discard';
    this.#sums.checkRange(first, count, where);
    this.#assertOpen(where);
    this.#sums.forget(first, count);
    this.#stage.dropRange(first, count);
    this.#counters.discards += count;
    try {
      this.#prepareTransaction(where);
      this.#run(() => this.#deleteRange.run(first, first + count), where);
    } catch {
      this.#lostTransaction();
    }
  }

  /**
   * Commits: after it returns, every acknowledged page is in the database. If the
   * database cannot take them (full disk, busy past the bound) it throws IO_ERROR or
   * BUSY and the pages stay held in memory and readable; a later flush or write retries.
   * A commit carrying only deletes (discards) that fails is counted, not thrown.
   */
  flush(): void {
    const where = 'sqliteDevice.flush';
    this.#assertOpen(where);
    if (this.#inTransaction || this.#stage.live > 0) {
      try {
        this.#prepareTransaction(where);
        this.#commit(where);
      } catch (e) {
        this.#lostTransaction();
        // Only deletes were pending (no page held): nothing acknowledged is at stake.
        if (this.#stage.live === 0 && e instanceof TieredStoreError) {
          this.#counters.flushes++;
          return;
        }
        const err = toTieredStoreError(e, where);
        throw new TieredStoreError(
          err.code,
          where,
          `${this.#stage.live} pages are held in memory until ${this.name} takes them: ${err.message}`,
          { cause: e },
        );
      }
    }
    this.#counters.flushes++;
  }

  /** Flushes and closes. If the flush fails the device is closed anyway and the error thrown. */
  close(): void {
    if (this.#db === undefined) return;
    try {
      this.flush();
    } finally {
      this.#db?.close();
      this.#db = undefined;
      this.#stage.clear();
    }
  }

  stats(): DeviceStats {
    return { ...this.#counters };
  }

  /** Acknowledged pages not yet committed (held in memory until they are). */
  get uncommitted(): number {
    return this.#stage.live;
  }

  // --- internals ---------------------------------------------------------------

  #readInto(slot: number, out: Uint8Array, offset: number, where: string): number {
    const len = this.#sums.expect(slot, where);
    this.#sums.checkOut(out, offset + len, where);
    this.#assertOpen(where);
    const held = this.#stage.view(slot);
    let blob: Uint8Array | undefined = held;
    if (blob === undefined) {
      try {
        blob = this.#run(() => this.#select.get(slot), where);
      } catch (e) {
        out.fill(0, offset, offset + len);
        this.#lostTransaction();
        throw e;
      }
    }
    if (blob === undefined) {
      this.#counters.ioErrors++;
      throw new TieredStoreError('IO_ERROR', where, `slot ${slot} of ${this.name}: row is missing`);
    }
    const n = Math.min(blob.length, len);
    out.set(n === blob.length ? blob : blob.subarray(0, n), offset);
    if (blob.length !== len || !this.#sums.verify(slot, out, offset, len)) {
      out.fill(0, offset, offset + len);
      this.#counters.checksumErrors++;
      throw new TieredStoreError(
        'CHECKSUM_MISMATCH',
        where,
        `slot ${slot} of ${this.name}: crc32c mismatch`,
      );
    }
    this.#counters.reads++;
    this.#counters.bytesRead += len;
    return len;
  }

  /** A page is in the open transaction: hold a copy and record its checksum. */
  #accepted(slot: number, data: Uint8Array): void {
    this.#stage.put(slot, data);
    this.#sums.record(slot, data);
    this.#counters.writes++;
    this.#counters.bytesWritten += data.length;
  }

  /** A write of `slot` failed: the slot holds no page (and the transaction may be gone). */
  #lost(slot: number): void {
    if (!(typeof slot === 'number' && slot >>> 0 === slot && slot < this.slots)) return;
    this.#sums.forget(slot, 1);
    this.#stage.drop(slot);
    this.#lostTransaction();
  }

  /** After any failure: if SQLite rolled our transaction back, the held pages must go in again. */
  #lostTransaction(): void {
    const db = this.#db;
    if (db !== undefined && this.#inTransaction && !db.inTransaction) {
      this.#inTransaction = false;
      this.#pending = 0;
      this.#stageInDb = false;
    }
  }

  /** Before acknowledging `n` more pages: commit if the held pages would not fit. */
  #makeRoom(n: number, where: string): void {
    if (this.#stage.hasRoom(n)) return;
    try {
      this.#prepareTransaction(where);
      this.#commit(where);
    } catch (e) {
      this.#lostTransaction();
      throw e;
    }
  }

  /** Opens a transaction if none is, and writes the held pages again if it was lost. */
  #prepareTransaction(where: string): void {
    if (!this.#inTransaction) {
      this.#run(() => this.#begin.run(), where);
      this.#inTransaction = true;
      this.#pending = 0;
    }
    if (!this.#stageInDb) {
      this.#stage.forEachLive((slot, bytes) => {
        this.#run(() => this.#insert.run(slot, bytes), where);
        this.#pending++;
      });
      this.#stageInDb = true;
    }
  }

  #commit(where: string): void {
    this.#run(() => this.#commitStmt.run(), where);
    this.#inTransaction = false;
    this.#pending = 0;
    this.#stage.clear();
  }

  /**
   * The automatic commit after `batchSize` writes. A failure is counted, not thrown: the
   * write that triggered it is held, and so are the others (flush reports it).
   */
  #commitQuietly(where: string): void {
    try {
      this.#commit(where);
    } catch (e) {
      if (!(e instanceof TieredStoreError)) throw e;
      this.#lostTransaction();
    }
  }

  #assertOpen(where: string): void {
    if (this.#db === undefined)
      throw new TieredStoreError('CLOSED', where, `${this.name} is closed`);
  }

  /** Runs one statement, retrying SQLITE_BUSY within the bound; failures thrown typed. */
  #run<T>(fn: () => T, where: string): T {
    try {
      return fn();
    } catch (first) {
      let e = first;
      for (let attempt = 0; ; attempt++) {
        if (!isBusy(e) || attempt >= this.#busyRetries) {
          this.#counters.ioErrors++;
          if (isBusy(e)) {
            throw new TieredStoreError(
              'BUSY',
              where,
              `${this.name} still busy after ${attempt} retries`,
              { cause: e },
            );
          }
          throw toTieredStoreError(e, where);
        }
        this.#counters.busyRetries++;
        if (this.#onBusyRetry !== undefined) {
          try {
            this.#onBusyRetry(attempt + 1);
          } catch (cb) {
            this.#counters.ioErrors++;
            throw new TieredStoreError('IO_ERROR', where, `onBusyRetry threw: ${String(cb)}`, {
              cause: cb,
            });
          }
        }
        if (this.#busyWaitMs > 0) Atomics.wait(this.#sleeper, 0, 0, this.#busyWaitMs);
        try {
          return fn();
        } catch (again) {
          e = again;
        }
      }
    }
  }
}
