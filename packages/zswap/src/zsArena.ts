/**
 * ZsArena: a zsmalloc-like allocator for compressed pages, packed into ArrayBuffers.
 *
 * Why this design (after mm/zsmalloc.c and its design essay):
 * - Size classes step by pageSize >> 8 (16 B for 4 KiB pages), minimum object 32 B,
 *   maximum one page. An object of n bytes goes into the smallest class >= n, so the
 *   in-object waste is < 16 B.
 * - A zspage is 1..chain pages (CONFIG_ZSMALLOC_CHAIN_SIZE: default 8, 4..16) in one ArrayBuffer,
 *   sliced into equal objects of its class. For each class the page count is the one
 *   wasting the fewest tail bytes, as calculate_zspage_chain_size(); e.g. a 3264 B
 *   class uses 4 pages (5 objects, 64 B tail) instead of 1 page (1 object, 832 B).
 *   Classes that end up with the same page and object counts merge into the largest
 *   of them, as in zs_create_pool().
 * - Unlike zsmalloc, objects carry no 8 B handle header (zs_malloc adds one to every
 *   object that is not huge): the owner lives in the backref array below instead.
 * - The arena's footprint is the bytes of the zspages it holds, so the pool reports the
 *   real compression ratio. An empty zspage is released at once, as in zsmalloc. Its
 *   memory goes to a small per-class cache (bounded, default 8 MiB) instead of the
 *   garbage collector: in JS a fresh zeroed ArrayBuffer costs far more than the
 *   kernel's page allocator, and under store/load churn the same classes come back.
 *   Cached bytes are reported apart (cachedBytes), like free pages in the buddy
 *   allocator are not zswap's; compact() drops the cache.
 * - Handles are never 0 (0 means "no object" in the pool's tables): handle =
 *   zspageId * slots + objectIndex + 1, where slots is the most objects a zspage can
 *   hold (chain * pageSize / minObject) rounded up to a power of two (1024 for 8 pages of
 *   32 B objects).
 * - Each zspage has a backref array (u32 per object slot): the owner of a used object
 *   (the pool's entry index) or, with bit 31 set, the next free slot. The free list
 *   lives there, not in the objects, so objects need no header and compaction can tell
 *   each moved object's owner (zsmalloc keeps the handle in the object for this; the
 *   pool here is told through `onMove`).
 * - compact() is zs_compact(): per class, move objects from the emptiest zspages into
 *   the fullest and release the emptied ones.
 */

import { isIntInRange, isPowerOfTwoInRange } from '@tierswap/base';
import { ZswapError } from './zswapError.js';

/** CONFIG_ZSMALLOC_CHAIN_SIZE: default 8, range 4..16. */
export const ZS_CHAIN_SIZE = 8;
const FREE_BIT = 0x80000000;
const NO_NEXT = 0x7fffffff;

/** Footprint and packing figures of an arena. */
export interface ZsArenaStats {
  /** Bytes of zspages held. */
  readonly footprintBytes: number;
  /** Bytes of released zspages kept for reuse (not part of the footprint). */
  readonly cachedBytes: number;
  /** Bytes asked for by live objects (sum of alloc sizes). */
  readonly requestedBytes: number;
  /** Bytes of the size-class slots of live objects. */
  readonly slotBytes: number;
  readonly liveObjects: number;
  readonly zspages: number;
  /** Objects moved by compaction, ever. */
  readonly objectsMoved: number;
  /** Zspages released by compaction, ever (zram's pages_compacted counts pages). */
  readonly pagesCompacted: number;
  /** Bytes of arena metadata (per-zspage typed arrays and backrefs). */
  readonly metadataBytes: number;
}

/**
 * calculate_zspage_chain_size(): the zspage length, 1..chain pages, whose tail wastes
 * the fewest bytes (the first such length; a power-of-two size wastes none in one
 * page). Bytes, not a percentage: the kernel changed to this in 6.3 because rounded
 * percentages hid better lengths.
 */
function chainLength(size: number, pageSize: number, chain: number): number {
  if ((size & (size - 1)) === 0) return 1;
  let best = 1;
  let minWaste = Number.POSITIVE_INFINITY;
  for (let k = 1; k <= chain; k++) {
    const waste = (k * pageSize) % size;
    if (waste < minWaste) {
      minWaste = waste;
      best = k;
    }
  }
  return best;
}

export class ZsArena {
  readonly pageSize: number;
  readonly classStep: number;
  readonly minObject: number;
  /** Per 16 B step: the class it uses (itself, or the larger class it merged into). */
  readonly #classRep: Uint8Array;
  /** Per class: object size, pages per zspage, objects per zspage. */
  readonly #classSize: Uint32Array;
  readonly #classPages: Uint8Array;
  readonly #classObjs: Uint16Array;
  /** Per class: ids of zspages with at least one free object. */
  readonly #partial: number[][];
  /** Per class: released zspage memory (buffer + backref array) ready for reuse. */
  readonly #cache: { buf: Uint8Array; back: Uint32Array }[][];
  readonly #cacheLimit: number;
  #cached = 0;

  // Per zspage (indexed by zspage id); grown by doubling.
  #zsBuf: (Uint8Array | undefined)[] = [];
  #zsBack: (Uint32Array | undefined)[] = [];
  #zsClass: Uint16Array = new Uint16Array(64);
  #zsInuse: Uint16Array = new Uint16Array(64);
  #zsFreeHead: Uint32Array = new Uint32Array(64);
  /** Position of the zspage in its class's partial list, or -1. */
  #zsPartialPos: Int32Array = new Int32Array(64).fill(-1);
  #zsNext = 0;
  readonly #freeIds: number[] = [];

  #footprint = 0;
  #requested = 0;
  #slotBytes = 0;
  #live = 0;
  #zspages = 0;
  #moved = 0;
  #compacted = 0;
  #backrefBytes = 0;

  /**
   * Object slots per zspage in the handle encoding: chain * pageSize / minObject rounded
   * up to a power of two, so a handle splits with a shift and a mask (loads decode a
   * handle three times; divisions showed in their profile).
   */
  readonly #objSlots: number;
  readonly #slotShift: number;
  readonly #maxZspages: number;
  readonly chainSize: number;
  /**
   * Smallest object size that takes a whole page to itself, as zs_huge_class_size():
   * above chain * pageSize / (chain + 1) no zspage length fits more objects than
   * pages. zram stores such pages uncompressed and counts them as a full page in
   * compr_data_size, since they cost a page either way.
   */
  readonly hugeClassSize: number;

  constructor(pageSize: number, options: { chainSize?: number; cacheLimitBytes?: number } = {}) {
    const chain = options.chainSize ?? ZS_CHAIN_SIZE;
    if (!isIntInRange(chain, 4, 16)) {
      throw new ZswapError(
        'INVALID_ARGUMENT',
        'zsArena.constructor',
        `chain size ${chain} not in 4..16`,
      );
    }
    this.chainSize = chain;
    if (!isPowerOfTwoInRange(pageSize, 256, Number.POSITIVE_INFINITY)) {
      throw new ZswapError(
        'INVALID_ARGUMENT',
        'zsArena.constructor',
        `page size ${pageSize} is not a power of two >= 256`,
      );
    }
    this.pageSize = pageSize;
    this.classStep = pageSize >>> 8;
    this.minObject = Math.max(32, this.classStep * 2);
    const n = pageSize / this.classStep;
    this.#classSize = new Uint32Array(n);
    this.#classPages = new Uint8Array(n);
    this.#classObjs = new Uint16Array(n);
    this.#partial = new Array(n);
    this.#cache = new Array(n);
    this.#cacheLimit = options.cacheLimitBytes ?? 8 << 20;
    this.#slotShift = Math.ceil(Math.log2((chain * pageSize) / this.minObject));
    this.#objSlots = 2 ** this.#slotShift;
    this.#maxZspages = Math.floor(0xffffffff / this.#objSlots) - 1;
    this.#classRep = new Uint8Array(n);
    // zs_create_pool(): from the largest class down, a class whose zspage would have
    // the same length and object count as the last one created merges into it. Merging
    // costs nothing once zspages are full (the same objects fit either way) and leaves
    // fewer classes, so fewer partly filled zspages.
    let rep = -1;
    for (let c = n - 1; c >= 0; c--) {
      const size = (c + 1) * this.classStep;
      const pages = chainLength(size, pageSize, chain);
      const objs = Math.floor((pages * pageSize) / size);
      this.#partial[c] = [];
      this.#cache[c] = [];
      if (rep >= 0 && this.#classPages[rep] === pages && this.#classObjs[rep] === objs) {
        this.#classRep[c] = rep;
        continue;
      }
      rep = c;
      this.#classRep[c] = c;
      this.#classSize[c] = size;
      this.#classPages[c] = pages;
      this.#classObjs[c] = objs;
    }
    // Every class merged into the page-sized one is huge: its objects take a page alone.
    let huge = n - 1;
    while (huge > 0 && this.#classRep[huge - 1] === n - 1) huge--;
    this.hugeClassSize = huge * this.classStep + 1;
  }

  /** Size-class index for an object of `size` bytes (after merging). */
  classOf(size: number): number {
    const s = Math.max(size, this.minObject);
    return this.#classRep[Math.ceil(s / this.classStep) - 1]!;
  }

  /** Object size of a class. */
  classSize(cls: number): number {
    return this.#classSize[cls]!;
  }

  /** Pages per zspage of a class. */
  classPages(cls: number): number {
    return this.#classPages[cls]!;
  }

  /**
   * Allocate an object of `size` bytes (1..pageSize) owned by `owner` (< 2^31). Returns
   * a handle (never 0), or 0 when memory for a new zspage cannot be had.
   */
  alloc(size: number, owner: number): number {
    if (!(size >= 1 && size <= this.pageSize)) {
      throw new ZswapError(
        'INVALID_ARGUMENT',
        'zsArena.alloc',
        `size ${size} not in 1..${this.pageSize}`,
      );
    }
    const cls = this.classOf(size);
    const list = this.#partial[cls]!;
    let zs: number;
    if (list.length > 0) {
      // The most recently partial zspage: keeps allocation local; compaction evens out.
      zs = list[list.length - 1]!;
    } else {
      zs = this.#newZspage(cls);
      if (zs < 0) return 0;
    }
    const back = this.#zsBack[zs]!;
    const obj = this.#zsFreeHead[zs]!;
    const next = back[obj]! & NO_NEXT;
    back[obj] = owner;
    this.#zsFreeHead[zs] = next;
    const inuse = this.#zsInuse[zs]! + 1;
    this.#zsInuse[zs] = inuse;
    if (inuse === this.#classObjs[cls]) this.#removePartial(cls, zs);
    this.#requested += size;
    this.#slotBytes += this.#classSize[cls]!;
    this.#live++;
    return zs * this.#objSlots + obj + 1;
  }

  /** Free the object behind `handle`; `size` is the size it was allocated with. */
  free(handle: number, size: number): void {
    const h = handle - 1;
    const zs = h >>> this.#slotShift;
    const obj = h & (this.#objSlots - 1);
    const back = this.#zsBack[zs];
    if (
      handle <= 0 ||
      handle >>> 0 !== handle ||
      back === undefined ||
      obj >= back.length ||
      (back[obj]! & FREE_BIT) !== 0
    ) {
      throw new ZswapError('BAD_HANDLE', 'zsArena.free', `handle ${handle} is not a live object`);
    }
    const cls = this.#zsClass[zs]!;
    back[obj] = (FREE_BIT | this.#zsFreeHead[zs]!) >>> 0;
    this.#zsFreeHead[zs] = obj;
    const inuse = this.#zsInuse[zs]! - 1;
    this.#zsInuse[zs] = inuse;
    this.#requested -= size;
    this.#slotBytes -= this.#classSize[cls]!;
    this.#live--;
    if (inuse === this.#classObjs[cls]! - 1) this.#addPartial(cls, zs);
    if (inuse === 0) this.#releaseZspage(cls, zs);
  }

  /** The zspage buffer an object lives in (use with offsetOf). */
  bufferOf(handle: number): Uint8Array {
    const zs = (handle - 1) >>> this.#slotShift;
    const buf = this.#zsBuf[zs];
    if (buf === undefined) {
      throw new ZswapError('BAD_HANDLE', 'zsArena.bufferOf', `handle ${handle} names no zspage`);
    }
    return buf;
  }

  /** Byte offset of an object inside its zspage buffer. */
  offsetOf(handle: number): number {
    const h = handle - 1;
    const zs = h >>> this.#slotShift;
    return (h & (this.#objSlots - 1)) * this.#classSize[this.#zsClass[zs]!]!;
  }

  /** Owner recorded for a live object. */
  ownerOf(handle: number): number {
    const h = handle - 1;
    const zs = h >>> this.#slotShift;
    const back = this.#zsBack[zs];
    const v = back?.[h & (this.#objSlots - 1)];
    if (v === undefined || (v & FREE_BIT) !== 0) {
      throw new ZswapError(
        'BAD_HANDLE',
        'zsArena.ownerOf',
        `handle ${handle} is not a live object`,
      );
    }
    return v;
  }

  /**
   * zs_compact(): per class, move objects from the emptiest partial zspages into the
   * fullest, releasing every zspage that empties, and drop the cache of released zspages. `onMove`
   * is told each object's owner and new handle. Returns the zspages released.
   */
  compact(onMove: (owner: number, newHandle: number) => void): number {
    let released = 0;
    for (let cls = 0; cls < this.#partial.length; cls++) {
      const list = this.#partial[cls]!;
      if (list.length < 2) continue;
      const size = this.#classSize[cls]!;
      const objs = this.#classObjs[cls]!;
      const order = list.slice().sort((a, b) => this.#zsInuse[a]! - this.#zsInuse[b]!);
      let lo = 0;
      let hi = order.length - 1;
      // Slots of the current source below this index are free (moved or never used),
      // so the search for the next used object resumes here instead of at 0.
      let scanFrom = 0;
      let scanOf = -1;
      while (lo < hi) {
        const src = order[lo]!;
        const dst = order[hi]!;
        if (this.#zsInuse[dst] === objs) {
          hi--;
          continue;
        }
        if (this.#zsInuse[src] === 0) {
          lo++;
          continue;
        }
        // Move one used object of src into a free slot of dst.
        const sBack = this.#zsBack[src]!;
        if (scanOf !== src) {
          scanOf = src;
          scanFrom = 0;
        }
        let sObj = scanFrom;
        while ((sBack[sObj]! & FREE_BIT) !== 0) sObj++;
        scanFrom = sObj + 1;
        const owner = sBack[sObj]!;
        const dBack = this.#zsBack[dst]!;
        const dObj = this.#zsFreeHead[dst]!;
        this.#zsFreeHead[dst] = dBack[dObj]! & NO_NEXT;
        dBack[dObj] = owner;
        this.#zsInuse[dst] = this.#zsInuse[dst]! + 1;
        this.#zsBuf[dst]!.set(
          this.#zsBuf[src]!.subarray(sObj * size, sObj * size + size),
          dObj * size,
        );
        sBack[sObj] = (FREE_BIT | this.#zsFreeHead[src]!) >>> 0;
        this.#zsFreeHead[src] = sObj;
        this.#zsInuse[src] = this.#zsInuse[src]! - 1;
        this.#moved++;
        if (this.#zsInuse[dst] === objs) this.#removePartial(cls, dst);
        onMove(owner, dst * this.#objSlots + dObj + 1);
        if (this.#zsInuse[src] === 0) {
          this.#releaseZspage(cls, src);
          released++;
          this.#compacted += this.#classPages[cls]!;
          lo++;
        }
      }
    }
    for (const c of this.#cache) c.length = 0;
    this.#cached = 0;
    return released;
  }

  stats(): ZsArenaStats {
    const cap = this.#zsClass.length;
    return {
      footprintBytes: this.#footprint,
      cachedBytes: this.#cached,
      requestedBytes: this.#requested,
      slotBytes: this.#slotBytes,
      liveObjects: this.#live,
      zspages: this.#zspages,
      objectsMoved: this.#moved,
      pagesCompacted: this.#compacted,
      // class tables + per-zspage arrays (2+2+4+4 B per zspage slot) + backrefs
      metadataBytes:
        this.#classSize.byteLength +
        this.#classPages.byteLength +
        this.#classObjs.byteLength +
        cap * 12 +
        this.#backrefBytes,
    };
  }

  /** Bytes of zspages held. */
  get footprintBytes(): number {
    return this.#footprint;
  }

  /** Bytes of the size-class slots of live objects (what a perfect packing would hold). */
  get slotBytes(): number {
    return this.#slotBytes;
  }

  // ---- internals ----

  #newZspage(cls: number): number {
    let zs = this.#freeIds.pop();
    if (zs === undefined) {
      if (this.#zsNext >= this.#maxZspages) return -1;
      zs = this.#zsNext++;
      if (zs >= this.#zsClass.length) this.#grow();
    }
    const pages = this.#classPages[cls]!;
    const objs = this.#classObjs[cls]!;
    let buf: Uint8Array;
    let back: Uint32Array;
    const hit = this.#cache[cls]!.pop();
    if (hit !== undefined) {
      // Stale bytes in a reused buffer are never read: only written objects are.
      buf = hit.buf;
      back = hit.back;
      this.#cached -= buf.byteLength;
    } else {
      try {
        buf = new Uint8Array(pages * this.pageSize);
      } catch {
        this.#freeIds.push(zs);
        return -1;
      }
      back = new Uint32Array(objs);
    }
    for (let i = 0; i < objs; i++) back[i] = (FREE_BIT | (i + 1 < objs ? i + 1 : NO_NEXT)) >>> 0;
    this.#zsBuf[zs] = buf;
    this.#zsBack[zs] = back;
    this.#zsClass[zs] = cls;
    this.#zsInuse[zs] = 0;
    this.#zsFreeHead[zs] = 0;
    this.#footprint += buf.byteLength;
    this.#backrefBytes += back.byteLength;
    this.#zspages++;
    this.#addPartial(cls, zs);
    return zs;
  }

  #releaseZspage(cls: number, zs: number): void {
    this.#removePartial(cls, zs);
    const buf = this.#zsBuf[zs]!;
    this.#footprint -= buf.byteLength;
    this.#backrefBytes -= this.#zsBack[zs]!.byteLength;
    if (this.#cached + buf.byteLength <= this.#cacheLimit) {
      this.#cache[cls]!.push({ buf, back: this.#zsBack[zs]! });
      this.#cached += buf.byteLength;
    }
    this.#zsBuf[zs] = undefined;
    this.#zsBack[zs] = undefined;
    this.#zspages--;
    this.#freeIds.push(zs);
  }

  #addPartial(cls: number, zs: number): void {
    if (this.#zsPartialPos[zs] !== -1) return;
    const list = this.#partial[cls]!;
    this.#zsPartialPos[zs] = list.length;
    list.push(zs);
  }

  #removePartial(cls: number, zs: number): void {
    const pos = this.#zsPartialPos[zs]!;
    if (pos === -1) return;
    const list = this.#partial[cls]!;
    const last = list.pop()!;
    if (last !== zs) {
      list[pos] = last;
      this.#zsPartialPos[last] = pos;
    }
    this.#zsPartialPos[zs] = -1;
  }

  #grow(): void {
    const n = this.#zsClass.length * 2;
    const grow16 = (a: Uint16Array): Uint16Array => {
      const b = new Uint16Array(n);
      b.set(a);
      return b;
    };
    this.#zsClass = grow16(this.#zsClass);
    this.#zsInuse = grow16(this.#zsInuse);
    const f = new Uint32Array(n);
    f.set(this.#zsFreeHead);
    this.#zsFreeHead = f;
    const p = new Int32Array(n).fill(-1);
    p.set(this.#zsPartialPos);
    this.#zsPartialPos = p;
  }
}
