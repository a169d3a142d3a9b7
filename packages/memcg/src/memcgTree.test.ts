import { ERRNO, isRefusal } from '@tierswap/base';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemcg } from './createMemcg.js';
import { MemcgError } from './memcgError.js';
import { MemcgTree } from './memcgTree.js';
import type { GroupId } from './types.js';
import { ALL_TIERS_MASK, GroupState, NO_GROUP, PAGE_COUNTER_MAX, ROOT_GROUP } from './types.js';

function err(r: unknown): string {
  return isRefusal(r) ? r.code : 'ok';
}

describe('MemcgTree structure', () => {
  it('creates groups by path with 16-bit ids, root = 1', () => {
    const t = new MemcgTree();
    const a = t.create('/a');
    const b = t.create('/a/b');
    expect(t.root).toBe(1);
    expect(a).toBe(2);
    expect(b).toBe(3);
    expect(t.lookup('/a/b/')).toBe(b);
    expect(t.pathOf(b)).toBe('/a/b');
    expect(t.parentOf(b)).toBe(a);
    expect(t.children(ROOT_GROUP)).toEqual([a]);
    expect(t.size).toBe(3);
  });

  it('refuses bad mkdir with EEXIST, ENOENT, EINVAL, ENOSPC', () => {
    const t = new MemcgTree({ maxGroupId: 3 });
    t.create('/a');
    expect(err(t.mkdir('/a'))).toBe('EEXIST');
    expect(err(t.mkdir('/x/y'))).toBe('ENOENT');
    expect(err(t.mkdir('a'))).toBe('EINVAL');
    expect(err(t.mkdir('/'))).toBe('EINVAL');
    expect(err(t.mkdir('/a/..'))).toBe('EINVAL');
    t.create('/b');
    const full = t.mkdir('/c');
    expect(err(full)).toBe('ENOSPC');
    expect(isRefusal(full) && ERRNO[full.errno]).toBe(28);
    expect(t.size).toBe(3);
  });

  it('refuses rmdir of the root, of a parent, and of an unknown group', () => {
    const t = new MemcgTree();
    t.create('/a');
    t.create('/a/b');
    expect(err(t.rmdir('/'))).toBe('EBUSY');
    expect(err(t.rmdir('/a'))).toBe('EBUSY');
    expect(err(t.rmdir('/zz'))).toBe('ENOENT');
    expect(t.rmdir('/a/b')).toBeUndefined();
    expect(t.rmdir('/a')).toBeUndefined();
    expect(t.size).toBe(1);
  });

  it('reuses the id of a removed group once nothing references it', () => {
    const t = new MemcgTree();
    const a = t.create('/a');
    t.rmdir(a);
    expect(t.stateOf(a)).toBe(GroupState.FREE);
    expect(t.create('/b')).toBe(a);
  });

  it('grows past its initial capacity up to the id limit', () => {
    const t = new MemcgTree();
    for (let i = 0; i < 300; i++) t.create(`/g${i}`);
    expect(t.lookup('/g299')).toBe(301);
    expect(t.children(ROOT_GROUP).length).toBe(300);
  });
});

describe('reparenting on removal', () => {
  it('keeps pages charged up the tree and routes later uncharges to the parent', () => {
    const t = new MemcgTree();
    const a = t.create('/a');
    const b = t.create('/a/b');
    expect(t.tryCharge(b, 'swap', 10)).toBe(NO_GROUP);
    t.idGet(b, 10); // ten swapped-out pages remember b's id
    expect(t.rmdir(b)).toBeUndefined();
    expect(t.stateOf(b)).toBe(GroupState.OFFLINE);
    expect(t.resolve(b)).toBe(a);
    expect(t.usagePages(a, 'swap')).toBe(10);
    expect(t.usagePages(ROOT_GROUP, 'swap')).toBe(10);
    t.uncharge(b, 'swap', 4);
    expect(t.usagePages(a, 'swap')).toBe(6);
    // The dying group pins its parent: removing a keeps a's id reserved too.
    expect(t.rmdir(a)).toBeUndefined();
    expect(t.stateOf(a)).toBe(GroupState.OFFLINE);
    expect(t.resolve(b)).toBe(ROOT_GROUP);
    expect(t.create('/c')).not.toBe(a);
    t.uncharge(b, 'swap', 6);
    t.idPut(b, 10);
    expect(t.stateOf(b)).toBe(GroupState.FREE);
    expect(t.stateOf(a)).toBe(GroupState.FREE);
    expect(t.usagePages(ROOT_GROUP, 'swap')).toBe(0);
  });

  it('folds memory.stat counters into the parent and keeps counting there', () => {
    const t = new MemcgTree();
    const zswpout = t.stats.lookup('zswpout')!;
    const a = t.create('/a');
    const b = t.create('/a/b');
    t.addStat(b, zswpout, 7);
    t.addStat(a, zswpout, 1);
    expect(t.statTotal(a, zswpout)).toBe(8);
    t.idGet(b);
    t.rmdir(b);
    t.addStat(b, zswpout, 2);
    expect(t.statLocal(a, zswpout)).toBe(10);
    expect(t.statTotal(ROOT_GROUP, zswpout)).toBe(10);
  });

  it('throws on misuse: unknown ids, over-put, over-uncharge', () => {
    const t = new MemcgTree();
    expect(() => t.pathOf(77 as GroupId)).toThrow(MemcgError);
    const a = t.create('/a');
    expect(() => t.idPut(a)).toThrow(/references/);
    expect(() => t.uncharge(a, 'memory', 1)).toThrow(/uncharge/);
    expect(() => t.stats.define('zswpout')).toThrow(/already defined/);
  });
});

describe('hierarchical limits and switches', () => {
  it('checks a charge against every ancestor and changes nothing when refused', () => {
    const t = new MemcgTree();
    const a = t.create('/a');
    const b = t.create('/a/b');
    t.setLimitPages(a, 'memory', 100);
    t.setLimitPages(b, 'memory', PAGE_COUNTER_MAX);
    expect(t.tryCharge(b, 'memory', 60)).toBe(NO_GROUP);
    expect(t.tryCharge(b, 'memory', 50)).toBe(a);
    expect(t.usagePages(b, 'memory')).toBe(60);
    expect(t.usagePages(ROOT_GROUP, 'memory')).toBe(60);
    expect(t.chargeFailures.memory).toBe(1);
    expect(t.tryCharge(b, 'memory', 40)).toBe(NO_GROUP);
  });

  it('refuses zswap stores once floor(bytes/4K) reaches an ancestor limit', () => {
    const t = new MemcgTree();
    const a = t.create('/a');
    const b = t.create('/a/b');
    t.setLimitPages(a, 'zswap', 2);
    expect(t.zswapMayStore(b)).toBe(NO_GROUP);
    t.forceCharge(b, 'zswap', 8191);
    expect(t.zswapMayStore(b)).toBe(NO_GROUP);
    t.forceCharge(b, 'zswap', 1);
    expect(t.zswapMayStore(b)).toBe(a);
    t.setLimitPages(b, 'zswap', 0);
    t.setLimitPages(a, 'zswap', PAGE_COUNTER_MAX);
    expect(t.zswapMayStore(b)).toBe(b);
  });

  it('disables zswap writeback for a subtree when any ancestor writes 0', () => {
    const t = new MemcgTree();
    const a = t.create('/a');
    const b = t.create('/a/b');
    t.setZswapWriteback(a, false);
    const c = t.create('/a/c');
    expect(t.zswapWritebackEnabled(b)).toBe(false);
    expect(t.zswapWritebackEnabled(c)).toBe(false);
    expect(t.zswapWritebackOwn(b)).toBe(true);
    t.setZswapWriteback(a, true);
    expect(t.zswapWritebackEnabled(b)).toBe(true);
  });

  it('lets a child only narrow its parent tier mask', () => {
    const t = new MemcgTree();
    const a = t.create('/a');
    const b = t.create('/a/b');
    t.setTierMask(a, 0b0011);
    t.setTierMask(b, 0b0110);
    expect(t.effectiveTierMask(b)).toBe(0b0010);
    expect(t.effectiveTierMask(t.create('/a/c'))).toBe(0b0011);
    t.setTierBitEverywhere(0);
    expect(t.tierMask(b)).toBe(0b0111);
    expect(t.effectiveTierMask(b)).toBe(0b0011);
    expect(t.effectiveTierMask(ROOT_GROUP)).toBe(ALL_TIERS_MASK);
  });
});

describe('iteration', () => {
  it('walks the subtree in pre-order, creation order among siblings', () => {
    const t = new MemcgTree();
    for (const p of ['/a', '/a/x', '/a/x/1', '/a/y', '/b', '/b/z']) t.create(p);
    const order = [...t.subtree(ROOT_GROUP)].map((g) => t.pathOf(g));
    expect(order).toEqual(['/', '/a', '/a/x', '/a/x/1', '/a/y', '/b', '/b/z']);
    expect([...t.subtree(t.lookup('/a')!)].map((g) => t.pathOf(g))).toEqual([
      '/a',
      '/a/x',
      '/a/x/1',
      '/a/y',
    ]);
  });

  it('matches a recursive reference walk under random mkdir/rmdir (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(40)), { maxLength: 120 }), (ops) => {
        const t = new MemcgTree();
        let serial = 0;
        for (const [add, pick] of ops) {
          const groups = [...t.subtree(ROOT_GROUP)];
          const g = groups[pick % groups.length]!;
          if (add) t.create(`${t.pathOf(g) === '/' ? '' : t.pathOf(g)}/n${serial++}`);
          else t.rmdir(g); // may fail with EBUSY: then nothing changes
        }
        const ref: number[] = [];
        const walk = (g: GroupId) => {
          ref.push(g);
          for (const c of t.children(g)) walk(c);
        };
        walk(ROOT_GROUP);
        expect([...t.subtree(ROOT_GROUP)]).toEqual(ref);
        expect(ref.length).toBe(t.size);
      }),
    );
  });
});

describe('chargeZswap / unchargeZswap (obj_cgroup_charge_zswap)', () => {
  it('charge up the tree, count the stat lines, hold the id across rmdir', () => {
    const { tree, files } = createMemcg();
    const a = tree.create('/a');
    const b = tree.create('/a/b');
    const line = (g: GroupId, name: string): string | undefined =>
      files
        .read(g, 'memory.stat')
        .split('\n')
        .find((l) => l.startsWith(`${name} `));
    tree.chargeZswap(b, 1000, 4096, false);
    tree.chargeZswap(b, 4096, 4096, true);
    expect(tree.usagePages(a, 'zswap')).toBe(5096);
    expect(tree.idRefs(b)).toBe(2);
    expect(line(a, 'zswap')).toBe('zswap 5096');
    expect(line(a, 'zswapped')).toBe('zswapped 8192');
    expect(line(a, 'zswap_incomp')).toBe('zswap_incomp 4096');
    expect(line(a, 'zswpout')).toBe('zswpout 2');
    expect(tree.rmdir(b)).toBeUndefined();
    expect(tree.stateOf(b)).toBe(GroupState.OFFLINE); // its entries hold the id
    tree.unchargeZswap(b, 1000, 4096, false);
    expect(() => tree.unchargeZswap(b, 5000, 4096, true)).toThrow(/uncharge 5000/);
    tree.unchargeZswap(b, 4096, 4096, true);
    expect(tree.stateOf(b)).toBe(GroupState.FREE);
    expect(tree.usagePages(a, 'zswap')).toBe(0);
    expect(line(a, 'zswap')).toBe('zswap 0');
    expect(line(a, 'zswpout')).toBe('zswpout 2'); // events stay counted
    expect(() => tree.chargeZswap(a, -1, 4096, false)).toThrow(MemcgError);
    expect(() => tree.chargeZswap(a, 1, 4096, 1 as unknown as boolean)).toThrow(MemcgError);
    expect(tree.usagePages(a, 'zswap')).toBe(0);
  });
});
