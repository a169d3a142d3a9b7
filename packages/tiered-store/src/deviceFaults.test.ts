/**
 * Fault tests on real filesystems: a full disk (a small tmpfs) under both tiers, a
 * read-only filesystem, files truncated or replaced by another process, symlinks and
 * hard links planted at a device's path, and SQLITE_BUSY at COMMIT.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  linkSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlockDevice } from './blockDevice.js';
import { FileDevice } from './fileDevice.js';
import { SqliteDevice } from './sqliteDevice.js';
import type { SqliteDeviceOptions } from './sqliteOptions.js';
import { canMount, mountTmpfs } from './testing/smallFilesystem.js';
import { TieredStoreError } from './tieredStoreError.js';

const PAGE = 4096;

function failure(fn: () => unknown): TieredStoreError | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (e instanceof TieredStoreError) return e;
    throw e;
  }
}

/** Every acknowledged page reads back exactly; every refused one is NOT_WRITTEN. */
function expectModel(dev: BlockDevice, model: Map<number, Uint8Array>, refused: Set<number>): void {
  const out = new Uint8Array(PAGE);
  for (const [slot, page] of model) {
    expect(dev.read(slot, out)).toBe(page.length);
    expect(Buffer.from(out.subarray(0, page.length)).equals(page)).toBe(true);
  }
  for (const slot of refused) {
    if (!model.has(slot)) expect(failure(() => dev.read(slot, out))?.code).toBe('NOT_WRITTEN');
  }
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tierswap-faults-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!canMount)(
  'a full filesystem (a real small tmpfs; mounting one needs root)',
  () => {
    it('FileDevice: a device larger than the filesystem is refused with ENOSPC and leaves no file', () => {
      const fs = mountTmpfs(1 << 20);
      try {
        const path = join(fs.dir, 'big.swap');
        const e = failure(() => FileDevice.create({ path, slots: 512 }));
        expect(e?.code).toBe('IO_ERROR');
        expect(e?.message).toContain(path);
        expect(e?.message).toContain('ENOSPC');
        expect(readdirSync(fs.dir)).toEqual([]);
        // An existing file reused for a device that does not fit is left empty, not partial.
        writeFileSync(path, 'old contents', { mode: 0o600 });
        expect(failure(() => FileDevice.create({ path, slots: 512 }))?.code).toBe('IO_ERROR');
        expect(statSync(path).size).toBe(0);
      } finally {
        fs.unmount();
      }
    });

    it('FileDevice (sparse): a write the disk refuses leaves its slot empty, earlier pages intact, the device usable', () => {
      const fs = mountTmpfs(256 * 1024);
      try {
        const dev = FileDevice.create({
          path: join(fs.dir, 'sparse.swap'),
          slots: 256,
          preallocate: 'sparse',
        });
        const model = new Map<number, Uint8Array>();
        const refused = new Set<number>();
        for (let slot = 0; slot < 256; slot++) {
          const page = new Uint8Array(randomBytes(PAGE));
          const e = failure(() => dev.write(slot, page));
          if (e === undefined) model.set(slot, page);
          else {
            expect(e.code).toBe('IO_ERROR');
            expect(e.message).toContain('ENOSPC');
            refused.add(slot);
          }
        }
        expect(refused.size).toBeGreaterThan(0);
        expect(model.size).toBeGreaterThan(0);
        expectModel(dev, model, refused);
        // Batches: a failed batch leaves every slot of it empty.
        const batch = [...refused].slice(0, 3);
        expect(
          failure(() =>
            dev.writeBatch(
              batch,
              batch.map(() => randomBytes(PAGE)),
            ),
          )?.code,
        ).toBe('IO_ERROR');
        expectModel(dev, model, refused);
        // Still usable: an allocated slot can be overwritten.
        const again = new Uint8Array(randomBytes(PAGE));
        dev.write(0, again);
        model.set(0, again);
        expectModel(dev, model, refused);
        dev.close();
      } finally {
        fs.unmount();
      }
    });

    const sqliteKinds: [string, Partial<SqliteDeviceOptions>][] = [
      ['SqliteDevice (defaults: journal in memory, exclusive)', {}],
      ['SqliteDevice (WAL)', { journalMode: 'wal', lockingMode: 'normal', sqlitePageSize: 4096 }],
    ];
    it.each(sqliteKinds)(
      '%s: no acknowledged page is lost when the disk fills, and it recovers when space returns',
      (_name, extra) => {
        const fs = mountTmpfs(2 << 20);
        try {
          // A filler that can be removed later to give space back.
          const filler = join(fs.dir, 'filler');
          writeFileSync(filler, new Uint8Array(512 * 1024));
          const dev = SqliteDevice.open({
            path: join(fs.dir, 'dev.db'),
            slots: 2048,
            batchSize: 100,
            ...extra,
          });
          const model = new Map<number, Uint8Array>();
          const refused = new Set<number>();
          let slot = 0;
          for (; slot < 2048 && refused.size < 40; slot++) {
            const page = new Uint8Array(randomBytes(PAGE));
            if (slot % 3 === 0 && slot + 32 <= 2048) {
              // A batch of 32 now and then: all or nothing.
              const slots = Array.from({ length: 32 }, (_, k) => slot + k);
              const pages = slots.map(() => new Uint8Array(randomBytes(PAGE)));
              const e = failure(() => dev.writeBatch(slots, pages));
              slots.forEach((s, k) => {
                if (e === undefined) model.set(s, pages[k]!);
                else refused.add(s);
              });
              slot += 31;
              continue;
            }
            const e = failure(() => dev.write(slot, page));
            if (e === undefined) model.set(slot, page);
            else refused.add(slot);
          }
          expect(refused.size).toBeGreaterThan(0);
          expectModel(dev, model, refused);
          // flush cannot succeed yet, and says so, but loses nothing.
          const f = failure(() => dev.flush());
          if (f !== undefined) expect(f.message).toMatch(/held in memory/);
          expectModel(dev, model, refused);
          // Space comes back: everything acknowledged reaches the disk.
          rmSync(filler);
          dev.flush();
          expect(dev.uncommitted).toBe(0);
          expectModel(dev, model, refused);
          const more = new Uint8Array(randomBytes(PAGE));
          dev.write(slot, more);
          model.set(slot, more);
          dev.flush();
          expectModel(dev, model, refused);
          dev.close();
        } finally {
          fs.unmount();
        }
      },
    );

    it('SqliteDevice: a database the filesystem cannot create leaves no partial file', () => {
      const fs = mountTmpfs(4096);
      try {
        writeFileSync(join(fs.dir, 'filler'), new Uint8Array(4096));
        const path = join(fs.dir, 'dev.db');
        const e = failure(() => SqliteDevice.open({ path, slots: 16 }));
        expect(e?.code).toBe('IO_ERROR');
        expect(e?.message).toContain(path);
        expect(readdirSync(fs.dir)).toEqual(['filler']);
      } finally {
        fs.unmount();
      }
    });

    it('a read-only filesystem gives a typed error naming the path, for both tiers', () => {
      const fs = mountTmpfs(1 << 20, true);
      try {
        for (const make of [
          (p: string) => FileDevice.create({ path: p, slots: 4 }),
          (p: string) => SqliteDevice.open({ path: p, slots: 4 }),
        ]) {
          const path = join(fs.dir, 'dev');
          const e = failure(() => make(path));
          expect(e?.code).toBe('IO_ERROR');
          expect(e?.message).toContain(path);
          expect(e?.message).toContain('EROFS');
        }
      } finally {
        fs.unmount();
      }
    });
  },
);

describe('files changed underneath by another process', () => {
  it('FileDevice: a truncated file gives IO_ERROR (never wrong bytes, never a crash); writes go on', () => {
    const path = join(dir, 'trunc.swap');
    const dev = FileDevice.create({ path, slots: 16 });
    const page = new Uint8Array(randomBytes(PAGE));
    dev.write(9, page);
    truncateSync(path, 4 * PAGE);
    const out = new Uint8Array(PAGE).fill(0xaa);
    const e = failure(() => dev.read(9, out));
    expect(e?.code).toBe('IO_ERROR');
    expect(e?.message).toContain('truncated');
    expect(out.every((b) => b === 0)).toBe(true);
    expect(failure(() => dev.readBatch([9], new Uint8Array(PAGE), new Uint32Array(1)))?.code).toBe(
      'IO_ERROR',
    );
    dev.write(9, page);
    expect(dev.read(9, out)).toBe(PAGE);
    expect(Buffer.from(out).equals(page)).toBe(true);
    dev.close();
  });

  it('SqliteDevice (defaults, no mmap): a truncated database gives typed errors or the right bytes, never SIGBUS', () => {
    const path = join(dir, 'trunc.db');
    // More pages than better-sqlite3's 16 MB page cache holds, so reads reach the file.
    const n = 6000;
    const dev = SqliteDevice.open({ path, slots: n });
    const page = (s: number) => {
      const p = new Uint8Array(PAGE);
      new DataView(p.buffer).setUint32(0, s);
      p.fill(s & 0xff, 4, 64);
      return p;
    };
    for (let s = 0; s < n; s += 32) {
      const slots = Array.from({ length: Math.min(32, n - s) }, (_, k) => s + k);
      dev.writeBatch(slots, slots.map(page));
    }
    dev.flush();
    truncateSync(path, 8192);
    const out = new Uint8Array(PAGE);
    let errors = 0;
    for (let s = 0; s < n; s++) {
      const e = failure(() => dev.read(s, out));
      if (e === undefined) expect(Buffer.from(out).equals(page(s))).toBe(true);
      else {
        expect(['IO_ERROR', 'CHECKSUM_MISMATCH']).toContain(e.code);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(0);
    failure(() => dev.close());
  });
});

describe('paths that are not plain files', () => {
  const makers: [string, (path: string) => BlockDevice][] = [
    ['FileDevice', (path) => FileDevice.create({ path, slots: 4 })],
    ['SqliteDevice', (path) => SqliteDevice.open({ path, slots: 4 })],
  ];

  it.each(makers)('%s refuses a symlink at its path and leaves the target alone', (_n, make) => {
    const victim = join(dir, `victim-${_n}`);
    writeFileSync(victim, 'precious');
    chmodSync(victim, 0o644);
    const path = join(dir, `link-${_n}`);
    symlinkSync(victim, path);
    const e = failure(() => make(path));
    expect(e?.code).toBe('IO_ERROR');
    expect(e?.message).toContain(path);
    expect(e?.message).toContain('ELOOP');
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(statSync(victim).mode & 0o777).toBe(0o644);
  });

  it.each(makers)('%s refuses a hard link to another file', (_n, make) => {
    const victim = join(dir, `hard-victim-${_n}`);
    writeFileSync(victim, 'precious');
    const path = join(dir, `hard-${_n}`);
    linkSync(victim, path);
    expect(failure(() => make(path))?.code).toBe('IO_ERROR');
    expect(readFileSync(victim, 'utf8')).toBe('precious');
  });

  it.each(makers)('%s wipes and reuses an existing regular file in place', (_n, make) => {
    const path = join(dir, `reuse-${_n}`);
    writeFileSync(path, randomBytes(50_000), { mode: 0o644 });
    const ino = statSync(path).ino;
    const dev = make(path);
    expect(statSync(path).ino).toBe(ino);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(failure(() => dev.read(0, new Uint8Array(PAGE)))?.code).toBe('NOT_WRITTEN');
    dev.close();
  });

  it('SqliteDevice refuses a symlinked -wal beside its database and leaves the target alone', () => {
    const victim = join(dir, 'wal-victim');
    writeFileSync(victim, 'precious');
    const path = join(dir, 'side.db');
    symlinkSync(victim, `${path}-wal`);
    const e = failure(() => SqliteDevice.open({ path, slots: 4, journalMode: 'wal' }));
    expect(e?.code).toBe('IO_ERROR');
    expect(e?.message).toContain(`${path}-wal`);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
  });
});

describe('SQLITE_BUSY at COMMIT', () => {
  it('does not fail the writes whose rows were written; flush commits them once the lock is gone', () => {
    const path = join(dir, 'busy-commit.db');
    const dev = SqliteDevice.open({
      path,
      slots: 8,
      batchSize: 3,
      journalMode: 'delete',
      lockingMode: 'normal',
      busyRetries: 2,
      busyWaitMs: 0,
    });
    dev.write(7, randomBytes(10));
    dev.flush();
    // A reader holding a shared lock makes COMMIT (which needs an exclusive one) busy.
    const reader = new Database(path, { timeout: 0 });
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM pages').pluck().get();
    const pages = [0, 1, 2].map(() => new Uint8Array(randomBytes(PAGE)));
    for (const [s, p] of pages.entries()) dev.write(s, p); // the third write's COMMIT is busy
    expect(dev.stats().busyRetries).toBeGreaterThanOrEqual(2);
    expect(dev.uncommitted).toBe(3);
    const model = new Map(pages.map((p, s) => [s, p]));
    expectModel(dev, model, new Set());
    expect(failure(() => dev.flush())?.code).toBe('BUSY');
    expectModel(dev, model, new Set());
    reader.exec('COMMIT');
    reader.close();
    dev.flush();
    expect(dev.uncommitted).toBe(0);
    const check = new Database(path, { readonly: true });
    expect(check.prepare('SELECT count(*) FROM pages').pluck().get()).toBe(4);
    check.close();
    expectModel(dev, model, new Set());
    dev.close();
  });

  it('a throwing onBusyRetry callback fails the call with a typed error and leaves the device usable', () => {
    const path = join(dir, 'busy-callback.db');
    const dev = SqliteDevice.open({
      path,
      slots: 8,
      lockingMode: 'normal',
      busyWaitMs: 0,
      onBusyRetry: () => {
        throw new Error('callback failed');
      },
    });
    const lock = new Database(path, { timeout: 0 });
    lock.exec('BEGIN IMMEDIATE');
    const page = new Uint8Array(randomBytes(PAGE));
    const e = failure(() => dev.write(0, page));
    expect(e?.code).toBe('IO_ERROR');
    expect(e?.message).toContain('onBusyRetry');
    expect(failure(() => dev.read(0, new Uint8Array(PAGE)))?.code).toBe('NOT_WRITTEN');
    lock.exec('ROLLBACK');
    lock.close();
    dev.write(0, page);
    expectModel(dev, new Map([[0, page]]), new Set());
    dev.close();
  });
});
