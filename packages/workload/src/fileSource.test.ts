import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOSTILE_VALUES } from '@tierswap/bench-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileSource } from './fileSource.js';
import { WorkloadError } from './workloadError.js';

let dir: string;
const bytes = (n: number, seed: number) =>
  Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) % 251 || 1);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wl-files-'));
  writeFileSync(join(dir, 'b.bin'), bytes(5000, 1)); // 2 pages, the second zero-padded
  mkdirSync(join(dir, 'a'));
  writeFileSync(join(dir, 'a', 'z.bin'), bytes(4096, 2)); // exactly 1 page
  writeFileSync(join(dir, 'a', 'empty'), ''); // no pages, no region
  symlinkSync(join(dir, 'b.bin'), join(dir, 'link')); // skipped
  execFileSync('mkfifo', [join(dir, 'fifo')]); // skipped
  writeFileSync(join(dir, 'c.txt'), 'hello'); // 1 page
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fileSource', () => {
  it('walks directories sorted and recursively, one region per file, last page zero-padded', () => {
    const src = fileSource(dir);
    expect(src.regions.map((r) => [r.name.slice(dir.length), r.start, r.end, r.perms])).toEqual([
      ['/a/z.bin', 0, 4096, 'file'],
      ['/b.bin', 0, 5000, 'file'],
      ['/c.txt', 0, 5, 'file'],
    ]);
    expect(src.pageCount).toBe(4);
    expect(src.skipped.map((s) => [s.path.slice(dir.length), s.reason])).toEqual([
      ['/fifo', 'not a regular file (fifo, socket or device)'],
      ['/link', 'symbolic link (not followed)'],
    ]);
    const pages = [...src.pages()];
    expect(pages.map((p) => p.region)).toEqual([0, 1, 1, 2]);
    for (const p of pages) expect(p.bytes.length).toBe(4096);
    expect(pages[0]!.bytes).toEqual(bytes(4096, 2));
    const b = bytes(5000, 1);
    expect(pages[1]!.bytes).toEqual(b.subarray(0, 4096));
    expect(pages[2]!.bytes.subarray(0, 904)).toEqual(b.subarray(4096));
    expect(pages[2]!.bytes.subarray(904).every((x) => x === 0)).toBe(true);
    expect(Buffer.from(pages[3]!.bytes.subarray(0, 6)).toString('latin1')).toBe('hello\0');
    // Re-iterable: the same bytes again.
    expect([...src.pages()].map((p) => Buffer.from(p.bytes).toString('hex'))).toEqual(
      pages.map((p) => Buffer.from(p.bytes).toString('hex')),
    );
  });

  it('follows a named symlink, takes several paths in order, and stops at maxPages', () => {
    const src = fileSource([join(dir, 'c.txt'), join(dir, 'link')]);
    expect(src.regions.map((r) => r.name)).toEqual([join(dir, 'c.txt'), join(dir, 'link')]);
    expect(src.pageCount).toBe(3);
    const cut = fileSource(dir, { maxPages: 2 });
    expect(cut.pageCount).toBe(2);
    expect(cut.regions.map((r) => [r.name.slice(dir.length), r.end])).toEqual([
      ['/a/z.bin', 4096],
      ['/b.bin', 4096],
    ]);
    expect([...cut.pages()].length).toBe(2);
    expect(fileSource(dir, { maxPages: 0 }).pageCount).toBe(0);
  });

  it('reads the size taken at creation: a file that shrank reads as zeros, one that grew is cut', () => {
    const f = join(dir, 'changing');
    writeFileSync(f, bytes(8192, 3));
    const src = fileSource(f);
    truncateSync(f, 100);
    const [p0, p1] = [...src.pages()];
    expect(p0!.bytes.subarray(0, 100)).toEqual(bytes(100, 3));
    expect(p0!.bytes.subarray(100).every((x) => x === 0)).toBe(true);
    expect(p1!.bytes.every((x) => x === 0)).toBe(true);
    writeFileSync(f, bytes(10, 4));
    const small = fileSource(f);
    writeFileSync(f, bytes(9000, 4));
    const [q] = [...small.pages()];
    expect(q!.bytes.subarray(10).every((x) => x === 0)).toBe(true);
    rmSync(f);
    expect(() => [...small.pages()]).toThrow(/"[^"]*changing" does not exist \(ENOENT\)/);
  });

  it('names a missing path, refuses special files and bad arguments', () => {
    const missing = join(dir, 'nope', 'x');
    let e: unknown;
    try {
      fileSource([join(dir, 'c.txt'), missing]);
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(WorkloadError);
    expect((e as WorkloadError).code).toBe('NOT_FOUND');
    expect((e as WorkloadError).errno).toBe('ENOENT');
    expect((e as WorkloadError).message).toBe(
      `@tierswap/workload/fileSource: path ${JSON.stringify(missing)} does not exist (ENOENT)`,
    );
    expect(() => fileSource(join(dir, 'fifo'))).toThrow(
      /is neither a regular file nor a directory/,
    );
    for (const v of HOSTILE_VALUES) {
      if (typeof v === 'string' && v !== '' && !v.includes('\0')) continue;
      expect(() => fileSource(v as string)).toThrow(WorkloadError);
    }
    expect(() => fileSource([])).toThrow(/non-empty array of paths, got an array of 0/);
    expect(() => fileSource(dir, { maxPages: -1 })).toThrow(
      /maxPages must be an integer >= 0, got -1/,
    );
  });

  // Root reads every file, so unreadable files are made real by running as nobody.
  it('skips unreadable entries inside a directory with a reason, and names a named unreadable file', () => {
    const d = mkdtempSync(join(tmpdir(), 'wl-perm-'));
    try {
      chmodSync(d, 0o755);
      writeFileSync(join(d, 'ok'), 'ok');
      writeFileSync(join(d, 'secret'), 'secret');
      chmodSync(join(d, 'ok'), 0o644);
      chmodSync(join(d, 'secret'), 0o600);
      mkdirSync(join(d, 'closed'), 0o700);
      const script = join(d, 'probe.ts');
      writeFileSync(
        script,
        `import { fileSource } from ${JSON.stringify(join(import.meta.dirname, 'fileSource.ts'))};
const s = fileSource(${JSON.stringify(d)});
console.log(JSON.stringify({ regions: s.regions.map((r) => r.name), skipped: s.skipped }));
try { fileSource(${JSON.stringify(join(d, 'secret'))}); } catch (e) { console.log(e.code + ' ' + e.message); }
`,
      );
      chmodSync(script, 0o644);
      const out = execFileSync(
        process.execPath,
        ['--conditions=@tierswap/source', '--import', 'tsx', script],
        {
          cwd: join(import.meta.dirname, '..'),
          uid: 65534,
          gid: 65534,
          encoding: 'utf8',
          env: { ...process.env, HOME: d },
        },
      )
        .trim()
        .split('\n');
      const first = JSON.parse(out[0]!) as {
        regions: string[];
        skipped: { path: string; reason: string }[];
      };
      expect(first.regions).toEqual([join(d, 'ok'), join(d, 'probe.ts')]);
      expect(first.skipped).toEqual([
        { path: join(d, 'closed'), reason: 'directory not readable (EACCES)' },
        { path: join(d, 'secret'), reason: 'not readable (EACCES)' },
      ]);
      expect(out[1]).toBe(
        `PERMISSION_DENIED @tierswap/workload/fileSource: cannot read file ${JSON.stringify(join(d, 'secret'))} (EACCES): grant read permission or run as its owner`,
      );
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
