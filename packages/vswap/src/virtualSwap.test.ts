/**
 * Unit tests of VirtualSwap's operations: entry lifetime and large counts, the full space,
 * tables that grow and shrink, memcg palettes and their spill to per-entry ids, transfer
 * ordering and charging, compare-and-transfer, draining through the reverse map, a
 * re-entrant release callback, the swap cache's EEXIST rule, and one test per misuse
 * error (code and message) with a check that refused calls changed nothing.
 */

import { describe, expect, it } from 'vitest';
import {
  folioBackend,
  formatBackend,
  NONE_BACKEND,
  physBackend,
  ZERO_BACKEND,
  zswapBackend,
} from './backend.js';
import type {
  BackendWord,
  DeviceId,
  FolioHandle,
  PhysSlot,
  ReleaseReason,
  SwapEntry,
  ZswapHandle,
} from './types.js';
import { NO_ENTRY } from './types.js';
import type { VirtualSwap } from './virtualSwap.js';
import { createVirtualSwap } from './virtualSwap.js';
import { VswapError } from './vswapError.js';
import type { VswapRefusal } from './vswapRefusals.js';
import { VSWAP_REFUSALS } from './vswapRefusals.js';

/** The entry of a successful alloc(); a refusal here is a test failure. */
function entry(r: SwapEntry | VswapRefusal): SwapEntry {
  if (typeof r !== 'number') throw new Error(`alloc refused: ${r.code}`);
  return r;
}

const phys = (device: number, slot: number) => physBackend(device as DeviceId, slot as PhysSlot);
const zswap = (h: number) => zswapBackend(h as ZswapHandle);

function thrown(fn: () => unknown): VswapError {
  try {
    fn();
  } catch (error) {
    if (error instanceof VswapError) return error;
    throw error;
  }
  throw new Error('did not throw');
}

function withLog(options: Parameters<typeof createVirtualSwap>[0] = {}) {
  const log: string[] = [];
  const vs = createVirtualSwap({
    ...options,
    onRelease: (entry, backend, memcg, reason) =>
      log.push(`${entry}:${formatBackend(backend)}:${memcg}:${reason}`),
  });
  return { vs, log };
}

describe('VirtualSwap: entry lifetime', () => {
  it('allocates NONE entries with count 1 and frees them at the last put', () => {
    const { vs, log } = withLog();
    const a = entry(vs.alloc(7));
    expect(vs.lookup(a)).toBe(NONE_BACKEND);
    expect(vs.swapCount(a)).toBe(1);
    expect(vs.memcgOf(a)).toBe(7);
    expect(vs.dup(a)).toBe(2);
    expect(vs.put(a)).toBe(1);
    expect(log).toEqual([]);
    expect(vs.put(a)).toBe(0);
    expect(log).toEqual([`${a}:NONE:7:free`]);
    expect(vs.isLive(a)).toBe(false);
    expect(vs.live).toBe(0);
  });

  it('keeps rare large swap counts exact (the allocator overflow map)', () => {
    const vs = createVirtualSwap();
    const a = entry(vs.alloc(1));
    for (let i = 2; i <= 1000; i++) expect(vs.dup(a)).toBe(i);
    vs.cacheAdd(a, 1 as FolioHandle);
    expect(vs.swapCount(a)).toBe(1000);
    for (let i = 999; i >= 0; i--) expect(vs.put(a)).toBe(i);
    expect(vs.isLive(a)).toBe(true); // still in the swap cache
    vs.cacheDelete(a);
    expect(vs.isLive(a)).toBe(false);
    vs.verify();
  });

  it('refuses allocation when the virtual space is full, counting the reason', () => {
    const vs = createVirtualSwap({ maxEntries: 100, segmentSlots: 64, clusterSize: 64 });
    const entries = Array.from({ length: 100 }, () => entry(vs.alloc(0)));
    expect(new Set(entries).size).toBe(100);
    expect(Math.max(...entries)).toBe(99);
    const refused = vs.alloc(0);
    expect(refused).toBe(VSWAP_REFUSALS.allocNoSpace);
    expect(refused).toMatchObject({ errno: 'ENOSPC', code: 'allocNoSpace' });
    expect(Object.isFrozen(refused)).toBe(true);
    expect(vs.stats().refused.allocNoSpace).toBe(1);
    vs.put(entries[42]!);
    expect(vs.alloc(0)).toBe(42);
    vs.verify();
  });

  it('grows and shrinks its descriptor clusters and allocator segments with use', () => {
    const vs = createVirtualSwap({ segmentSlots: 1024, clusterSize: 256 });
    expect(vs.memoryUsage().total).toBeLessThan(1024);
    const entries = Array.from({ length: 3000 }, () => entry(vs.alloc(1)));
    const full = vs.stats();
    expect(full.descriptorClusters).toBe(12);
    expect(full.segments).toBe(3);
    expect(vs.memoryUsage().descriptorBytes).toBe(12 * 256 * 5);
    for (const e of entries) vs.put(e);
    const empty = vs.stats();
    expect(empty.descriptorClusters).toBe(0);
    expect(empty.segments).toBe(1); // one empty segment is kept as a spare
    expect(vs.memoryUsage().descriptorBytes).toBe(0);
    vs.verify();
  });

  it('keeps each cluster to one memcg when memcgs use their own stream', () => {
    const separate = createVirtualSwap({ clusterSize: 64, streams: 4 });
    for (let i = 0; i < 1000; i++) separate.alloc((i % 4) + 1);
    expect(separate.stats().multiMemcgClusters).toBe(0);
    expect(separate.stats().mixedMemcgClusters).toBe(0);
    separate.verify();
  });

  it('names up to 8 memcgs per cluster through the flags byte, and spills to a table at the 9th', () => {
    const palette = createVirtualSwap({ clusterSize: 64, streams: 1 });
    const spilled = createVirtualSwap({ clusterSize: 64, streams: 1 });
    for (let i = 0; i < 1000; i++) {
      palette.alloc((i % 8) + 1);
      spilled.alloc((i % 9) + 1);
    }
    expect(palette.stats().multiMemcgClusters).toBe(16);
    expect(palette.stats().mixedMemcgClusters).toBe(0);
    expect(palette.memoryUsage().descriptorBytes).toBe(16 * 64 * 5);
    expect(spilled.stats().mixedMemcgClusters).toBe(16);
    expect(spilled.memoryUsage().descriptorBytes).toBe(16 * 64 * 7);
    for (const e of palette.entries()) expect(palette.memcgOf(e)).toBe((e % 8) + 1);
    for (const e of spilled.entries()) expect(spilled.memcgOf(e)).toBe((e % 9) + 1);
    // Changing backends and the cache flag keeps the memcg index intact.
    for (const e of [...palette.entries()].slice(0, 100)) {
      palette.transfer(e, phys(0, e));
      palette.cacheAdd(e, 1 as FolioHandle);
      expect(palette.memcgOf(e)).toBe((e % 8) + 1);
      expect(palette.swapCurrent((e % 8) + 1)).toBeGreaterThan(0);
      palette.cacheDelete(e);
    }
    palette.verify();
    spilled.verify();
  });
});

describe('VirtualSwap: transfer', () => {
  it('installs the new backend before releasing the old one', () => {
    const seen: { old: string; now: string; reason: ReleaseReason }[] = [];
    const vs: VirtualSwap = createVirtualSwap({
      onRelease: (entry, backend, _memcg, reason) => {
        if (reason === 'transfer') {
          seen.push({
            old: formatBackend(backend),
            now: formatBackend(vs.lookup(entry)),
            reason,
          });
        }
      },
    });
    const e = entry(vs.alloc(3));
    vs.transfer(e, zswap(11));
    vs.transfer(e, phys(2, 40));
    vs.transfer(e, phys(1, 0));
    expect(seen).toEqual([
      { old: 'NONE', now: 'ZSWAP(11)', reason: 'transfer' },
      { old: 'ZSWAP(11)', now: 'PHYS(2, 40)', reason: 'transfer' },
      { old: 'PHYS(2, 40)', now: 'PHYS(1, 0)', reason: 'transfer' },
    ]);
  });

  it('charges only PHYS backends to memory.swap.current, and keeps the reverse map exact', () => {
    const vs = createVirtualSwap();
    const a = entry(vs.alloc(5));
    const b = entry(vs.alloc(5));
    const c = entry(vs.alloc(6));
    vs.transfer(a, zswap(1));
    vs.transfer(b, ZERO_BACKEND);
    vs.transfer(c, folioBackend(3 as FolioHandle));
    expect(vs.swapCurrent(5)).toBe(0);
    expect(vs.deviceEntries(0 as DeviceId)).toBe(0); // a zswap page owns no slot anywhere
    vs.transfer(a, phys(0, 10));
    vs.transfer(c, phys(0, 11));
    expect(vs.swapCurrent(5)).toBe(1);
    expect(vs.swapCurrent(6)).toBe(1);
    expect(vs.reverseLookup(0 as DeviceId, 10 as PhysSlot)).toBe(a);
    vs.transfer(a, zswap(2));
    expect(vs.swapCurrent(5)).toBe(0);
    expect(vs.reverseLookup(0 as DeviceId, 10 as PhysSlot)).toBe(NO_ENTRY);
    vs.put(c);
    expect(vs.swapCurrent(6)).toBe(0);
    expect(vs.swapCurrent(60000)).toBe(0);
    expect(vs.stats().byBackend).toEqual({ none: 0, zero: 1, zswap: 1, phys: 0, folio: 0 });
    vs.verify();
  });

  it('refuses a stale compare-and-transfer without changing anything', () => {
    const { vs, log } = withLog();
    const e = entry(vs.alloc(1));
    vs.transfer(e, zswap(4));
    expect(vs.transfer(e, phys(0, 1), zswap(5))).toBe(VSWAP_REFUSALS.transferStale);
    expect(VSWAP_REFUSALS.transferStale).toMatchObject({ errno: 'EAGAIN', code: 'transferStale' });
    expect(vs.lookup(e)).toBe(zswap(4));
    expect(vs.stats().refused.transferStale).toBe(1);
    expect(vs.transfer(e, phys(0, 1), zswap(4))).toBe(true);
    expect(log).toEqual([`${e}:NONE:1:transfer`, `${e}:ZSWAP(4):1:transfer`]);
  });

  it('drains a device through the reverse map while moving its entries', () => {
    const vs = createVirtualSwap();
    const entries = Array.from({ length: 50 }, (_, i) => {
      const e = entry(vs.alloc(1));
      vs.transfer(e, phys(i % 2, 1000 - i));
      return e;
    });
    let next = 0;
    for (const e of vs.entriesOn(0 as DeviceId)) vs.transfer(e, phys(3, next++));
    expect(next).toBe(25);
    expect(vs.deviceEntries(0 as DeviceId)).toBe(0);
    expect(vs.deviceEntries(3 as DeviceId)).toBe(25);
    expect(vs.reverseLookup(3 as DeviceId, 0 as PhysSlot)).toBe(entries[48]);
    vs.verify();
  });

  it('lets the release callback call back into vswap', () => {
    const vs: VirtualSwap = createVirtualSwap({
      clusterSize: 64,
      segmentSlots: 64,
      maxEntries: 64,
      onRelease: (_entry, _backend, memcg, reason) => {
        // A freed entry's owner immediately swaps out another page.
        if (reason === 'free' && memcg === 1) entry(vs.alloc(2));
      },
    });
    const e = entry(vs.alloc(1));
    vs.put(e);
    expect(vs.live).toBe(1);
    vs.verify();
  });
});

describe('VirtualSwap: swap cache', () => {
  it('refuses a second cacheAdd with EEXIST and keeps the entry alive until the cache lets go', () => {
    const { vs, log } = withLog();
    const e = entry(vs.alloc(1));
    vs.transfer(e, zswap(9));
    expect(vs.cacheAdd(e, 100 as FolioHandle)).toBe(true);
    expect(vs.cacheAdd(e, 200 as FolioHandle)).toBe(VSWAP_REFUSALS.cacheExists);
    expect(VSWAP_REFUSALS.cacheExists).toMatchObject({ errno: 'EEXIST', code: 'cacheExists' });
    expect(vs.cacheFolio(e)).toBe(100);
    expect(vs.stats().refused.cacheExists).toBe(1);
    expect(vs.put(e)).toBe(0);
    expect(vs.isLive(e)).toBe(true);
    expect(vs.stats().cacheOnly).toBe(1);
    expect(log).toEqual([`${e}:NONE:1:transfer`]);
    vs.cacheDelete(e);
    expect(vs.isLive(e)).toBe(false);
    expect(log).toEqual([`${e}:NONE:1:transfer`, `${e}:ZSWAP(9):1:free`]);
  });
});

describe('VirtualSwap: misuse throws a typed error naming the method and values', () => {
  const vs = createVirtualSwap({ maxEntries: 1000 });
  const live = entry(vs.alloc(1));
  const freed = entry(vs.alloc(1));
  vs.put(freed);
  const other = entry(vs.alloc(2));
  vs.transfer(other, phys(4, 8));
  const cacheOnly = entry(vs.alloc(3));
  vs.cacheAdd(cacheOnly, 1 as FolioHandle);
  vs.put(cacheOnly);

  const cases: [string, () => unknown, string, string][] = [
    [
      'put of a freed entry',
      () => vs.put(freed),
      'UNKNOWN_ENTRY',
      `@tierswap/vswap/virtualSwap.put: entry ${freed} is not allocated (never allocated, or already freed)`,
    ],
    [
      'transfer of a freed entry',
      () => vs.transfer(freed, ZERO_BACKEND),
      'UNKNOWN_ENTRY',
      `@tierswap/vswap/virtualSwap.transfer: entry ${freed} is not allocated`,
    ],
    [
      'lookup outside the space',
      () => vs.lookup(5000 as SwapEntry),
      'INVALID_ARGUMENT',
      '@tierswap/vswap/virtualSwap.lookup: entry must be an integer from 0 to 999, got 5000',
    ],
    [
      'dup of a non-integer',
      () => vs.dup(1.5 as SwapEntry),
      'INVALID_ARGUMENT',
      'virtualSwap.dup: entry must be an integer from 0 to 999, got 1.5',
    ],
    [
      'put below zero',
      () => vs.put(cacheOnly),
      'PUT_BELOW_ZERO',
      `@tierswap/vswap/virtualSwap.put: entry ${cacheOnly} has swap count 0 (only the swap cache holds it)`,
    ],
    [
      'transfer onto a slot another entry holds',
      () => vs.transfer(live, phys(4, 8)),
      'SLOT_IN_USE',
      `virtualSwap.transfer: entry ${live}: (device 4, slot 8) already backs entry ${other}`,
    ],
    [
      'transfer to the same backend',
      () => vs.transfer(other, phys(4, 8)),
      'SAME_BACKEND',
      `entry ${other} is already backed by PHYS(4, 8)`,
    ],
    [
      'transfer to a corrupt word',
      () => vs.transfer(live, (7 * 2 ** 32) as BackendWord),
      'INVALID_ARGUMENT',
      `entry ${live}: ${7 * 2 ** 32} is not a backend word`,
    ],
    [
      'cacheDelete without the cache',
      () => vs.cacheDelete(live),
      'CACHE_NOT_HELD',
      `virtualSwap.cacheDelete: entry ${live} is not in the swap cache`,
    ],
    [
      'memcg out of range',
      () => vs.alloc(70000),
      'INVALID_ARGUMENT',
      'virtualSwap.alloc: memcg must be an id from 0 to 65535, got 70000',
    ],
    [
      'stream out of range',
      () => vs.alloc(1, 3),
      'INVALID_ARGUMENT',
      'stream must be an integer from 0 to 0, got 3',
    ],
    [
      'a space too large',
      () => createVirtualSwap({ maxEntries: 2 ** 32 }),
      'INVALID_ARGUMENT',
      'virtualSwap.create: maxEntries must be an integer from 1 to 4294967294, got 4294967296',
    ],
    [
      'a cluster size that is not a power of two',
      () => createVirtualSwap({ clusterSize: 1000 }),
      'INVALID_ARGUMENT',
      'virtualSwap.create: clusterSize must be a power of two from 64 to 32768, got 1000',
    ],
  ];
  for (const [name, fn, code, text] of cases) {
    it(name, () => {
      const error = thrown(fn);
      expect(error.code).toBe(code);
      expect(error.message).toContain(text);
    });
  }

  it('leaves the state intact after every refused call', () => {
    expect(vs.lookup(other)).toBe(phys(4, 8));
    expect(vs.lookup(live)).toBe(NONE_BACKEND);
    expect(vs.swapCount(cacheOnly)).toBe(0);
    vs.verify();
  });
});
