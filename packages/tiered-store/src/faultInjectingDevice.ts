/**
 * FaultInjectingDevice: wraps any BlockDevice and fails chosen calls on a
 * deterministic schedule, so the swap layer's error paths (mark the slot bad,
 * retry elsewhere, count it) can be tested against real files and a real SQLite
 * database. The failing call throws IO_ERROR before reaching the inner device, so
 * the inner device is unchanged by a failed call, like a write the disk refused.
 *
 * A schedule is a predicate over (n, slot), n counting calls of that kind from 1;
 * `everyNth` and `onCalls` build the usual ones. A failed writeBatch leaves every slot
 * of the batch holding no page, as BlockDevice requires of a failed batch.
 *
 * Exported from the `./testing` subpath only, never from the main entry point.
 */
import type { BlockDevice, DeviceStats } from './blockDevice.js';
import { TieredStoreError } from './tieredStoreError.js';

export type FaultSchedule = (n: number, slot: number) => boolean;

export interface FaultPlan {
  failWrite?: FaultSchedule;
  failRead?: FaultSchedule;
}

/** Fails calls n, 2n, 3n, ... */
export function everyNth(n: number): FaultSchedule {
  return (k) => k % n === 0;
}

/** Fails exactly the listed call numbers (1-based). */
export function onCalls(...calls: number[]): FaultSchedule {
  const set = new Set(calls);
  return (k) => set.has(k);
}

/** Fails every call touching one of the listed slots. */
export function onSlots(...slots: number[]): FaultSchedule {
  const set = new Set(slots);
  return (_k, slot) => set.has(slot);
}

/** Wraps `inner`; the documented way to make a FaultInjectingDevice. */
export function createFaultInjectingDevice(
  inner: BlockDevice,
  plan: FaultPlan,
): FaultInjectingDevice {
  return new FaultInjectingDevice(inner, plan);
}

export class FaultInjectingDevice implements BlockDevice {
  readonly inner: BlockDevice;
  plan: FaultPlan;
  /** Faults injected so far. */
  injectedWrites = 0;
  injectedReads = 0;
  #writeCalls = 0;
  #readCalls = 0;

  constructor(inner: BlockDevice, plan: FaultPlan) {
    this.inner = inner;
    this.plan = plan;
  }

  get kind(): string {
    return `faulty(${this.inner.kind})`;
  }
  get name(): string {
    return this.inner.name;
  }
  get pageSize(): number {
    return this.inner.pageSize;
  }
  get slots(): number {
    return this.inner.slots;
  }
  get rotational(): boolean {
    return this.inner.rotational;
  }

  write(slot: number, data: Uint8Array): void {
    this.#maybeFailWrite(slot, 'faultInjectingDevice.write');
    this.inner.write(slot, data);
  }

  read(slot: number, out: Uint8Array): number {
    this.#maybeFailRead(slot, 'faultInjectingDevice.read');
    return this.inner.read(slot, out);
  }

  writeBatch(slots: ArrayLike<number>, pages: readonly Uint8Array[]): void {
    // Checked page by page so that a schedule means the same thing for both forms.
    try {
      for (let i = 0; i < slots.length; i++) this.write(slots[i]!, pages[i]!);
    } catch (e) {
      // A failed batch wrote none of its pages: drop the ones that went through.
      for (let i = 0; i < slots.length; i++) {
        const s = slots[i];
        if (typeof s === 'number' && s >>> 0 === s && s < this.slots) this.inner.discard(s, 1);
      }
      throw e;
    }
  }

  readBatch(slots: ArrayLike<number>, out: Uint8Array, lengths: Uint32Array): void {
    const ps = this.pageSize;
    const n = (slots as { length?: unknown } | null)?.length;
    if (
      !(typeof slots === 'object' && Number.isInteger(n)) ||
      !(out instanceof Uint8Array && lengths instanceof Uint32Array) ||
      out.length < (n as number) * ps ||
      lengths.length < (n as number)
    ) {
      throw new TieredStoreError(
        'INVALID_ARGUMENT',
        'faultInjectingDevice.readBatch',
        'needs a list of slots, a Uint8Array and a Uint32Array big enough for them',
      );
    }
    for (let i = 0; i < slots.length; i++) {
      this.#maybeFailRead(slots[i]!, 'faultInjectingDevice.readBatch');
      lengths[i] = this.inner.read(slots[i]!, out.subarray(i * ps, (i + 1) * ps));
    }
  }

  discard(first: number, count: number): void {
    this.inner.discard(first, count);
  }
  flush(): void {
    this.inner.flush();
  }
  close(): void {
    this.inner.close();
  }

  stats(): DeviceStats {
    const s = this.inner.stats();
    return { ...s, ioErrors: s.ioErrors + this.injectedWrites + this.injectedReads };
  }

  #maybeFailWrite(slot: number, where: string): void {
    if (this.plan.failWrite?.(++this.#writeCalls, slot)) {
      this.injectedWrites++;
      throw new TieredStoreError(
        'IO_ERROR',
        where,
        `injected write fault #${this.#writeCalls} at slot ${slot}`,
      );
    }
  }

  #maybeFailRead(slot: number, where: string): void {
    if (this.plan.failRead?.(++this.#readCalls, slot)) {
      this.injectedReads++;
      throw new TieredStoreError(
        'IO_ERROR',
        where,
        `injected read fault #${this.#readCalls} at slot ${slot}`,
      );
    }
  }
}
