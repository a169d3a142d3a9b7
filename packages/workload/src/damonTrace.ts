/**
 * DamonTrace: what the DAMON recorder (./damonRecorder.ts) saw, one row per monitored
 * region per snapshot: when (seconds from the recording's start), the region's address
 * range, its nr_accesses (in how many of the aggregation interval's samples the region
 * was found accessed) and its age (for how many aggregation intervals its access
 * frequency stayed the same). Structure of arrays, like AccessTrace.
 *
 * The file is CSV, written by writeTrace and read back by readTrace:
 *
 *   # tierswap damon trace
 *   # pid=1234 sample_us=5000 aggregation_us=100000
 *   time,start,end,nr_accesses,age
 *   0.1,0x7f3a1c000000,0x7f3a1c400000,18,3
 *
 * Addresses are hex (0x...) or decimal; rows of one snapshot share its time.
 */

import { showValue } from '@tierswap/base';
import { WorkloadError } from './workloadError.js';

export interface DamonTraceInfo {
  /** The monitored process. */
  readonly pid: number;
  /** DAMON's sampling interval (µs): each sample checks one page per region. */
  readonly sampleUs: number;
  /** DAMON's aggregation interval (µs): nr_accesses counts the samples of one such interval, 0..aggregationUs/sampleUs. */
  readonly aggregationUs: number;
}

export interface DamonTrace extends DamonTraceInfo {
  readonly kind: 'damon';
  /** Rows (regions over all snapshots). */
  readonly length: number;
  readonly time: Float64Array;
  /** Byte addresses, [start, end). */
  readonly start: Float64Array;
  readonly end: Float64Array;
  readonly nrAccesses: Uint32Array;
  readonly age: Uint32Array;
}

export interface DamonRegionRow {
  readonly time: number;
  readonly start: number;
  readonly end: number;
  readonly nrAccesses: number;
  readonly age: number;
}

export const DAMON_TRACE_MAGIC = '# tierswap damon trace';
export const DAMON_TRACE_HEADER = 'time,start,end,nr_accesses,age';

/** A DamonTrace from rows (in time order). */
export function damonTrace(info: DamonTraceInfo, rows: readonly DamonRegionRow[]): DamonTrace {
  const n = rows.length;
  const t: DamonTrace = {
    kind: 'damon',
    pid: info.pid,
    sampleUs: info.sampleUs,
    aggregationUs: info.aggregationUs,
    length: n,
    time: new Float64Array(n),
    start: new Float64Array(n),
    end: new Float64Array(n),
    nrAccesses: new Uint32Array(n),
    age: new Uint32Array(n),
  };
  rows.forEach((r, i) => {
    t.time[i] = r.time;
    t.start[i] = r.start;
    t.end[i] = r.end;
    t.nrAccesses[i] = r.nrAccesses;
    t.age[i] = r.age;
  });
  return t;
}

/** The rows of a trace, in order. */
export function damonRows(trace: DamonTrace): DamonRegionRow[] {
  const rows: DamonRegionRow[] = [];
  for (let i = 0; i < trace.length; i++) {
    rows.push({
      time: trace.time[i] as number,
      start: trace.start[i] as number,
      end: trace.end[i] as number,
      nrAccesses: trace.nrAccesses[i] as number,
      age: trace.age[i] as number,
    });
  }
  return rows;
}

/** The file's text, line by line (the caller joins and writes). */
export function* damonTraceLines(trace: DamonTrace): Generator<string> {
  yield DAMON_TRACE_MAGIC;
  yield `# pid=${trace.pid} sample_us=${trace.sampleUs} aggregation_us=${trace.aggregationUs}`;
  yield DAMON_TRACE_HEADER;
  for (let i = 0; i < trace.length; i++) {
    yield `${trace.time[i]},0x${(trace.start[i] as number).toString(16)},0x${(trace.end[i] as number).toString(16)},${trace.nrAccesses[i]},${trace.age[i]}`;
  }
}

/** An unsigned integer written in decimal or 0x-hex, up to 2^53; NaN otherwise. */
export function parseUnsigned(text: string): number {
  const s = text.trim();
  if (/^0x[0-9a-f]{1,13}$/i.test(s)) return Number.parseInt(s.slice(2), 16);
  if (/^[0-9]{1,16}$/.test(s)) {
    const v = Number(s);
    return Number.isSafeInteger(v) ? v : Number.NaN;
  }
  return Number.NaN;
}

/** Parses a DAMON trace file's lines one at a time; `finish()` returns the trace. */
export function createDamonTraceParser(path: string): {
  line(text: string, lineNumber: number): void;
  finish(): DamonTrace;
} {
  const rows: DamonRegionRow[] = [];
  let info: DamonTraceInfo | undefined;
  let header = false;
  let lastTime = 0;
  const bad = (lineNumber: number, detail: string) =>
    new WorkloadError('BAD_FORMAT', 'traceFile.readTrace', `${path} line ${lineNumber}: ${detail}`);
  return {
    line(text, lineNumber) {
      const s = text.trim();
      if (s === '' || s === DAMON_TRACE_MAGIC) return;
      if (s.startsWith('#')) {
        const m = /^#\s*pid=(\d+)\s+sample_us=(\d+)\s+aggregation_us=(\d+)\s*$/.exec(s);
        if (m !== null) {
          const [pid, sampleUs, aggregationUs] = [Number(m[1]), Number(m[2]), Number(m[3])];
          if (sampleUs < 1 || aggregationUs < sampleUs) {
            throw bad(
              lineNumber,
              `sample_us must be >= 1 and aggregation_us >= sample_us, got ${showValue(s)}`,
            );
          }
          info = { pid, sampleUs, aggregationUs };
        }
        return;
      }
      if (!header) {
        if (s !== DAMON_TRACE_HEADER)
          throw bad(lineNumber, `expected the header ${DAMON_TRACE_HEADER}, got ${showValue(s)}`);
        header = true;
        return;
      }
      const f = s.split(',');
      if (f.length !== 5)
        throw bad(lineNumber, `expected 5 fields (${DAMON_TRACE_HEADER}), got ${showValue(s)}`);
      const time = Number(f[0]);
      if (f[0] === '' || !Number.isFinite(time) || time < lastTime) {
        throw bad(
          lineNumber,
          `time must be a number of seconds >= the previous row's ${lastTime}, got ${showValue(f[0])}`,
        );
      }
      const start = parseUnsigned(f[1] as string);
      const end = parseUnsigned(f[2] as string);
      if (Number.isNaN(start) || Number.isNaN(end) || end <= start) {
        throw bad(
          lineNumber,
          `start and end must be addresses with start < end, got ${showValue(f[1])} and ${showValue(f[2])}`,
        );
      }
      const nrAccesses = parseUnsigned(f[3] as string);
      const age = parseUnsigned(f[4] as string);
      if (Number.isNaN(nrAccesses) || nrAccesses > 0xffffffff)
        throw bad(lineNumber, `nr_accesses must be an integer >= 0, got ${showValue(f[3])}`);
      if (Number.isNaN(age) || age > 0xffffffff)
        throw bad(lineNumber, `age must be an integer >= 0, got ${showValue(f[4])}`);
      lastTime = time;
      rows.push({ time, start, end, nrAccesses, age });
    },
    finish() {
      if (info === undefined) {
        throw new WorkloadError(
          'BAD_FORMAT',
          'traceFile.readTrace',
          `${path}: no "# pid=... sample_us=... aggregation_us=..." line`,
        );
      }
      return damonTrace(info, rows);
    },
  };
}
