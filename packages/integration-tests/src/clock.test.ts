/**
 * @tierswap/base's clocks driven by @tierswap/bench-kit's seeded randomness, as the
 * stack's scenarios will drive them: a long run of random modelled delays (device
 * latencies, sleeps) must keep the virtual clock exact and the system clock monotonic,
 * with the modelled time accounted for on both.
 */

import { createSystemClock, createVirtualClock } from '@tierswap/base';
import { rng } from '@tierswap/bench-kit';
import { describe, expect, it } from 'vitest';

/** Delays in whole microseconds, so their sum is exact in floating point. */
function delays(seed: number, n: number): number[] {
  const random = rng(seed);
  return Array.from({ length: n }, () => Math.floor(random() * 5000) / 1000);
}

describe('clocks under a seeded run of modelled delays', () => {
  it('the virtual clock moves by exactly the modelled time and nothing else', () => {
    const steps = delays(7, 10_000);
    const clock = createVirtualClock(1_000);
    let expected = 1_000;
    for (const ms of steps) {
      clock.advance(ms);
      expected += ms;
      expect(clock.now()).toBe(expected);
    }
    expect(clock.modelledMs).toBeCloseTo(expected - 1_000, 6);
    clock.set(expected + 3_600_000); // an hour later, as an ageing scenario jumps
    expect(clock.now()).toBe(expected + 3_600_000);
    expect(clock.modelledMs).toBeCloseTo(expected - 1_000, 6); // set() is not modelled delay
    expect(() => clock.set(0)).toThrow(RangeError); // never backwards
  });

  it('the system clock never goes backwards and carries the modelled time', () => {
    const steps = delays(11, 2_000);
    const clock = createSystemClock();
    let last = clock.now();
    let sum = 0;
    for (const ms of steps) {
      clock.advance(ms);
      sum += ms;
      const now = clock.now();
      expect(now).toBeGreaterThanOrEqual(last + ms);
      last = now;
    }
    expect(clock.modelledMs).toBeCloseTo(sum, 6);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
  });

  it('the same seed gives the same run, so a scenario is reproducible', () => {
    const a = createVirtualClock();
    const b = createVirtualClock();
    for (const ms of delays(3, 500)) a.advance(ms);
    for (const ms of delays(3, 500)) b.advance(ms);
    expect(a.now()).toBe(b.now());
    expect(a.now()).toBeGreaterThan(0);
  });
});
