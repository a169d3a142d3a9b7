/**
 * SqliteDevice: settings sweep, then pages per second for the chosen defaults
 * against raw better-sqlite3 statements on the same schema, in one run.
 *
 * Sweep: page_size × (journal_mode, synchronous) × rows per transaction; for each,
 * N random 4 KiB pages written through SqliteDevice in slot order (as the slot
 * allocator hands them out), then N random point reads; median of 3 rounds.
 * Final: tinybench pairs (interleaved rounds, 256 pages per call):
 * - raw `INSERT OR REPLACE` of the same blobs in 1000-row transactions vs
 *   SqliteDevice.write (which adds the crc32c and the batching logic);
 * - raw `SELECT data WHERE slot = ?` vs SqliteDevice.read (adds the copy into the
 *   caller's buffer and the crc32c verification);
 * - the batched write: raw 32-row `INSERT ... VALUES (?, ?), ...` vs
 *   SqliteDevice.writeBatch of 32 pages.
 * - the cost of mmap being off by default: SqliteDevice.read on a device with a 1 GiB
 *   mmap_size against the default (pread).
 * The binding and library versions are printed with the results and saved with
 * saveBenchRecord; `--quick` runs a short smoke version saved to bench-results only.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, saveBenchRecord } from '@tierswap/bench-kit';
import Database from 'better-sqlite3';
import type { SqliteDeviceOptions } from '../src/sqliteDevice.js';
import { SQLITE_DEVICE_DEFAULTS, SqliteDevice } from '../src/sqliteDevice.js';
import { runPair } from './benchUtil.js';

const quick = process.argv.includes('--quick');
const PAGE = 4096;
const N = quick ? 2048 : 16384;
const OPS = 256;
const ROUNDS = quick ? 1 : 3;
const TIME = quick ? 100 : 600;
const require = createRequire(import.meta.url);
const bindingVersion = (require('better-sqlite3/package.json') as { version: string }).version;

const dir = mkdtempSync(join(tmpdir(), 'tierswap-bench-sqlite-'));
try {
  const pages = Array.from({ length: 64 }, () => new Uint8Array(randomBytes(PAGE)));
  const order = Int32Array.from({ length: 1 << 16 }, () => Math.floor(Math.random() * N));
  const out = new Uint8Array(PAGE);
  let serial = 0;

  // ---- sweep: one factor at a time from a base configuration -------------
  const base: Omit<SqliteDeviceOptions, 'path' | 'slots'> = {
    sqlitePageSize: 16384,
    journalMode: 'wal',
    synchronous: 'off',
    batchSize: 1000,
    lockingMode: 'normal',
    mmapSize: 0,
  };
  const MMAP = 256 << 20;
  const configs: [string, Omit<SqliteDeviceOptions, 'path' | 'slots'>][] = [
    ['base', base],
    ['page_size 4096', { ...base, sqlitePageSize: 4096 }],
    ['page_size 8192', { ...base, sqlitePageSize: 8192 }],
    ['synchronous normal', { ...base, synchronous: 'normal' }],
    ['journal off', { ...base, journalMode: 'off' }],
    ['journal memory', { ...base, journalMode: 'memory' }],
    ['100 rows/txn', { ...base, batchSize: 100 }],
    ['10000 rows/txn', { ...base, batchSize: 10000 }],
    ['locking exclusive', { ...base, lockingMode: 'exclusive' }],
    ['mmap 256M', { ...base, mmapSize: MMAP }],
    ['exclusive + mmap', { ...base, lockingMode: 'exclusive', mmapSize: MMAP }],
    [
      'exclusive + mmap, page 4096',
      { ...base, lockingMode: 'exclusive', mmapSize: MMAP, sqlitePageSize: 4096 },
    ],
    [
      'exclusive + mmap, page 8192',
      { ...base, lockingMode: 'exclusive', mmapSize: MMAP, sqlitePageSize: 8192 },
    ],
    [
      'exclusive + mmap, journal off',
      { ...base, lockingMode: 'exclusive', mmapSize: MMAP, journalMode: 'off' },
    ],
    [
      'exclusive + mmap, journal memory',
      { ...base, lockingMode: 'exclusive', mmapSize: MMAP, journalMode: 'memory' },
    ],
    [
      'exclusive + mmap, journal memory, page 4096',
      {
        ...base,
        lockingMode: 'exclusive',
        mmapSize: MMAP,
        journalMode: 'memory',
        sqlitePageSize: 4096,
      },
    ],
    // mmap off (the default since a truncated mapped file means SIGBUS): which page size?
    ...[4096, 8192, 16384, 32768, 65536].map(
      (size): [string, Omit<SqliteDeviceOptions, 'path' | 'slots'>] => [
        `exclusive, journal memory, no mmap, page ${size}`,
        { ...base, lockingMode: 'exclusive', journalMode: 'memory', sqlitePageSize: size },
      ],
    ),
    [
      'exclusive + mmap, journal memory, 100 rows/txn',
      { ...base, lockingMode: 'exclusive', mmapSize: MMAP, journalMode: 'memory', batchSize: 100 },
    ],
  ];
  const sweep: Record<string, string | number>[] = [];
  for (const [label, cfg] of configs) {
    const w: number[] = [];
    const r: number[] = [];
    let fileBytes = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const path = join(dir, `sweep${serial++}.db`);
      const dev = SqliteDevice.open({ path, slots: N, ...cfg });
      let t0 = performance.now();
      for (let s = 0; s < N; s++) dev.write(s, pages[s & 63]!);
      dev.flush();
      w.push(N / ((performance.now() - t0) / 1000));
      t0 = performance.now();
      for (let i = 0; i < N; i++) dev.read(order[i]!, out);
      r.push(N / ((performance.now() - t0) / 1000));
      dev.close();
      fileBytes = statSync(path).size;
      for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
    }
    sweep.push({
      config: label,
      page_size: cfg.sqlitePageSize ?? 0,
      journal: cfg.journalMode ?? '',
      sync: cfg.synchronous ?? '',
      'rows/txn': cfg.batchSize ?? 0,
      locking: cfg.lockingMode ?? '',
      mmap: cfg.mmapSize ? 'yes' : 'no',
      'writes/s': Math.round(median(w)),
      'reads/s': Math.round(median(r)),
      'file MiB': Number((fileBytes / 2 ** 20).toFixed(1)),
    });
  }
  console.log(
    `better-sqlite3 ${bindingVersion}, SQLite ${SqliteDevice.sqliteVersion()}, ${N} random 4 KiB pages`,
  );
  console.table(sweep);

  // ---- final: the defaults against raw statements --------------------------
  const d = SQLITE_DEVICE_DEFAULTS;
  const SLOTS = quick ? 4096 : 32768;
  const dev = SqliteDevice.open({ path: join(dir, 'device.db'), slots: SLOTS });
  const raw = new Database(join(dir, 'raw.db'));
  raw.pragma(`page_size = ${d.sqlitePageSize}`);
  raw.pragma(`journal_mode = ${d.journalMode}`);
  raw.pragma(`synchronous = ${d.synchronous}`);
  raw.pragma(`locking_mode = ${d.lockingMode}`);
  raw.pragma(`mmap_size = ${d.mmapSize}`);
  raw.exec('CREATE TABLE pages (slot INTEGER PRIMARY KEY, data BLOB NOT NULL)');
  const ins = raw.prepare('INSERT OR REPLACE INTO pages (slot, data) VALUES (?, ?)');
  const sel = raw.prepare('SELECT data FROM pages WHERE slot = ?').pluck();
  const B = 32;
  const insMulti = raw.prepare<(number | Buffer)[]>(
    `INSERT OR REPLACE INTO pages (slot, data) VALUES ${new Array(B).fill('(?, ?)').join(', ')}`,
  );
  const begin = raw.prepare('BEGIN');
  const commit = raw.prepare('COMMIT');
  const bufs = pages.map((p) => Buffer.from(p.buffer, p.byteOffset, p.length));
  begin.run();
  for (let s = 0; s < SLOTS; s++) {
    ins.run(s, bufs[s & 63]!);
    dev.write(s, pages[s & 63]!);
    if ((s + 1) % d.batchSize === 0) {
      commit.run();
      begin.run();
    }
  }
  commit.run();
  dev.flush();
  const ridx = Int32Array.from({ length: 1 << 16 }, () => Math.floor(Math.random() * SLOTS));

  let wa = 0;
  let wb = 0;
  let ra = 0;
  let rb = 0;
  let pendingRaw = 0;
  let sink = 0;
  begin.run();
  const results = [
    runPair(
      [
        `raw INSERT OR REPLACE, ${d.batchSize}/txn`,
        () => {
          for (let i = 0; i < OPS; i++, wa++) {
            ins.run(wa % SLOTS, bufs[wa & 63]!);
            if (++pendingRaw === d.batchSize) {
              commit.run();
              begin.run();
              pendingRaw = 0;
            }
          }
        },
      ],
      [
        'SqliteDevice.write 4K',
        () => {
          for (let i = 0; i < OPS; i++, wb++) dev.write(wb % SLOTS, pages[wb & 63]!);
        },
      ],
      OPS,
      ROUNDS,
      TIME,
    ),
  ];
  {
    // Batched writes: 32 consecutive slots per call, as the allocator hands them out.
    const args: (number | Buffer)[] = new Array(2 * B);
    const slotsB = new Int32Array(B);
    const pagesB = pages.slice(0, B);
    let a = 0;
    let b = 0;
    results.push(
      runPair(
        [
          `raw INSERT ${B} rows per statement, ${d.batchSize}/txn`,
          () => {
            for (let i = 0; i < OPS / B; i++, a++) {
              const first = (a * B) % SLOTS;
              for (let k = 0; k < B; k++) {
                args[2 * k] = first + k;
                args[2 * k + 1] = bufs[k]!;
              }
              insMulti.run(...args);
              pendingRaw += B;
              if (pendingRaw >= d.batchSize) {
                commit.run();
                begin.run();
                pendingRaw = 0;
              }
            }
          },
        ],
        [
          `SqliteDevice.writeBatch ${B}x4K`,
          () => {
            for (let i = 0; i < OPS / B; i++, b++) {
              const first = (b * B) % SLOTS;
              for (let k = 0; k < B; k++) slotsB[k] = first + k;
              dev.writeBatch(slotsB, pagesB);
            }
          },
        ],
        OPS,
        ROUNDS,
        TIME,
      ),
    );
  }
  commit.run();
  dev.flush();
  results.push(
    runPair(
      [
        'raw SELECT by slot (random)',
        () => {
          for (let i = 0; i < OPS; i++, ra++)
            sink += (sel.get(ridx[ra & 0xffff]!) as Buffer).length;
        },
      ],
      [
        'SqliteDevice.read 4K (random)',
        () => {
          for (let i = 0; i < OPS; i++, rb++) sink += dev.read(ridx[rb & 0xffff]!, out);
        },
      ],
      OPS,
      ROUNDS,
      TIME,
    ),
  );
  // mmap off (the default, safe against truncation) against a 1 GiB map, same contents.
  const devMmap = SqliteDevice.open({
    path: join(dir, 'mmap.db'),
    slots: SLOTS,
    mmapSize: 1 << 30,
  });
  for (let s = 0; s < SLOTS; s++) devMmap.write(s, pages[s & 63]!);
  devMmap.flush();
  let rm = 0;
  results.push(
    runPair(
      [
        'SqliteDevice.read 4K, mmap_size 1 GiB',
        () => {
          for (let i = 0; i < OPS; i++, rm++) sink += devMmap.read(ridx[rm & 0xffff]!, out);
        },
      ],
      [
        'SqliteDevice.read 4K, mmap off (default)',
        () => {
          for (let i = 0; i < OPS; i++, rb++) sink += dev.read(ridx[rb & 0xffff]!, out);
        },
      ],
      OPS,
      ROUNDS,
      TIME,
    ),
  );
  devMmap.close();
  const table = results.map((r) => ({
    baseline: r.baseline,
    'baseline pages/s': Math.round(r.baselinePerSec),
    subject: r.subject,
    'subject pages/s': Math.round(r.subjectPerSec),
    ratio: Number(r.ratio.toFixed(3)),
  }));
  const versions = `better-sqlite3 ${bindingVersion}, SQLite ${SqliteDevice.sqliteVersion()}`;
  const defaults = `page_size ${d.sqlitePageSize}, journal_mode ${d.journalMode}, synchronous ${d.synchronous}, ${d.batchSize} rows/txn, locking_mode ${d.lockingMode}, mmap_size ${d.mmapSize}`;
  console.log(`defaults: ${defaults}; ${SLOTS} slots`);
  console.table(table);
  const files = saveBenchRecord(join(import.meta.dirname, '..'), {
    name: 'sqlite-device',
    quick,
    tables: [
      { title: `Settings sweep, ${N} random 4 KiB pages (${versions})`, rows: sweep },
      { title: `SqliteDevice (defaults: ${defaults}) vs raw statements, one run`, rows: table },
    ],
    notes: [versions, `${ROUNDS} rounds of ${TIME} ms per pair`],
    raw: { results },
  });
  console.log(`wrote ${files.join(', ')} (sink ${sink & 1})`);
  dev.close();
  raw.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
