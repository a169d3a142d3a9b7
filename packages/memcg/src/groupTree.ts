/**
 * GroupTree: the structure of the cgroup v2 hierarchy, the base of MemcgTree.
 *
 * What it models (kernel/cgroup/cgroup.c, mm/memcontrol.c):
 * - Groups created and removed by path, each with a 16-bit id (1..65535, root = 1)
 *   that a vswap descriptor can store in its `memcgid:16` field.
 * - Removal (rmdir) of a group that still owns pages does not lose them: the group
 *   goes OFFLINE and its id stays allocated while anything holds a reference
 *   (idGet/idPut, the kernel's mem_cgroup_id_get_many() taken per swapped-out page).
 *   `resolve(id)` maps an offline id to its nearest online ancestor, which is where
 *   later charges and uncharges go (mem_cgroup_id_get_online()). An offline group
 *   keeps a reference on its parent, so an id it points through is never reused
 *   underneath it.
 * - A pre-order iterator (mem_cgroup_iter()) over first-child / next-sibling links
 *   and per-group cursors (SubtreeCursor) that are moved off a group before it dies.
 *
 * Why a base class: the structure and the controller's state (page counters,
 * switches, memory.stat) are two concepts; MemcgTree adds the second and keeps its
 * per-group arrays in step through the hooks below (grow, a group made, freed, gone
 * offline). The hooks and the arrays MemcgTree reads are symbol-keyed members not
 * exported from the package.
 *
 * Everything per group lives in typed arrays indexed by id (structure of arrays).
 */
import type { Refusal } from '@tierswap/base';
import { isRefusal, refuse, showValue } from '@tierswap/base';
import { checkCount, checkInt, checkString } from './checks.js';
import { grown } from './growable.js';
import { MemcgError } from './memcgError.js';
import { SubtreeCursor } from './subtreeCursor.js';
import type { GroupId } from './types.js';
import { GroupState, MAX_GROUP_ID, NO_GROUP, ROOT_GROUP } from './types.js';

/** Per-group arrays start at this many ids and double. */
export const INITIAL_CAPACITY = 64;

// Members MemcgTree overrides or reads (not exported from the package).
export const onGrow: unique symbol = Symbol('onGrow');
export const onInit: unique symbol = Symbol('onInit');
export const onFree: unique symbol = Symbol('onFree');
export const onOffline: unique symbol = Symbol('onOffline');
export const parents: unique symbol = Symbol('parents');
export const refCounts: unique symbol = Symbol('refCounts');
export const highWater: unique symbol = Symbol('highWater');
export const assertKnown: unique symbol = Symbol('assertKnown');
export const assertOnline: unique symbol = Symbol('assertOnline');
export const releaseOffline: unique symbol = Symbol('releaseOffline');

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

export abstract class GroupTree {
  readonly root: GroupId = ROOT_GROUP;
  readonly maxGroupId: number;

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
  readonly #cursors = new Map<GroupId, SubtreeCursor>();

  /**
   * Makes the root's structure. The subclass, once its own fields exist, calls
   * `this[onInit](ROOT_GROUP, NO_GROUP)` for the root's state.
   */
  constructor(maxGroupId: number) {
    checkInt(maxGroupId, 1, MAX_GROUP_ID, 'tree.constructor', 'maxGroupId');
    this.maxGroupId = maxGroupId;
    this.#state[ROOT_GROUP] = GroupState.ONLINE;
    this.#names[ROOT_GROUP] = '';
    this.#byPath.set('/', ROOT_GROUP);
  }

  /** The per-group arrays grew to `capacity` ids. */
  protected abstract [onGrow](capacity: number): void;
  /** Group `id` was made under `parent` (NO_GROUP for the root): reset its state. */
  protected abstract [onInit](id: GroupId, parent: GroupId): void;
  /** Group `id` is freed (its id may be reused). */
  protected abstract [onFree](id: GroupId): void;
  /** Group `id` went offline; `parent` now owns what it had. */
  protected abstract [onOffline](id: GroupId, parent: GroupId): void;

  /** The parent column (replaced when the tree grows: read it per call). */
  protected get [parents](): Uint16Array {
    return this.#parent;
  }
  protected get [refCounts](): Uint32Array {
    return this.#refs;
  }
  protected get [highWater](): number {
    return this.#highWater;
  }

  // ==========================================================================
  // Structure: mkdir / rmdir / lookup
  // ==========================================================================

  /** Creates a group; returns its id, or a Refusal (EEXIST, ENOENT, EINVAL, ENOSPC). */
  mkdir(path: string): GroupId | Refusal {
    checkString(path, 'tree.mkdir', 'path');
    const parts = GroupTree.#split(path);
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
    this[onOffline](id, parent);
    this.#state[id] = GroupState.OFFLINE;
    if (this.#refs[id] === 0) this.#free(id);
    else this.#refs[parent]!++; // the dying group pins its parent while its id is referenced
    return undefined;
  }

  lookup(path: string): GroupId | undefined {
    checkString(path, 'tree.lookup', 'path');
    const parts = GroupTree.#split(path);
    if (parts === undefined) return undefined;
    return this.#byPath.get(`/${parts.join('/')}`);
  }

  pathOf(id: GroupId): string {
    this[assertKnown](id, 'tree.pathOf');
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
    this[assertKnown](id, 'tree.parentOf');
    return this.#parent[id]! as GroupId;
  }

  children(id: GroupId): GroupId[] {
    this[assertKnown](id, 'tree.children');
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
    this[assertKnown](id, 'tree.idGet');
    checkInt(n, 0, 0xffffffff - this.#refs[id]!, 'tree.idGet', 'n');
    this.#refs[id]! += n;
  }

  idPut(id: GroupId, n = 1): void {
    this[assertKnown](id, 'tree.idPut');
    checkCount(n, 'tree.idPut', 'n');
    const r = this.#refs[id]!;
    if (r < n)
      throw new MemcgError(
        'INVALID_ARGUMENT',
        'tree.idPut',
        `group ${id} has ${r} references, put ${n}`,
      );
    this.#refs[id] = r - n;
    if (r === n && this.#state[id] === GroupState.OFFLINE) this[releaseOffline](id);
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
    this[assertKnown](id, 'tree.resolve');
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
    this[assertKnown](a, 'tree.isAncestor');
    this[assertKnown](b, 'tree.isAncestor');
    for (let g = this.#parent[b] ?? NO_GROUP; g !== NO_GROUP; g = this.#parent[g]!)
      if (g === a) return true;
    return false;
  }

  /** The group's own cyclic subtree cursor (created on first use). */
  cursorOf(id: GroupId): SubtreeCursor {
    this[assertOnline](id, 'tree.cursorOf');
    let c = this.#cursors.get(id);
    if (c === undefined) {
      c = new SubtreeCursor(this, id);
      this.#cursors.set(id, c);
    }
    return c;
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
    this[onGrow](capacity);
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
    if (parent !== NO_GROUP) {
      // Append as the last child, so iteration order is creation order (as in cgroupfs).
      const last = this.#lastChild[parent]!;
      this.#prevSibling[id] = last;
      if (last === NO_GROUP) this.#firstChild[parent] = id;
      else this.#nextSibling[last] = id;
      this.#lastChild[parent] = id;
    }
    this[onInit](id, parent);
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
  [releaseOffline](id: GroupId): void {
    const parent = this.#parent[id]! as GroupId;
    this.#free(id);
    this.idPut(parent);
  }

  #free(id: GroupId): void {
    this[onFree](id);
    this.#state[id] = GroupState.FREE;
    this.#parent[id] = NO_GROUP;
    this.#names[id] = undefined;
    this.#freeIds.push(id);
  }

  [assertKnown](id: number, where: string): void {
    if (!(this.#inRange(id) && this.#state[id] !== GroupState.FREE)) {
      throw new MemcgError('BAD_ID', where, `group id ${showValue(id)} is not allocated`);
    }
  }

  [assertOnline](id: number, where: string): void {
    if (!this.isOnline(id)) {
      throw new MemcgError('BAD_ID', where, `group ${showValue(id)} is not online`);
    }
  }
}
