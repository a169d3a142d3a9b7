/**
 * damonPattern: turns a DAMON trace (regions with their nr_accesses over time) into
 * page accesses, for replay through the stack.
 *
 * DAMON does not see single accesses: in each sampling interval it checks one page per
 * region, and a region's nr_accesses says in how many samples of an aggregation
 * interval that page was found accessed, an estimate of how often each of the region's
 * pages is used. So a region's share of the accesses is nr_accesses x its page count
 * (frequency times size), and within the region any page is equally likely. Between a
 * snapshot's time and the next one, the accesses follow that snapshot's regions (before
 * the first snapshot, the first one's); a snapshot where nothing was accessed yields no
 * accesses. Times are evenly spaced at `rate` accesses per virtual second (default
 * 10 000) until the last snapshot's end (its time plus one aggregation interval); the
 * seed draws the regions and pages.
 *
 * Pages: only the address ranges of regions that were accessed in at least one snapshot
 * get page indices (numbered in address order, as tracePattern does), because a vaddr
 * recording covers the whole mapped address space, reservations of gigabytes included,
 * and only the touched part can be replayed. `pageCount` is their number; with fewer
 * `pages`, indices wrap. With `addresses` (the address of each page of the source
 * replayed on), the pages are the source's instead: an access goes to a page of the
 * source inside the drawn region, equally likely, by the source's own index.
 */

import { showValue } from '@tierswap/base';
import type { DamonTrace } from './damonTrace.js';
import { checkAccessOptions } from './patterns.js';
import { drawRank, mixSeed, seededRandom } from './patternsRandom.js';
import { TRACE_PAGE_BYTES } from './trace.js';
import type { TracePattern } from './tracePattern.js';
import type { Access } from './types.js';
import { invalid } from './workloadError.js';

export interface DamonPatternOptions {
  /** Accesses per virtual second (default 10 000). */
  readonly rate?: number;
  /**
   * The byte address of each page of the source the replay runs on (page i at
   * addresses[i]), e.g. a snapshot of the recorded process (its addressOf). Given, an
   * access to a region goes to one of the source's pages inside it, by the source's
   * index, so the replay touches the very pages the process touched; a region the
   * source holds no page of yields no access. `pageCount` is then addresses.length.
   */
  readonly addresses?: ArrayLike<number>;
}

const DEFAULT_RATE = 10_000;

interface Snapshot {
  readonly time: number;
  /** Rows of the trace with nr_accesses > 0 in this snapshot, and their cumulative weights (normalized). */
  readonly rows: Uint32Array;
  readonly cdf: Float64Array;
}

export function damonPattern(trace: DamonTrace, options: DamonPatternOptions = {}): TracePattern {
  const where = 'damonPattern.damonPattern';
  const rate = options.rate ?? DEFAULT_RATE;
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0 || rate > 1e9) {
    throw invalid(
      where,
      `rate must be a number of accesses per second in (0, 1e9], got ${showValue(rate)}`,
    );
  }
  const onSource = options.addresses === undefined ? undefined : sourcePages(options.addresses);
  // Snapshots: runs of rows with the same time.
  const snapshots: Snapshot[] = [];
  for (let i = 0; i < trace.length; ) {
    const time = trace.time[i] as number;
    const rows: number[] = [];
    const weights: number[] = [];
    let total = 0;
    for (; i < trace.length && trace.time[i] === time; i++) {
      const n = trace.nrAccesses[i] as number;
      if (n === 0) continue;
      const w =
        n *
        Math.max(
          1,
          Math.ceil((trace.end[i] as number) / TRACE_PAGE_BYTES) -
            Math.floor((trace.start[i] as number) / TRACE_PAGE_BYTES),
        );
      total += w;
      rows.push(i);
      weights.push(total);
    }
    snapshots.push({
      time,
      rows: Uint32Array.from(rows),
      cdf: Float64Array.from(weights, (w) => w / total),
    });
  }
  // The accessed address ranges, merged, in page units: [first, end) with the dense index of `first`.
  const ranges: [number, number][] = [];
  for (let i = 0; i < trace.length; i++) {
    if (trace.nrAccesses[i] === 0) continue;
    ranges.push([
      Math.floor((trace.start[i] as number) / TRACE_PAGE_BYTES),
      Math.ceil((trace.end[i] as number) / TRACE_PAGE_BYTES),
    ]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const first: number[] = [];
  const end: number[] = [];
  const base: number[] = [];
  let pageCount = 0;
  for (const [s, e] of ranges) {
    const k = first.length - 1;
    if (k >= 0 && s <= (end[k] as number)) {
      if (e > (end[k] as number)) {
        pageCount += e - (end[k] as number);
        end[k] = e;
      }
      continue;
    }
    first.push(s);
    end.push(e);
    base.push(pageCount);
    pageCount += e - s;
  }
  const denseOf = (page: number): number => {
    let lo = 0;
    let hi = first.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((first[mid] as number) <= page) lo = mid;
      else hi = mid - 1;
    }
    return (base[lo] as number) + page - (first[lo] as number);
  };
  const lastTime = snapshots.length === 0 ? 0 : (snapshots[snapshots.length - 1] as Snapshot).time;
  const traceEnd = snapshots.length === 0 ? 0 : lastTime + trace.aggregationUs / 1e6;
  return {
    name: `damon(pid=${trace.pid}, ${snapshots.length} snapshots, rate=${rate}${onSource === undefined ? '' : ', on the source'})`,
    pageCount: onSource === undefined ? pageCount : onSource.index.length,
    durationSeconds: traceEnd,
    *accesses(accessOptions): Generator<Access> {
      const o = checkAccessOptions('damonPattern.accesses', accessOptions);
      const draw = seededRandom(mixSeed(o.seed, 2));
      const end = Math.min(o.durationSeconds, traceEnd);
      let s = 0;
      for (let i = 0; ; i++) {
        const time = i / rate;
        if (time >= end) return;
        while (s + 1 < snapshots.length && (snapshots[s + 1] as Snapshot).time <= time) s++;
        const snap = snapshots[s] as Snapshot;
        if (snap.rows.length === 0) continue;
        const row = snap.rows[drawRank(snap.cdf, draw())] as number;
        const lo = Math.floor((trace.start[row] as number) / TRACE_PAGE_BYTES);
        const hi = Math.max(lo + 1, Math.ceil((trace.end[row] as number) / TRACE_PAGE_BYTES));
        if (onSource !== undefined) {
          // The source's pages inside [lo, hi): positions [a, b) of its sorted pages.
          const a = lowerBound(onSource.page, lo);
          const b = lowerBound(onSource.page, hi);
          if (a === b) continue;
          const at = a + Math.floor(draw() * (b - a));
          yield { time, stream: 0, page: (onSource.index[at] as number) % o.pages, write: false };
          continue;
        }
        const page = lo + Math.floor(draw() * (hi - lo));
        yield { time, stream: 0, page: denseOf(page) % o.pages, write: false };
      }
    },
  };
}

/** A source's pages by page number: sorted page numbers and the source index of each. */
function sourcePages(addresses: ArrayLike<number>): { page: Float64Array; index: Uint32Array } {
  const where = 'damonPattern.damonPattern';
  if (
    typeof addresses !== 'object' ||
    addresses === null ||
    !Number.isSafeInteger(addresses.length)
  ) {
    throw invalid(
      where,
      `addresses must be an array of page addresses, got ${showValue(addresses)}`,
    );
  }
  const n = addresses.length;
  if (n < 1 || n > 2 ** 26) {
    throw invalid(where, `addresses must hold 1..2^26 page addresses, got ${n}`);
  }
  const pages = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = addresses[i];
    if (typeof a !== 'number' || !Number.isSafeInteger(a) || a < 0 || a % TRACE_PAGE_BYTES !== 0) {
      throw invalid(
        where,
        `addresses[${i}] must be a page-aligned byte address, got ${showValue(a)}`,
      );
    }
    pages[i] = a / TRACE_PAGE_BYTES;
  }
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort(
    (x, y) => (pages[x] as number) - (pages[y] as number),
  );
  return { page: Float64Array.from(order, (i) => pages[i] as number), index: order };
}

/** The first position of sorted `a` whose value is >= v. */
function lowerBound(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
