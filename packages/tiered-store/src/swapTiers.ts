/**
 * SwapTiers: the global tiers file /sys/kernel/mm/swap/tiers (YoungJun Park's swap
 * tiers, RFC Nov 2025 → v10 Jul 2026).
 *
 * A tier is a name, an index (its bit in memcg tier masks) and a start priority; it
 * covers [start, next higher start - 1], the top tier runs to SHRT_MAX, and whenever
 * tiers exist they must cover -1..SHRT_MAX, i.e. the lowest starts at -1.
 *
 * Writes: `+NAME:START_PRIO` and `-NAME`, several per write, separated by "," or
 * whitespace, applied left to right to a copy; the first failing op refuses the
 * whole write and the copy is dropped (the kernel's snapshot rollback), so a refused
 * write changes nothing. Errors as in the patch set:
 * - EINVAL: a token without +/-, a missing ":", a priority that is not an s16 or is
 *   below -1, a bad name (alphanumeric or "_", 1..15 characters), removing an unknown
 *   tier, or tiers that end up not covering -1..SHRT_MAX;
 * - EEXIST: the name is taken; ENOSPC: no free tier index;
 * - EBUSY: the start priority is taken, an add would move an active device to
 *   another tier, or the removed tier holds an active device.
 * Removing a tier merges its range into the tier below; removing the lowest tier
 * makes the next one start at -1.
 *
 * A write longer than a page is refused with E2BIG, as kernfs does for cgroup files.
 *
 * Difference: devices switched on while no tier existed stay in the default tier
 * (TIER_DEFAULT_IDX) until swapoff; adding tiers does not move them, so it is not
 * refused because of them.
 *
 * Refusals of a write are returned as a Refusal from @tierswap/base; a call with a
 * value of the wrong type throws INVALID_ARGUMENT. `onRemoved` runs after the write
 * is committed; if it throws, the rest of the removed indices are still reported and
 * CALLBACK_FAILED is thrown, so the file and the caller never disagree half-way.
 */
import type { Refusal } from '@tierswap/base';
import { isIntInRange, refuse, showValue } from '@tierswap/base';
import { parseKernelInt, tokenize } from '@tierswap/memcg';
import { checkOptions, invalid } from './args.js';
import { TieredStoreError } from './tieredStoreError.js';
import { DEFAULT_MAX_TIERS, PRIO_MAX, TIER_DEFAULT_IDX } from './types.js';

export interface TierInfo {
  readonly name: string;
  readonly idx: number;
  readonly start: number;
  readonly end: number;
}

/** An active device as the tiers file sees it: its priority and the tier it was given at swapon. */
export interface ActiveDeviceView {
  readonly priority: number;
  readonly tierIdx: number;
  readonly name: string;
}

export interface SwapTiersOptions {
  /** CONFIG_NR_SWAP_TIERS: 1..31, default 4. */
  maxTiers?: number;
  /** The active devices, consulted for EBUSY. */
  activeDevices?: () => Iterable<ActiveDeviceView>;
  /** Called after a committed write for every removed tier's index. */
  onRemoved?: (idx: number) => void;
}

interface Tier {
  name: string;
  idx: number;
  start: number;
}

const NAME_RE = /^[A-Za-z0-9_]{1,15}$/;
/** PAGE_SIZE: kernfs refuses a longer write with E2BIG. */
const MAX_WRITE = 4096;

/** Makes a standalone tiers file (a SwapSpace makes its own, `space.tiers`). */
export function createSwapTiers(options: SwapTiersOptions = {}): SwapTiers {
  return new SwapTiers(options);
}

export class SwapTiers {
  readonly #maxTiers: number;
  #tiers: Tier[] = []; // sorted by start, ascending
  readonly #activeDevices: () => Iterable<ActiveDeviceView>;
  readonly #onRemoved: ((idx: number) => void) | undefined;

  /** Use createSwapTiers(). */
  constructor(options: SwapTiersOptions = {}) {
    const where = 'createSwapTiers';
    checkOptions(options, where);
    const { maxTiers = DEFAULT_MAX_TIERS, activeDevices, onRemoved } = options;
    if (!isIntInRange(maxTiers, 1, 31)) {
      throw invalid(where, `maxTiers ${showValue(maxTiers)} must be an integer in 1..31`);
    }
    for (const [name, fn] of [
      ['activeDevices', activeDevices],
      ['onRemoved', onRemoved],
    ] as const) {
      if (fn !== undefined && typeof fn !== 'function') {
        throw invalid(where, `${name} must be a function, got ${showValue(fn)}`);
      }
    }
    this.#maxTiers = maxTiers;
    this.#activeDevices = activeDevices ?? (() => []);
    this.#onRemoved = onRemoved;
  }

  get maxTiers(): number {
    return this.#maxTiers;
  }

  /** Tiers, highest priority first, with their ranges. */
  list(): TierInfo[] {
    return ranges(this.#tiers).reverse();
  }

  get size(): number {
    return this.#tiers.length;
  }

  /** The index of the tier called `name`, if there is one. */
  lookup(name: string): number | undefined {
    if (typeof name !== 'string')
      throw invalid('swapTiers.lookup', `name ${showValue(name)} is not a string`);
    return this.#tiers.find((t) => t.name === name)?.idx;
  }

  /** The name of the tier with index `idx` (0..31), if there is one. */
  nameOf(idx: number): string | undefined {
    if (!isIntInRange(idx, 0, 31))
      throw invalid('swapTiers.nameOf', `idx ${showValue(idx)} must be an integer in 0..31`);
    return this.#tiers.find((t) => t.idx === idx)?.name;
  }

  /** The tier index a device of this priority belongs to (TIER_DEFAULT_IDX when there are no tiers). */
  tierOfPriority(priority: number): number {
    if (!isIntInRange(priority, -1, PRIO_MAX)) {
      throw invalid(
        'swapTiers.tierOfPriority',
        `priority ${showValue(priority)} must be an integer in -1..${PRIO_MAX}`,
      );
    }
    return tierOf(this.#tiers, priority);
  }

  /** The file's read side: a header and one row per tier, highest first. */
  read(): string {
    let out = 'Name             Idx PrioStart PrioEnd\n';
    for (const t of this.list()) {
      out += `${t.name.padEnd(16)} ${String(t.idx).padEnd(3)} ${String(t.start).padEnd(9)} ${t.end}\n`;
    }
    return out;
  }

  /** The file's write side; undefined on success, else the refusal (nothing changed). */
  write(text: string): Refusal | undefined {
    if (typeof text !== 'string')
      throw invalid('swapTiers.write', `text ${showValue(text)} is not a string`);
    // A UTF-16 unit is at most 3 bytes of UTF-8: only long texts need counting.
    if (text.length * 3 > MAX_WRITE && Buffer.byteLength(text) > MAX_WRITE) {
      return refuse(
        'E2BIG',
        `a write is at most ${MAX_WRITE} bytes, got ${Buffer.byteLength(text)}`,
      );
    }
    const work = this.#tiers.map((t) => ({ ...t }));
    const removed: number[] = [];
    let active: ActiveDeviceView[];
    try {
      active = [...this.#activeDevices()];
    } catch (e) {
      throw new TieredStoreError('CALLBACK_FAILED', 'swapTiers.write', 'activeDevices() threw', {
        cause: e,
      });
    }
    for (const tok of tokenize(text, ',')) {
      const sign = tok.charAt(0);
      if (sign === '+') {
        const r = this.#add(work, tok, active);
        if (r !== undefined) return r;
      } else if (sign === '-') {
        const name = tok.slice(1);
        if (!NAME_RE.test(name)) return refuse('EINVAL', `"${tok}": bad tier name`);
        const i = work.findIndex((t) => t.name === name);
        if (i < 0) return refuse('EINVAL', `"${tok}": no tier named ${name}`);
        const idx = work[i]!.idx;
        const holder = active.find((d) => d.tierIdx === idx);
        if (holder !== undefined) {
          return refuse('EBUSY', `"${tok}": tier ${name} holds active device ${holder.name}`);
        }
        work.splice(i, 1);
        if (i === 0 && work.length > 0) work[0]!.start = -1;
        removed.push(idx);
      } else {
        return refuse('EINVAL', `"${tok}": expected +NAME:PRIO or -NAME`);
      }
    }
    if (work.length > 0 && work[0]!.start !== -1) {
      return refuse(
        'EINVAL',
        `tiers must cover -1..${PRIO_MAX}; the lowest starts at ${work[0]!.start}`,
      );
    }
    this.#tiers = work;
    // A removed index starts fresh in every memcg, even when re-used by a new tier in this write.
    this.#reportRemoved(removed);
    return undefined;
  }

  /** Calls onRemoved for every index, even past one that throws; then throws the first failure. */
  #reportRemoved(removed: readonly number[]): void {
    const onRemoved = this.#onRemoved;
    if (onRemoved === undefined) return;
    let failure: { idx: number; e: unknown } | undefined;
    for (const idx of removed) {
      try {
        onRemoved(idx);
      } catch (e) {
        failure ??= { idx, e };
      }
    }
    if (failure !== undefined) {
      throw new TieredStoreError(
        'CALLBACK_FAILED',
        'swapTiers.write',
        `onRemoved(${failure.idx}) threw; the write was applied`,
        { cause: failure.e },
      );
    }
  }

  #add(work: Tier[], tok: string, active: ActiveDeviceView[]): Refusal | undefined {
    const body = tok.slice(1);
    const colon = body.indexOf(':');
    if (colon < 0) return refuse('EINVAL', `"${tok}": missing ":START_PRIO"`);
    const name = body.slice(0, colon);
    if (!NAME_RE.test(name)) {
      return refuse('EINVAL', `"${tok}": tier names are 1..15 characters of [A-Za-z0-9_]`);
    }
    const prio = parseKernelInt(body.slice(colon + 1), -32768, PRIO_MAX);
    if (typeof prio !== 'number')
      return refuse('EINVAL', `"${tok}": priority is not a 16-bit integer`);
    if (prio < -1) return refuse('EINVAL', `"${tok}": priority ${prio} is below -1`);
    if (work.some((t) => t.name === name)) return refuse('EEXIST', `"${tok}": tier ${name} exists`);
    const clash = work.find((t) => t.start === prio);
    if (clash !== undefined)
      return refuse('EBUSY', `"${tok}": priority ${prio} already starts tier ${clash.name}`);
    let idx = 0;
    while (idx < this.#maxTiers && work.some((t) => t.idx === idx)) idx++;
    if (idx >= this.#maxTiers)
      return refuse('ENOSPC', `"${tok}": all ${this.#maxTiers} tier slots are used`);
    const next = [...work, { name, idx, start: prio }].sort((a, b) => a.start - b.start);
    for (const d of active) {
      if (d.tierIdx === TIER_DEFAULT_IDX) continue;
      if (tierOf(next, d.priority) !== d.tierIdx) {
        return refuse(
          'EBUSY',
          `"${tok}": would move active device ${d.name} (priority ${d.priority}) to tier ${name}`,
        );
      }
    }
    work.splice(0, work.length, ...next);
    return undefined;
  }
}

function tierOf(tiers: readonly Tier[], priority: number): number {
  for (let i = tiers.length - 1; i >= 0; i--) if (priority >= tiers[i]!.start) return tiers[i]!.idx;
  return TIER_DEFAULT_IDX;
}

function ranges(tiers: readonly Tier[]): TierInfo[] {
  return tiers.map((t, i) => ({
    name: t.name,
    idx: t.idx,
    start: t.start,
    end: i + 1 < tiers.length ? tiers[i + 1]!.start - 1 : PRIO_MAX,
  }));
}
