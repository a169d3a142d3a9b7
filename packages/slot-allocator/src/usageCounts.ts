/**
 * Per-slot usage counts: the kernel's swap_map, one byte per slot.
 *
 * Encoding of a byte:
 *   0            free
 *   1 .. 0xFD    the count itself
 *   0xFE         the count is larger than 0xFD and lives in the overflow map
 *   0xFF         bad slot: never handed out, never freed
 * The kernel chains "continuation pages" for counts past SWAP_MAP_MAX; counts that large
 * are rare (a page shared by hundreds of processes), so a Map costs nothing on the common
 * path and keeps the static cost at exactly one byte per slot.
 */

export const COUNT_FREE = 0;
export const COUNT_MAX_INLINE = 0xfd;
export const COUNT_OVERFLOW = 0xfe;
export const COUNT_BAD = 0xff;

export class UsageCounts {
  // TypeScript `private` rather than `#`: on the allocator's hot path (see slotAllocator.ts).
  readonly bytes: Uint8Array;
  /** slot -> count, only for counts above COUNT_MAX_INLINE. */
  private readonly overflow = new Map<number, number>();

  constructor(slots: number) {
    this.bytes = new Uint8Array(slots);
  }

  /** The usage count of a slot that is neither free nor bad. */
  get(slot: number): number {
    const b = this.bytes[slot]!;
    return b === COUNT_OVERFLOW ? this.overflow.get(slot)! : b;
  }

  /** Adds one reference to an in-use slot and returns the new count. */
  increment(slot: number): number {
    const b = this.bytes[slot]!;
    if (b < COUNT_MAX_INLINE) {
      this.bytes[slot] = b + 1;
      return b + 1;
    }
    const next = (b === COUNT_OVERFLOW ? this.overflow.get(slot)! : b) + 1;
    this.overflow.set(slot, next);
    this.bytes[slot] = COUNT_OVERFLOW;
    return next;
  }

  /** Drops one reference from an in-use slot and returns the new count (0 = now free). */
  decrement(slot: number): number {
    const b = this.bytes[slot]!;
    if (b !== COUNT_OVERFLOW) {
      this.bytes[slot] = b - 1;
      return b - 1;
    }
    const next = this.overflow.get(slot)! - 1;
    if (next > COUNT_MAX_INLINE) {
      this.overflow.set(slot, next);
    } else {
      this.overflow.delete(slot);
      this.bytes[slot] = next;
    }
    return next;
  }

  overflowSize(): number {
    return this.overflow.size;
  }
}
