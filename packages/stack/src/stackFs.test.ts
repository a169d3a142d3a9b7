/**
 * Every documented bad write to every file, table-driven: the right errno comes back
 * and nothing changes (every readable file of the group, of its parent and of the
 * global paths reads the same before and after).
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVirtualClock, isRefusal } from '@tierswap/base';
import { FileDevice } from '@tierswap/tiered-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSwapStack, type SwapStack } from './swapStack.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tierswap-stack-fs-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const G = '/sys/fs/cgroup/a';
const Z = '/sys/module/zswap/parameters';

/** [path, text, errno] */
const BAD_WRITES: readonly (readonly [string, string, string])[] = [
  [`${G}/memory.max`, '12Q', 'EINVAL'],
  [`${G}/memory.max`, '-1', 'EINVAL'],
  [`${G}/memory.max`, '1M 2M', 'EINVAL'],
  [`${G}/memory.max`, 'x'.repeat(5000), 'E2BIG'],
  [`${G}/memory.high`, 'abc', 'EINVAL'],
  [`${G}/memory.swap.max`, 'lots', 'EINVAL'],
  [`${G}/memory.zswap.max`, '1X', 'EINVAL'],
  [`${G}/memory.zswap.writeback`, '2', 'EINVAL'],
  [`${G}/memory.zswap.writeback`, 'yes', 'EINVAL'],
  [`${G}/memory.zswap.writeback`, '-1', 'EINVAL'],
  [`${G}/memory.reclaim`, '', 'EINVAL'],
  [`${G}/memory.reclaim`, 'abc', 'EINVAL'],
  [`${G}/memory.reclaim`, '1M swappiness=201', 'EINVAL'],
  [`${G}/memory.reclaim`, '1M swappiness=-1', 'EINVAL'],
  [`${G}/memory.reclaim`, '1M swappiness=ten', 'EINVAL'],
  [`${G}/memory.reclaim`, '1M swappiness=10 swappiness=20', 'EINVAL'],
  [`${G}/memory.reclaim`, '1M foo', 'EINVAL'],
  [`${G}/memory.reclaim`, '1M source=disk', 'EINVAL'],
  [`${G}/memory.reclaim`, '1M source=zswap swappiness=60', 'EINVAL'],
  [`${G}/memory.reclaim`, '1M zswap_writeback_only swappiness=60', 'EINVAL'],
  [`${G}/memory.reclaim`, '1M zswap_writeback_only source=zswap', 'EINVAL'],
  [`${G}/memory.reclaim`, '1M demote=nope', 'EINVAL'],
  [`${G}/memory.reclaim`, '1M demote=fast swappiness=1', 'EINVAL'],
  [`${G}/memory.zswap.proactive_writeback`, 'max=0 3600', 'EINVAL'],
  [`${G}/memory.zswap.proactive_writeback`, '3600 3600', 'EINVAL'],
  [`${G}/memory.zswap.proactive_writeback`, 'max=1M', 'EINVAL'],
  [`${G}/memory.zswap.proactive_writeback`, '0', 'EINVAL'],
  [`${G}/memory.zswap.proactive_writeback`, 'max=1Q 60', 'EINVAL'],
  [`${G}/memory.zswap.proactive_writeback`, 'soon', 'EINVAL'],
  [`${G}/memory.swap.tiers`, 'fast', 'EINVAL'],
  [`${G}/memory.swap.tiers`, '+nope', 'EINVAL'],
  [`${G}/memory.swap.tiers.max`, 'fast', 'EINVAL'],
  [`${G}/memory.swap.tiers.max`, 'fast 1', 'EINVAL'],
  [`${G}/memory.swap.tiers.max`, 'nope max', 'EINVAL'],
  [`${G}/memory.swap.tiers.max`, 'fast max slow 0', 'EINVAL'],
  [`${G}/memory.swap.demote_age`, '-1', 'EINVAL'],
  [`${G}/memory.swap.demote_age`, 'old', 'EINVAL'],
  [`${G}/memory.current`, '0', 'EACCES'],
  [`${G}/memory.stat`, '0', 'EACCES'],
  [`${G}/memory.swap.current`, '0', 'EACCES'],
  [`${G}/memory.zswap.current`, '0', 'EACCES'],
  [`${G}/memory.swap.tiers.effective`, 'fast', 'EACCES'],
  [`${G}/memory.nope`, '1', 'ENOENT'],
  ['/sys/fs/cgroup/zz/memory.max', '1M', 'ENOENT'],
  ['/sys/fs/cgroup/memory.max', '1M', 'ENOENT'],
  [`${Z}/enabled`, 'maybe', 'EINVAL'],
  [`${Z}/compressor`, 'gzip', 'ENOENT'],
  [`${Z}/max_pool_percent`, '101', 'EINVAL'],
  [`${Z}/max_pool_percent`, 'x', 'EINVAL'],
  [`${Z}/accept_threshold_percent`, '200', 'EINVAL'],
  [`${Z}/shrinker_enabled`, 'sure', 'EINVAL'],
  [`${Z}/nope`, '1', 'ENOENT'],
  ['/sys/kernel/mm/swap/tiers', '+fast:5', 'EEXIST'],
  ['/sys/kernel/mm/swap/tiers', '-fast', 'EBUSY'],
  ['/sys/kernel/mm/swap/tiers', 'fast', 'EINVAL'],
  ['/sys/kernel/mm/swap/tiers', '-nope', 'EINVAL'],
  ['/sys/kernel/mm/swap/tiers', '+mid:-2', 'EINVAL'],
  ['/sys/kernel/mm/swap/tiers', '+mid:100', 'EBUSY'],
  ['/sys/kernel/mm/swap/tiers', '+t1:10 +t2:20 +t3:30', 'ENOSPC'],
  ['/sys/kernel/mm/swap/tiers', '+ok:50 +bad name:60', 'EINVAL'],
  ['/proc/swaps', '/dev/sda', 'EACCES'],
  ['/proc/vmstat', '0', 'EACCES'],
  ['/sys/kernel/debug/zswap/stored_pages', '0', 'EACCES'],
  ['/nope', '1', 'ENOENT'],
  ['relative/path', '1', 'ENOENT'],
];

function setup(): { stack: SwapStack; close: () => void } {
  const fast = FileDevice.create({ path: join(dir, `f${Math.random()}.swap`), slots: 64 });
  const stack = createSwapStack({
    clock: createVirtualClock(),
    ramBytes: 1 << 20,
    tiers: '+fast:100 +slow:-1',
    devices: [{ device: fast, priority: 200 }],
  });
  expect(stack.fs.mkdir(G)).toBeUndefined();
  expect(stack.fs.mkdir(`${G}/b`)).toBeUndefined();
  const pid = stack.spawn('/a', 16);
  for (let i = 0; i < 16; i++) stack.write(pid, i, new Uint8Array(64).fill(i + 1));
  return { stack, close: () => fast.close() };
}

/** Every readable file under the paths that matter. */
function snapshot(stack: SwapStack): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    const names = stack.fs.ls(d);
    if (isRefusal(names)) return;
    for (const n of names) {
      const p = `${d === '/' ? '' : d}/${n}`;
      const r = stack.fs.read(p);
      if (typeof r === 'string') out.set(p, r);
      else if (r.errno === 'ENOENT') walk(p);
    }
  };
  walk('/sys');
  walk('/proc');
  return out;
}

describe('stack.fs refuses every documented bad write and changes nothing', () => {
  it.each(BAD_WRITES)('%s <- %j: %s', (path, text, errno) => {
    const { stack, close } = setup();
    const before = snapshot(stack);
    expect(before.size).toBeGreaterThan(40);
    const r = stack.fs.write(path, text);
    expect(r?.errno).toBe(errno);
    expect(r?.reason.length).toBeGreaterThan(0);
    expect(snapshot(stack)).toEqual(before);
    close();
  });

  it('source=zswap, zswap_writeback_only and proactive_writeback are EINVAL while memory.zswap.writeback is 0', () => {
    const { stack, close } = setup();
    expect(stack.fs.write(`${G}/memory.zswap.writeback`, '0')).toBeUndefined();
    const before = snapshot(stack);
    expect(stack.fs.write(`${G}/memory.reclaim`, '8K source=zswap')?.errno).toBe('EINVAL');
    expect(stack.fs.write(`${G}/memory.reclaim`, '8K zswap_writeback_only')?.errno).toBe('EINVAL');
    expect(stack.fs.write(`${G}/memory.reclaim`, '8K demote=zswap')?.errno).toBe('EINVAL');
    expect(stack.fs.write(`${G}/memory.zswap.proactive_writeback`, '3600')?.errno).toBe('EINVAL');
    expect(snapshot(stack)).toEqual(before);
    close();
  });

  it('mkdir, rmdir, read and ls answer with the kernel errnos', () => {
    const { stack, close } = setup();
    const fs = stack.fs;
    expect(fs.mkdir(G)?.errno).toBe('EEXIST');
    expect(fs.mkdir('/sys/fs/cgroup/x/y')?.errno).toBe('ENOENT');
    expect(fs.rmdir(G)?.errno).toBe('EBUSY'); // a child and a process
    expect(fs.rmdir('/sys/fs/cgroup/zz')?.errno).toBe('ENOENT');
    expect(fs.rmdir(`${G}/b`)).toBeUndefined();
    expect(fs.ls(G)).toContain('memory.reclaim');
    expect(fs.ls(G)).not.toContain('b');
    expect(fs.read(`${G}/memory.reclaim`)).toMatchObject({ errno: 'EACCES' });
    expect(fs.read(`${G}/memory.nope`)).toMatchObject({ errno: 'ENOENT' });
    expect(fs.read('/proc/nope')).toMatchObject({ errno: 'ENOENT' });
    expect(fs.ls('/sys/kernel/debug/zswap')).toContain('written_back_pages');
    expect(fs.ls('/sys/module/zswap/parameters')).toEqual([
      'accept_threshold_percent',
      'compressor',
      'enabled',
      'incompressible',
      'max_compressed_bytes',
      'max_pool_percent',
      'proactive_cursor',
      'raw_retry_seconds',
      'retry_compressor',
      'shrinker_enabled',
    ]);
    expect(() => fs.write(`${G}/memory.max`, 5 as unknown as string)).toThrow(
      /text must be a string/,
    );
    close();
  });
});
