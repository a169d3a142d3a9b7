/**
 * Clock: where every time-dependent part of tierswap reads the time, in milliseconds
 * from an arbitrary origin.
 *
 * Two kinds. `createVirtualClock()` moves only when told to, so an hour of ageing costs
 * nothing and a run is reproducible. `createSystemClock()` follows performance.now().
 * Both take modelled delays through `advance(ms)` (a device's modelled latency, a
 * scenario's sleep): the virtual clock jumps, the system clock adds the delay to what it
 * reports, so nothing ever spins to make time pass, and `modelledMs` says how much of a
 * run's time was modelled rather than spent.
 */

export interface Clock {
  /** Milliseconds from the clock's origin. */
  now(): number;
  /** Let `ms` (finite, ≥ 0) of modelled time pass. */
  advance(ms: number): void;
  /** Total modelled time added through advance(). */
  readonly modelledMs: number;
}

function checkDelay(ms: number): void {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new RangeError(
      `@tierswap/base/clock.advance: ms must be a finite number ≥ 0, got ${String(ms)}`,
    );
  }
}

export interface VirtualClock extends Clock {
  /** Set the time (not earlier than now). */
  set(ms: number): void;
}

export function createVirtualClock(startMs = 0): VirtualClock {
  checkDelay(startMs);
  let t = startMs;
  let modelled = 0;
  return {
    now: () => t,
    advance(ms) {
      checkDelay(ms);
      t += ms;
      modelled += ms;
    },
    set(ms) {
      checkDelay(ms - t);
      t = ms;
    },
    get modelledMs() {
      return modelled;
    },
  };
}

export function createSystemClock(): Clock {
  let modelled = 0;
  return {
    now: () => performance.now() + modelled,
    advance(ms) {
      checkDelay(ms);
      modelled += ms;
    },
    get modelledMs() {
      return modelled;
    },
  };
}
