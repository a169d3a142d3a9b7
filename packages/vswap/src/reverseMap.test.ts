/**
 * Tests of the reverse map on its own: (device, slot) -> entry with on-demand tables that
 * are dropped when empty, slot-order iteration that survives removals (a drain), the
 * largest entry and slot, and the errors for corrupt or out-of-range requests.
 */

import { describe, expect, it } from 'vitest';
import { ReverseMap } from './reverseMap.js';
import type { DeviceId, PhysSlot, SwapEntry } from './types.js';
import { NO_ENTRY } from './types.js';

const d = (n: number) => n as DeviceId;
const s = (n: number) => n as PhysSlot;
const e = (n: number) => n as SwapEntry;

describe('ReverseMap', () => {
  it('maps, refuses a second owner, unmaps, and drops a table with its last slot', () => {
    const rmap = new ReverseMap(64);
    expect(rmap.get(d(0), s(5))).toBe(NO_ENTRY);
    expect(rmap.insert(d(0), s(5), e(0))).toBe(true);
    expect(rmap.insert(d(0), s(70), e(1))).toBe(true);
    expect(rmap.insert(d(0), s(5), e(9))).toBe(false);
    expect(rmap.get(d(0), s(5))).toBe(0);
    expect(rmap.get(d(0), s(70))).toBe(1);
    expect(rmap.tables()).toBe(2);
    expect(rmap.tableBytes()).toBe(2 * 64 * 4);
    rmap.remove(d(0), s(5), e(0));
    expect(rmap.tables()).toBe(1);
    expect(rmap.get(d(0), s(5))).toBe(NO_ENTRY);
    expect(rmap.count(d(0))).toBe(1);
  });

  it('stores the largest entry and the last slot of the last device', () => {
    const rmap = new ReverseMap(4096);
    const last = e(2 ** 32 - 2);
    expect(rmap.insert(d(31), s(2 ** 27 - 1), last)).toBe(true);
    expect(rmap.get(d(31), s(2 ** 27 - 1))).toBe(last);
    expect([...rmap.entries(d(31))]).toEqual([last]);
  });

  it('lists a device in slot order and survives removals during the walk', () => {
    const rmap = new ReverseMap(64);
    const slots = [300, 3, 64, 65, 1000];
    slots.forEach((slot, i) => {
      rmap.insert(d(2), s(slot), e(i + 10));
    });
    rmap.insert(d(1), s(3), e(99));
    const seen: number[] = [];
    for (const entry of rmap.entries(d(2))) {
      seen.push(entry);
      const slot = slots[entry - 10]!;
      rmap.remove(d(2), s(slot), entry);
    }
    expect(seen).toEqual([11, 12, 13, 10, 14]);
    expect(rmap.count(d(2))).toBe(0);
    expect(rmap.count(d(1))).toBe(1);
    expect(rmap.tables()).toBe(1);
  });

  it('throws CORRUPT when asked to unmap a slot that maps another entry', () => {
    const rmap = new ReverseMap(64);
    rmap.insert(d(0), s(1), e(4));
    expect(() => rmap.remove(d(0), s(1), e(5))).toThrow(
      '@tierswap/vswap/reverseMap.remove: (device 0, slot 1) maps entry 4, expected entry 5',
    );
    expect(() => rmap.remove(d(3), s(1), e(5))).toThrow('maps nothing');
  });

  it('rejects bad options and bad coordinates', () => {
    expect(() => new ReverseMap(100)).toThrow(
      'rmapClusterSize must be a power of two from 64 to 65536, got 100',
    );
    expect(() => new ReverseMap(32)).toThrow('got 32');
    const rmap = new ReverseMap(64);
    expect(() => rmap.get(d(32), s(0))).toThrow(
      'virtualSwap.reverseLookup: (device, slot) must be integers in 0..31 x 0..2^27-1, got (32, 0)',
    );
    expect(() => rmap.get(d(0), s(-1))).toThrow('got (0, -1)');
  });
});
