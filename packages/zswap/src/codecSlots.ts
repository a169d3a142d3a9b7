/**
 * CodecSlots: the pool's codecs, up to 8 at once (an entry names its codec in 3 bits
 * of its stamp). A compressor switch makes new stores use the new codec; entries keep
 * their slot and stay readable; a slot is released when its last entry goes, as zswap
 * keeps an old compressor's pool alive until its entries are gone.
 */

import type { Codec } from '@tierswap/compress';
import { MAX_CODECS } from './entryStamp.js';
import { ZswapError } from './zswapError.js';

export class CodecSlots {
  readonly #codecs: (Codec | undefined)[] = new Array(MAX_CODECS).fill(undefined);
  /** Entries per slot. */
  readonly #refs = new Float64Array(MAX_CODECS);
  #current = 0;

  constructor(first: Codec) {
    this.#codecs[0] = first;
  }

  /** The slot new stores use. */
  get current(): number {
    return this.#current;
  }

  /** The codec of slot `slot` (one that holds entries, or the current one). */
  codec(slot: number): Codec {
    return this.#codecs[slot]!;
  }

  /** Make `codec` the one new stores use (the caller checked its page size). */
  switchTo(codec: Codec): void {
    if (this.#codecs[this.#current] === codec) return;
    // The codec may still own a slot (switching back before its entries are gone);
    // otherwise take any other slot without entries.
    let slot = this.#codecs.indexOf(codec);
    if (slot < 0) {
      slot = this.#codecs.findIndex((_, i) => i !== this.#current && this.#refs[i] === 0);
      if (slot < 0) {
        throw new ZswapError(
          'TOO_MANY_CODECS',
          'pool.setCompressor',
          `${MAX_CODECS} codecs still hold entries`,
        );
      }
      this.#codecs[slot] = codec;
    }
    const old = this.#current;
    this.#current = slot;
    if (this.#refs[old] === 0) this.#codecs[old] = undefined;
  }

  /**
   * The slot of `codec` without making it current (a raw entry recompressed by another
   * codec than the stores use): its slot if it has one, else a free one, else -1.
   */
  slotFor(codec: Codec): number {
    let slot = this.#codecs.indexOf(codec);
    if (slot >= 0) return slot;
    slot = this.#codecs.findIndex((_, i) => i !== this.#current && this.#refs[i] === 0);
    if (slot >= 0) this.#codecs[slot] = codec;
    return slot;
  }

  /** An entry of slot `slot` was stored. */
  hold(slot: number): void {
    this.#refs[slot] = this.#refs[slot]! + 1;
  }

  /** An entry of slot `slot` left; an old codec's slot is released with its last entry. */
  release(slot: number): void {
    const refs = this.#refs[slot]! - 1;
    this.#refs[slot] = refs;
    if (refs === 0 && slot !== this.#current) this.#codecs[slot] = undefined;
  }
}
