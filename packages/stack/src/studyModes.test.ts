/**
 * The stack options the studies use, in both designs: proactive writeback without the
 * per-memcg cursor (v4 of Hao Jia's series) through memory.zswap.proactive_writeback,
 * and the three fates of incompressible pages (reject, store raw, store raw and retry
 * with a stronger codec on the shrink worker).
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVirtualClock } from '@tierswap/base';
import { entropyPage } from '@tierswap/bench-kit';
import { FileDevice } from '@tierswap/tiered-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSwapStack, type SwapStack } from './swapStack.js';
import type { StackZswapOptions } from './types.js';

let dir: string;
let serial = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tierswap-stack-modes-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const CG = '/sys/fs/cgroup';

function world(mode: 'vswap' | 'classic', zswap: StackZswapOptions) {
  const clock = createVirtualClock();
  const disk = FileDevice.create({ path: join(dir, `d${serial++}.swap`), slots: 1024 });
  const stack = createSwapStack({
    clock,
    ramBytes: 16 << 20,
    mode,
    zswap: { maxPoolPercent: 100, ...zswap },
    devices: [{ device: disk, priority: 10 }],
  });
  return { stack, clock, close: () => disk.close() };
}

function stat(stack: SwapStack, group: string, key: string): number {
  const text = stack.fs.read(`${CG}${group}/memory.stat`) as string;
  return Number(
    text
      .split('\n')
      .find((l) => l.startsWith(`${key} `))
      ?.split(' ')[1],
  );
}

/** `n` pages written by a new process of `group` with `make(i)`, then all reclaimed. */
function fill(stack: SwapStack, group: string, n: number, make: (i: number) => Uint8Array) {
  const pid = stack.spawn(group, n);
  for (let i = 0; i < n; i++) stack.write(pid, i, make(i));
  stack.fs.write(`${CG}${group}/memory.reclaim`, `${n * 4}K`);
  return pid;
}

const text = (n: number) => new TextEncoder().encode(`page ${n} `.repeat(300).slice(0, 4096));
/** lz4 cannot shrink it (5-bit random symbols); zstd takes about a third off. */
const lowEntropy = (n: number) => entropyPage(4096, 5, 0, n + 1);

describe.each(['vswap', 'classic'] as const)('%s mode', (mode) => {
  it('proactiveCursor: false writes back only from the first child while it has pages', () => {
    for (const cursor of [true, false]) {
      const { stack, clock, close } = world(mode, { proactiveCursor: cursor });
      for (const g of ['/p', '/p/m1', '/p/m2']) stack.fs.mkdir(`${CG}${g}`);
      fill(stack, '/p/m1', 64, text);
      fill(stack, '/p/m2', 64, (i) => text(i + 100));
      clock.advance(3600_000);
      for (let i = 0; i < 8; i++) {
        expect(stack.fs.write(`${CG}/p/memory.zswap.proactive_writeback`, 'max=16K 60')).toBe(
          undefined,
        );
      }
      const wb1 = stat(stack, '/p/m1', 'zswpwb');
      const wb2 = stat(stack, '/p/m2', 'zswpwb');
      expect(wb1 + wb2).toBe(32);
      if (cursor) expect(Math.abs(wb1 - wb2)).toBeLessThanOrEqual(4);
      else expect(wb2).toBe(0);
      close();
    }
  });

  it("incompressible 'reject' sends them to disk, 'store_raw' keeps them in zswap", () => {
    const rej = world(mode, { incompressible: 'reject' });
    rej.stack.fs.mkdir(`${CG}/j`);
    fill(rej.stack, '/j', 32, lowEntropy);
    expect(rej.stack.pool.stats().reject_compress_poor).toBe(32);
    expect(rej.stack.stats().vmstat.pswpout).toBe(32);
    rej.close();
    const raw = world(mode, {});
    raw.stack.fs.mkdir(`${CG}/j`);
    fill(raw.stack, '/j', 32, lowEntropy);
    expect(raw.stack.pool.stats().stored_incompressible_pages).toBe(32);
    expect(stat(raw.stack, '/j', 'zswap_incomp')).toBe(32 * 4096);
    raw.close();
  });

  it("incompressible 'retry' with zstd shrinks raw entries later; the pages read back intact", () => {
    const { stack, clock, close } = world(mode, {
      incompressible: 'retry',
      rawRetrySeconds: 30,
      retryCompressor: 'zstd',
      retryLevel: 1,
    });
    stack.fs.mkdir(`${CG}/j`);
    const pid = fill(stack, '/j', 32, lowEntropy);
    expect(stack.pool.stats().stored_incompressible_pages).toBe(32);
    const before = stack.stats().compressNs;
    clock.advance(31_000);
    fill(stack, '/j', 4, text); // a store finds the pass due; the worker runs it
    const z = stack.pool.stats();
    expect(z.recompressed_pages).toBe(32);
    expect(z.stored_incompressible_pages).toBe(0);
    expect(stat(stack, '/j', 'zswap')).toBeLessThan(32 * 3000 + 4 * 4096);
    expect(stack.stats().compressNs).toBeGreaterThan(before); // the retries' codec time is counted
    expect(stack.stats().vmstat).toMatchObject({
      stored_incompressible_pages: 0,
      recompress_attempts: 32,
      recompressed_pages: 32,
    });
    for (let i = 0; i < 32; i++) {
      expect(Buffer.compare(stack.read(pid, i), lowEntropy(i))).toBe(0);
    }
    close();
  });
});

describe('the study parameters at /sys/module/zswap/parameters', () => {
  const P = '/sys/module/zswap/parameters/';
  it('read back what was written; bad values are refused with the errno and change nothing', () => {
    const { stack, close } = world('vswap', {});
    const fs = stack.fs;
    expect(fs.read(`${P}proactive_cursor`)).toBe('Y\n');
    expect(fs.read(`${P}incompressible`)).toBe('store_raw\n');
    expect(fs.read(`${P}max_pool_percent`)).toBe('100\n'); // the option, not a default
    expect(fs.write(`${P}proactive_cursor`, 'N')).toBeUndefined();
    expect(fs.write(`${P}incompressible`, 'retry\n')).toBeUndefined();
    expect(fs.write(`${P}raw_retry_seconds`, '15')).toBeUndefined();
    expect(fs.write(`${P}retry_compressor`, 'zstd')).toBeUndefined();
    expect(fs.write(`${P}max_compressed_bytes`, '2990')).toBeUndefined();
    expect(stack.pool.tunables()).toMatchObject({
      proactiveCursor: false,
      incompressible: 'retry',
      rawRetrySeconds: 15,
      maxCompressedBytes: 2990,
    });
    expect(fs.read(`${P}retry_compressor`)).toBe('zstd\n');
    const bad: [string, string, string][] = [
      ['proactive_cursor', 'maybe', 'EINVAL'],
      ['incompressible', 'keep', 'EINVAL'],
      ['raw_retry_seconds', '-1', 'EINVAL'],
      ['retry_compressor', 'lzo', 'ENOENT'],
      ['max_compressed_bytes', '4096', 'EINVAL'],
      ['max_compressed_bytes', '0', 'EINVAL'],
    ];
    for (const [file, value, errno] of bad) {
      const r = fs.write(`${P}${file}`, value);
      expect(r === undefined ? 'ok' : r.errno, `${file} ${value}`).toBe(errno);
    }
    expect(stack.pool.tunables().maxCompressedBytes).toBe(2990);
    expect(fs.read(`${P}incompressible`)).toBe('retry\n');
    close();
  });
});
