import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRefusal } from '@tierswap/base';
import { createMemcg } from '@tierswap/memcg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileDevice } from './fileDevice.js';
import { createSwapSpace } from './swapSpace.js';
import { TieredStoreError } from './tieredStoreError.js';
import { registerTierFiles } from './tierFiles.js';
import { StoreRefusal } from './types.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tierswap-reserve-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('SwapSpace.reserve / writeSlot', () => {
  it('charges and allocates a slot first, writes it later, narrowed to the tiers asked for', () => {
    const { tree, files } = createMemcg();
    const space = createSwapSpace({ memcg: tree });
    registerTierFiles(files, space);
    space.tiers.write('+fast:100 +slow:-1');
    const fast = FileDevice.create({ path: join(dir, 'f.swap'), slots: 8 });
    const slow = FileDevice.create({ path: join(dir, 's.swap'), slots: 8 });
    space.swapon(fast, { priority: 200 });
    space.swapon(slow, { priority: 5 });
    const g = tree.create('/a');
    const slot = space.reserve(g);
    if (isRefusal(slot)) throw new Error(slot.reason);
    expect(space.tierOf(slot)).toBe('fast');
    expect(tree.usagePages(g, 'swap')).toBe(1);
    const page = new Uint8Array(4096).fill(9);
    space.writeSlot(slot, page);
    const out = new Uint8Array(4096);
    space.load(slot, out);
    expect(out[100]).toBe(9);
    const slowBit = 1 << space.tiers.lookup('slow')!;
    const low = space.reserve(g, slowBit);
    if (isRefusal(low)) throw new Error(low.reason);
    expect(space.tierOf(low)).toBe('slow');
    expect(space.reserve(g, 0)).toBe(StoreRefusal.NO_DEVICE);
    expect(tree.usagePages(g, 'swap')).toBe(2); // the refused one was uncharged
    space.free(slot);
    space.free(low);
    expect(tree.usagePages(g, 'swap')).toBe(0);
    expect(() => space.writeSlot(slot, page)).toThrow(TieredStoreError);
    expect(() => space.reserve(g, -1)).toThrow(TieredStoreError);
    fast.close();
    slow.close();
  });
});
