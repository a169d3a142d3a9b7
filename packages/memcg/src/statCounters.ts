/**
 * StatCounters: the memory.stat counters, one Float64Array per counter indexed by
 * group id, each holding the group's *local* value.
 *
 * The kernel keeps per-cpu local deltas and flushes them up the tree with rstat; a
 * read of memory.stat reports the hierarchical sum. We do the cheap half of that: an
 * update touches one array slot, and a read sums over the subtree (reads are rare,
 * updates are on the swap path). Counters are defined by name, in the order they
 * appear in memory.stat, by whichever layer owns them (zswap defines zswpout, the
 * stack defines pswpin, ...). When a group is removed its local values are folded
 * into the parent, as the kernel keeps a dead cgroup's contribution in its parent.
 */
import { grown } from './growable.js';
import { MemcgError } from './memcgError.js';

export type CounterId = number & { readonly __brand: 'CounterId' };

/** 'pages' counters are shown in bytes by memory.stat (as memcg_page_state_output does). */
export type CounterUnit = 'bytes' | 'pages' | 'events';

/**
 * The memory.stat keys of the swap stack, defined by every tree in this order so the
 * file's layout does not depend on which layer loaded first. Layers look them up by
 * name; they may define more.
 */
export const STANDARD_STATS: readonly (readonly [string, CounterUnit])[] = [
  ['anon', 'pages'],
  ['zswap', 'bytes'],
  ['zswapped', 'bytes'],
  ['zswap_incomp', 'bytes'],
  ['swapcached', 'pages'],
  ['pswpin', 'events'],
  ['pswpout', 'events'],
  ['zswpin', 'events'],
  ['zswpout', 'events'],
  ['zswpwb', 'events'],
  ['zswpwb_proactive', 'events'],
  ['swpin_zero', 'events'],
  ['swpout_zero', 'events'],
];

/**
 * The tree's way to add to a counter once it has checked the group and the delta
 * itself (a symbol not exported from the package, so only memcgTree.ts holds it).
 */
export const addTrusted = Symbol('addTrusted');

export class StatCounters {
  readonly #names: string[] = [];
  readonly #units: CounterUnit[] = [];
  readonly #byName = new Map<string, CounterId>();
  /** values[counter][group] = the group's local value. */
  #values: Float64Array[] = [];
  #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Defines a counter; programmer error if the name is taken. */
  define(name: string, unit: CounterUnit = 'events'): CounterId {
    if (typeof name !== 'string' || !/^[a-z0-9_]+$/.test(name)) {
      throw new MemcgError(
        'INVALID_ARGUMENT',
        'stats.define',
        `counter name "${name}" must match [a-z0-9_]+`,
      );
    }
    if (unit !== 'bytes' && unit !== 'pages' && unit !== 'events') {
      throw new MemcgError(
        'INVALID_ARGUMENT',
        'stats.define',
        `unit ${String(unit)} is not bytes, pages or events`,
      );
    }
    if (this.#byName.has(name)) {
      throw new MemcgError('DUPLICATE', 'stats.define', `counter "${name}" is already defined`);
    }
    const id = this.#names.length as CounterId;
    this.#names.push(name);
    this.#units.push(unit);
    this.#values.push(new Float64Array(this.#capacity));
    this.#byName.set(name, id);
    return id;
  }

  /** The counter called `name`, or undefined. */
  lookup(name: string): CounterId | undefined {
    return this.#byName.get(name);
  }

  /** Like lookup, but defines the counter if nobody has yet (for layers that share a name). */
  ensure(name: string, unit: CounterUnit = 'events'): CounterId {
    return this.#byName.get(name) ?? this.define(name, unit);
  }

  definedNames(): readonly string[] {
    return this.#names;
  }

  unitOf(counter: CounterId): CounterUnit {
    return this.#units[counter] ?? 'events';
  }

  /** Adds to a group's local value; the caller resolves offline ids first (the tree does). */
  addLocal(group: number, counter: CounterId, delta: number): void {
    this.checkCounter(counter, 'stats.add');
    if (!(Number.isInteger(group) && group >= 0 && group < this.#capacity)) {
      throw new MemcgError('BAD_ID', 'stats.add', `group ${String(group)} is out of range`);
    }
    if (typeof delta !== 'number' || !Number.isSafeInteger(delta)) {
      throw new MemcgError(
        'INVALID_ARGUMENT',
        'stats.add',
        `delta must be an integer, got ${String(delta)}`,
      );
    }
    const arr = this.#values[counter]!;
    arr[group] = (arr[group] ?? 0) + delta;
  }

  /** addLocal for a group and delta the caller has checked. */
  [addTrusted](group: number, counter: CounterId, delta: number): void {
    const arr = typeof counter === 'number' ? this.#values[counter] : undefined;
    if (arr === undefined)
      throw new MemcgError('BAD_ID', 'stats.add', `no counter ${String(counter)}`);
    arr[group]! += delta;
  }

  /** Throws BAD_ID unless `counter` names a defined counter. */
  checkCounter(counter: CounterId, where: string): void {
    if (!(typeof counter === 'number' && Number.isInteger(counter) && this.#values[counter])) {
      throw new MemcgError('BAD_ID', where, `no counter ${String(counter)}`);
    }
  }

  local(group: number, counter: CounterId): number {
    return this.#values[counter]?.[group] ?? 0;
  }

  /** Moves every local value of `from` into `to` (reparenting on removal). */
  fold(from: number, to: number): void {
    for (const arr of this.#values) {
      arr[to] = (arr[to] ?? 0) + (arr[from] ?? 0);
      arr[from] = 0;
    }
  }

  clear(group: number): void {
    for (const arr of this.#values) arr[group] = 0;
  }

  grow(capacity: number): void {
    this.#capacity = capacity;
    this.#values = this.#values.map((a) => grown(a, capacity));
  }
}
