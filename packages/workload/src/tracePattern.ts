/**
 * tracePattern: replays a trace as an AccessPattern. An access trace (./trace.ts) is
 * replayed as recorded; a DAMON trace is turned into accesses by ./damonPattern.ts.
 *
 * Pages: a trace names pages of a process's address space (address / 4096), sparse
 * and up to 2^36; the stack wants dense page indices 0..pages-1. Each process's
 * distinct pages are sorted and numbered in that order (the lowest page it touched is
 * 0, the next higher one 1, ...), so neighbours in the address space stay neighbours
 * and a trace that already uses pages 0..n-1 is replayed unchanged. `pageCount` is the
 * most distinct pages of a replayed process; called with fewer `pages`, indices wrap
 * (index % pages).
 *
 * Streams: a trace can hold several processes. `stream: i` (default 0) replays the
 * trace's i-th process (in order of first appearance) as stream 0, the way a scenario
 * gives each process its own pattern; `stream: 'all'` replays every process, process i
 * as stream i. Accesses come in time order (a trace whose lines are not in time order
 * is sorted, keeping the file's order for equal times); the seed is not used.
 */

import { showValue } from '@tierswap/base';
import { damonPattern } from './damonPattern.js';
import type { DamonTrace } from './damonTrace.js';
import { checkAccessOptions } from './patterns.js';
import type { AccessTrace } from './trace.js';
import type { Access, AccessPattern } from './types.js';
import { invalid } from './workloadError.js';

export interface TracePatternOptions {
  /** Which process of the trace to replay as stream 0 (default 0), or 'all'. Ignored for a DAMON trace (one process). */
  readonly stream?: number | 'all';
  /** DAMON traces only: accesses per virtual second (default 10 000), see damonPattern. */
  readonly rate?: number;
  /** DAMON traces only: the address of each page of the source replayed on, see damonPattern. */
  readonly addresses?: ArrayLike<number>;
}

/** An AccessPattern replaying a trace, with the size it needs. */
export interface TracePattern extends AccessPattern {
  /** Distinct pages the replayed process touches (the most over replayed processes): pass at least this as `pages`. */
  readonly pageCount: number;
  /** The time of the trace's end, in seconds. */
  readonly durationSeconds: number;
}

/** Sorted distinct values of a page list, and a lookup page -> dense index. */
function denseIndex(pages: Float64Array): Map<number, number> {
  const sorted = Float64Array.from(pages).sort();
  const index = new Map<number, number>();
  for (const p of sorted) if (!index.has(p)) index.set(p, index.size);
  return index;
}

function accessTracePattern(trace: AccessTrace, stream: number | 'all'): TracePattern {
  const where = 'tracePattern.tracePattern';
  if (
    stream !== 'all' &&
    (typeof stream !== 'number' ||
      !Number.isInteger(stream) ||
      stream < 0 ||
      stream >= trace.processes.length)
  ) {
    throw invalid(
      where,
      `stream must be 'all' or a process index in 0..${trace.processes.length - 1} (${trace.processes.length} processes), got ${showValue(stream)}`,
    );
  }
  // The replayed entries, in time order (stable).
  const picked: number[] = [];
  for (let i = 0; i < trace.length; i++)
    if (stream === 'all' || trace.process[i] === stream) picked.push(i);
  let sorted = true;
  for (let k = 1; k < picked.length; k++) {
    if (
      (trace.time[picked[k] as number] as number) < (trace.time[picked[k - 1] as number] as number)
    )
      sorted = false;
  }
  if (!sorted)
    picked.sort((a, b) => (trace.time[a] as number) - (trace.time[b] as number) || a - b);
  const order = Uint32Array.from(picked);
  // Dense page indices per replayed process.
  const dense = new Float64Array(order.length);
  const nProcesses = trace.processes.length;
  let pageCount = 0;
  for (let p = 0; p < nProcesses; p++) {
    if (stream !== 'all' && p !== stream) continue;
    const mine: number[] = [];
    for (let k = 0; k < order.length; k++)
      if (trace.process[order[k] as number] === p) mine.push(k);
    const index = denseIndex(
      Float64Array.from(mine, (k) => trace.page[order[k] as number] as number),
    );
    pageCount = Math.max(pageCount, index.size);
    for (const k of mine) dense[k] = index.get(trace.page[order[k] as number] as number) as number;
  }
  const last = order.length === 0 ? 0 : (trace.time[order[order.length - 1] as number] as number);
  const label = stream === 'all' ? 'all' : trace.processes[stream];
  return {
    name: `trace(${label}, ${order.length} accesses)`,
    pageCount,
    durationSeconds: last,
    *accesses(options): Generator<Access> {
      const o = checkAccessOptions('tracePattern.accesses', options);
      for (let k = 0; k < order.length; k++) {
        const i = order[k] as number;
        const time = trace.time[i] as number;
        if (time >= o.durationSeconds) return;
        yield {
          time,
          stream: stream === 'all' ? (trace.process[i] as number) : 0,
          page: (dense[k] as number) % o.pages,
          write: trace.write[i] === 1,
        };
      }
    },
  };
}

/** An AccessPattern replaying an access trace or a DAMON trace. */
export function tracePattern(
  trace: AccessTrace | DamonTrace,
  options: TracePatternOptions = {},
): TracePattern {
  const where = 'tracePattern.tracePattern';
  if (typeof options !== 'object' || options === null) {
    throw invalid(where, `options must be an object, got ${showValue(options)}`);
  }
  if (typeof trace !== 'object' || trace === null) {
    throw invalid(where, `trace must be an AccessTrace or a DamonTrace, got ${showValue(trace)}`);
  }
  if (trace.kind === 'damon') {
    return damonPattern(trace, {
      ...(options.rate === undefined ? {} : { rate: options.rate }),
      ...(options.addresses === undefined ? {} : { addresses: options.addresses }),
    });
  }
  if (trace.kind === 'access') return accessTracePattern(trace, options.stream ?? 0);
  throw invalid(where, `trace must be an AccessTrace or a DamonTrace, got ${showValue(trace)}`);
}
