/**
 * MemcgTree: the cgroup v2 memory-controller hierarchy: GroupTree's structure (groups
 * by path, 16-bit ids, rmdir to OFFLINE with id references, iteration and cursors)
 * plus the controller's state (mm/memcontrol.c, mm/page_counter.c):
 * - A removed group's hierarchical page-counter usage already sits in every ancestor
 *   and its memory.stat values are folded into the parent; charges against its id go
 *   to its nearest online ancestor (resolve).
 * - Page counters (memory, swap, zswap) charged hierarchically: a charge is checked
 *   against every ancestor's limit and refused, changing nothing, if one would be
 *   exceeded (page_counter_try_charge()).
 * - Hierarchical switches kept as own + effective values, with the effective one
 *   maintained on write so the hot path reads one array slot: memory.zswap.writeback
 *   (0 in any ancestor disables it, mem_cgroup_zswap_writeback_enabled()) and the
 *   swap-tier mask (effective = parent's effective AND own, swap tiers v9's
 *   `effective_mask`).
 * - A pre-order iterator (mem_cgroup_iter()) over first-child / next-sibling links
 *   and per-group cursors (SubtreeCursor) that are moved off a group before it dies.
 *
 * Everything per group lives in typed arrays indexed by id (structure of arrays).
 */

import { isIntInRange, showValue } from '@tierswap/base';
import { checkBoolean, checkCount, checkInt } from './checks.js';
import {
  assertKnown,
  assertOnline,
  GroupTree,
  highWater,
  INITIAL_CAPACITY,
  onFree,
  onGrow,
  onInit,
  onOffline,
  parents,
  refCounts,
  releaseOffline,
} from './groupTree.js';
import { grown } from './growable.js';
import { MemcgError } from './memcgError.js';
import type { CounterId } from './statCounters.js';
import { addTrusted, STANDARD_STATS, StatCounters } from './statCounters.js';
import type { GroupId, Resource } from './types.js';
import {
  ALL_TIERS_MASK,
  GroupState,
  MAX_GROUP_ID,
  NO_GROUP,
  PAGE_COUNTER_MAX,
  PAGE_SIZE,
  RESOURCES,
  ROOT_GROUP,
} from './types.js';

export interface MemcgTreeOptions {
  /** Highest id handed out (default 65535, MEM_CGROUP_ID_MAX); lower it to test ENOSPC. */
  maxGroupId?: number;
}

/** Refused charges, by resource (the kernel's memory.events "max" and swap.events "fail"). */
export interface ChargeFailures {
  memory: number;
  swap: number;
  zswap: number;
}

export class MemcgTree extends GroupTree {
  /** memory.stat counters; layers define their own (see StatCounters). */
  readonly stats: StatCounters;
  readonly chargeFailures: ChargeFailures = { memory: 0, swap: 0, zswap: 0 };

  // --- hierarchical switches ------------------------------------------------
  #writebackOwn = new Uint8Array(INITIAL_CAPACITY);
  #writebackEff = new Uint8Array(INITIAL_CAPACITY);
  #tierOwn = new Uint32Array(INITIAL_CAPACITY);
  #tierEff = new Uint32Array(INITIAL_CAPACITY);
  // --- page counters, [resource][group], in pages ---------------------------
  #usage: Float64Array[] = RESOURCES.map(() => new Float64Array(INITIAL_CAPACITY));
  #limit: Float64Array[] = RESOURCES.map(() =>
    new Float64Array(INITIAL_CAPACITY).fill(PAGE_COUNTER_MAX),
  );
  #highLimit = new Float64Array(INITIAL_CAPACITY).fill(PAGE_COUNTER_MAX);
  /** GroupTree's parent and reference columns, taken again whenever the tree grows. */
  #parent: Uint16Array;
  #refs: Uint32Array;
  /** The memory.stat counters chargeZswap / unchargeZswap move (standard, so always defined). */
  readonly #zs: { zswap: CounterId; zswapped: CounterId; incomp: CounterId; zswpout: CounterId };

  constructor(options: MemcgTreeOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new MemcgError('INVALID_ARGUMENT', 'tree.constructor', 'options must be an object');
    }
    super(options.maxGroupId ?? MAX_GROUP_ID);
    this.#parent = this[parents];
    this.#refs = this[refCounts];
    this.stats = new StatCounters(INITIAL_CAPACITY);
    for (const [name, unit] of STANDARD_STATS) this.stats.define(name, unit);
    const counter = (name: string): CounterId => this.stats.lookup(name)!;
    this.#zs = {
      zswap: counter('zswap'),
      zswapped: counter('zswapped'),
      incomp: counter('zswap_incomp'),
      zswpout: counter('zswpout'),
    };
    this[onInit](ROOT_GROUP, NO_GROUP);
  }

  // ==========================================================================
  // Page counters (page_counter_try_charge / page_counter_uncharge)
  // ==========================================================================

  /**
   * Charges `pages` of `resource` to the group and every ancestor. Returns NO_GROUP
   * when charged, else the id of the group whose limit would be exceeded (nothing
   * is charged then, and the refusal is counted in chargeFailures).
   */
  tryCharge(id: GroupId, resource: Resource, pages: number): GroupId {
    const parent = this.#parent;
    const r = this.#resource(resource, 'tree.tryCharge');
    checkCount(pages, 'tree.tryCharge', 'pages');
    if (r === 2) {
      throw new MemcgError(
        'INVALID_ARGUMENT',
        'tree.tryCharge',
        'zswap is checked with zswapMayStore, not charged against',
      );
    }
    const usage = this.#usage[r]!;
    const limit = this.#limit[r]!;
    const start = this.resolve(id);
    for (let g: number = start; g !== NO_GROUP; g = parent[g]!) {
      if (usage[g]! + pages > limit[g]!) {
        this.chargeFailures[resource]++;
        return g as GroupId;
      }
    }
    for (let g: number = start; g !== NO_GROUP; g = parent[g]!) usage[g]! += pages;
    return NO_GROUP;
  }

  /** Charges without a limit check (the kernel's page_counter_charge, for forced charges). */
  forceCharge(id: GroupId, resource: Resource, pages: number): void {
    const parent = this.#parent;
    const r = this.#resource(resource, 'tree.forceCharge');
    checkCount(pages, 'tree.forceCharge', 'pages');
    const usage = this.#usage[r]!;
    for (let g: number = this.resolve(id); g !== NO_GROUP; g = parent[g]!) usage[g]! += pages;
  }

  uncharge(id: GroupId, resource: Resource, pages: number): void {
    const parent = this.#parent;
    const r = this.#resource(resource, 'tree.uncharge');
    checkCount(pages, 'tree.uncharge', 'pages');
    const usage = this.#usage[r]!;
    const start = this.resolve(id);
    if (usage[start]! < pages) {
      throw new MemcgError(
        'INVALID_ARGUMENT',
        'tree.uncharge',
        `${resource} of group ${start} is ${usage[start]} pages, uncharge ${pages}`,
      );
    }
    for (let g: number = start; g !== NO_GROUP; g = parent[g]!) usage[g]! -= pages;
  }

  /**
   * obj_cgroup_charge_zswap() for one stored entry of `bytes` compressed bytes holding
   * a page of `pageBytes`: takes a reference on the group's id (as the swap entry
   * holds its swap_cgroup id, so the id outlives an rmdir while entries remain),
   * charges memory.zswap.current up the tree and counts zswap, zswapped, zswap_incomp
   * (when `incompressible`) and zswpout, with one check and one walk: the store path
   * calls it for every page.
   */
  chargeZswap(id: GroupId, bytes: number, pageBytes: number, incompressible: boolean): void {
    const parent = this.#parent;
    const refs = this.#refs;
    const g = this.resolve(id); // checks the id (BAD_ID)
    this.#checkZswapArgs('tree.chargeZswap', bytes, pageBytes, incompressible);
    if (refs[id] === 0xffffffff) {
      throw new MemcgError(
        'INVALID_ARGUMENT',
        'tree.chargeZswap',
        `group ${id} has 2^32-1 references`,
      );
    }
    refs[id]!++;
    const usage = this.#usage[2]!;
    for (let p: number = g; p !== NO_GROUP; p = parent[p]!) usage[p]! += bytes;
    const stats = this.stats;
    const z = this.#zs;
    stats[addTrusted](g, z.zswap, bytes);
    stats[addTrusted](g, z.zswapped, pageBytes);
    if (incompressible) stats[addTrusted](g, z.incomp, pageBytes);
    stats[addTrusted](g, z.zswpout, 1);
  }

  /** The entry charged by chargeZswap left zswap: undoes it (but zswpout) and drops the reference. */
  unchargeZswap(id: GroupId, bytes: number, pageBytes: number, incompressible: boolean): void {
    const parent = this.#parent;
    const refs = this.#refs;
    const g = this.resolve(id); // checks the id (BAD_ID)
    this.#checkZswapArgs('tree.unchargeZswap', bytes, pageBytes, incompressible);
    const usage = this.#usage[2]!;
    if (usage[g]! < bytes || refs[id] === 0) {
      throw new MemcgError(
        'INVALID_ARGUMENT',
        'tree.unchargeZswap',
        `group ${g} holds ${usage[g]} zswap bytes and ${refs[id]} references, uncharge ${bytes}`,
      );
    }
    for (let p: number = g; p !== NO_GROUP; p = parent[p]!) usage[p]! -= bytes;
    const stats = this.stats;
    const z = this.#zs;
    stats[addTrusted](g, z.zswap, -bytes);
    stats[addTrusted](g, z.zswapped, -pageBytes);
    if (incompressible) stats[addTrusted](g, z.incomp, -pageBytes);
    const left = refs[id]! - 1; // checked above: at least one
    refs[id] = left;
    if (left === 0 && this.stateOf(id) === GroupState.OFFLINE) this[releaseOffline](id);
  }

  #checkZswapArgs(where: string, bytes: number, pageBytes: number, incompressible: boolean): void {
    if (
      !isIntInRange(bytes, 0, Number.MAX_SAFE_INTEGER) ||
      !isIntInRange(pageBytes, 0, Number.MAX_SAFE_INTEGER) ||
      typeof incompressible !== 'boolean'
    ) {
      throw new MemcgError(
        'INVALID_ARGUMENT',
        where,
        `bytes and pageBytes must be integers >= 0 and incompressible a boolean, got ${showValue(bytes)}, ${showValue(pageBytes)}, ${showValue(incompressible)}`,
      );
    }
  }

  /**
   * obj_cgroup_may_zswap(): may the group store one more page in zswap? The zswap
   * resource is charged in compressed *bytes* (forceCharge/uncharge with bytes), and
   * memory.zswap.max is in pages; like the kernel, the check is made before the store
   * (so usage can overshoot by one entry) and is refused when any ancestor's
   * floor(bytes / PAGE_SIZE) has reached its limit. Returns NO_GROUP or the limiting group.
   */
  zswapMayStore(id: GroupId): GroupId {
    const parent = this.#parent;
    const usage = this.#usage[2]!;
    const limit = this.#limit[2]!;
    for (let g: number = this.resolve(id); g !== NO_GROUP; g = parent[g]!) {
      const max = limit[g]!;
      if (max >= PAGE_COUNTER_MAX) continue;
      if (max === 0 || Math.floor(usage[g]! / PAGE_SIZE) >= max) {
        this.chargeFailures.zswap++;
        return g as GroupId;
      }
    }
    return NO_GROUP;
  }

  /** Hierarchical usage (the group and all descendants): pages, or bytes for zswap. */
  usagePages(id: GroupId, resource: Resource): number {
    const r = this.#resource(resource, 'tree.usagePages');
    this[assertKnown](id, 'tree.usagePages');
    return this.#usage[r]![id]!;
  }

  limitPages(id: GroupId, resource: Resource): number {
    const r = this.#resource(resource, 'tree.limitPages');
    this[assertKnown](id, 'tree.limitPages');
    return this.#limit[r]![id]!;
  }

  #resource(resource: unknown, where: string): number {
    if (resource === 'memory') return 0;
    if (resource === 'swap') return 1;
    if (resource === 'zswap') return 2;
    throw new MemcgError(
      'INVALID_ARGUMENT',
      where,
      `resource must be one of ${RESOURCES.join(', ')}, got ${showValue(resource)}`,
    );
  }

  /**
   * Sets a limit. Like the kernel, a limit below current usage is accepted (the
   * kernel then reclaims; here the stack does), and only new charges are refused.
   */
  setLimitPages(id: GroupId, resource: Resource, pages: number): void {
    this[assertOnline](id, 'tree.setLimitPages');
    const r = this.#resource(resource, 'tree.setLimitPages');
    checkInt(pages, 0, PAGE_COUNTER_MAX, 'tree.setLimitPages', 'pages');
    this.#limit[r]![id] = pages;
  }

  /** memory.high in pages (a throttle point for the stack, never a refusal). */
  highPages(id: GroupId): number {
    this[assertKnown](id, 'tree.highPages');
    return this.#highLimit[id]!;
  }

  setHighPages(id: GroupId, pages: number): void {
    this[assertOnline](id, 'tree.setHighPages');
    checkInt(pages, 0, PAGE_COUNTER_MAX, 'tree.setHighPages', 'pages');
    this.#highLimit[id] = pages;
  }

  /** True if the group or an ancestor is at or above memory.high. */
  overHigh(id: GroupId): boolean {
    const parent = this.#parent;
    const usage = this.#usage[0]!;
    for (let g: number = this.resolve(id); g !== NO_GROUP; g = parent[g]!) {
      if (usage[g]! > this.#highLimit[g]!) return true;
    }
    return false;
  }

  // ==========================================================================
  // Hierarchical switches
  // ==========================================================================

  /** memory.zswap.writeback as written to this group (0 or 1). */
  zswapWritebackOwn(id: GroupId): boolean {
    this[assertKnown](id, 'tree.zswapWritebackOwn');
    return this.#writebackOwn[id] === 1;
  }

  /** True unless this group or an ancestor has memory.zswap.writeback = 0. */
  zswapWritebackEnabled(id: GroupId): boolean {
    return this.#writebackEff[this.resolve(id)] === 1;
  }

  setZswapWriteback(id: GroupId, enabled: boolean): void {
    const parent = this.#parent;
    this[assertOnline](id, 'tree.setZswapWriteback');
    checkBoolean(enabled, 'tree.setZswapWriteback', 'enabled');
    this.#writebackOwn[id] = enabled ? 1 : 0;
    for (const g of this.subtree(id)) {
      const p = parent[g]!;
      this.#writebackEff[g] =
        this.#writebackOwn[g]! & (p === NO_GROUP ? 1 : this.#writebackEff[p]!);
    }
  }

  /** The group's own tier mask (bit i = tier index i allowed). */
  tierMask(id: GroupId): number {
    this[assertKnown](id, 'tree.tierMask');
    return this.#tierOwn[id]!;
  }

  /** Parent's effective mask AND own: a child can only narrow its parent. */
  effectiveTierMask(id: GroupId): number {
    return this.#tierEff[this.resolve(id)]!;
  }

  setTierMask(id: GroupId, mask: number): void {
    this[assertOnline](id, 'tree.setTierMask');
    checkInt(mask, 0, ALL_TIERS_MASK, 'tree.setTierMask', 'mask');
    this.#tierOwn[id] = mask >>> 0;
    this.#refreshTierEffective(id);
  }

  /** Sets bit `bit` in every group's own mask (a removed tier's bit is set again everywhere). */
  setTierBitEverywhere(bit: number): void {
    checkInt(bit, 0, 31, 'tree.setTierBitEverywhere', 'bit');
    const b = (1 << bit) >>> 0;
    for (let g = 1; g <= this[highWater]; g++) this.#tierOwn[g] = (this.#tierOwn[g]! | b) >>> 0;
    this.#refreshTierEffective(ROOT_GROUP);
  }

  #refreshTierEffective(from: GroupId): void {
    const parent = this.#parent;
    for (const g of this.subtree(from)) {
      const p = parent[g]!;
      this.#tierEff[g] =
        (this.#tierOwn[g]! & (p === NO_GROUP ? ALL_TIERS_MASK : this.#tierEff[p]!)) >>> 0;
    }
  }

  // ==========================================================================
  // memory.stat counters
  // ==========================================================================

  /** Adds to a counter of a group (an offline group's updates go to its online ancestor). */
  addStat(id: GroupId, counter: CounterId, delta: number): void {
    const g = this.resolve(id);
    if (typeof delta !== 'number' || !Number.isSafeInteger(delta)) {
      throw new MemcgError(
        'INVALID_ARGUMENT',
        'tree.addStat',
        `delta must be an integer, got ${showValue(delta)}`,
      );
    }
    this.stats[addTrusted](g, counter, delta);
  }

  /** The counter summed over the group's subtree (what memory.stat shows). */
  statTotal(id: GroupId, counter: CounterId): number {
    this[assertKnown](id, 'tree.statTotal');
    this.stats.checkCounter(counter, 'tree.statTotal');
    let sum = 0;
    for (const g of this.subtree(id)) sum += this.stats.local(g, counter);
    return sum;
  }

  /** Every counter summed over the subtree in one walk, indexed by CounterId. */
  statTotals(id: GroupId): Float64Array {
    this[assertKnown](id, 'tree.statTotals');
    const n = this.stats.definedNames().length;
    const sums = new Float64Array(n);
    for (let g = this.iter(id, NO_GROUP); g !== NO_GROUP; g = this.iter(id, g)) {
      for (let c = 0; c < n; c++) sums[c]! += this.stats.local(g, c as CounterId);
    }
    return sums;
  }

  statLocal(id: GroupId, counter: CounterId): number {
    this[assertKnown](id, 'tree.statLocal');
    this.stats.checkCounter(counter, 'tree.statLocal');
    return this.stats.local(id, counter);
  }

  // ==========================================================================
  // Hooks of GroupTree
  // ==========================================================================

  protected override [onGrow](capacity: number): void {
    this.#parent = this[parents];
    this.#refs = this[refCounts];
    this.#writebackOwn = grown(this.#writebackOwn, capacity);
    this.#writebackEff = grown(this.#writebackEff, capacity);
    this.#tierOwn = grown(this.#tierOwn, capacity);
    this.#tierEff = grown(this.#tierEff, capacity);
    this.#usage = this.#usage.map((a) => grown(a, capacity));
    this.#limit = this.#limit.map((a) => grown(a, capacity, PAGE_COUNTER_MAX));
    this.#highLimit = grown(this.#highLimit, capacity, PAGE_COUNTER_MAX);
    this.stats.grow(capacity);
  }

  protected override [onInit](id: GroupId, parent: GroupId): void {
    this.#writebackOwn[id] = 1;
    this.#tierOwn[id] = ALL_TIERS_MASK;
    this.#writebackEff[id] = parent === NO_GROUP ? 1 : this.#writebackEff[parent]!;
    this.#tierEff[id] = parent === NO_GROUP ? ALL_TIERS_MASK : this.#tierEff[parent]!;
    for (const u of this.#usage) u[id] = 0;
    for (const l of this.#limit) l[id] = PAGE_COUNTER_MAX;
    this.#highLimit[id] = PAGE_COUNTER_MAX;
    this.stats.clear(id);
  }

  protected override [onFree](id: GroupId): void {
    // Usage left here is already part of every ancestor's usage; it only needs clearing.
    for (const u of this.#usage) u[id] = 0;
    this.stats.clear(id);
  }

  protected override [onOffline](id: GroupId, parent: GroupId): void {
    this.stats.fold(id, parent);
  }
}
