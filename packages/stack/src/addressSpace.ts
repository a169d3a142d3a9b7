/**
 * AddressSpace: the processes' pages and the machine's page frames, as structure of
 * arrays. A process owns a contiguous range of page indices (its virtual pages, in
 * page units) and belongs to one memcg. Per page the tables hold its state (never
 * touched, resident, swapped out), its memcg, its frame when resident, its swap word
 * when swapped (a vswap entry, or a classic slot plus backend kind) and the time it was
 * swapped out (seconds, for demotion by age). The page table of the kernel is these
 * arrays: the stack looks a page up by index, never walks anything.
 *
 * Resident bytes live in page frames: chunks of 1024 frames (4 MiB for 4 KiB pages),
 * allocated as they are first needed, up to `ramBytes`. A page's bytes are a view into
 * its chunk, so swapping in and out copies straight between a frame and a backend.
 */

import { StackError } from './stackError.js';

/** Page states. */
export const PageState = Object.freeze({ NONE: 0, RESIDENT: 1, SWAPPED: 2 } as const);

/** Classic mode's backend of a swapped page (vswap mode asks vswap instead). */
export const ClassicBackend = Object.freeze({
  ZERO: 1,
  ZSWAP: 2,
  DISK: 3,
  /** Flag: the page's slot is on the ghost swapfile (never written). */
  GHOST: 8,
} as const);

const CHUNK_SHIFT = 10;
const CHUNK_FRAMES = 1 << CHUNK_SHIFT;

export interface Process {
  readonly pid: number;
  readonly base: number;
  readonly pages: number;
  readonly memcg: number;
}

export class AddressSpace {
  readonly pageSize: number;
  readonly maxFrames: number;
  state = new Uint8Array(0);
  memcg = new Uint16Array(0);
  frame = new Int32Array(0);
  swap = new Uint32Array(0);
  backend = new Uint8Array(0);
  swapTime = new Uint32Array(0);
  referenced = new Uint8Array(0);
  /** Page indices handed out so far (processes never share or reuse a range). */
  length = 0;
  readonly #chunks: Uint8Array[] = [];
  /** The same chunks as 32-bit words, for the zero-page check. */
  readonly #words: Int32Array[] = [];
  #freeFrames = new Int32Array(0);
  #nFree = 0;
  #framesMade = 0;
  readonly procs = new Map<number, Process>();
  /**
   * Per pid (the hot path's lookup, no Map): its first page index and its page count
   * (0 once it exited or for a pid never given).
   */
  procBase = new Int32Array(64);
  procPages = new Int32Array(64);
  /** A view per frame, made once with the frame: a fault or an access allocates nothing. */
  readonly #views: Uint8Array[] = [];
  #nextPid = 1;

  constructor(pageSize: number, ramBytes: number) {
    this.pageSize = pageSize;
    this.maxFrames = Math.floor(ramBytes / pageSize);
    this.#grow(1024);
  }

  get capacity(): number {
    return this.state.length;
  }

  /** Frames in use. */
  get framesUsed(): number {
    return this.#framesMade - this.#nFree;
  }

  /** Bytes of the per-page tables (metadata, not data). */
  get tableBytes(): number {
    return (
      this.state.byteLength +
      this.memcg.byteLength +
      this.frame.byteLength +
      this.swap.byteLength +
      this.backend.byteLength +
      this.swapTime.byteLength +
      this.referenced.byteLength
    );
  }

  /** Per-page table bytes for one page. */
  static readonly BYTES_PER_PAGE = 1 + 2 + 4 + 4 + 1 + 4 + 1;

  addProcess(memcg: number, pages: number): Process {
    if (this.length + pages > this.capacity) {
      let cap = this.capacity;
      while (cap < this.length + pages) cap *= 2;
      this.#grow(cap);
    }
    const p: Process = { pid: this.#nextPid++, base: this.length, pages, memcg };
    this.memcg.fill(memcg, p.base, p.base + pages);
    this.length += pages;
    this.procs.set(p.pid, p);
    if (p.pid >= this.procPages.length) {
      const base = new Int32Array(this.procPages.length * 2);
      base.set(this.procBase);
      this.procBase = base;
      const n = new Int32Array(this.procPages.length * 2);
      n.set(this.procPages);
      this.procPages = n;
    }
    this.procBase[p.pid] = p.base;
    this.procPages[p.pid] = pages;
    return p;
  }

  /** The process leaves the pid tables (its pages are freed by the caller). */
  removeProcess(pid: number): void {
    this.procs.delete(pid);
    this.procPages[pid] = 0;
  }

  process(pid: number, where: string): Process {
    const p = this.procs.get(pid);
    if (p === undefined) throw new StackError('NO_PROCESS', where, `no process ${String(pid)}`);
    return p;
  }

  /** A free frame, or -1 when all `maxFrames` are in use. */
  allocFrame(): number {
    if (this.#nFree > 0) return this.#freeFrames[--this.#nFree]!;
    if (this.#framesMade >= this.maxFrames) return -1;
    const f = this.#framesMade;
    if ((f & (CHUNK_FRAMES - 1)) === 0) {
      const n = Math.min(CHUNK_FRAMES, this.maxFrames - f);
      const chunk = new Uint8Array(n * this.pageSize);
      this.#chunks.push(chunk);
      this.#words.push(new Int32Array(chunk.buffer));
    }
    const o = (f & (CHUNK_FRAMES - 1)) * this.pageSize;
    this.#views.push(this.#chunks[f >>> CHUNK_SHIFT]!.subarray(o, o + this.pageSize));
    this.#framesMade++;
    if (this.#freeFrames.length < this.#framesMade) {
      const next = new Int32Array(Math.max(1024, this.#framesMade * 2));
      next.set(this.#freeFrames.subarray(0, this.#nFree));
      this.#freeFrames = next;
    }
    return f;
  }

  freeFrame(f: number): void {
    this.#freeFrames[this.#nFree++] = f;
  }

  /** The frame's chunk and the byte offset of the frame in it. */
  chunkOf(f: number): Uint8Array {
    return this.#chunks[f >>> CHUNK_SHIFT]!;
  }

  offsetOf(f: number): number {
    return (f & (CHUNK_FRAMES - 1)) * this.pageSize;
  }

  /**
   * True when every byte of frame `f` is zero: the words of its chunk compared in place
   * (no view made), stopping at the first non-zero word.
   */
  isZeroFrame(f: number): boolean {
    const w = this.#words[f >>> CHUNK_SHIFT]!;
    const n = this.pageSize >>> 2;
    const start = (f & (CHUNK_FRAMES - 1)) * n;
    const end = start + n;
    for (let i = start; i < end; i++) if (w[i] !== 0) return false;
    return true;
  }

  /** A view of a frame's bytes (the same object every time). */
  frameView(f: number): Uint8Array {
    return this.#views[f]!;
  }

  #grow(cap: number): void {
    const g8 = (a: Uint8Array) => {
      const n = new Uint8Array(cap);
      n.set(a);
      return n;
    };
    this.state = g8(this.state);
    this.backend = g8(this.backend);
    this.referenced = g8(this.referenced);
    const m = new Uint16Array(cap);
    m.set(this.memcg);
    this.memcg = m;
    const fr = new Int32Array(cap).fill(-1);
    fr.set(this.frame);
    this.frame = fr;
    const s = new Uint32Array(cap);
    s.set(this.swap);
    this.swap = s;
    const t = new Uint32Array(cap);
    t.set(this.swapTime);
    this.swapTime = t;
  }
}
