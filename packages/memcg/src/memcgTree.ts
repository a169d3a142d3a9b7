/**
 * MemcgTree: the cgroup v2 memory-controller hierarchy.
 *
 * What it models (mm/memcontrol.c, kernel/cgroup/cgroup.c):
 * - Groups created and removed by path, each with a 16-bit id (1..65535, root = 1)
 *   that a vswap descriptor can store in its `memcgid:16` field.
 * - Removal (rmdir) of a group that still owns pages does not lose them. As in the
 *   kernel, the group goes OFFLINE: its hierarchical page-counter usage already sits
 *   in every ancestor, its memory.stat values are folded into the parent, and its id
 *   stays allocated while anything holds a reference (idGet/idPut, the kernel's
 *   mem_cgroup_id_get_many() taken per swapped-out page). `resolve(id)` maps an
 *   offline id to its nearest online ancestor, which is where later charges and
 *   uncharges go (mem_cgroup_id_get_online()). An offline group keeps a reference on
 *   its parent, so an id it points through is never reused underneath it.
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
import type { Refusal } from '@tierswap/base';
import { isRefusal, refuse } from '@tierswap/base';
import { checkBoolean, checkCount, checkInt, checkString, showValue } from './checks.js';
import { grown } from './growable.js';
import { MemcgError } from './memcgError.js';
import type { CounterId } from './statCounters.js';
import { addTrusted, STANDARD_STATS, StatCounters } from './statCounters.js';
import { SubtreeCursor } from './subtreeCursor.js';
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

const INITIAL_CAPACITY = 64;

function validName(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= 255 &&
    name !== '.' &&
    name !== '..' &&
    !name.includes('/') &&
    !name.includes('\n')
  );
}

export class MemcgTree {
  readonly root: GroupId = ROOT_GROUP;
  /** memory.stat counters; layers define their own (see StatCounters). */
  readonly stats: StatCounters;
  readonly maxGroupId: number;
  readonly chargeFailures: ChargeFailures = { memory: 0, swap: 0, zswap: 0 };

  #capacity = INITIAL_CAPACITY;
  // --- structure (0 = none) -------------------------------------------------
  #parent = new Uint16Array(INITIAL_CAPACITY);
  #firstChild = new Uint16Array(INITIAL_CAPACITY);
  #lastChild = new Uint16Array(INITIAL_CAPACITY);
  #nextSibling = new Uint16Array(INITIAL_CAPACITY);
  #prevSibling = new Uint16Array(INITIAL_CAPACITY);
  #state = new Uint8Array(INITIAL_CAPACITY);
  /** External id references (idGet/idPut) plus one per offline child. */
  #refs = new Uint32Array(INITIAL_CAPACITY);
  #names: (string | undefined)[] = [];
  readonly #byPath = new Map<string, GroupId>();
  readonly #freeIds: number[] = [];
  #highWater = ROOT_GROUP as number;
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
  readonly #cursors = new Map<GroupId, SubtreeCursor>();
  /** The memory.stat counters chargeZswap / unchargeZswap move (standard, so always defined). */
  readonly #zs: { zswap: CounterId; zswapped: CounterId; incomp: CounterId; zswpout: CounterId };

  constructor(options: MemcgTreeOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new MemcgError('INVALID_ARGUMENT', 'tree.constructor', 'options must be an object');
    }
    const max = options.maxGroupId ?? MAX_GROUP_ID;
    checkInt(max, 1, MAX_GROUP_ID, 'tree.constructor', 'maxGroupId');
    this.maxGroupId = max;
    this.stats = new StatCounters(INITIAL_CAPACITY);
    for (const [name, unit] of STANDARD_STATS) this.stats.define(name, unit);
    const counter = (name: string): CounterId => this.stats.lookup(name)!;
    this.#zs = {
      zswap: counter('zswap'),
      zswapped: counter('zswapped'),
      incomp: counter('zswap_incomp'),
      zswpout: counter('zswpout'),
    };
    this.#initGroup(ROOT_GROUP, NO_GROUP, '');
    this.#byPath.set('/', ROOT_GROUP);
  }

  // ==========================================================================
  // Structure: mkdir / rmdir / lookup
  // ==========================================================================

  /** Creates a group; returns its id, or a Refusal (EEXIST, ENOENT, EINVAL, ENOSPC). */
  mkdir(path: string): GroupId | Refusal {
    checkString(path, 'tree.mkdir', 'path');
    const parts = MemcgTree.#split(path);
    if (parts === undefined || parts.length === 0) {
      return refuse('EINVAL', `mkdir: ${showValue(path)} is not a group path below "/"`);
    }
    const norm = `/${parts.join('/')}`;
    if (this.#byPath.has(norm)) return refuse('EEXIST', `mkdir: ${norm} exists`);
    const parentPath = parts.length === 1 ? '/' : `/${parts.slice(0, -1).join('/')}`;
    const parent = this.#byPath.get(parentPath);
    if (parent === undefined) {
      return refuse('ENOENT', `mkdir: parent ${parentPath} of ${norm} does not exist`);
    }
    const id = this.#allocId();
    if (id === NO_GROUP) {
      return refuse('ENOSPC', `mkdir: no free group id for ${norm} (max ${this.maxGroupId})`);
    }
    this.#initGroup(id, parent, parts[parts.length - 1]!);
    this.#byPath.set(norm, id);
    return id;
  }

  /** mkdir that throws: for setup code where a failure is a bug. */
  create(path: string): GroupId {
    const r = this.mkdir(path);
    if (isRefusal(r)) throw new MemcgError('REFUSED', 'tree.create', r.reason, { errno: r.errno });
    return r;
  }

  /**
   * Removes a group (rmdir). EBUSY if it has online children or is the root, ENOENT
   * if it does not exist. Its pages stay charged up the tree and are owned by the
   * parent from now on; cursors pointing at it move on.
   */
  rmdir(pathOrId: string | GroupId): Refusal | undefined {
    if (typeof pathOrId !== 'string' && typeof pathOrId !== 'number') {
      throw new MemcgError(
        'INVALID_ARGUMENT',
        'tree.rmdir',
        `expected a path or a group id, got ${showValue(pathOrId)}`,
      );
    }
    const id = typeof pathOrId === 'string' ? this.lookup(pathOrId) : pathOrId;
    if (id === undefined || !this.isOnline(id)) {
      return refuse('ENOENT', `rmdir: no group ${showValue(pathOrId)}`);
    }
    if (id === ROOT_GROUP) return refuse('EBUSY', 'rmdir: the root group cannot be removed');
    if (this.#firstChild[id] !== NO_GROUP) {
      return refuse('EBUSY', `rmdir: ${this.pathOf(id)} has child groups`);
    }
    // Move every cursor off the dying group before the links are gone.
    for (const cursor of this.#cursors.values()) {
      if (cursor.root === id || this.isAncestor(cursor.root, id)) {
        cursor.onRemove(id, this.#iterSkip(cursor.root, id));
      }
    }
    this.#cursors.delete(id);
    const parent = this.#parent[id]! as GroupId;
    this.#byPath.delete(this.pathOf(id));
    this.#unlink(id);
    this.stats.fold(id, parent);
    this.#state[id] = GroupState.OFFLINE;
    if (this.#refs[id] === 0) this.#free(id);
    else this.#refs[parent]!++; // the dying group pins its parent while its id is referenced
    return undefined;
  }

  lookup(path: string): GroupId | undefined {
    checkString(path, 'tree.lookup', 'path');
    const parts = MemcgTree.#split(path);
    if (parts === undefined) return undefined;
    return this.#byPath.get(`/${parts.join('/')}`);
  }

  pathOf(id: GroupId): string {
    this.#assertKnown(id, 'tree.pathOf');
    if (id === ROOT_GROUP) return '/';
    const parts: string[] = [];
    let g: number = id;
    while (g !== ROOT_GROUP && g !== NO_GROUP) {
      parts.push(this.#names[g] ?? '?');
      g = this.#parent[g]!;
    }
    return `/${parts.reverse().join('/')}`;
  }

  parentOf(id: GroupId): GroupId {
    this.#assertKnown(id, 'tree.parentOf');
    return this.#parent[id]! as GroupId;
  }

  children(id: GroupId): GroupId[] {
    this.#assertKnown(id, 'tree.children');
    const out: GroupId[] = [];
    for (let c = this.#firstChild[id]!; c !== NO_GROUP; c = this.#nextSibling[c]!)
      out.push(c as GroupId);
    return out;
  }

  /** True if `id` names an online group (false for anything else, never a throw). */
  isOnline(id: number): boolean {
    return this.#inRange(id) && this.#state[id] === GroupState.ONLINE;
  }

  stateOf(id: number): GroupState {
    return this.#inRange(id) ? (this.#state[id] as GroupState) : GroupState.FREE;
  }

  #inRange(id: unknown): id is number {
    return typeof id === 'number' && id > 0 && id < this.#capacity && Number.isInteger(id);
  }

  /** Number of online groups, root included. */
  get size(): number {
    return this.#byPath.size;
  }

  // ==========================================================================
  // Id references (mem_cgroup_id_get_many / mem_cgroup_id_put_many)
  // ==========================================================================

  idGet(id: GroupId, n = 1): void {
    this.#assertKnown(id, 'tree.idGet');
    checkInt(n, 0, 0xffffffff - this.#refs[id]!, 'tree.idGet', 'n');
    this.#refs[id]! += n;
  }

  idPut(id: GroupId, n = 1): void {
    this.#assertKnown(id, 'tree.idPut');
    checkCount(n, 'tree.idPut', 'n');
    const r = this.#refs[id]!;
    if (r < n)
      throw new MemcgError(
        'INVALID_ARGUMENT',
        'tree.idPut',
        `group ${id} has ${r} references, put ${n}`,
      );
    this.#refs[id] = r - n;
    if (r === n && this.#state[id] === GroupState.OFFLINE) this.#releaseOffline(id);
  }

  /** References held on an id (0 for a free one). */
  idRefs(id: GroupId): number {
    checkInt(id, 1, MAX_GROUP_ID, 'tree.idRefs', 'id');
    return this.#refs[id] ?? 0;
  }

  /**
   * The nearest online group at or above `id` (where an offline group's pages now
   * belong). Throws BAD_ID for anything that is not an allocated group id.
   */
  resolve(id: GroupId): GroupId {
    // Fast path: a typed array answers undefined for any index that is not an
    // integer in range, so this alone accepts only online ids.
    if (typeof id === 'number' && this.#state[id] === GroupState.ONLINE) return id;
    this.#assertKnown(id, 'tree.resolve');
    let g: number = id;
    // An offline group pins its parent, so the chain ends at an online group.
    while (this.#state[g] !== GroupState.ONLINE) g = this.#parent[g]!;
    return g as GroupId;
  }

  // ==========================================================================
  // Iteration (mem_cgroup_iter) and cursors
  // ==========================================================================

  /**
   * Pre-order successor of `prev` in `root`'s subtree (online groups only): root
   * when prev is NO_GROUP, NO_GROUP after the last one.
   */
  iter(root: GroupId, prev: GroupId): GroupId {
    if (prev === NO_GROUP) return this.isOnline(root) ? root : NO_GROUP;
    if (!this.isOnline(prev) || !this.isOnline(root)) {
      throw new MemcgError(
        'BAD_ID',
        'tree.iter',
        `iter(${showValue(root)}, ${showValue(prev)}): both must be online groups`,
      );
    }
    const child = this.#firstChild[prev]!;
    if (child !== NO_GROUP) return child as GroupId;
    return this.#iterSkip(root, prev);
  }

  /** Successor of `g` when its subtree is skipped. */
  #iterSkip(root: GroupId, g: number): GroupId {
    while (g !== root && g !== NO_GROUP) {
      const sib = this.#nextSibling[g]!;
      if (sib !== NO_GROUP) return sib as GroupId;
      g = this.#parent[g]!;
    }
    return NO_GROUP;
  }

  /** All online groups of `root`'s subtree in pre-order, root first. */
  *subtree(root: GroupId): IterableIterator<GroupId> {
    for (let g = this.iter(root, NO_GROUP); g !== NO_GROUP; g = this.iter(root, g)) yield g;
  }

  /** True if `a` is a proper ancestor of `b`. */
  isAncestor(a: GroupId, b: GroupId): boolean {
    this.#assertKnown(a, 'tree.isAncestor');
    this.#assertKnown(b, 'tree.isAncestor');
    for (let g = this.#parent[b] ?? NO_GROUP; g !== NO_GROUP; g = this.#parent[g]!)
      if (g === a) return true;
    return false;
  }

  /** The group's own cyclic subtree cursor (created on first use). */
  cursorOf(id: GroupId): SubtreeCursor {
    this.#assertOnline(id, 'tree.cursorOf');
    let c = this.#cursors.get(id);
    if (c === undefined) {
      c = new SubtreeCursor(this, id);
      this.#cursors.set(id, c);
    }
    return c;
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
    for (let g: number = start; g !== NO_GROUP; g = this.#parent[g]!) {
      if (usage[g]! + pages > limit[g]!) {
        this.chargeFailures[resource]++;
        return g as GroupId;
      }
    }
    for (let g: number = start; g !== NO_GROUP; g = this.#parent[g]!) usage[g]! += pages;
    return NO_GROUP;
  }

  /** Charges without a limit check (the kernel's page_counter_charge, for forced charges). */
  forceCharge(id: GroupId, resource: Resource, pages: number): void {
    const r = this.#resource(resource, 'tree.forceCharge');
    checkCount(pages, 'tree.forceCharge', 'pages');
    const usage = this.#usage[r]!;
    for (let g: number = this.resolve(id); g !== NO_GROUP; g = this.#parent[g]!) usage[g]! += pages;
  }

  uncharge(id: GroupId, resource: Resource, pages: number): void {
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
    for (let g: number = start; g !== NO_GROUP; g = this.#parent[g]!) usage[g]! -= pages;
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
    this.#assertKnown(id, 'tree.chargeZswap');
    this.#checkZswapArgs('tree.chargeZswap', bytes, pageBytes, incompressible);
    if (this.#refs[id] === 0xffffffff) {
      throw new MemcgError(
        'INVALID_ARGUMENT',
        'tree.chargeZswap',
        `group ${id} has 2^32-1 references`,
      );
    }
    const g = this.resolve(id);
    this.#refs[id]!++;
    const usage = this.#usage[2]!;
    for (let p: number = g; p !== NO_GROUP; p = this.#parent[p]!) usage[p]! += bytes;
    const stats = this.stats;
    const z = this.#zs;
    stats[addTrusted](g, z.zswap, bytes);
    stats[addTrusted](g, z.zswapped, pageBytes);
    if (incompressible) stats[addTrusted](g, z.incomp, pageBytes);
    stats[addTrusted](g, z.zswpout, 1);
  }

  /** The entry charged by chargeZswap left zswap: undoes it (but zswpout) and drops the reference. */
  unchargeZswap(id: GroupId, bytes: number, pageBytes: number, incompressible: boolean): void {
    this.#assertKnown(id, 'tree.unchargeZswap');
    this.#checkZswapArgs('tree.unchargeZswap', bytes, pageBytes, incompressible);
    const g = this.resolve(id);
    const usage = this.#usage[2]!;
    if (usage[g]! < bytes || this.#refs[id] === 0) {
      throw new MemcgError(
        'INVALID_ARGUMENT',
        'tree.unchargeZswap',
        `group ${g} holds ${usage[g]} zswap bytes and ${this.#refs[id]} references, uncharge ${bytes}`,
      );
    }
    for (let p: number = g; p !== NO_GROUP; p = this.#parent[p]!) usage[p]! -= bytes;
    const stats = this.stats;
    const z = this.#zs;
    stats[addTrusted](g, z.zswap, -bytes);
    stats[addTrusted](g, z.zswapped, -pageBytes);
    if (incompressible) stats[addTrusted](g, z.incomp, -pageBytes);
    const refs = this.#refs[id]! - 1; // checked above: at least one
    this.#refs[id] = refs;
    if (refs === 0 && this.#state[id] === GroupState.OFFLINE) this.#releaseOffline(id);
  }

  #checkZswapArgs(where: string, bytes: number, pageBytes: number, incompressible: boolean): void {
    if (
      !Number.isSafeInteger(bytes) ||
      bytes < 0 ||
      !Number.isSafeInteger(pageBytes) ||
      pageBytes < 0 ||
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
    const usage = this.#usage[2]!;
    const limit = this.#limit[2]!;
    for (let g: number = this.resolve(id); g !== NO_GROUP; g = this.#parent[g]!) {
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
    this.#assertKnown(id, 'tree.usagePages');
    return this.#usage[r]![id]!;
  }

  limitPages(id: GroupId, resource: Resource): number {
    const r = this.#resource(resource, 'tree.limitPages');
    this.#assertKnown(id, 'tree.limitPages');
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
    this.#assertOnline(id, 'tree.setLimitPages');
    const r = this.#resource(resource, 'tree.setLimitPages');
    checkInt(pages, 0, PAGE_COUNTER_MAX, 'tree.setLimitPages', 'pages');
    this.#limit[r]![id] = pages;
  }

  /** memory.high in pages (a throttle point for the stack, never a refusal). */
  highPages(id: GroupId): number {
    this.#assertKnown(id, 'tree.highPages');
    return this.#highLimit[id]!;
  }

  setHighPages(id: GroupId, pages: number): void {
    this.#assertOnline(id, 'tree.setHighPages');
    checkInt(pages, 0, PAGE_COUNTER_MAX, 'tree.setHighPages', 'pages');
    this.#highLimit[id] = pages;
  }

  /** True if the group or an ancestor is at or above memory.high. */
  overHigh(id: GroupId): boolean {
    const usage = this.#usage[0]!;
    for (let g: number = this.resolve(id); g !== NO_GROUP; g = this.#parent[g]!) {
      if (usage[g]! > this.#highLimit[g]!) return true;
    }
    return false;
  }

  // ==========================================================================
  // Hierarchical switches
  // ==========================================================================

  /** memory.zswap.writeback as written to this group (0 or 1). */
  zswapWritebackOwn(id: GroupId): boolean {
    this.#assertKnown(id, 'tree.zswapWritebackOwn');
    return this.#writebackOwn[id] === 1;
  }

  /** True unless this group or an ancestor has memory.zswap.writeback = 0. */
  zswapWritebackEnabled(id: GroupId): boolean {
    return this.#writebackEff[this.resolve(id)] === 1;
  }

  setZswapWriteback(id: GroupId, enabled: boolean): void {
    this.#assertOnline(id, 'tree.setZswapWriteback');
    checkBoolean(enabled, 'tree.setZswapWriteback', 'enabled');
    this.#writebackOwn[id] = enabled ? 1 : 0;
    for (const g of this.subtree(id)) {
      const p = this.#parent[g]!;
      this.#writebackEff[g] =
        this.#writebackOwn[g]! & (p === NO_GROUP ? 1 : this.#writebackEff[p]!);
    }
  }

  /** The group's own tier mask (bit i = tier index i allowed). */
  tierMask(id: GroupId): number {
    this.#assertKnown(id, 'tree.tierMask');
    return this.#tierOwn[id]!;
  }

  /** Parent's effective mask AND own: a child can only narrow its parent. */
  effectiveTierMask(id: GroupId): number {
    return this.#tierEff[this.resolve(id)]!;
  }

  setTierMask(id: GroupId, mask: number): void {
    this.#assertOnline(id, 'tree.setTierMask');
    checkInt(mask, 0, ALL_TIERS_MASK, 'tree.setTierMask', 'mask');
    this.#tierOwn[id] = mask >>> 0;
    this.#refreshTierEffective(id);
  }

  /** Sets bit `bit` in every group's own mask (a removed tier's bit is set again everywhere). */
  setTierBitEverywhere(bit: number): void {
    checkInt(bit, 0, 31, 'tree.setTierBitEverywhere', 'bit');
    const b = (1 << bit) >>> 0;
    for (let g = 1; g <= this.#highWater; g++) this.#tierOwn[g] = (this.#tierOwn[g]! | b) >>> 0;
    this.#refreshTierEffective(ROOT_GROUP);
  }

  #refreshTierEffective(from: GroupId): void {
    for (const g of this.subtree(from)) {
      const p = this.#parent[g]!;
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
    this.#assertKnown(id, 'tree.statTotal');
    this.stats.checkCounter(counter, 'tree.statTotal');
    let sum = 0;
    for (const g of this.subtree(id)) sum += this.stats.local(g, counter);
    return sum;
  }

  /** Every counter summed over the subtree in one walk, indexed by CounterId. */
  statTotals(id: GroupId): Float64Array {
    this.#assertKnown(id, 'tree.statTotals');
    const n = this.stats.definedNames().length;
    const sums = new Float64Array(n);
    for (let g = this.iter(id, NO_GROUP); g !== NO_GROUP; g = this.iter(id, g)) {
      for (let c = 0; c < n; c++) sums[c]! += this.stats.local(g, c as CounterId);
    }
    return sums;
  }

  statLocal(id: GroupId, counter: CounterId): number {
    this.#assertKnown(id, 'tree.statLocal');
    this.stats.checkCounter(counter, 'tree.statLocal');
    return this.stats.local(id, counter);
  }

  // ==========================================================================
  // Internals
  // ==========================================================================

  static #split(path: string): string[] | undefined {
    if (!path.startsWith('/')) return undefined;
    const parts = path.split('/').filter((p) => p.length > 0);
    return parts.every(validName) ? parts : undefined;
  }

  #allocId(): GroupId {
    const reused = this.#freeIds.pop();
    if (reused !== undefined) return reused as GroupId;
    if (this.#highWater >= this.maxGroupId) return NO_GROUP;
    this.#highWater++;
    if (this.#highWater >= this.#capacity)
      this.#grow(Math.min(this.#capacity * 2, MAX_GROUP_ID + 1));
    return this.#highWater as GroupId;
  }

  #grow(capacity: number): void {
    this.#capacity = capacity;
    this.#parent = grown(this.#parent, capacity);
    this.#firstChild = grown(this.#firstChild, capacity);
    this.#lastChild = grown(this.#lastChild, capacity);
    this.#nextSibling = grown(this.#nextSibling, capacity);
    this.#prevSibling = grown(this.#prevSibling, capacity);
    this.#state = grown(this.#state, capacity);
    this.#refs = grown(this.#refs, capacity);
    this.#writebackOwn = grown(this.#writebackOwn, capacity);
    this.#writebackEff = grown(this.#writebackEff, capacity);
    this.#tierOwn = grown(this.#tierOwn, capacity);
    this.#tierEff = grown(this.#tierEff, capacity);
    this.#usage = this.#usage.map((a) => grown(a, capacity));
    this.#limit = this.#limit.map((a) => grown(a, capacity, PAGE_COUNTER_MAX));
    this.#highLimit = grown(this.#highLimit, capacity, PAGE_COUNTER_MAX);
    this.stats.grow(capacity);
  }

  #initGroup(id: GroupId, parent: GroupId, name: string): void {
    this.#state[id] = GroupState.ONLINE;
    this.#parent[id] = parent;
    this.#firstChild[id] = NO_GROUP;
    this.#lastChild[id] = NO_GROUP;
    this.#nextSibling[id] = NO_GROUP;
    this.#prevSibling[id] = NO_GROUP;
    this.#refs[id] = 0;
    this.#names[id] = name;
    this.#writebackOwn[id] = 1;
    this.#tierOwn[id] = ALL_TIERS_MASK;
    this.#writebackEff[id] = parent === NO_GROUP ? 1 : this.#writebackEff[parent]!;
    this.#tierEff[id] = parent === NO_GROUP ? ALL_TIERS_MASK : this.#tierEff[parent]!;
    for (const u of this.#usage) u[id] = 0;
    for (const l of this.#limit) l[id] = PAGE_COUNTER_MAX;
    this.#highLimit[id] = PAGE_COUNTER_MAX;
    this.stats.clear(id);
    if (parent !== NO_GROUP) {
      // Append as the last child, so iteration order is creation order (as in cgroupfs).
      const last = this.#lastChild[parent]!;
      this.#prevSibling[id] = last;
      if (last === NO_GROUP) this.#firstChild[parent] = id;
      else this.#nextSibling[last] = id;
      this.#lastChild[parent] = id;
    }
  }

  #unlink(id: GroupId): void {
    const p = this.#parent[id]!;
    const prev = this.#prevSibling[id]!;
    const next = this.#nextSibling[id]!;
    if (prev === NO_GROUP) this.#firstChild[p] = next;
    else this.#nextSibling[prev] = next;
    if (next === NO_GROUP) this.#lastChild[p] = prev;
    else this.#prevSibling[next] = prev;
    this.#prevSibling[id] = NO_GROUP;
    this.#nextSibling[id] = NO_GROUP;
  }

  /** Last reference to an offline group dropped: free it and unpin its parent. */
  #releaseOffline(id: GroupId): void {
    const parent = this.#parent[id]! as GroupId;
    this.#free(id);
    this.idPut(parent);
  }

  #free(id: GroupId): void {
    // Usage left here is already part of every ancestor's usage; it only needs clearing.
    for (const u of this.#usage) u[id] = 0;
    this.stats.clear(id);
    this.#state[id] = GroupState.FREE;
    this.#parent[id] = NO_GROUP;
    this.#names[id] = undefined;
    this.#freeIds.push(id);
  }

  #assertKnown(id: number, where: string): void {
    if (!(this.#inRange(id) && this.#state[id] !== GroupState.FREE)) {
      throw new MemcgError('BAD_ID', where, `group id ${showValue(id)} is not allocated`);
    }
  }

  #assertOnline(id: number, where: string): void {
    if (!this.isOnline(id)) {
      throw new MemcgError('BAD_ID', where, `group ${showValue(id)} is not online`);
    }
  }
}
