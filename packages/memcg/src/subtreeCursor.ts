/**
 * SubtreeCursor: a per-group, cyclic pre-order walk over the group's subtree.
 *
 * It is the kernel's per-memcg writeback cursor (Hao Jia's `zswap_wb_iter{lock, pos}`,
 * and the global `zswap_next_shrink` that shrink_worker uses on the root): each call
 * to next() returns the group after the last one returned, so repeated proactive
 * writeback requests make progress across all descendants instead of always
 * starting with the first child. After the last group of the subtree, next() returns
 * NO_GROUP once (a round is complete, which is how shrink_worker counts failed
 * rounds) and the following call starts again at the subtree root.
 *
 * The cursor survives removal of the group it points at: the tree, on rmdir, moves
 * every cursor positioned on the dying group to the group that would come next
 * (zswap_memcg_offline_cleanup() does the same for every ancestor's cursor), so a
 * cursor never holds a freed or reused id. A cursor of a removed group is detached.
 */

import { checkInt } from './checks.js';
import { MemcgError } from './memcgError.js';
import type { GroupId } from './types.js';
import { MAX_GROUP_ID, NO_GROUP } from './types.js';

/** What a cursor needs from the tree (kept minimal so the two stay separable). */
export interface PreorderSource {
  /** Pre-order successor of `prev` inside `root`'s subtree; root for NO_GROUP; NO_GROUP at the end. */
  iter(root: GroupId, prev: GroupId): GroupId;
}

export class SubtreeCursor {
  readonly root: GroupId;
  #position: GroupId = NO_GROUP;
  /** Set by onRemove: what next() must return instead of walking on (NO_GROUP = end of round). */
  #pending: GroupId | undefined;
  #detachedFlag = false;
  readonly #source: PreorderSource;

  constructor(source: PreorderSource, root: GroupId) {
    if (typeof source?.iter !== 'function') {
      throw new MemcgError('INVALID_ARGUMENT', 'cursor.constructor', 'source must have iter()');
    }
    checkInt(root, 1, MAX_GROUP_ID, 'cursor.constructor', 'root');
    this.#source = source;
    this.root = root;
  }

  /** The group last returned (NO_GROUP before the first call and after a round ends). */
  get pos(): GroupId {
    return this.#position;
  }

  /** True once the cursor's own group was removed. */
  get detached(): boolean {
    return this.#detachedFlag;
  }

  /** The next group of the cyclic walk, or NO_GROUP at the end of a round. */
  next(): GroupId {
    if (this.#detachedFlag) return NO_GROUP;
    if (this.#pending !== undefined) {
      this.#position = this.#pending;
      this.#pending = undefined;
      return this.#position;
    }
    this.#position = this.#source.iter(this.root, this.#position);
    return this.#position;
  }

  /** Forgets the position; the next call starts at the subtree root. */
  reset(): void {
    this.#position = NO_GROUP;
    this.#pending = undefined;
  }

  /**
   * Called by the tree before `dying` is unlinked: `successor` is where the walk
   * would have gone after the dying group (NO_GROUP if that ends the round).
   */
  onRemove(dying: GroupId, successor: GroupId): void {
    checkInt(dying, 1, MAX_GROUP_ID, 'cursor.onRemove', 'dying');
    checkInt(successor, 0, MAX_GROUP_ID, 'cursor.onRemove', 'successor');
    if (dying === this.root) {
      this.#detachedFlag = true;
      this.#position = NO_GROUP;
      this.#pending = undefined;
      return;
    }
    // BAD: leaving pos on the dying id; the id can be freed and reused by an
    // unrelated group, and the walk would continue inside that group's subtree.
    // GOOD: remember the successor and hand it out on the next call.
    if (this.#pending === dying) this.#pending = successor;
    if (this.#position === dying) {
      this.#position = NO_GROUP;
      this.#pending ??= successor;
    }
  }
}
