import { createMemcg } from '@tierswap/memcg';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSwapSpace } from './swapSpace.js';
import { TieredStoreError } from './tieredStoreError.js';
import { registerTierFiles } from './tierFiles.js';

function setup() {
  const { tree, files } = createMemcg();
  const space = createSwapSpace({ memcg: tree });
  registerTierFiles(files, space);
  space.tiers.write('+hdd:-1 +ssd:100 +nvme:1000');
  const a = tree.create('/a');
  const b = tree.create('/a/b');
  return { tree, files, space, a, b };
}

describe('registerTierFiles', () => {
  it('refuses a registry of another tree, things that are not a registry or a space, and a second registration', () => {
    const { files, space } = setup();
    const other = createMemcg();
    expect(() => registerTierFiles(other.files, space)).toThrow(/same memcg tree/);
    expect(() => registerTierFiles(files, createSwapSpace())).toThrow(/same memcg tree/);
    for (const bad of [undefined, null, {}, 'files']) {
      expect(() => registerTierFiles(bad as never, space)).toThrow(TieredStoreError);
      expect(() => registerTierFiles(files, bad as never)).toThrow(TieredStoreError);
    }
    expect(() => registerTierFiles(files, space)).toThrow(/already defined/);
  });

  it('any write to the tier files: applied, or EINVAL with every mask unchanged (property)', () => {
    const word = fc.constantFrom('hdd', 'ssd', 'nvme', 'max', '0', '1', 'HDD', '', 'x');
    const token = fc.oneof(
      fc.tuple(fc.constantFrom('+', '-', '', '*'), word).map(([s, w]) => s + w),
      fc.string({ maxLength: 6 }),
    );
    const text = fc
      .array(fc.tuple(token, fc.constantFrom(' ', '\n', '\t', '  ')), { maxLength: 4 })
      .map((parts) => parts.map(([t, sep]) => t + sep).join(''));
    const file = fc.constantFrom('memory.swap.tiers', 'memory.swap.tiers.max');
    let applied = 0;
    let refused = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), file, text), { minLength: 1, maxLength: 10 }),
        (writes) => {
          const { tree, files, a, b } = setup();
          for (const [onA, name, t] of writes) {
            const g = onA ? a : b;
            const before = [a, b].map((x) => [tree.tierMask(x), tree.effectiveTierMask(x)]);
            const r = files.write(g, name, t);
            if (r === undefined) {
              applied++;
              // The two syntaxes read back the same mask, and effective never exceeds the parent's.
              const names = files.read(g, 'memory.swap.tiers').trim().split(' ').filter(Boolean);
              const max = files.read(g, 'memory.swap.tiers.max').trim().split('\n');
              expect(max.filter((l) => l.endsWith(' max')).map((l) => l.split(' ')[0])).toEqual(
                names,
              );
              expect((tree.effectiveTierMask(b) & ~tree.effectiveTierMask(a)) >>> 0).toBe(0);
            } else {
              refused++;
              expect(r.code).toBe('EINVAL');
              expect([a, b].map((x) => [tree.tierMask(x), tree.effectiveTierMask(x)])).toEqual(
                before,
              );
            }
          }
        },
      ),
      { numRuns: 200 },
    );
    expect(applied).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(50);
  });
});
