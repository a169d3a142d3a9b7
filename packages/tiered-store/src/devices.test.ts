import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlockDevice } from './blockDevice.js';
import { everyNth, FaultInjectingDevice, onCalls, onSlots } from './faultInjectingDevice.js';
import { FileDevice } from './fileDevice.js';
import { SqliteDevice } from './sqliteDevice.js';
import { TieredStoreError } from './tieredStoreError.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tierswap-devices-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const PAGE = 4096;
let serial = 0;
type Maker = (slots: number) => BlockDevice;
const makers: [string, Maker][] = [
  ['FileDevice', (slots) => FileDevice.create({ path: join(dir, `f${serial++}.swap`), slots })],
  [
    'SqliteDevice',
    (slots) => SqliteDevice.open({ path: join(dir, `s${serial++}.db`), slots, batchSize: 7 }),
  ],
  [
    'SqliteDevice (WAL, normal locking, no mmap)',
    (slots) =>
      SqliteDevice.open({
        path: join(dir, `w${serial++}.db`),
        slots,
        batchSize: 5,
        journalMode: 'wal',
        lockingMode: 'normal',
        mmapSize: 0,
        sqlitePageSize: 4096,
      }),
  ],
];

function code(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return e instanceof TieredStoreError ? e.code : `other: ${String(e)}`;
  }
}

describe.each(makers)('%s (real storage)', (_name, make) => {
  it('stores and returns random pages of any length 1..pageSize', () => {
    const dev = make(64);
    const out = new Uint8Array(PAGE);
    fc.assert(
      fc.property(fc.nat(63), fc.integer({ min: 1, max: PAGE }), (slot, len) => {
        const data = randomBytes(len);
        dev.write(slot, data);
        expect(dev.read(slot, out)).toBe(len);
        expect(Buffer.from(out.subarray(0, len)).equals(data)).toBe(true);
      }),
      { numRuns: 60 },
    );
    dev.close();
  });

  it('batched writes and reads, contiguous and scattered', () => {
    const dev = make(128);
    const slots = [3, 4, 5, 6, 40, 41, 90, 7];
    const pages = slots.map((_s, i) => (i === 7 ? randomBytes(100) : randomBytes(PAGE)));
    dev.writeBatch(slots, pages);
    const out = new Uint8Array(slots.length * PAGE);
    const lengths = new Uint32Array(slots.length);
    dev.readBatch(slots, out, lengths);
    slots.forEach((_s, i) => {
      expect(lengths[i]).toBe(pages[i]!.length);
      expect(Buffer.from(out.subarray(i * PAGE, i * PAGE + lengths[i]!)).equals(pages[i]!)).toBe(
        true,
      );
    });
    const s = dev.stats();
    expect(s.writes).toBe(8);
    expect(s.reads).toBe(8);
    dev.flush();
    dev.close();
  });

  it('batches of more than 32 pages, scattered, a slot given twice ends with its last page', () => {
    const dev = make(256);
    const slots = Array.from({ length: 77 }, (_, i) => (i * 37) % 256);
    slots[20] = slots[3]!; // twice inside the first 32-page group
    slots[40] = slots[3]!; // again in the second group
    slots[70] = slots[3]!; // and in the row-by-row remainder
    const pages = slots.map((_s, i) => randomBytes(i % 5 === 0 ? 333 : PAGE));
    dev.writeBatch(slots, pages);
    const last = new Map<number, Buffer>();
    for (const [i, s] of slots.entries()) last.set(s, pages[i]!);
    const out = new Uint8Array(PAGE);
    for (const [s, p] of last) {
      expect(dev.read(s, out)).toBe(p.length);
      expect(Buffer.from(out.subarray(0, p.length)).equals(p)).toBe(true);
    }
    dev.flush();
    for (const [s, p] of last)
      expect(Buffer.from(out.subarray(0, dev.read(s, out))).equals(p)).toBe(true);
    // readBatch over the same list, duplicates included, groups of 32 and a remainder.
    const big = new Uint8Array(slots.length * PAGE);
    const lengths = new Uint32Array(slots.length);
    dev.readBatch(slots, big, lengths);
    for (const [i, s] of slots.entries()) {
      const p = last.get(s)!;
      expect(lengths[i]).toBe(p.length);
      expect(Buffer.from(big.subarray(i * PAGE, i * PAGE + p.length)).equals(p)).toBe(true);
    }
    dev.close();
  });

  it('refuses bad arguments and unwritten or discarded slots', () => {
    const dev = make(8);
    const out = new Uint8Array(PAGE);
    expect(code(() => dev.write(8, randomBytes(10)))).toBe('INVALID_ARGUMENT');
    expect(code(() => dev.write(-1, randomBytes(10)))).toBe('INVALID_ARGUMENT');
    expect(code(() => dev.write(0, new Uint8Array(0)))).toBe('INVALID_ARGUMENT');
    expect(code(() => dev.write(0, new Uint8Array(PAGE + 1)))).toBe('INVALID_ARGUMENT');
    expect(code(() => dev.read(2, out))).toBe('NOT_WRITTEN');
    dev.write(2, randomBytes(PAGE));
    dev.discard(2, 1);
    expect(code(() => dev.read(2, out))).toBe('NOT_WRITTEN');
    expect(code(() => dev.writeBatch([1, 2], [randomBytes(5)]))).toBe('INVALID_ARGUMENT');
    dev.close();
    expect(code(() => dev.write(0, randomBytes(5)))).toBe('CLOSED');
  });

  it('a fault-injecting wrapper fails on schedule and leaves the device unchanged', () => {
    const inner = make(16);
    const dev = new FaultInjectingDevice(inner, { failWrite: everyNth(3), failRead: onCalls(2) });
    const out = new Uint8Array(PAGE);
    const a = randomBytes(PAGE);
    dev.write(0, a);
    dev.write(1, a);
    expect(code(() => dev.write(2, a))).toBe('IO_ERROR');
    expect(code(() => inner.read(2, out))).toBe('NOT_WRITTEN');
    dev.read(0, out);
    expect(code(() => dev.read(0, out))).toBe('IO_ERROR');
    dev.plan = { failWrite: onSlots(9) };
    expect(code(() => dev.writeBatch([8, 9], [a, a]))).toBe('IO_ERROR');
    expect(dev.injectedWrites).toBe(2);
    expect(dev.injectedReads).toBe(1);
    expect(dev.stats().ioErrors).toBe(3);
    dev.close();
  });
});

describe('corruption on disk is detected on read', () => {
  it('FileDevice: flipping one byte in the file gives CHECKSUM_MISMATCH, zeroed output, a counter', () => {
    const path = join(dir, 'corrupt.swap');
    const dev = FileDevice.create({ path, slots: 8 });
    const page = randomBytes(PAGE);
    dev.write(5, page);
    dev.write(6, page);
    const fd = openSync(path, 'r+');
    const b = new Uint8Array(1);
    readSync(fd, b, 0, 1, 5 * PAGE + 123);
    b[0] = b[0]! ^ 0x40;
    writeSync(fd, b, 0, 1, 5 * PAGE + 123);
    closeSync(fd);
    const out = new Uint8Array(PAGE).fill(0xaa);
    expect(code(() => dev.read(5, out))).toBe('CHECKSUM_MISMATCH');
    expect(out.every((x) => x === 0)).toBe(true);
    expect(dev.stats().checksumErrors).toBe(1);
    expect(dev.read(6, out)).toBe(PAGE); // the neighbour is intact
    const lengths = new Uint32Array(2);
    expect(code(() => dev.readBatch([5, 6], new Uint8Array(2 * PAGE), lengths))).toBe(
      'CHECKSUM_MISMATCH',
    );
    dev.close();
  });

  it('SqliteDevice: a blob changed by another connection gives CHECKSUM_MISMATCH', () => {
    const path = join(dir, 'corrupt.db');
    const dev = SqliteDevice.open({ path, slots: 8, lockingMode: 'normal' });
    dev.write(3, randomBytes(PAGE));
    dev.write(4, randomBytes(1000));
    dev.flush();
    const other = new Database(path);
    other.prepare('UPDATE pages SET data = ? WHERE slot = 3').run(randomBytes(PAGE));
    other.prepare('UPDATE pages SET data = ? WHERE slot = 4').run(randomBytes(999));
    other.close();
    const out = new Uint8Array(PAGE);
    expect(code(() => dev.read(3, out))).toBe('CHECKSUM_MISMATCH');
    expect(code(() => dev.read(4, out))).toBe('CHECKSUM_MISMATCH');
    expect(dev.stats().checksumErrors).toBe(2);
    dev.close();
  });
});

describe('corruption under the default SQLite settings (exclusive lock, no mmap)', () => {
  it('a blob flipped in the database file is detected on read', () => {
    const path = join(dir, 'corrupt-exclusive.db');
    const dev = SqliteDevice.open({ path, slots: 4096 });
    const victim = randomBytes(PAGE);
    dev.write(0, victim);
    // Push the victim's b-tree page out of SQLite's own page cache.
    for (let s = 1; s < 4096; s++) dev.write(s, randomBytes(PAGE));
    dev.flush();
    const fd = openSync(path, 'r+');
    const size = statSync(path).size;
    const chunk = new Uint8Array(size);
    readSync(fd, chunk, 0, size, 0);
    const at = Buffer.from(chunk).indexOf(victim.subarray(0, 64));
    expect(at).toBeGreaterThan(0);
    writeSync(fd, Uint8Array.of(chunk[at + 100]! ^ 0xff), 0, 1, at + 100);
    closeSync(fd);
    const out = new Uint8Array(PAGE);
    expect(code(() => dev.read(0, out))).toBe('CHECKSUM_MISMATCH');
    expect(dev.stats().checksumErrors).toBe(1);
    expect(dev.read(1, out)).toBe(PAGE);
    const group = Array.from({ length: 32 }, (_, k) => 31 - k); // slot 0 last
    const lengths = new Uint32Array(32);
    const big = new Uint8Array(32 * PAGE);
    expect(code(() => dev.readBatch(group, big, lengths))).toBe('CHECKSUM_MISMATCH');
    expect(big.subarray(31 * PAGE).every((x) => x === 0)).toBe(true);
    expect(dev.stats().checksumErrors).toBe(2);
    dev.close();
  });
});

describe('FileDevice specifics', () => {
  it('runs longer than one native call, with short payloads inside a read run', () => {
    const dev = FileDevice.create({ path: join(dir, 'runs.swap'), slots: 700 });
    const slots = Array.from({ length: 600 }, (_, i) => 50 + i);
    const pages = slots.map((_s, i) => randomBytes(i % 7 === 3 ? 1 + (i % 4000) : PAGE));
    dev.writeBatch(slots, pages);
    const out = new Uint8Array(slots.length * PAGE);
    const lengths = new Uint32Array(slots.length);
    dev.readBatch(slots, out, lengths);
    for (const [i, p] of pages.entries()) {
      expect(lengths[i]).toBe(p.length);
      expect(Buffer.from(out.subarray(i * PAGE, i * PAGE + p.length)).equals(p)).toBe(true);
    }
    expect(dev.stats().reads).toBe(600);
    dev.close();
  });

  it('creates a preallocated file with mode 0600', () => {
    const path = join(dir, 'mode.swap');
    const dev = FileDevice.create({ path, slots: 10 });
    const st = statSync(path);
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.size).toBe(10 * PAGE);
    expect(st.blocks * 512).toBeGreaterThanOrEqual(10 * PAGE); // no holes
    dev.close();
  });

  it('stores page slot at offset slot x pageSize', () => {
    const path = join(dir, 'offset.swap');
    const dev = FileDevice.create({ path, slots: 4 });
    const page = randomBytes(PAGE);
    dev.write(2, page);
    dev.flush();
    const fd = openSync(path, 'r');
    const raw = new Uint8Array(PAGE);
    readSync(fd, raw, 0, PAGE, 2 * PAGE);
    closeSync(fd);
    expect(Buffer.from(raw).equals(page)).toBe(true);
    dev.close();
  });
});

describe('SqliteDevice specifics', () => {
  it('creates its database file with mode 0600, WAL files too', () => {
    const path = join(dir, 'mode.db');
    const dev = SqliteDevice.open({ path, slots: 8, journalMode: 'wal', lockingMode: 'normal' });
    dev.write(0, randomBytes(PAGE));
    dev.flush();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(`${path}-wal`).mode & 0o777).toBe(0o600);
    dev.close();
  });

  it('wipes the database on open and batches writes into transactions', () => {
    const path = join(dir, 'wipe.db');
    const a = SqliteDevice.open({ path, slots: 8, batchSize: 3 });
    a.write(0, randomBytes(10));
    a.write(1, randomBytes(10));
    expect(a.uncommitted).toBe(2);
    a.write(2, randomBytes(10));
    expect(a.uncommitted).toBe(0);
    a.close();
    const b = SqliteDevice.open({ path, slots: 8, lockingMode: 'normal' });
    expect(code(() => b.read(0, new Uint8Array(PAGE)))).toBe('NOT_WRITTEN');
    const check = new Database(path, { readonly: true });
    expect(check.prepare('SELECT count(*) FROM pages').pluck().get()).toBe(0);
    check.close();
    b.close();
  });

  it('retries SQLITE_BUSY within the bound and counts each retry', () => {
    const path = join(dir, 'busy.db');
    let holder: Database.Database | undefined;
    const dev = SqliteDevice.open({
      path,
      slots: 8,
      lockingMode: 'normal',
      busyWaitMs: 0,
      // The other connection lets go while we are retrying, as a real one would.
      onBusyRetry: (attempt) => {
        if (attempt === 3) holder?.exec('COMMIT');
      },
    });
    holder = new Database(path, { timeout: 0 });
    holder.exec('BEGIN IMMEDIATE');
    const page = randomBytes(PAGE);
    dev.write(1, page);
    expect(dev.stats().busyRetries).toBe(3);
    const out = new Uint8Array(PAGE);
    expect(dev.read(1, out)).toBe(PAGE);
    expect(Buffer.from(out).equals(page)).toBe(true);
    dev.close();
    holder.close();
  });

  it('gives up after the bound with BUSY, counted, and changes nothing', () => {
    const path = join(dir, 'busy2.db');
    const dev = SqliteDevice.open({
      path,
      slots: 8,
      lockingMode: 'normal',
      busyRetries: 4,
      busyWaitMs: 0,
    });
    const lock = new Database(path, { timeout: 0 });
    lock.exec('BEGIN IMMEDIATE');
    const page = randomBytes(PAGE);
    expect(code(() => dev.write(0, page))).toBe('BUSY');
    expect(dev.stats().busyRetries).toBe(4);
    expect(dev.stats().ioErrors).toBe(1);
    expect(code(() => dev.read(0, new Uint8Array(PAGE)))).toBe('NOT_WRITTEN');
    lock.exec('ROLLBACK');
    lock.close();
    dev.write(0, page);
    dev.close();
  });
});

describe('arguments are checked at the boundary; a refused call writes nothing', () => {
  it.each(makers)(
    '%s: a string, a DataView or a wrong-length page never reaches slot 0',
    (_n, make) => {
      const dev = make(8);
      const page = randomBytes(PAGE);
      dev.write(0, page);
      const bad: unknown[] = [
        'abc',
        new DataView(new ArrayBuffer(PAGE)),
        new Uint16Array(PAGE / 2),
        null,
        7,
      ];
      for (const data of bad) {
        expect(code(() => dev.write(0, data as Uint8Array))).toBe('INVALID_ARGUMENT');
        expect(code(() => dev.write(1, data as Uint8Array))).toBe('INVALID_ARGUMENT');
        expect(code(() => dev.writeBatch([1], [data as Uint8Array]))).toBe('INVALID_ARGUMENT');
      }
      for (const slot of [Number.NaN, 0.5, 2 ** 32, '0', null, -0.5, 1n]) {
        expect(code(() => dev.write(slot as number, page))).toBe('INVALID_ARGUMENT');
        expect(code(() => dev.read(slot as number, new Uint8Array(PAGE)))).toBe('INVALID_ARGUMENT');
        expect(code(() => dev.discard(slot as number, 1))).toBe('INVALID_ARGUMENT');
      }
      expect(code(() => dev.discard(0, -3))).toBe('INVALID_ARGUMENT');
      expect(code(() => dev.discard(0, 0))).toBe('INVALID_ARGUMENT');
      expect(code(() => dev.discard(4, 5))).toBe('INVALID_ARGUMENT');
      expect(code(() => dev.discard(0, Number.NaN))).toBe('INVALID_ARGUMENT');
      expect(code(() => dev.read(0, 'out' as unknown as Uint8Array))).toBe('INVALID_ARGUMENT');
      expect(
        code(() =>
          dev.writeBatch('ab' as unknown as number[], ['a', 'b'] as unknown as Uint8Array[]),
        ),
      ).toBe('INVALID_ARGUMENT');
      expect(code(() => dev.writeBatch([1, 2], [page, 'x' as unknown as Uint8Array]))).toBe(
        'INVALID_ARGUMENT',
      );
      expect(code(() => dev.read(1, new Uint8Array(PAGE)))).toBe('NOT_WRITTEN');
      const out = new Uint8Array(PAGE);
      expect(dev.read(0, out)).toBe(PAGE);
      expect(Buffer.from(out).equals(page)).toBe(true);
      expect(dev.stats().writes).toBe(1);
      dev.close();
    },
  );

  it('SqliteDevice refuses bogus settings and reports the ones SQLite uses', () => {
    const path = join(dir, 'settings.db');
    for (const bogus of [
      { journalMode: 'bogus' },
      { synchronous: 'bogus' },
      { lockingMode: 'bogus' },
      { mmapSize: -1 },
      { batchSize: 0 },
      { sqlitePageSize: 3000 },
      { busyRetries: Number.NaN },
      { onBusyRetry: 'x' },
      { path: '' },
      { slots: '8' },
      { batchSize: 65536, pageSize: 1 << 20 },
    ]) {
      expect(code(() => SqliteDevice.open({ path, slots: 8, ...(bogus as object) }))).toBe(
        'INVALID_ARGUMENT',
      );
    }
    const dev = SqliteDevice.open({
      path,
      slots: 8,
      journalMode: 'wal',
      synchronous: 'normal',
      sqlitePageSize: 8192,
    });
    expect(dev.settings).toEqual({
      sqlitePageSize: 8192,
      journalMode: 'wal',
      synchronous: 'normal',
      batchSize: 1000,
      lockingMode: 'exclusive',
      mmapSize: 0,
    });
    dev.close();
  });

  it('FileDevice refuses bogus options', () => {
    const path = join(dir, 'opts.swap');
    for (const bogus of [
      { preallocate: 'bogus' },
      { pageSize: 100 },
      { slots: 0 },
      { slots: Number.NaN },
      { rotational: 'yes' },
      { path: 'a\0b' },
    ]) {
      expect(code(() => FileDevice.create({ path, slots: 8, ...(bogus as object) }))).toBe(
        'INVALID_ARGUMENT',
      );
    }
  });
});
