import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOSTILE_VALUES } from '@tierswap/bench-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyPagemapHigh, processSource, selectMappings } from './processSource.js';
import { WorkloadError } from './workloadError.js';

const MARKER = `TIERSWAP-MARKER-${process.pid}-${Date.now()}`;
// The child fills 4 MiB with the marker, touches 1 MiB of a 64 MiB buffer and leaves the
// rest untouched (never present), then blocks its only JS thread so nothing it does
// changes its memory while the test reads it.
const CHILD = `
const m = process.env.MARKER;
const filled = Buffer.alloc(4 << 20); filled.fill(m);
const sparse = Buffer.allocUnsafeSlow(64 << 20); sparse.fill(m, 0, 1 << 20);
globalThis.keep = [filled, sparse];
process.stdout.write('ready\\n');
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
`;

let child: ChildProcess;
let pid: number;

function status(p: number): { rssKiB: number; swapKiB: number } {
  const text = readFileSync(`/proc/${p}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1]);
  return { rssKiB: kib('VmRSS'), swapKiB: kib('VmSwap') };
}

beforeAll(async () => {
  child = spawn(process.execPath, ['-e', CHILD], {
    env: { ...process.env, MARKER },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  pid = child.pid!;
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`child exited early with ${code}`)));
  });
  // The child prints 'ready' just before it blocks: wait until its RSS has held still for
  // three polls 100 ms apart, so what changes later is the read's doing.
  let last = '';
  for (let same = 0, i = 0; same < 3 && i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const now = JSON.stringify(status(pid));
    same = now === last ? same + 1 : 0;
    last = now;
  }
});
afterAll(() => {
  child.kill('SIGKILL');
});

describe('processSource', () => {
  it('snapshots a live child: holds its marker, and its RSS and swap do not change', () => {
    const before = status(pid);
    const src = processSource(pid);
    const after = status(pid);
    expect(after).toEqual(before);
    expect(Number.isFinite(before.rssKiB)).toBe(true);
    expect(Number.isFinite(before.swapKiB)).toBe(true);

    expect(src.pid).toBe(pid);
    expect(src.name).toBe(`process ${pid} (node)`);
    let withMarker = 0;
    let n = 0;
    for (const p of src.pages()) {
      expect(p.bytes.length).toBe(4096);
      const r = src.regions[p.region]!;
      const a = src.addressOf(n);
      expect(a).toBeGreaterThanOrEqual(r.start);
      expect(a).toBeLessThan(r.end);
      expect(r.perms).toMatch(/^rw.p$/);
      if (Buffer.from(p.bytes.buffer, p.bytes.byteOffset, 4096).includes(MARKER)) withMarker++;
      n++;
    }
    expect(n).toBe(src.pageCount);
    expect(src.stats.readPages).toBe(n);
    // 4 MiB + 1 MiB of marker pages, every one of them read.
    expect(withMarker).toBeGreaterThanOrEqual(5 * 256);
    // The untouched 63 MiB of the sparse buffer were skipped, not faulted in: RSS
    // stayed put above, and they are counted as not present.
    expect(src.stats.notPresentPages).toBeGreaterThan(60 * 256);
    // Everything read fits in what the child has resident.
    expect(n * 4).toBeLessThanOrEqual(before.rssKiB);
    expect(src.stats.swappedPages).toBe(0);
    // Reading an untouched anonymous page would map the shared zero page, which RSS
    // does not count; pagemap does (present). A second read finding exactly the same
    // pages present shows the first faulted nothing in.
    expect(processSource(pid).stats).toEqual(src.stats);
  });

  it('anonymousOnly keeps mappings without a file; maxPages bounds the read', () => {
    const anon = processSource(pid, { anonymousOnly: true });
    for (const r of anon.regions) expect(r.name).toMatch(/^(|\[heap\]|\[stack\]|\[anon:.*\])$/);
    const all = processSource(pid);
    expect(all.regions.some((r) => r.name.startsWith('/'))).toBe(true);
    const few = processSource(pid, { maxPages: 10 });
    expect(few.pageCount).toBe(10);
    expect([...few.pages()].length).toBe(10);
    expect(processSource(pid, { maxPages: 0 }).pageCount).toBe(0);
  });

  it('names a gone process', () => {
    const gone = spawnSync('true').pid!;
    let e: unknown;
    try {
      processSource(gone);
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(WorkloadError);
    expect((e as WorkloadError).code).toBe('PROCESS_GONE');
    expect((e as WorkloadError).message).toBe(
      `@tierswap/workload/processSource: process ${gone} does not exist or has exited (/proc/${gone}/maps: ENOENT)`,
    );
  });

  it('names a zombie: exited, not yet reaped, no memory', async () => {
    // sh starts a short child, then becomes sleep, which never reaps it.
    const parent = spawn('sh', ['-c', 'true & exec sleep 30'], { stdio: 'ignore' });
    try {
      let zombie = 0;
      for (let i = 0; i < 100 && zombie === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        for (const name of readdirSync('/proc')) {
          if (!/^\d+$/.test(name)) continue;
          try {
            const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
            const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
            if (Number(f[1]) === parent.pid && f[0] === 'Z') zombie = Number(name);
          } catch {
            // exited while listed
          }
        }
      }
      expect(zombie).toBeGreaterThan(0);
      expect(() => processSource(zombie)).toThrow(
        new RegExp(
          `^@tierswap/workload/processSource: process ${zombie} has exited \\(a zombie its parent has not reaped\\): it has no memory left to read \\(/proc/${zombie}/\\w+: E\\w+\\)$`,
        ),
      );
    } finally {
      parent.kill('SIGKILL');
    }
  });

  // Root may read every process; the refusal is made real by reading as nobody.
  it('says what to do without permission', () => {
    const script = `import { processSource } from ${JSON.stringify(join(import.meta.dirname, 'processSource.ts'))};
try { processSource(${pid}); console.log('read'); } catch (e) { console.log(e.code + ' ' + e.errno + ' ' + e.message); }`;
    const out = execFileSync(
      process.execPath,
      ['--conditions=@tierswap/source', '--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: join(import.meta.dirname, '..'),
        uid: 65534,
        gid: 65534,
        encoding: 'utf8',
        env: { ...process.env, HOME: '/tmp' },
      },
    ).trim();
    expect(out).toBe(
      `PERMISSION_DENIED EACCES @tierswap/workload/processSource: no permission to read the memory of process ${pid} (/proc/${pid}/maps: EACCES): run as the process's user with ptrace allowed (kernel.yama.ptrace_scope 0 or 1 for a child), or as root (CAP_SYS_PTRACE)`,
    );
  });

  it('refuses bad arguments', () => {
    for (const v of HOSTILE_VALUES) {
      if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 4_194_304) continue;
      expect(() => processSource(v as number)).toThrow(WorkloadError);
    }
    expect(() => processSource(0)).toThrow(/pid must be an integer in 1\.\.4194304, got 0/);
    expect(() => processSource(pid, { maxPages: 1.5 })).toThrow(
      /maxPages must be an integer >= 0, got 1.5/,
    );
    expect(() => processSource(pid, { anonymousOnly: 1 as never })).toThrow(
      /anonymousOnly must be a boolean, got 1/,
    );
  });
});

describe('the pagemap and maps parsing (the kernel states no live test can make here)', () => {
  // No swap on this machine, so a swapped entry cannot be made live; the bits are the
  // kernel's (Documentation/admin-guide/mm/pagemap.rst).
  it('classifies pagemap entries by bits 63, 62, 61', () => {
    expect(classifyPagemapHigh(0)).toBe('absent');
    expect(classifyPagemapHigh(0x80000000)).toBe('present');
    expect(classifyPagemapHigh(0x80000000 | 0x01000000)).toBe('present'); // exclusive bit 56
    expect(classifyPagemapHigh(0x40000000)).toBe('swapped');
    expect(classifyPagemapHigh(0xa0000000)).toBe('file');
    expect(classifyPagemapHigh(0x20000000)).toBe('absent'); // file page not present
  });

  it('selects private writable mappings', () => {
    const maps = [
      '55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0                          [heap]',
      '7f0000000000-7f0000001000 r--p 00000000 08:01 123                        /usr/lib/libc.so.6',
      '7f0000001000-7f0000002000 rw-p 00001000 08:01 123                        /usr/lib/libc.so.6',
      '7f0000002000-7f0000003000 rw-s 00000000 00:01 9                          /dev/zero (deleted)',
      '7f0000003000-7f0000005000 rw-p 00000000 00:00 0 ',
      '7f0000005000-7f0000006000 rw-p 00000000 00:00 0                          [anon:v8]',
      '7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]',
      'ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]',
    ].join('\n');
    expect(selectMappings(maps, false).map((m) => m.name)).toEqual([
      '[heap]',
      '/usr/lib/libc.so.6',
      '',
      '[anon:v8]',
      '[stack]',
    ]);
    expect(selectMappings(maps, true).map((m) => [m.start, m.end - m.start])).toEqual([
      [0x55d0c0a00000, 0x21000],
      [0x7f0000003000, 0x2000],
      [0x7f0000005000, 0x1000],
      [0x7ffd00000000, 0x21000],
    ]);
  });
});
