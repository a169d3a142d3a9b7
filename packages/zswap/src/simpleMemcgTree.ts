/**
 * SimpleMemcgTree: a small Map-based cgroup tree implementing ZswapMemcgView.
 *
 * Why it is exported: it lets the pool be used alone (one root memcg, or a hand-built
 * hierarchy) and it is the tree the tests use. The stack adapts @tierswap/memcg to
 * ZswapMemcgView instead. Semantics as cgroup v2: memory.zswap.max defaults to "max"
 * (Infinity), memory.zswap.writeback to 1, and a 0 in any ancestor disables writeback
 * for the whole subtree. Children are walked in creation order.
 */

import type { ZswapMemcgView } from './types.js';
import { ZswapError } from './zswapError.js';

interface Node {
  parent: number | undefined;
  children: number[];
  zswapMax: number;
  writeback: boolean;
}

export class SimpleMemcgTree implements ZswapMemcgView {
  readonly #nodes = new Map<number, Node>();
  readonly #root: number;

  constructor(rootId = 0) {
    this.#root = rootId;
    this.#nodes.set(rootId, {
      parent: undefined,
      children: [],
      zswapMax: Infinity,
      writeback: true,
    });
  }

  /** Create memcg `id` under `parent`. */
  add(id: number, parent: number): this {
    const p = this.#node('add', parent);
    if (this.#nodes.has(id)) {
      throw new ZswapError(
        'INVALID_ARGUMENT',
        `@tierswap/zswap/simpleMemcgTree.add: memcg ${id} exists`,
      );
    }
    this.#nodes.set(id, { parent, children: [], zswapMax: Infinity, writeback: true });
    p.children.push(id);
    return this;
  }

  /** Write memory.zswap.max (bytes; Infinity = "max"). */
  setZswapMax(id: number, bytes: number): this {
    this.#node('setZswapMax', id).zswapMax = bytes;
    return this;
  }

  /** Write memory.zswap.writeback. */
  setWriteback(id: number, enabled: boolean): this {
    this.#node('setWriteback', id).writeback = enabled;
    return this;
  }

  root(): number {
    return this.#root;
  }

  parentOf(id: number): number | undefined {
    return this.#nodes.get(id)?.parent;
  }

  zswapMax(id: number): number {
    return this.#node('zswapMax', id).zswapMax;
  }

  writebackEnabled(id: number): boolean {
    let n: Node | undefined = this.#node('writebackEnabled', id);
    while (n !== undefined) {
      if (!n.writeback) return false;
      n = n.parent === undefined ? undefined : this.#nodes.get(n.parent);
    }
    return true;
  }

  nextInSubtree(root: number, pos: number | undefined): number | undefined {
    if (pos === undefined) return root;
    // Pre-order successor of pos, not leaving root's subtree.
    const first = this.#nodes.get(pos)?.children[0];
    if (first !== undefined) return first;
    let cur = pos;
    while (cur !== root) {
      const parent = this.#nodes.get(cur)?.parent;
      if (parent === undefined) return undefined;
      const sib = this.#nodes.get(parent)!.children;
      const at = sib.indexOf(cur);
      if (at + 1 < sib.length) return sib[at + 1];
      cur = parent;
    }
    return undefined;
  }

  #node(where: string, id: number): Node {
    const n = this.#nodes.get(id);
    if (!n) {
      throw new ZswapError(
        'INVALID_ARGUMENT',
        `@tierswap/zswap/simpleMemcgTree.${where}: no memcg ${id}`,
      );
    }
    return n;
  }
}
