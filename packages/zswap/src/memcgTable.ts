/**
 * MemcgTable: per-memcg state of the pool in typed arrays indexed by memcg id: the
 * memory.stat counters, the hierarchical zswap charge, the disk-swapin count the
 * shrinker subtracts and the cached parent. (The per-memcg LRU heads are MemcgLru's.)
 *
 * Why typed arrays: memcg ids are small dense integers (16-bit in the kernel), and the
 * store path touches this state for every page; Float64Array columns hold byte counts
 * exactly up to 2^53. `charge` is hierarchical, like the obj_cgroup charge behind
 * memory.zswap.current: a store adds its compressed length to the memcg and every
 * ancestor, so the limit check up the hierarchy reads one number per level.
 */

export const MAX_MEMCG_ID = 0xffff;
/** `parent` value of a memcg whose parent has not been looked up yet. */
export const UNKNOWN_PARENT = -2;

/**
 * The length of a per-memcg column that must hold `id`, from its current length:
 * at least 16, doubling, at most MAX_MEMCG_ID + 1. MemcgLru sizes its heads with it too.
 */
export function memcgColumnLength(current: number, id: number): number {
  let n = Math.max(16, current);
  while (n <= id) n *= 2;
  return Math.min(n, MAX_MEMCG_ID + 1);
}

/** A copy of `a` grown to `n` entries, the new ones set to `fill`. */
export function growInt32(a: Int32Array, n: number, fill: number): Int32Array {
  const b = new Int32Array(n).fill(fill);
  b.set(a);
  return b;
}

export class MemcgTable {
  /** Local memory.stat values (bytes or events). */
  zswapB: Float64Array = new Float64Array(0);
  zswappedB: Float64Array = new Float64Array(0);
  incompB: Float64Array = new Float64Array(0);
  zswpin: Float64Array = new Float64Array(0);
  zswpout: Float64Array = new Float64Array(0);
  zswpwb: Float64Array = new Float64Array(0);
  zswpwbProactive: Float64Array = new Float64Array(0);
  /** Hierarchical compressed bytes (memory.zswap.current). */
  charge: Float64Array = new Float64Array(0);
  /** Disk swap-ins not yet consumed by the shrinker (zswap_lruvec_state.nr_disk_swapins). */
  diskSwapins: Float64Array = new Float64Array(0);
  /**
   * Cached parent id: -1 for the root, UNKNOWN until first asked. cgroup v2 never moves
   * a cgroup, so a parent only changes if an id is reused (the pool's forgetMemcg).
   */
  parent: Int32Array = new Int32Array(0);

  get size(): number {
    return this.parent.length;
  }

  /** Make room for `id`. */
  ensure(id: number): void {
    if (id < this.parent.length) return;
    const n = memcgColumnLength(this.parent.length, id);
    const f64 = (a: Float64Array): Float64Array => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    this.zswapB = f64(this.zswapB);
    this.zswappedB = f64(this.zswappedB);
    this.incompB = f64(this.incompB);
    this.zswpin = f64(this.zswpin);
    this.zswpout = f64(this.zswpout);
    this.zswpwb = f64(this.zswpwb);
    this.zswpwbProactive = f64(this.zswpwbProactive);
    this.charge = f64(this.charge);
    this.diskSwapins = f64(this.diskSwapins);
    this.parent = growInt32(this.parent, n, UNKNOWN_PARENT);
  }

  get byteLength(): number {
    return this.parent.length * (4 + 9 * 8);
  }
}
