/**
 * runShell and its session beyond what the transcripts show: the exit status rules
 * (continue and fail at the end, stop on error, exit N), writes longer than a page
 * (E2BIG, a line too long for a transcript), a page source read from a real file, the
 * ENOMEM of a workload that cannot fit, the temporary directory's removal, tab
 * completion, and an interactive session through node:readline.
 */

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { isRefusal } from '@tierswap/base';
import { zipfPattern } from '@tierswap/workload';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunShellOptions } from './shell.js';
import { runShell } from './shell.js';
import { complete } from './shellCommands.js';
import { columns, humanBytes, parseDuration, parseSize } from './shellIo.js';
import { parseLine } from './shellParse.js';
import { createShellSession } from './shellSession.js';
import { pageSource } from './shellWorkload.js';

const scratch = mkdtempSync(join(tmpdir(), 'tierswap-shell-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function collector(): { stream: Writable; text: () => string } {
  let text = '';
  return {
    stream: new Writable({
      write(chunk, _enc, done) {
        text += String(chunk);
        done();
      },
    }),
    text: () => text,
  };
}

async function run(
  script: string,
  options: Partial<RunShellOptions> = {},
): Promise<{ out: string; err: string; status: number }> {
  const input = new PassThrough();
  input.end(script);
  const out = collector();
  const err = collector();
  const status = await runShell({
    input,
    output: out.stream,
    errorOutput: err.stream,
    interactive: false,
    stackOptions: { defaultDevices: false },
    ...options,
  });
  return { out: out.text(), err: err.text(), status };
}

describe('runShell, non-interactive', () => {
  it('runs every line, prints only the output, and fails at the end if any command failed', async () => {
    const r = await run('cat /nope\n# a comment\n\necho still here\n');
    expect(r.out).toBe('still here\n');
    expect(r.err).toBe('cat: /nope: No such file or directory\n');
    expect(r.status).toBe(1);
  });

  it('is 0 when every command succeeded', async () => {
    const r = await run('mkdir /sys/fs/cgroup/a; echo 1M > /sys/fs/cgroup/a/memory.max\n');
    expect(r).toEqual({ out: '', err: '', status: 0 });
  });

  it('stops at the first failure with stopOnError, as sh -e', async () => {
    const r = await run('echo one\ncat /nope; echo skipped\necho never\n', { stopOnError: true });
    expect(r.out).toBe('one\n');
    expect(r.status).toBe(1);
  });

  it('ends with exit N and runs nothing after it', async () => {
    const r = await run('echo a\nexit 3\necho b\n');
    expect(r.out).toBe('a\n');
    expect(r.status).toBe(3);
  });

  it('a parse error is a failure, with the reason', async () => {
    const r = await run('echo "open\n');
    expect(r.err).toBe('tierswap: syntax error: unterminated " quote\n');
    expect(r.status).toBe(1);
  });

  it('refuses a write longer than a page with E2BIG, as kernfs does', async () => {
    const long = 'x'.repeat(5000);
    const r = await run(
      `mkdir /sys/fs/cgroup/a\necho ${long} > /sys/fs/cgroup/a/memory.max\necho +${long}:1 > /sys/kernel/mm/swap/tiers\n`,
    );
    expect(r.err).toBe(
      'echo: write error: Argument list too long\n' +
        '  memory.max.write: 5001 bytes, more than a page (4096)\n' +
        'echo: write error: Argument list too long\n' +
        '  /sys/kernel/mm/swap/tiers: a write is at most 4096 bytes, got 5004\n',
    );
    expect(r.status).toBe(1);
  });

  it('a workload that cannot fit in memory is refused with ENOMEM and leaves nothing behind', async () => {
    const r = await run(
      'echo N > /sys/module/zswap/parameters/enabled\nmkdir /sys/fs/cgroup/a\nrun a 300\nrmdir /sys/fs/cgroup/a\n',
      { stackOptions: { defaultDevices: false, ramBytes: 1 << 20 } },
    );
    expect(r.err).toBe(
      'run: a: Cannot allocate memory\n  all 256 page frames are in use and reclaim freed none\n',
    );
    expect(r.status).toBe(1);
  });

  it('replays a recorded trace at its own times, one process of it per workload', async () => {
    const path = join(scratch, 'two.trace.csv');
    const lines = ['time,process,page,op'];
    for (let i = 0; i < 6; i++) lines.push(`${i * 10},web,${100 + (i % 3) * 100},read`);
    for (let i = 0; i < 4; i++) lines.push(`${i * 10 + 5},db,7,write`);
    writeFileSync(path, `${lines.join('\n')}\n`);
    const r = await run(
      [
        'mkdir /sys/fs/cgroup/a',
        `run a 3 --pattern trace:${path}`,
        'advance 25',
        `run a 1 --pattern trace:${path}:1`,
        'advance 1h',
        '',
      ].join('\n'),
    );
    expect(r.err).toBe('');
    expect(r.out.split('\n').filter((l) => /^[0-9]+:[0-9]{2}:[0-9]{2}: /.test(l))).toEqual([
      '0:00:25: 3 accesses, 0 faults in 25 s', // web at 0, 10, 20
      '1:00:25: 7 accesses, 0 faults in 3600 s', // web at 30, 40, 50; db at 25 + 5, 15, 25, 35 after its start
    ]);
    expect(r.status).toBe(0);
  });

  it('cannot start with options the stack refuses, and says why', async () => {
    const r = await run('echo hi\n', { stackOptions: { ramBytes: 5 } });
    expect(r.err).toMatch(/^tierswap: shell: cannot start the stack: .*ramBytes 5/);
    expect(r.status).toBe(1);
  });
});

describe('ShellSession', () => {
  it('removes the temporary directory it made, with the default devices in it', () => {
    const s = createShellSession();
    const dir = s.dir;
    expect(s.swaps().map((d) => d.name)).toEqual([join(dir, 'ssd.swap'), join(dir, 'hdd.db')]);
    expect(existsSync(join(dir, 'ssd.swap'))).toBe(true);
    s.close();
    expect(existsSync(dir)).toBe(false);
  });

  it('a file source puts the file’s bytes in the pages, cycling when it is shorter', () => {
    const path = join(scratch, 'source.bin');
    const bytes = new Uint8Array(4096 + 100).map((_, i) => (i * 7 + 3) & 0xff);
    writeFileSync(path, bytes);
    const s = createShellSession({ defaultDevices: false });
    try {
      const src = pageSource(`file:${path}`, 5, 1);
      if (typeof src === 'string' || isRefusal(src)) throw new Error(String(src));
      expect(src.pageCount).toBe(2);
      s.stack.fs.mkdir('/sys/fs/cgroup/f');
      const job = s.run('/f', 5, src, zipfPattern({ rate: 10, exponent: 1 }), 1);
      if (isRefusal(job)) throw new Error(job.reason);
      const page = (i: number) => s.stack.read(job.pid, i);
      expect(page(0)).toEqual(bytes.subarray(0, 4096));
      const tail = new Uint8Array(4096);
      tail.set(bytes.subarray(4096));
      expect(page(1)).toEqual(tail);
      expect(page(2)).toEqual(page(0));
      expect(page(3)).toEqual(page(1));
    } finally {
      s.close();
    }
  });

  it('swapon never takes over an existing file', () => {
    const path = join(scratch, 'precious.txt');
    writeFileSync(path, 'keep me');
    const s = createShellSession({ defaultDevices: false });
    try {
      const r = s.swapon({ spec: path, priority: 1, bytes: 1 << 20 });
      expect(isRefusal(r) && r.errno).toBe('EEXIST');
      expect(s.swaps()).toEqual([]);
    } finally {
      s.close();
    }
    expect(existsSync(path)).toBe(true);
  });
});

describe('completion', () => {
  const s = createShellSession({ defaultDevices: false });
  afterAll(() => {
    s.close();
  });
  const ctx = { session: s, io: { out() {}, err() {}, columns: undefined } };

  it('completes command names first, then the stack’s paths', () => {
    expect(complete(ctx, 'sw')).toEqual([['swapon', 'swapoff'], 'sw']);
    expect(complete(ctx, 'cat /sys/fs/cg')).toEqual([['/sys/fs/cgroup/'], '/sys/fs/cg']);
    expect(complete(ctx, 'cat /proc/')).toEqual([['/proc/swaps', '/proc/vmstat'], '/proc/']);
    s.stack.fs.mkdir('/sys/fs/cgroup/app');
    expect(complete(ctx, 'echo 1 > /sys/fs/cgroup/app/memory.swap.t')[0]).toEqual([
      '/sys/fs/cgroup/app/memory.swap.tiers',
      '/sys/fs/cgroup/app/memory.swap.tiers.effective',
      '/sys/fs/cgroup/app/memory.swap.tiers.max',
    ]);
    expect(complete(ctx, 'cat /nope/x')).toEqual([[], '/nope/x']);
    expect(complete(ctx, 'cat memory')).toEqual([[], 'memory']);
  });
});

describe('runShell, interactive', () => {
  it('prompts with the virtual time, completes with Tab, drops a line at Ctrl-C, keeps the history, and leaves at exit', async () => {
    const before = process.env.NO_COLOR;
    process.env.NO_COLOR = '1';
    try {
      const input = new PassThrough();
      const out = collector();
      const err = collector();
      const historyFile = join(scratch, 'state', 'history');
      const done = runShell({
        input,
        output: out.stream,
        errorOutput: err.stream,
        interactive: true,
        stackOptions: { defaultDevices: false },
        historyFile,
      });
      // One chunk per keystroke group: readline takes a Tab inside a longer chunk for pasted text.
      const type = async (text: string) => {
        input.write(text);
        await new Promise((r) => setImmediate(r));
      };
      await type('echo dropped');
      await type('\u0003'); // Ctrl-C: the line is dropped, not run
      await type('sleep 90\n');
      await type('cat /proc/sw');
      await type('\t');
      await type('\n');
      await type('exit 4\n');
      expect(await done).toBe(4);
      const text = out.text();
      expect(text).toContain('tierswap 0:00:00# ');
      expect(text).toContain('tierswap 0:01:30# ');
      expect(text).toContain('Filename\t\t\t\tType');
      expect(text).toContain('^C\n');
      expect(text).not.toMatch(/\ndropped\n/);
      expect(text).not.toContain('droppedsleep');
      expect(err.text()).toBe('');
      // The history is kept, oldest first; the next session starts with it (up-arrow: the last line).
      expect(readFileSync(historyFile, 'utf8')).toBe('sleep 90\ncat /proc/swaps\nexit 4\n');
      const again = new PassThrough();
      const out2 = collector();
      const second = runShell({
        input: again,
        output: out2.stream,
        errorOutput: err.stream,
        interactive: true,
        stackOptions: { defaultDevices: false },
        historyFile,
      });
      again.write('\u001b[A'); // up: the previous session's last command, `exit 4`
      await new Promise((r) => setImmediate(r));
      again.write('\r');
      expect(await second).toBe(4);
    } finally {
      if (before === undefined) delete process.env.NO_COLOR;
      else process.env.NO_COLOR = before;
    }
  });
});

describe('parseLine', () => {
  it('splits commands and keeps quoted text as written', () => {
    expect(parseLine(`echo "max=10M 3600" > /x; cat '/a b'  # note`)).toEqual({
      ok: true,
      commands: [
        { argv: ['echo', 'max=10M 3600'], redirect: { path: '/x', append: false } },
        { argv: ['cat', '/a b'] },
      ],
    });
    expect(parseLine('echo "" a"b"\\ c >> /y')).toEqual({
      ok: true,
      commands: [{ argv: ['echo', '', 'ab c'], redirect: { path: '/y', append: true } }],
    });
    expect(parseLine('   # only a comment')).toEqual({ ok: true, commands: [] });
    expect(parseLine('echo a#b')).toEqual({ ok: true, commands: [{ argv: ['echo', 'a#b'] }] });
  });
});

describe('formatting and units', () => {
  it('lays words out in columns down then across, as ls on a terminal', () => {
    expect(columns(['a', 'bb', 'ccc', 'd', 'e'], 12)).toBe('a    d\nbb   e\nccc\n');
    expect(columns(['memory.stat'], 5)).toBe('memory.stat\n');
  });

  it('reads sizes and durations as swapon and sleep take them, and shows bytes as util-linux', () => {
    expect([parseSize('64M'), parseSize('4k'), parseSize('1GiB'), parseSize('12Q')]).toEqual([
      64 << 20,
      4096,
      1 << 30,
      undefined,
    ]);
    expect([
      parseDuration('90'),
      parseDuration('1.5m'),
      parseDuration('2h'),
      parseDuration('1d'),
    ]).toEqual([90, 90, 7200, 86400]);
    expect(parseDuration('-1')).toBeUndefined();
    expect([
      humanBytes(0),
      humanBytes(761856),
      humanBytes(64 << 20),
      humanBytes(1.5 * 2 ** 30),
    ]).toEqual(['0B', '744K', '64M', '1.5G']);
  });
});
