/**
 * AccessTrace: a recorded sequence of page accesses (from a CSV/JSONL trace file, a
 * Valgrind Lackey log, or built in code), held as a structure of arrays, because
 * traces run to millions of accesses and an object per access would cost ten times the
 * memory. `createTraceBuilder()` appends accesses with amortized growth; `accessTrace()`
 * builds one from records.
 */

import { showValue } from '@tierswap/base';
import type { WorkloadErrorCode } from './workloadError.js';
import { invalid } from './workloadError.js';

/** Bytes per page: an address maps to page floor(address / PAGE_BYTES). */
export const TRACE_PAGE_BYTES = 4096;

/** One access of a trace, as written in a file. */
export interface TraceRecord {
  /** Seconds from the trace's start (>= 0). */
  readonly time: number;
  /** The process (its name or pid as text). */
  readonly process: string;
  /** The page number in the process's address space (address / 4096). */
  readonly page: number;
  readonly write: boolean;
}

/** Accesses in the order recorded; entry i is (time[i], processes[process[i]], page[i], write[i]). */
export interface AccessTrace {
  readonly kind: 'access';
  /** The processes, in order of first appearance. */
  readonly processes: readonly string[];
  readonly length: number;
  readonly time: Float64Array;
  readonly process: Uint32Array;
  /** Page numbers (address / 4096); doubles, because 48-bit addresses give 36-bit page numbers. */
  readonly page: Float64Array;
  /** 1 for a write, 0 for a read. */
  readonly write: Uint8Array;
}

/** Appends accesses; `finish()` returns the trace (trimmed to its length). */
export interface TraceBuilder {
  readonly length: number;
  add(time: number, process: string, page: number, write: boolean): void;
  finish(): AccessTrace;
}

const MAX_PAGE = 2 ** 52;

export function createTraceBuilder(): TraceBuilder {
  let capacity = 1024;
  let length = 0;
  let time = new Float64Array(capacity);
  let proc = new Uint32Array(capacity);
  let page = new Float64Array(capacity);
  let write = new Uint8Array(capacity);
  const processes: string[] = [];
  const processIndex = new Map<string, number>();
  return {
    get length() {
      return length;
    },
    add(t, p, pg, w) {
      if (length === capacity) {
        capacity *= 2;
        const grow = <A extends Float64Array | Uint32Array | Uint8Array>(
          a: A,
          make: (n: number) => A,
        ): A => {
          const b = make(capacity);
          b.set(a);
          return b;
        };
        time = grow(time, (n) => new Float64Array(n));
        proc = grow(proc, (n) => new Uint32Array(n));
        page = grow(page, (n) => new Float64Array(n));
        write = grow(write, (n) => new Uint8Array(n));
      }
      let pi = processIndex.get(p);
      if (pi === undefined) {
        pi = processes.length;
        processes.push(p);
        processIndex.set(p, pi);
      }
      time[length] = t;
      proc[length] = pi;
      page[length] = pg;
      write[length] = w ? 1 : 0;
      length++;
    },
    finish() {
      return {
        kind: 'access',
        processes: Object.freeze([...processes]),
        length,
        time: time.slice(0, length),
        process: proc.slice(0, length),
        page: page.slice(0, length),
        write: write.slice(0, length),
      };
    },
  };
}

/** Checks one record's fields; returns the reason it is wrong, or undefined. */
export function recordProblem(time: unknown, process: unknown, page: unknown): string | undefined {
  if (typeof time !== 'number' || !Number.isFinite(time) || time < 0) {
    return `time must be a finite number of seconds >= 0, got ${showValue(time)}`;
  }
  if (typeof process !== 'string' || process.length === 0 || /[,\n\r]/.test(process)) {
    return `process must be a non-empty text without commas or newlines, got ${showValue(process)}`;
  }
  if (typeof page !== 'number' || !Number.isInteger(page) || page < 0 || page > MAX_PAGE) {
    return `page must be an integer in 0..2^52, got ${showValue(page)}`;
  }
  return undefined;
}

/** An AccessTrace from records (each checked; the error names the record's index). */
export function accessTrace(records: Iterable<TraceRecord>): AccessTrace {
  const b = createTraceBuilder();
  let i = 0;
  for (const r of records) {
    if (typeof r !== 'object' || r === null) {
      throw invalid(
        'trace.accessTrace',
        `record ${i} must be { time, process, page, write }, got ${showValue(r)}`,
      );
    }
    const problem = recordProblem(r.time, r.process, r.page);
    if (problem !== undefined) throw invalid('trace.accessTrace', `record ${i}: ${problem}`);
    if (typeof r.write !== 'boolean') {
      throw invalid(
        'trace.accessTrace',
        `record ${i}: write must be a boolean, got ${showValue(r.write)}`,
      );
    }
    b.add(r.time, r.process, r.page, r.write);
    i++;
  }
  return b.finish();
}

/** The trace's records, in order (for tests and small traces). */
export function* traceRecords(trace: AccessTrace): Generator<TraceRecord> {
  for (let i = 0; i < trace.length; i++) {
    yield {
      time: trace.time[i] as number,
      process: trace.processes[trace.process[i] as number] as string,
      page: trace.page[i] as number,
      write: trace.write[i] === 1,
    };
  }
}

/** The error code for a failed file operation: a missing path, a refused one, or another failure. */
export function fileErrorCode(e: unknown): WorkloadErrorCode {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'NOT_FOUND';
  if (code === 'EACCES' || code === 'EPERM') return 'PERMISSION_DENIED';
  return 'IO_ERROR';
}
