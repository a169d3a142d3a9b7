/**
 * Lru: the per-memcg active and inactive lists of resident pages (mm/vmscan.c's
 * lruvec, anon only), as circular doubly-linked lists threaded through two Int32Arrays
 * indexed by page. List `2 * memcg + 1` is a group's active list, `2 * memcg` its
 * inactive list. The head is the most recently added page, the tail (head's prev) the
 * oldest: reclaim scans from the tail. Accessed bits are not here: a page access only
 * sets AddressSpace.referenced, and the reclaim scan reads and clears it.
 */

export class Lru {
  prev = new Int32Array(0);
  next = new Int32Array(0);
  /** The list a page is on, or -1. */
  on = new Int32Array(0);
  head = new Int32Array(0);
  count = new Int32Array(0);

  ensurePages(cap: number): void {
    if (this.prev.length >= cap) return;
    const grow = (a: Int32Array, fill: number) => {
      const n = new Int32Array(cap).fill(fill);
      n.set(a);
      return n;
    };
    this.prev = grow(this.prev, -1);
    this.next = grow(this.next, -1);
    this.on = grow(this.on, -1);
  }

  ensureGroups(maxGroupId: number): void {
    const need = (maxGroupId + 1) * 2;
    if (this.head.length >= need) return;
    const cap = Math.max(need, this.head.length * 2, 16);
    const h = new Int32Array(cap).fill(-1);
    h.set(this.head);
    this.head = h;
    const c = new Int32Array(cap);
    c.set(this.count);
    this.count = c;
  }

  /** Adds a page at the head of `list`. */
  add(page: number, list: number): void {
    const h = this.head[list]!;
    if (h < 0) {
      this.prev[page] = page;
      this.next[page] = page;
    } else {
      const tail = this.prev[h]!;
      this.prev[page] = tail;
      this.next[page] = h;
      this.next[tail] = page;
      this.prev[h] = page;
    }
    this.head[list] = page;
    this.on[page] = list;
    this.count[list]!++;
  }

  remove(page: number): void {
    const list = this.on[page]!;
    if (list < 0) return;
    const p = this.prev[page]!;
    const n = this.next[page]!;
    if (n === page) this.head[list] = -1;
    else {
      this.next[p] = n;
      this.prev[n] = p;
      if (this.head[list] === page) this.head[list] = n;
    }
    this.on[page] = -1;
    this.count[list]!--;
  }

  /** The oldest page of a list, or -1. */
  tail(list: number): number {
    const h = this.head[list]!;
    return h < 0 ? -1 : this.prev[h]!;
  }

  bytes(): number {
    return (
      this.prev.byteLength +
      this.next.byteLength +
      this.on.byteLength +
      this.head.byteLength +
      this.count.byteLength
    );
  }
}
