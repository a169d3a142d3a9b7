/**
 * SqliteDevice's options: their types, the measured defaults, the checks that refuse a
 * value SQLite would not use (a pragma given "bogus" is silently ignored by SQLite, so it
 * must never reach it), and the read-back of what SQLite really uses.
 */

import { isIntInRange, isPowerOfTwoInRange, showValue } from '@tierswap/base';
import type Database from 'better-sqlite3';
import { checkPath } from './deviceFile.js';
import { TieredStoreError } from './tieredStoreError.js';

export type JournalMode = 'wal' | 'memory' | 'off' | 'delete' | 'truncate';
export type Synchronous = 'off' | 'normal' | 'full' | 'extra';
export type LockingMode = 'normal' | 'exclusive';

export interface SqliteDeviceOptions {
  /**
   * The database file. An existing regular file is wiped and reused (never unlinked and
   * recreated); a symlink is refused. Stale -wal/-shm/-journal files beside it are removed.
   */
  path: string;
  slots: number;
  /** Swap page size, default 4096 (1..1048576). */
  pageSize?: number;
  /** SQLite page_size (512..65536, power of two). Default from the benchmark. */
  sqlitePageSize?: number;
  journalMode?: JournalMode;
  synchronous?: Synchronous;
  /**
   * Writes per transaction before an automatic COMMIT (1..65536). Until it commits,
   * each acknowledged page is also held in memory: up to (batchSize + 32) × pageSize
   * bytes, which must stay within 256 MiB.
   */
  batchSize?: number;
  /**
   * locking_mode: 'exclusive' takes the file locks once and keeps them (no lock
   * syscalls per statement; other connections are shut out, as a swap device is
   * owned by one kernel). 'normal' lets other connections in between transactions.
   */
  lockingMode?: LockingMode;
  /**
   * mmap_size in bytes, default 0 (pages read with pread). Above 0, reads go through a
   * memory map, ~10-30% faster, but if another process truncates the file, touching the
   * lost pages kills this process with SIGBUS: use only for a file nobody else can write.
   */
  mmapSize?: number;
  /** SQLITE_BUSY retries before giving up (default 50, 0..1000000). */
  busyRetries?: number;
  /** Sleep between busy retries, ms (default 1, 0..60000). */
  busyWaitMs?: number;
  /** Called before each busy retry (diagnostics; tests use it to release a lock). */
  onBusyRetry?: (attempt: number) => void;
  rotational?: boolean;
}

/** The settings SQLite reports it uses, read back after they were set. */
export interface SqliteSettings {
  sqlitePageSize: number;
  journalMode: JournalMode;
  synchronous: Synchronous;
  batchSize: number;
  lockingMode: LockingMode;
  mmapSize: number;
}

/** Defaults chosen by measurement (bench/sqliteDevice.bench.ts). */
export const SQLITE_DEVICE_DEFAULTS = {
  /** Three 4 KiB rows per b-tree page; 4096 spills every row to an overflow page, 8192 wastes half. */
  sqlitePageSize: 16384,
  /** A rollback journal in memory: one write per page (WAL writes twice) and ROLLBACK still works. */
  journalMode: 'memory',
  synchronous: 'off',
  batchSize: 1000,
  /** No lock syscalls per statement: +30% reads. Shuts other connections out (a swap device is private). */
  lockingMode: 'exclusive',
  /** No memory map: a file truncated underneath gives I/O errors instead of SIGBUS. */
  mmapSize: 0,
} as const;

/** The checked options, defaults filled in. */
export interface CheckedSqliteOptions {
  path: string;
  slots: number;
  pageSize: number;
  requested: SqliteSettings;
  busyRetries: number;
  busyWaitMs: number;
  onBusyRetry: ((attempt: number) => void) | undefined;
  rotational: boolean;
}

/** The most memory a device may hold for uncommitted pages. */
const MAX_HELD_BYTES = 256 * 2 ** 20;

const JOURNAL_MODES: readonly string[] = ['wal', 'memory', 'off', 'delete', 'truncate'];
const SYNCHRONOUS: readonly string[] = ['off', 'normal', 'full', 'extra'];
const LOCKING_MODES: readonly string[] = ['normal', 'exclusive'];

function bad(where: string, detail: string): TieredStoreError {
  return new TieredStoreError('INVALID_ARGUMENT', where, detail);
}

function intIn(v: unknown, min: number, max: number, name: string, where: string): number {
  if (!isIntInRange(v, min, max)) {
    throw bad(where, `${name} ${showValue(v)} is not an integer in ${min}..${max}`);
  }
  return v;
}

function oneOf<T extends string>(
  v: unknown,
  allowed: readonly string[],
  name: string,
  where: string,
): T {
  if (typeof v !== 'string' || !allowed.includes(v)) {
    throw bad(where, `${name} ${showValue(v)} is not one of ${allowed.join(', ')}`);
  }
  return v as T;
}

/** Checks every option before anything is created; throws INVALID_ARGUMENT naming the value. */
export function checkSqliteOptions(
  options: SqliteDeviceOptions,
  where: string,
): CheckedSqliteOptions {
  if (typeof options !== 'object' || options === null) {
    throw bad(where, `options is ${showValue(options)}; must be an object`);
  }
  const d = SQLITE_DEVICE_DEFAULTS;
  const pageSize = intIn(options.pageSize ?? 4096, 1, 1 << 20, 'pageSize', where);
  const sqlitePageSize = options.sqlitePageSize ?? d.sqlitePageSize;
  if (!isPowerOfTwoInRange(sqlitePageSize, 512, 65536)) {
    throw bad(
      where,
      `sqlitePageSize ${showValue(sqlitePageSize)} is not a power of two in 512..65536`,
    );
  }
  if (options.onBusyRetry !== undefined && typeof options.onBusyRetry !== 'function') {
    throw bad(where, `onBusyRetry ${showValue(options.onBusyRetry)} must be a function`);
  }
  if (options.rotational !== undefined && typeof options.rotational !== 'boolean') {
    throw bad(where, `rotational ${showValue(options.rotational)} must be a boolean`);
  }
  const busyWaitMs = options.busyWaitMs ?? 1;
  if (!(typeof busyWaitMs === 'number' && busyWaitMs >= 0 && busyWaitMs <= 60000)) {
    throw bad(where, `busyWaitMs ${showValue(busyWaitMs)} is not a number in 0..60000`);
  }
  const batchSize = intIn(options.batchSize ?? d.batchSize, 1, 65536, 'batchSize', where);
  if ((batchSize + 32) * pageSize > MAX_HELD_BYTES) {
    throw bad(
      where,
      `batchSize ${batchSize} with pageSize ${pageSize} would hold ${(batchSize + 32) * pageSize} bytes in memory; the limit is ${MAX_HELD_BYTES}`,
    );
  }
  return {
    path: checkPath(options.path, where),
    slots: intIn(options.slots, 1, 0xffffffff, 'slots', where),
    pageSize,
    requested: {
      sqlitePageSize,
      journalMode: oneOf<JournalMode>(
        options.journalMode ?? d.journalMode,
        JOURNAL_MODES,
        'journalMode',
        where,
      ),
      synchronous: oneOf<Synchronous>(
        options.synchronous ?? d.synchronous,
        SYNCHRONOUS,
        'synchronous',
        where,
      ),
      batchSize,
      lockingMode: oneOf<LockingMode>(
        options.lockingMode ?? d.lockingMode,
        LOCKING_MODES,
        'lockingMode',
        where,
      ),
      mmapSize: intIn(options.mmapSize ?? d.mmapSize, 0, 2 ** 40, 'mmapSize', where),
    },
    busyRetries: intIn(options.busyRetries ?? 50, 0, 1_000_000, 'busyRetries', where),
    busyWaitMs,
    onBusyRetry: options.onBusyRetry,
    rotational: options.rotational ?? false,
  };
}

/** Sets the pragmas on a fresh database. */
export function applySettings(db: Database.Database, s: SqliteSettings): void {
  // Every value was checked against a closed list or as an integer above: nothing else
  // reaches the pragma text.
  db.pragma(`page_size = ${s.sqlitePageSize}`);
  db.pragma(`journal_mode = ${s.journalMode}`);
  db.pragma(`synchronous = ${s.synchronous}`);
  db.pragma(`locking_mode = ${s.lockingMode}`);
  db.pragma(`mmap_size = ${s.mmapSize}`);
}

/** What SQLite reports it uses (after the first table fixed the page size). */
export function readSettings(db: Database.Database, batchSize: number): SqliteSettings {
  const sync = Number(db.pragma('synchronous', { simple: true }));
  return {
    sqlitePageSize: Number(db.pragma('page_size', { simple: true })),
    journalMode: String(db.pragma('journal_mode', { simple: true })) as JournalMode,
    synchronous: (SYNCHRONOUS[sync] ?? String(sync)) as Synchronous,
    batchSize,
    lockingMode: String(db.pragma('locking_mode', { simple: true })) as LockingMode,
    mmapSize: Number(db.pragma('mmap_size', { simple: true })),
  };
}
