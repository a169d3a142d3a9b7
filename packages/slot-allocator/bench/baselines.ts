/**
 * The two allocators the cluster allocator is measured against. Both are written to be
 * as fast as their design allows, so the comparison is with the design, not a straw man.
 *
 * - BitmapAllocator: one bit per slot, next-fit scan from a cursor. Finds any aligned free
 *   run (orders up to 5), so its fallback rate is the best a global first-fit can do.
 * - FreeListAllocator: a stack of free slot numbers. O(1) for single slots, but it knows
 *   nothing of adjacency, so it can never serve a contiguous run.
 */

export const NONE = -1;

export interface BaselineAllocator {
  readonly name: string;
  alloc(order: number): number;
  free(slot: number, order: number): void;
  metadataBytes(): number;
}

export class BitmapAllocator implements BaselineAllocator {
  readonly name = 'bitmap scan';
  private readonly words: Uint32Array;
  private cursor = 0;

  constructor(readonly slots: number) {
    if (slots % 32 !== 0)
      throw new Error(`BitmapAllocator: slots must be a multiple of 32, got ${slots}`);
    this.words = new Uint32Array(slots / 32);
  }

  alloc(order: number): number {
    if (order > 5) return NONE;
    const words = this.words;
    const n = words.length;
    const nr = 1 << order;
    const mask = nr === 32 ? 0xffffffff : (1 << nr) - 1;
    for (let i = 0, w = this.cursor; i < n; i++, w = w + 1 === n ? 0 : w + 1) {
      const word = words[w]!;
      if (word === 0xffffffff) continue;
      if (order === 0) {
        const low = ~word & (word + 1); // lowest clear bit
        words[w] = word | low;
        this.cursor = w;
        return w * 32 + (31 - Math.clz32(low));
      }
      for (let bit = 0; bit < 32; bit += nr) {
        if ((word & (mask << bit)) === 0) {
          words[w] = word | (mask << bit);
          this.cursor = w;
          return w * 32 + bit;
        }
      }
    }
    return NONE;
  }

  free(slot: number, order: number): void {
    const nr = 1 << order;
    const m = nr === 32 ? 0xffffffff : (((1 << nr) - 1) << (slot & 31)) >>> 0;
    const w = slot >>> 5;
    if ((this.words[w]! & m) >>> 0 !== m) {
      throw new Error(
        `BitmapAllocator.free: slots ${slot}..${slot + nr - 1} are not all allocated`,
      );
    }
    this.words[w] = this.words[w]! & ~m;
  }

  metadataBytes(): number {
    return this.words.byteLength;
  }
}

export class FreeListAllocator implements BaselineAllocator {
  readonly name = 'free list';
  private readonly stack: Int32Array;
  private readonly inUse: Uint8Array;
  private top: number;

  constructor(readonly slots: number) {
    this.stack = new Int32Array(slots);
    this.inUse = new Uint8Array(slots);
    for (let i = 0; i < slots; i++) this.stack[i] = slots - 1 - i;
    this.top = slots;
  }

  alloc(order: number): number {
    if (order !== 0 || this.top === 0) return NONE;
    const s = this.stack[--this.top]!;
    this.inUse[s] = 1;
    return s;
  }

  free(slot: number, order: number): void {
    if (order !== 0 || this.inUse[slot] !== 1) {
      throw new Error(`FreeListAllocator.free: slot ${slot} (order ${order}) is not allocated`);
    }
    this.inUse[slot] = 0;
    this.stack[this.top++] = slot;
  }

  metadataBytes(): number {
    return this.stack.byteLength + this.inUse.byteLength;
  }
}
