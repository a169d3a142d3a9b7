import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ActiveDeviceView, SwapTiers } from './swapTiers.js';
import { createSwapTiers } from './swapTiers.js';
import { TieredStoreError } from './tieredStoreError.js';
import { TIER_DEFAULT_IDX } from './types.js';

function rows(t: SwapTiers): string[] {
  return t.list().map((x) => `${x.name}:${x.idx}:${x.start}..${x.end}`);
}

describe('SwapTiers: the global tiers file', () => {
  it('adds several tiers in one write, split by "," or whitespace, covering -1..32767', () => {
    const t = createSwapTiers();
    expect(t.write('+hdd:-1, +ssd:100\n+nvme:1000')).toBeUndefined();
    expect(rows(t)).toEqual(['nvme:2:1000..32767', 'ssd:1:100..999', 'hdd:0:-1..99']);
    expect(t.tierOfPriority(-1)).toBe(0);
    expect(t.tierOfPriority(99)).toBe(0);
    expect(t.tierOfPriority(100)).toBe(1);
    expect(t.tierOfPriority(32767)).toBe(2);
    expect(t.read()).toBe(
      'Name             Idx PrioStart PrioEnd\n' +
        'nvme             2   1000      32767\n' +
        'ssd              1   100       999\n' +
        'hdd              0   -1        99\n',
    );
  });

  it('reports the default tier when no tiers exist, and an empty write is a no-op', () => {
    const t = createSwapTiers();
    expect(t.tierOfPriority(5)).toBe(TIER_DEFAULT_IDX);
    expect(t.write('\n')).toBeUndefined();
    expect(t.size).toBe(0);
  });

  it('removal merges upward; removing the lowest makes the next start at -1', () => {
    const t = createSwapTiers();
    t.write('+a:-1 +b:10 +c:20');
    expect(t.write('-b')).toBeUndefined();
    expect(rows(t)).toEqual(['c:2:20..32767', 'a:0:-1..19']);
    expect(t.write('-a')).toBeUndefined();
    expect(rows(t)).toEqual(['c:2:-1..32767']);
    expect(t.write('-c')).toBeUndefined();
    expect(t.size).toBe(0);
  });

  it('refuses every error vector with the kernel errno and changes nothing', () => {
    const t = createSwapTiers({ maxTiers: 3 });
    t.write('+low:-1 +mid:50');
    const before = t.read();
    const cases: [string, string][] = [
      ['hdd:5', 'EINVAL'], // no sign
      ['*hdd:5', 'EINVAL'], // bad sign
      ['+hdd', 'EINVAL'], // missing ":"
      ['+hdd:', 'EINVAL'], // empty priority
      ['+hdd:abc', 'EINVAL'], // not a number
      ['+hdd:32768', 'EINVAL'], // not s16
      ['+hdd:-2', 'EINVAL'], // below -1
      ['+bad-name:5', 'EINVAL'], // bad character
      ['+:5', 'EINVAL'], // empty name
      ['+abcdefghijklmnop:5', 'EINVAL'], // 16 characters
      ['-nosuch', 'EINVAL'], // unknown tier
      ['-', 'EINVAL'],
      ['+mid:60', 'EEXIST'], // duplicate name
      ['+x:50', 'EBUSY'], // start priority taken
      ['+x:60 +y:70', 'ENOSPC'], // 3 slots only
      ['-mid +a:60 +b:70 +c:80', 'ENOSPC'], // a freed slot is reused, then none is left
      ['-low +low:-1', 'EBUSY'], // mid moved down to -1 when low went
      ['+ok:70 bogus', 'EINVAL'], // rollback of the valid first op
      ['-low -mid +x:5', 'EINVAL'], // coverage: lowest would start at 5
    ];
    for (const [text, errno] of cases) {
      expect(t.write(text)?.errno, text).toBe(errno);
      expect(t.read(), text).toBe(before);
    }
  });

  it('refuses a first write that does not cover -1', () => {
    const t = createSwapTiers();
    expect(t.write('+ssd:100')?.errno).toBe('EINVAL');
    expect(t.size).toBe(0);
  });

  it('EBUSY when an add would move an active device, or a removed tier holds one', () => {
    const active: ActiveDeviceView[] = [];
    const t = createSwapTiers({ activeDevices: () => active });
    t.write('+hdd:-1 +ssd:100');
    active.push({ name: '/dev/ssd0', priority: 150, tierIdx: 1 });
    expect(t.write('+nvme:120')?.errno).toBe('EBUSY'); // would take the device from ssd
    expect(t.write('+nvme:200')).toBeUndefined(); // above it: fine
    expect(t.write('-ssd')?.errno).toBe('EBUSY');
    expect(t.write('-hdd')).toBeUndefined();
    expect(rows(t)).toEqual(['nvme:2:200..32767', 'ssd:1:-1..199']);
  });

  it('tells the owner which indexes were removed, after commit only', () => {
    const removed: number[] = [];
    const t = createSwapTiers({ onRemoved: (i) => removed.push(i) });
    t.write('+a:-1 +b:5');
    t.write('-b bogus');
    expect(removed).toEqual([]);
    t.write('-b');
    expect(removed).toEqual([1]);
  });

  it('a throwing onRemoved still hears of every removed index, and the write stands', () => {
    const heard: number[] = [];
    const t = createSwapTiers({
      onRemoved: (i) => {
        heard.push(i);
        if (i === 1) throw new Error('owner bug');
      },
    });
    t.write('+a:-1 +b:5 +c:9');
    let err: unknown;
    try {
      t.write('-b -c');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TieredStoreError);
    expect((err as TieredStoreError).code).toBe('CALLBACK_FAILED');
    expect(heard).toEqual([1, 2]);
    expect(rows(t)).toEqual(['a:0:-1..32767']);
  });

  it('refuses a write longer than a page (E2BIG) and values that are not what it takes', () => {
    const t = createSwapTiers();
    expect(t.write(`+a:-1${' '.repeat(4096)}`)?.errno).toBe('E2BIG');
    expect(t.write(`+a:-1${' '.repeat(4090)}`)).toBeUndefined(); // a page is enough
    expect(t.write(`-zz${' '.repeat(1000)}${'€'.repeat(1100)}`)?.errno).toBe('E2BIG'); // bytes, not characters
    const throwing = createSwapTiers({
      activeDevices: () => {
        throw new Error('owner bug');
      },
    });
    expect(() => throwing.write('+a:-1')).toThrow(/activeDevices/);
    expect(throwing.size).toBe(0);
    for (const bad of [undefined, null, 5, {}, ['+b:5']]) {
      expect(() => t.write(bad as never)).toThrow(TieredStoreError);
      expect(() => t.lookup(bad as never)).toThrow(TieredStoreError);
    }
    for (const bad of [-1, 32, 0.5, Number.NaN, '1']) {
      expect(() => t.nameOf(bad as never)).toThrow(/idx/);
    }
    for (const bad of [-2, 32768, 0.5, Number.NaN, '1']) {
      expect(() => t.tierOfPriority(bad as never)).toThrow(/priority/);
    }
    for (const bad of [0, 32, 1.5, '4', null]) {
      expect(() => createSwapTiers({ maxTiers: bad as never })).toThrow(/maxTiers/);
    }
    expect(() => createSwapTiers({ onRemoved: 5 as never })).toThrow(/onRemoved/);
    expect(rows(t)).toEqual(['a:0:-1..32767']);
  });

  it('any text: applied, or refused with a kernel errno and nothing changed (property)', () => {
    const token = fc.oneof(
      fc.constantFrom('+a:-1', '+b:5', '+c:100', '-a', '-b', '-c', '+d:32767', '+e:-2', '+', '-'),
      fc.string({ maxLength: 12 }),
      fc
        .tuple(
          fc.constantFrom('+', '-', ''),
          fc.stringMatching(/^[a-z_]{0,3}$/),
          fc.integer({ min: -40000, max: 40000 }),
        )
        .map(([s, n, p]) => `${s}${n}:${p}`),
    );
    const text = fc
      .array(fc.tuple(token, fc.constantFrom(' ', ',', '\n', '\t', ', ')), { maxLength: 6 })
      .map((parts) => parts.map(([t, sep]) => t + sep).join(''));
    const errnos = new Set(['EINVAL', 'EEXIST', 'ENOSPC', 'EBUSY']);
    let applied = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 8 }), (writes) => {
        const t = createSwapTiers({ maxTiers: 3 });
        for (const w of writes) {
          const before = t.read();
          const r = t.write(w);
          if (r === undefined) {
            applied++;
            const list = t.list();
            // Whatever was applied leaves tiers that cover -1..32767 without gaps.
            if (list.length > 0) {
              expect(list.at(-1)!.start).toBe(-1);
              expect(list[0]!.end).toBe(32767);
              for (let i = 1; i < list.length; i++)
                expect(list[i]!.end).toBe(list[i - 1]!.start - 1);
            }
          } else {
            refused++;
            expect(errnos.has(r.errno), `${JSON.stringify(w)} → ${r.errno}`).toBe(true);
            expect(t.read()).toBe(before);
          }
        }
      }),
      { numRuns: 300 },
    );
    expect(applied).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(50);
  });
});
