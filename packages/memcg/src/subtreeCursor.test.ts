import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemcgTree } from './memcgTree.js';
import type { GroupId } from './types.js';
import { NO_GROUP, ROOT_GROUP } from './types.js';

function round(t: MemcgTree, root: GroupId): string[] {
  const c = t.cursorOf(root);
  const out: string[] = [];
  for (let g = c.next(); g !== NO_GROUP; g = c.next()) out.push(t.pathOf(g));
  return out;
}

describe('SubtreeCursor', () => {
  it('cycles through the subtree, ends each round with NO_GROUP, then restarts', () => {
    const t = new MemcgTree();
    const a = t.create('/a');
    t.create('/a/x');
    t.create('/a/y');
    expect(round(t, a)).toEqual(['/a', '/a/x', '/a/y']);
    expect(round(t, a)).toEqual(['/a', '/a/x', '/a/y']);
  });

  it('continues where the last caller stopped', () => {
    const t = new MemcgTree();
    const a = t.create('/a');
    t.create('/a/x');
    t.create('/a/y');
    const c = t.cursorOf(a);
    expect(t.pathOf(c.next())).toBe('/a');
    expect(t.cursorOf(a)).toBe(c);
    expect(t.pathOf(t.cursorOf(a).next())).toBe('/a/x');
  });

  it('survives removal of the group it points at and never returns it again', () => {
    const t = new MemcgTree();
    t.create('/a');
    const x = t.create('/a/x');
    t.create('/a/y');
    const root = t.cursorOf(ROOT_GROUP);
    const a = t.cursorOf(t.lookup('/a')!);
    root.next();
    root.next();
    expect(root.next()).toBe(x);
    a.next();
    expect(a.next()).toBe(x);
    t.idGet(x); // keep the id allocated so a stale cursor would be visible
    t.rmdir(x);
    expect(t.pathOf(root.next())).toBe('/a/y');
    expect(t.pathOf(a.next())).toBe('/a/y');
    expect(a.next()).toBe(NO_GROUP);
  });

  it('ends the round when the removed group was the last one, and detaches a removed root', () => {
    const t = new MemcgTree();
    const a = t.create('/a');
    const x = t.create('/a/x');
    const c = t.cursorOf(a);
    c.next();
    expect(c.next()).toBe(x);
    t.rmdir(x);
    expect(c.next()).toBe(NO_GROUP);
    expect(c.next()).toBe(a);
    t.rmdir(a);
    expect(c.detached).toBe(true);
    expect(c.next()).toBe(NO_GROUP);
  });

  it('visits every surviving group exactly once per round under random removals (property)', () => {
    fc.assert(
      fc.property(fc.nat(30), fc.array(fc.nat(100), { maxLength: 20 }), (steps, kills) => {
        const t = new MemcgTree();
        for (let i = 0; i < 6; i++) {
          t.create(`/p${i}`);
          for (let j = 0; j < 3; j++) t.create(`/p${i}/c${j}`);
        }
        const c = t.cursorOf(ROOT_GROUP);
        for (let i = 0; i < steps; i++) c.next();
        for (const k of kills) {
          const leaves = [...t.subtree(ROOT_GROUP)].filter(
            (g) => g !== ROOT_GROUP && t.children(g).length === 0,
          );
          if (leaves.length > 0) t.rmdir(leaves[k % leaves.length]!);
          c.next();
        }
        // Finish the current round, then a full round must see every online group once.
        while (c.pos !== NO_GROUP) c.next();
        const seen: GroupId[] = [];
        for (let g = c.next(); g !== NO_GROUP; g = c.next()) seen.push(g);
        expect(seen).toEqual([...t.subtree(ROOT_GROUP)]);
      }),
    );
  });
});
