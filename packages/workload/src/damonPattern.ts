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
 * `pages`, indices wrap.
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
    name: `damon(pid=${trace.pid}, ${snapshots.length} snapshots, rate=${rate})`,
    pageCount,
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
        const page = lo + Math.floor(draw() * (hi - lo));
        yield { time, stream: 0, page: denseOf(page) % o.pages, write: false };
      }
    },
  };
}
