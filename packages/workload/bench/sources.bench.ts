/**
 * Throughput of the page sources against plain reads of the same bytes, in one run
 * (3 rounds, interleaved, median):
 * - processSource on a child holding 256 MiB (half random, half repeated text, a
 *   sixteenth never touched) vs fs.readSync of the same present ranges of
 *   /proc/PID/mem in 1 MiB reads into one reused buffer (the floor), and into fresh
 *   1 MiB buffers that are kept (what any snapshot pays: first-touch faults of the
 *   memory it keeps); processSource adds maps, pagemap and the page views;
 * - writeSnapshot of that source to a temp file (atomic: temp file, fsync, rename);
 * - readSnapshot + iterating every page vs fs.readSync of the snapshot's data region
 *   in 1 MiB reads (both from the page cache: the file was just written).
 * `--quick` runs on 32 MiB and saves to bench-results only.
 */

import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, saveBenchRecord } from '@tierswap/bench-kit';
import { processSource } from '../src/processSource.js';
import { readSnapshot, writeSnapshot } from '../src/snapshotFile.js';

const quick = process.argv.includes('--quick');
const MIB = quick ? 32 : 256;
const ROUNDS = 3;

const CHILD = `
const n = Number(process.env.MIB) << 20;
const a = Buffer.allocUnsafeSlow(n / 2); require('node:crypto').randomFillSync(a);
const b = Buffer.alloc(n / 2); b.fill('GET /api/v1/items?page=17 HTTP/1.1 200 ');
const c = Buffer.allocUnsafeSlow(n / 16); // never touched: not present
globalThis.k = [a, b, c];
process.stdout.write('ready\\n');
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
`;
const child = spawn(process.execPath, ['-e', CHILD], {
  env: { ...process.env, MIB: String(MIB) },
  stdio: ['ignore', 'pipe', 'inherit'],
});
await new Promise<void>((resolve, reject) => {
  child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
  child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
});
const pid = child.pid!;
const dir = mkdtempSync(join(tmpdir(), 'tierswap-sources-bench-'));
const mibs = (bytes: number, ms: number) => bytes / 2 ** 20 / (ms / 1000);

try {
  const first = processSource(pid);
  // The present ranges processSource read, coalesced, for the baseline to read again.
  const runs: [number, number][] = [];
  for (let i = 0; i < first.pageCount; i++) {
    const a = first.addressOf(i);
    const last = runs.at(-1);
    if (last && last[0] + last[1] === a) last[1] += 4096;
    else runs.push([a, 4096]);
  }
  const bytes = first.pageCount * 4096;
  const buf = Buffer.allocUnsafe(1 << 20);
  const plainMem = (): void => {
    const fd = openSync(`/proc/${pid}/mem`, 'r');
    try {
      for (const [start, len] of runs) {
        for (let off = 0; off < len; off += buf.length) {
          readSync(fd, buf, 0, Math.min(buf.length, len - off), start + off);
        }
      }
    } finally {
      closeSync(fd);
    }
  };

  // The same reads into fresh memory that is kept, as any snapshot must: the floor for
  // a snapshot taker (first-touch page faults in this process included).
  const plainMemKept = (): number => {
    const kept: Buffer[] = [];
    const fd = openSync(`/proc/${pid}/mem`, 'r');
    try {
      for (const [start, len] of runs) {
        for (let off = 0; off < len; off += 1 << 20) {
          const b = Buffer.allocUnsafeSlow(Math.min(1 << 20, len - off));
          readSync(fd, b, 0, b.length, start + off);
          kept.push(b);
        }
      }
    } finally {
      closeSync(fd);
    }
    return kept.length;
  };

  const path = join(dir, 'child.snap');
  const t = {
    proc: [] as number[],
    plainMem: [] as number[],
    plainKept: [] as number[],
    write: [] as number[],
    read: [] as number[],
    plainFile: [] as number[],
  };
  let sink = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? ['proc', 'plain', 'kept'] : ['kept', 'plain', 'proc'];
    for (const which of order) {
      const s = performance.now();
      if (which === 'proc') sink += processSource(pid).pageCount;
      else if (which === 'plain') plainMem();
      else sink += plainMemKept();
      (which === 'proc' ? t.proc : which === 'plain' ? t.plainMem : t.plainKept).push(
        performance.now() - s,
      );
    }
    let s = performance.now();
    await writeSnapshot(first, path);
    t.write.push(performance.now() - s);
    const snap = readSnapshot(path);
    const dataAt = statSync(path).size - (snap.pageCount - snap.zeroPages) * 4096;
    const plainFile = (): void => {
      const fd = openSync(path, 'r');
      try {
        for (let off = dataAt; readSync(fd, buf, 0, buf.length, off) > 0; off += buf.length);
      } finally {
        closeSync(fd);
      }
    };
    const fileOrder = r % 2 === 0 ? ['read', 'plain'] : ['plain', 'read'];
    for (const which of fileOrder) {
      s = performance.now();
      if (which === 'read') {
        for (const p of readSnapshot(path).pages()) sink += p.bytes[0]!;
      } else plainFile();
      (which === 'read' ? t.read : t.plainFile).push(performance.now() - s);
    }
  }
  const snap = readSnapshot(path);
  const fileBytes = statSync(path).size;
  const storedBytes = (snap.pageCount - snap.zeroPages) * 4096;
  const rows = [
    {
      case: 'processSource (maps + pagemap + mem)',
      'MiB/s': Math.round(mibs(bytes, median(t.proc))),
      'plain read MiB/s': Math.round(mibs(bytes, median(t.plainMem))),
      ratio: Number((median(t.plainMem) / median(t.proc)).toFixed(3)),
      'plain read into kept memory MiB/s': Math.round(mibs(bytes, median(t.plainKept))),
    },
    {
      case: 'readSnapshot + iterate pages',
      'MiB/s': Math.round(mibs(bytes, median(t.read))),
      'plain read MiB/s': Math.round(mibs(storedBytes, median(t.plainFile))),
      ratio: Number((median(t.plainFile) / median(t.read)).toFixed(3)),
      'plain read into kept memory MiB/s': null,
    },
    {
      case: 'writeSnapshot (fsync + rename)',
      'MiB/s': Math.round(mibs(bytes, median(t.write))),
      'plain read MiB/s': null,
      ratio: null,
      'plain read into kept memory MiB/s': null,
    },
  ];
  console.table(rows);
  const facts = {
    childMiB: MIB,
    pagesRead: first.pageCount,
    notPresentPages: first.stats.notPresentPages,
    zeroPages: snap.zeroPages,
    snapshotBytes: fileBytes,
  };
  console.log(facts, `sink ${sink & 1}`);
  const written = saveBenchRecord(join(import.meta.dirname, '..'), {
    name: 'sources',
    quick,
    tables: [
      {
        title: `page sources on a ${MIB} MiB child: MiB/s of pages (median of ${ROUNDS}) vs plain 1 MiB reads of the same bytes`,
        rows,
      },
      { title: 'what was read', rows: [facts] },
    ],
    notes: [
      'ratio = source MiB/s ÷ plain read MiB/s (1 = no overhead); readSnapshot counts zero pages (made, not read) in its MiB/s, the plain read only the stored pages',
    ],
  });
  console.log(`wrote ${written.join(', ')}`);
} finally {
  child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
