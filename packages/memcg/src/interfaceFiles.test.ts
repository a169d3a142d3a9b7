import { isRefusal, refuse } from '@tierswap/base';
import { describe, expect, it } from 'vitest';
import { createMemcg } from './createMemcg.js';
import { MemcgError } from './memcgError.js';
import type { GroupId } from './types.js';
import { ROOT_GROUP } from './types.js';

function setup() {
  const m = createMemcg();
  const a = m.tree.create('/a');
  const b = m.tree.create('/a/b');
  return { ...m, a, b };
}

describe('memory limit files (page_counter_memparse)', () => {
  it('reads max by default and round-trips sizes in bytes, rounded down to pages', () => {
    const { files, a } = setup();
    for (const f of ['memory.max', 'memory.high', 'memory.swap.max', 'memory.zswap.max']) {
      expect(files.read(a, f)).toBe('max\n');
      expect(files.write(a, f, '10M\n')).toBeUndefined();
      expect(files.read(a, f)).toBe(`${10 * 1024 * 1024}\n`);
      expect(files.write(a, f, '5000')).toBeUndefined();
      expect(files.read(a, f)).toBe('4096\n');
      expect(files.write(a, f, 'max')).toBeUndefined();
      expect(files.read(a, f)).toBe('max\n');
    }
  });

  it('refuses junk with EINVAL, names file, group and value, and changes nothing', () => {
    const { files, a } = setup();
    files.writeOrThrow(a, 'memory.max', '1G');
    for (const bad of ['abc', '1GB', '-1', 'MAX', '1 G', '0x']) {
      const e = files.write(a, 'memory.max', `${bad}\n`);
      expect(isRefusal(e)).toBe(true);
      expect(e?.code).toBe('EINVAL');
      expect(e?.errno).toBe('EINVAL');
      expect(e?.reason).toContain('memory.max.write');
      expect(e?.reason).toContain('/a');
      expect(e?.reason).toContain(JSON.stringify(`${bad}\n`));
      expect(files.read(a, 'memory.max')).toBe(`${1 << 30}\n`);
    }
    expect(files.refusals.EINVAL).toBe(6);
  });

  it('limits written to files refuse charges up the tree', () => {
    const { files, tree, a, b } = setup();
    files.writeOrThrow(a, 'memory.swap.max', '8K');
    expect(tree.tryCharge(b, 'swap', 2)).toBe(0);
    expect(tree.tryCharge(b, 'swap', 1)).toBe(a);
    expect(files.read(a, 'memory.swap.current')).toBe('8192\n');
    expect(files.read(b, 'memory.swap.current')).toBe('8192\n');
  });
});

describe('memory.zswap.writeback (kstrtoint, then 0 or 1)', () => {
  it('accepts 0 and 1 and is hierarchical', () => {
    const { files, tree, a, b } = setup();
    expect(files.read(b, 'memory.zswap.writeback')).toBe('1\n');
    expect(files.write(a, 'memory.zswap.writeback', '0\n')).toBeUndefined();
    expect(files.read(b, 'memory.zswap.writeback')).toBe('1\n');
    expect(tree.zswapWritebackEnabled(b)).toBe(false);
    expect(files.write(ROOT_GROUP, 'memory.zswap.writeback', '1')).toBeUndefined();
  });

  it('refuses other integers with EINVAL, junk with EINVAL, overflow with ERANGE', () => {
    const { files, a } = setup();
    expect(files.write(a, 'memory.zswap.writeback', '2')?.code).toBe('EINVAL');
    expect(files.write(a, 'memory.zswap.writeback', '-1')?.code).toBe('EINVAL');
    expect(files.write(a, 'memory.zswap.writeback', 'yes')?.code).toBe('EINVAL');
    expect(files.write(a, 'memory.zswap.writeback', '')?.code).toBe('EINVAL');
    expect(files.write(a, 'memory.zswap.writeback', '4294967296')?.code).toBe('ERANGE');
    expect(files.read(a, 'memory.zswap.writeback')).toBe('1\n');
  });
});

describe('memory.stat', () => {
  it('renders every counter summed over the subtree, pages as bytes', () => {
    const { files, tree, a, b } = setup();
    tree.addStat(b, tree.stats.lookup('zswpout')!, 3);
    tree.addStat(a, tree.stats.lookup('zswpout')!, 1);
    tree.addStat(b, tree.stats.lookup('anon')!, 2);
    const stat = files.read(a, 'memory.stat');
    expect(stat).toContain('zswpout 4\n');
    expect(stat).toContain('anon 8192\n');
    expect(stat.split('\n')[0]).toBe('anon 8192');
    expect(files.read(ROOT_GROUP, 'memory.stat')).toContain('zswpout 4\n');
  });
});

describe('the registry', () => {
  it('hides NOT_ON_ROOT files on the root (ENOENT) and all files of removed groups', () => {
    const { files, tree, b } = setup();
    expect(() => files.read(ROOT_GROUP, 'memory.max')).toThrow(/ENOENT/);
    expect(files.write(ROOT_GROUP, 'memory.max', '1G')?.code).toBe('ENOENT');
    expect(files.list(ROOT_GROUP)).toEqual(['memory.stat', 'memory.zswap.writeback']);
    expect(files.list(b)).toContain('memory.max');
    tree.rmdir(b);
    expect(files.write(b, 'memory.max', '1G')?.code).toBe('ENOENT');
    expect(files.list(b)).toEqual([]);
  });

  it('refuses writes to read-only files with EACCES', () => {
    const { files, a } = setup();
    expect(files.write(a, 'memory.current', '0')?.code).toBe('EACCES');
    expect(files.write(a, 'memory.nope', '0')?.code).toBe('ENOENT');
  });

  it('lets other layers define their files, with their own refusals', () => {
    const { files, a } = setup();
    let stored = '';
    files.define('memory.swap.tiers', {
      notOnRoot: true,
      read: () => stored,
      write: (_g: GroupId, text: string) => {
        if (text.includes('?')) return refuse('EBUSY', 'tier is busy');
        stored = text;
        return undefined;
      },
    });
    expect(files.write(a, 'memory.swap.tiers', '+ssd')).toBeUndefined();
    const e = files.write(a, 'memory.swap.tiers', '?');
    expect(e?.code).toBe('EBUSY');
    expect(e?.errno).toBe('EBUSY');
    expect(e?.reason).toContain('tier is busy');
    expect(files.read(a, 'memory.swap.tiers')).toBe('+ssd');
    expect(() => files.define('memory.swap.tiers', { read: () => '' })).toThrow(/already defined/);
    expect(() => files.define('bad name', { read: () => '' })).toThrow(MemcgError);
  });
});
