/**
 * Trace files: readTrace(path) and writeTrace(trace, path) for the documented access
 * trace format (CSV or JSONL, one access per line: time in seconds, process, page or
 * address, read|write) and for DAMON traces (./damonTrace.ts). readTrace streams the
 * file line by line, so a trace larger than memory as text still loads as its typed
 * arrays; a bad line stops it with an error naming the file, the line number and the
 * value.
 *
 * CSV: an optional header names the columns (`time,process,page,op` or
 * `time,process,address,op`, in any order); without one the columns are
 * time,process,page,op. Blank lines and lines starting with # are skipped.
 * JSONL: one object per line, {"time":0.5,"process":"web","page":12,"op":"read"}, with
 * "address" (a number or a "0x..." text) instead of "page" if wanted; a numeric process
 * is read as its text. An address is turned into its page, address / 4096.
 *
 * The format is chosen by content when reading (a line starting with { is JSONL; the
 * "# tierswap damon trace" line marks a DAMON trace) and by the extension when writing
 * (.csv, .jsonl or .ndjson).
 */

import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { showValue } from '@tierswap/base';
import type { DamonTrace } from './damonTrace.js';
import { createDamonTraceParser, DAMON_TRACE_MAGIC, damonTraceLines } from './damonTrace.js';
import type { AccessTrace } from './trace.js';
import { createTraceBuilder, fileErrorCode, recordProblem, TRACE_PAGE_BYTES } from './trace.js';
import { invalid, WorkloadError } from './workloadError.js';

const COLUMNS = ['time', 'process', 'page', 'op'] as const;

/** A page number from an address given as a number or a decimal/0x-hex text; NaN if it is not one. */
export function pageOfAddress(address: unknown): number {
  if (typeof address === 'number') {
    return Number.isSafeInteger(address) && address >= 0
      ? Math.floor(address / TRACE_PAGE_BYTES)
      : Number.NaN;
  }
  if (typeof address !== 'string') return Number.NaN;
  const s = address.trim();
  if (/^0x[0-9a-f]{1,16}$/i.test(s)) return Number(BigInt(s) / BigInt(TRACE_PAGE_BYTES));
  if (/^[0-9]{1,20}$/.test(s)) {
    const v = BigInt(s);
    return v < 2n ** 64n ? Number(v / BigInt(TRACE_PAGE_BYTES)) : Number.NaN;
  }
  return Number.NaN;
}

function parseOp(op: unknown): boolean | undefined {
  if (op === 'read') return false;
  if (op === 'write') return true;
  return undefined;
}

/** Reads a trace file: an access trace (CSV or JSONL) or a DAMON trace. */
export async function readTrace(path: string): Promise<AccessTrace | DamonTrace> {
  if (typeof path !== 'string' || path === '') {
    throw invalid('traceFile.readTrace', `path must be a non-empty string, got ${showValue(path)}`);
  }
  const bad = (lineNumber: number, detail: string) =>
    new WorkloadError('BAD_FORMAT', 'traceFile.readTrace', `${path} line ${lineNumber}: ${detail}`);
  const builder = createTraceBuilder();
  let damon: ReturnType<typeof createDamonTraceParser> | undefined;
  let format: 'csv' | 'jsonl' | undefined;
  // Column positions of time, process, page-or-address, op; `address` when the page column holds addresses.
  let cols = [0, 1, 2, 3];
  let address = false;
  let lineNumber = 0;
  const input = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const raw of lines) {
      lineNumber++;
      if (damon !== undefined) {
        damon.line(raw, lineNumber);
        continue;
      }
      const s = raw.trim();
      if (format === undefined && s === DAMON_TRACE_MAGIC) {
        damon = createDamonTraceParser(path);
        continue;
      }
      if (s === '' || s.startsWith('#')) continue;
      if (format === undefined) {
        format = s.startsWith('{') ? 'jsonl' : 'csv';
        const names = s.split(',').map((x) => x.trim());
        if (format === 'csv' && names.includes('time')) {
          address = names.includes('address');
          const want = ['time', 'process', address ? 'address' : 'page', 'op'];
          cols = want.map((w) => names.indexOf(w));
          if (names.length !== 4 || cols.includes(-1)) {
            throw bad(
              lineNumber,
              `the header must name the columns time, process, page (or address), op; got ${showValue(s)}`,
            );
          }
          continue;
        }
      }
      let time: unknown;
      let process: unknown;
      let page: number;
      let op: unknown;
      if (format === 'jsonl') {
        let o: unknown;
        try {
          o = JSON.parse(s);
        } catch {
          throw bad(lineNumber, `not a JSON object: ${showValue(s)}`);
        }
        if (typeof o !== 'object' || o === null || Array.isArray(o))
          throw bad(lineNumber, `not a JSON object: ${showValue(s)}`);
        const r = o as {
          time?: unknown;
          process?: unknown;
          op?: unknown;
          address?: unknown;
          page?: unknown;
        };
        time = r.time;
        process = typeof r.process === 'number' ? String(r.process) : r.process;
        op = r.op;
        if (r.address !== undefined) {
          page = pageOfAddress(r.address);
          if (Number.isNaN(page))
            throw bad(
              lineNumber,
              `address must be an unsigned integer or 0x-hex text, got ${showValue(r.address)}`,
            );
        } else if (typeof r.page === 'number') page = r.page;
        else
          throw bad(
            lineNumber,
            `page must be a number (or give address), got ${showValue(r.page)}`,
          );
      } else {
        const f = s.split(',');
        if (f.length !== 4)
          throw bad(lineNumber, `expected 4 fields (${COLUMNS.join(',')}), got ${showValue(s)}`);
        const field = (i: number) => (f[cols[i] as number] as string).trim();
        time = field(0) === '' ? Number.NaN : Number(field(0));
        if (Number.isNaN(time)) time = field(0);
        process = field(1);
        op = field(3);
        if (address) {
          page = pageOfAddress(field(2));
          if (Number.isNaN(page))
            throw bad(
              lineNumber,
              `address must be an unsigned integer or 0x-hex text, got ${showValue(field(2))}`,
            );
        } else {
          page = /^[0-9]+$/.test(field(2)) ? Number(field(2)) : Number.NaN;
          if (Number.isNaN(page))
            throw bad(lineNumber, `page must be an integer >= 0, got ${showValue(field(2))}`);
        }
      }
      const problem = recordProblem(time, process, page);
      if (problem !== undefined) throw bad(lineNumber, problem);
      const write = parseOp(op);
      if (write === undefined)
        throw bad(lineNumber, `op must be read or write, got ${showValue(op)}`);
      builder.add(time as number, process as string, page, write);
    }
  } catch (e) {
    if (e instanceof WorkloadError) throw e;
    const err = e as NodeJS.ErrnoException;
    throw new WorkloadError(
      fileErrorCode(e),
      'traceFile.readTrace',
      `cannot read ${path}: ${err.code ?? err.message}`,
      { cause: e },
    );
  } finally {
    lines.close();
    input.destroy();
  }
  return damon === undefined ? builder.finish() : damon.finish();
}

/** The CSV or JSONL lines of an access trace. */
function* accessLines(trace: AccessTrace, jsonl: boolean): Generator<string> {
  if (!jsonl) yield COLUMNS.join(',');
  for (let i = 0; i < trace.length; i++) {
    const process = trace.processes[trace.process[i] as number] as string;
    const op = trace.write[i] === 1 ? 'write' : 'read';
    yield jsonl
      ? JSON.stringify({ time: trace.time[i], process, page: trace.page[i], op })
      : `${trace.time[i]},${process},${trace.page[i]},${op}`;
  }
}

/**
 * Writes a trace: an access trace as CSV (.csv) or JSONL (.jsonl, .ndjson), chosen by
 * the path's extension; a DAMON trace as its CSV whatever the extension. Synchronous,
 * in chunks of about 1 MiB.
 */
export function writeTrace(trace: AccessTrace | DamonTrace, path: string): void {
  const where = 'traceFile.writeTrace';
  if (typeof path !== 'string' || path === '')
    throw invalid(where, `path must be a non-empty string, got ${showValue(path)}`);
  if (
    typeof trace !== 'object' ||
    trace === null ||
    (trace.kind !== 'access' && trace.kind !== 'damon')
  ) {
    throw invalid(where, `trace must be an AccessTrace or a DamonTrace, got ${showValue(trace)}`);
  }
  let lines: Iterable<string>;
  if (trace.kind === 'damon') lines = damonTraceLines(trace);
  else if (/\.csv$/i.test(path)) lines = accessLines(trace, false);
  else if (/\.(jsonl|ndjson)$/i.test(path)) lines = accessLines(trace, true);
  else throw invalid(where, `the path must end in .csv, .jsonl or .ndjson, got ${showValue(path)}`);
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (e) {
    throw new WorkloadError(
      fileErrorCode(e),
      where,
      `cannot create ${path}: ${(e as NodeJS.ErrnoException).code}`,
      { cause: e },
    );
  }
  try {
    let chunk: string[] = [];
    let size = 0;
    for (const line of lines) {
      chunk.push(line);
      size += line.length + 1;
      if (size >= 1 << 20) {
        writeSync(fd, `${chunk.join('\n')}\n`);
        chunk = [];
        size = 0;
      }
    }
    if (chunk.length > 0) writeSync(fd, `${chunk.join('\n')}\n`);
  } finally {
    closeSync(fd);
  }
}
