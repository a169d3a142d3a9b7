import { describe, expect, it } from 'vitest';
import {
  createSystemClock,
  createVirtualClock,
  ERRNO,
  ERRNO_TEXT,
  isErrno,
  isRefusal,
  refuse,
  TierswapError,
} from './index.js';

describe('errno', () => {
  it('has the kernel values and a text for each name', () => {
    expect(ERRNO.EINVAL).toBe(22);
    expect(ERRNO.ENOSPC).toBe(28);
    expect(ERRNO.E2BIG).toBe(7);
    for (const name of Object.keys(ERRNO))
      expect(ERRNO_TEXT[name as keyof typeof ERRNO]).toBeTruthy();
    expect(isErrno('EIO')).toBe(true);
    expect(isErrno('toString')).toBe(false);
    expect(isErrno(5)).toBe(false);
  });
});

describe('refusal', () => {
  it('is frozen, defaults its code to the errno, and is told apart from values', () => {
    const r = refuse('ENOSPC', 'device full');
    expect(r).toEqual({ errno: 'ENOSPC', code: 'ENOSPC', reason: 'device full' });
    expect(Object.isFrozen(r)).toBe(true);
    expect(refuse('ENOSPC', 'pool at its limit', 'pool_limit').code).toBe('pool_limit');
    expect(isRefusal(r)).toBe(true);
    for (const v of [0, 'ENOSPC', null, undefined, { errno: 'EWHAT', code: 'x', reason: 'y' }]) {
      expect(isRefusal(v)).toBe(false);
    }
  });
});

describe('TierswapError', () => {
  class DemoError extends TierswapError<'INVALID_ARGUMENT'> {
    override readonly name = 'DemoError';
    readonly errno = 'EINVAL' as const;
    constructor(code: 'INVALID_ARGUMENT', where: string, detail: string) {
      super('demo', code, where, detail);
    }
  }
  it('names the package, the place and the detail', () => {
    const e = new DemoError('INVALID_ARGUMENT', 'thing.set', 'size must be > 0, got -1');
    expect(e.message).toBe('@tierswap/demo/thing.set: size must be > 0, got -1');
    expect(e).toBeInstanceOf(Error);
    expect([e.code, e.where, e.detail, e.errno]).toEqual([
      'INVALID_ARGUMENT',
      'thing.set',
      'size must be > 0, got -1',
      'EINVAL',
    ]);
  });
});

describe('clocks', () => {
  it('a virtual clock moves only when told, and never backwards', () => {
    const c = createVirtualClock(5);
    expect(c.now()).toBe(5);
    c.advance(3_600_000);
    expect(c.now()).toBe(3_600_005);
    expect(c.modelledMs).toBe(3_600_000);
    c.set(3_600_010);
    expect(c.now()).toBe(3_600_010);
    expect(() => c.set(0)).toThrow(/finite number ≥ 0/);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => c.advance(bad)).toThrow(/ms must be/);
    }
    expect(c.now()).toBe(3_600_010);
  });
  it('the system clock follows real time and adds modelled delays without waiting', () => {
    const c = createSystemClock();
    const t0 = c.now();
    const wall0 = performance.now();
    c.advance(10_000);
    expect(performance.now() - wall0).toBeLessThan(5_000);
    expect(c.now() - t0).toBeGreaterThanOrEqual(10_000);
    expect(c.modelledMs).toBe(10_000);
  });
});
