/**
 * The entry stamp: one u32 per pool entry holding its store time, its codec slot and
 * the LRU's referenced bit, laid out like a kernel header (encode / is / decode).
 *
 * Why one word: the pool keeps 24 B per entry, and these three facts are small. The
 * store time is only read as an age (proactive writeback's minimum age), so 64 ms
 * ticks modulo 2^28 (about 194 days) are exact enough; the codec slot names one of
 * the pool's 8 codecs; the referenced bit is zswap's second chance
 * (zswap_entry.referenced in mm/zswap.c).
 *
 *   bit 31 ............ 4 | 3 .. 1 | 0
 *        ticks (28 bits)  |  slot  | referenced
 *
 * The pool writes stamps (stamp()); MemcgLru reads the ticks and reads and clears the
 * referenced bit; nothing else touches them.
 */

/** Store-time resolution: 64 ms ticks, 28 bits of them (about 194 days before wrap). */
export const TICK_MS = 64;
const TICK_BITS = 28;
export const TICK_MASK = (1 << TICK_BITS) - 1;
/** Codecs an entry can name (3 bits of slot). */
export const MAX_CODECS = 8;
/** The referenced bit: set at store, cleared by a second-chance walk. */
export const REFERENCED = 1;

// ---------------------------------------------------------------- encode

/** A stamp for an entry stored at `ticks` with codec `slot` (0..7), referenced 0 or 1. */
export function stamp(ticks: number, slot: number, referenced: number): number {
  return ticks * 16 + slot * 2 + referenced;
}

/** Ticks of the clock time `ms` (wrapped to 28 bits). */
export function ticksAt(ms: number): number {
  return Math.floor(ms / TICK_MS) & TICK_MASK;
}

// ---------------------------------------------------------------- is

export function isReferenced(st: number): boolean {
  return (st & REFERENCED) !== 0;
}

// ---------------------------------------------------------------- decode

export function ticksOf(st: number): number {
  return st >>> 4;
}

export function slotOf(st: number): number {
  return (st >>> 1) & 7;
}

/** Age in ticks of a stamp at `nowTicks`, modulo 2^28 (exact up to ~194 days). */
export function ageTicks(st: number, nowTicks: number): number {
  return (nowTicks - ticksOf(st)) & TICK_MASK;
}
