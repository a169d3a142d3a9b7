/**
 * RawRetry: the 'retry' mode for pages that did not compress: they are stored raw (as
 * the kernel does since dca4437a5861, keeping the LRU order for writeback) and a later
 * pass on the shrink worker tries to compress them again, as Nhat Pham's 2023 series
 * proposed storing uncompressed pages and the thread asked what it would take to get
 * the memory back. A retry succeeds when the retry codec (a stronger one, or the
 * compressor after a switch) brings the page under maxCompressedBytes; the same codec
 * on the same bytes gives the same result, so with it every retry is spent CPU.
 *
 * Raw entries are kept in a Set of entry indices in store order (they are the
 * minority; the hot store path only adds to it when it stores raw). A pass takes at
 * most RAW_RETRY_BATCH of them, oldest first, that are at least rawRetrySeconds old.
 * An entry is tried once: one that does not compress leaves the set and stays raw (a
 * first study run retried random pages on every pass: four attempts in five wasted).
 *
 * A success replaces the arena object in place: same entry, same LRU position, same
 * store time and referenced bit; the charges move from raw to compressed without
 * counting a second zswpout.
 */

import type { Codec } from '@tierswap/compress';
import type { CodecSlots } from './codecSlots.js';
import { ageTicks, slotOf, stamp, TICK_MS, ticksAt, ticksOf } from './entryStamp.js';
import type { EntryTable } from './entryTable.js';
import type { PoolCounters } from './poolCounters.js';
import type { ZsArena } from './zsArena.js';
import type { ZswapCharges } from './zswapCharges.js';

/** Most raw entries one retry pass tries. */
export const RAW_RETRY_BATCH = 256;

/** What a retry pass needs of the pool (shared objects, not copies). */
export interface RawRetryHost {
  readonly pageSize: number;
  readonly entries: EntryTable;
  readonly arena: ZsArena;
  readonly codecs: CodecSlots;
  readonly charges: ZswapCharges;
  readonly counters: PoolCounters;
  /** zswap.max_compressed_bytes (the poor threshold). */
  maxCompressedBytes(): number;
  /** The codec retries use (the current compressor unless one was given). */
  retryCodec(): Codec;
  /** The pool's running sum of compressed lengths changed by `delta`. */
  addCompressedBytes(delta: number): void;
}

export class RawRetry {
  readonly #host: RawRetryHost;
  /** Indices of raw entries, in store order. */
  readonly #raw = new Set<number>();
  #nextPassMs = Number.NEGATIVE_INFINITY;

  constructor(host: RawRetryHost) {
    this.#host = host;
  }

  /** A raw entry was stored at `idx`. */
  added(idx: number): void {
    this.#raw.add(idx);
  }

  /** The raw entry at `idx` left the pool. */
  removed(idx: number): void {
    this.#raw.delete(idx);
  }

  get size(): number {
    return this.#raw.size;
  }

  /** True when raw entries wait and a pass is due at `nowMs`. */
  due(nowMs: number): boolean {
    return this.#raw.size > 0 && nowMs >= this.#nextPassMs;
  }

  /**
   * One pass: try up to `maxPages` raw entries at least `minAgeSeconds` old, oldest
   * first; the next pass is due `intervalSeconds` later. Returns the entries recompressed.
   */
  pass(nowMs: number, minAgeSeconds: number, intervalSeconds: number, maxPages: number): number {
    this.#nextPassMs = nowMs + intervalSeconds * 1000;
    const h = this.#host;
    const stamps = h.entries.stamps;
    const now = ticksAt(nowMs);
    const minAge = Math.ceil((minAgeSeconds * 1000) / TICK_MS);
    const picked: number[] = [];
    for (const idx of this.#raw) {
      if (picked.length >= maxPages) break;
      // Store order is age order: the first young entry ends the pass.
      if (ageTicks(stamps[idx]!, now) < minAge) break;
      picked.push(idx);
    }
    let done = 0;
    for (const idx of picked) if (this.#retry(idx)) done++;
    return done;
  }

  #retry(idx: number): boolean {
    const h = this.#host;
    const P = h.pageSize;
    const e = h.entries;
    const arena = h.arena;
    h.counters.recompress_attempts++;
    const oldHandle = e.handles[idx]!;
    const off = arena.offsetOf(oldHandle);
    const page = arena.bufferOf(oldHandle).subarray(off, off + P);
    const codec = h.retryCodec();
    let out: Uint8Array | undefined;
    try {
      out = codec.compress(page);
    } catch {
      out = undefined;
    }
    if (
      out === undefined ||
      out.length === 0 ||
      out.length >= P ||
      out.length > h.maxCompressedBytes()
    ) {
      // The same bytes through the same codec give the same answer: never retry this entry.
      this.#raw.delete(idx);
      return false;
    }
    const slot = h.codecs.slotFor(codec);
    if (slot < 0) return false; // eight codecs hold entries: stay raw
    let handle: number;
    try {
      handle = arena.alloc(out.length, idx);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      handle = 0;
    }
    if (handle === 0) return false;
    // `out` is the codec's own buffer, not a view of the arena: copy, then free the raw object.
    arena.bufferOf(handle).set(out, arena.offsetOf(handle));
    arena.free(oldHandle, P);
    const st = e.stamps[idx]!;
    h.codecs.release(slotOf(st));
    h.codecs.hold(slot);
    e.stamps[idx] = stamp(ticksOf(st), slot, st & 1);
    e.handles[idx] = handle;
    e.lens[idx] = out.length - 1;
    h.charges.recompressed(e.memcgs[idx]!, out.length);
    h.counters.stored_incompressible_pages--;
    h.counters.recompressed_pages++;
    h.addCompressedBytes(out.length - P);
    this.#raw.delete(idx);
    return true;
  }
}
