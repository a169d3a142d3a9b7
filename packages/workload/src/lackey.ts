/**
 * importLackey: reads the memory trace Valgrind's Lackey tool writes
 * (`valgrind --tool=lackey --trace-mem=yes --log-file=FILE PROGRAM`) into an
 * AccessTrace. Lackey writes one line per access: ` L addr,size` a load, ` S addr,size`
 * a store, ` M addr,size` a modify (load and store of the same bytes, counted as one
 * write, since it dirties the page like a store), `I  addr,size` an instruction fetch
 * (skipped unless `instructions: true`, then a read), addresses in hex without 0x.
 * Valgrind's own lines (`==PID== ...`) give the process its name (the pid) and are
 * otherwise skipped; any other line is an error naming the line.
 *
 * Lackey records no time, only order, so time is derived from it: the i-th access
 * (counted from 0) happens at i / rate seconds, rate = 1 000 000 accesses per virtual
 * second by default. An access whose bytes straddle a page boundary touches both pages
 * (two accesses at consecutive times). The input is streamed line by line: Lackey
 * writes about 15 bytes per access, and a second of a real program is gigabytes.
 */

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { showValue } from '@tierswap/base';
import type { AccessTrace } from './trace.js';
import { createTraceBuilder, fileErrorCode, TRACE_PAGE_BYTES } from './trace.js';
import { invalid, WorkloadError } from './workloadError.js';

export interface LackeyOptions {
  /** Accesses per virtual second: the i-th access is at i / rate seconds (default 1 000 000). */
  readonly rate?: number;
  /** Count instruction fetches (I lines) as reads of their pages (default false: skipped). */
  readonly instructions?: boolean;
  /** The process's name in the trace (default: the pid from Valgrind's ==PID== lines, else 'lackey'). */
  readonly process?: string;
}

const DEFAULT_RATE = 1_000_000;
const ACCESS_LINE = /^(?: ([LSM])|(I) ) ([0-9a-fA-F]{1,16}),([0-9]{1,6})$/;

/** Reads a Lackey trace from a file path or a stream (a child's stdout, a pipe). */
export async function importLackey(
  input: string | Readable,
  options: LackeyOptions = {},
): Promise<AccessTrace> {
  const where = 'lackey.importLackey';
  if (typeof options !== 'object' || options === null)
    throw invalid(where, `options must be an object, got ${showValue(options)}`);
  const rate = options.rate ?? DEFAULT_RATE;
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0 || rate > 1e12) {
    throw invalid(
      where,
      `rate must be a number of accesses per second in (0, 1e12], got ${showValue(rate)}`,
    );
  }
  const instructions = options.instructions ?? false;
  if (typeof instructions !== 'boolean')
    throw invalid(where, `instructions must be a boolean, got ${showValue(instructions)}`);
  if (
    options.process !== undefined &&
    (typeof options.process !== 'string' || !/^[^,\n\r]+$/.test(options.process))
  ) {
    throw invalid(
      where,
      `process must be a non-empty text without commas, got ${showValue(options.process)}`,
    );
  }
  let name: string;
  let stream: Readable;
  if (typeof input === 'string') {
    if (input === '') throw invalid(where, 'the path must not be empty');
    name = input;
    stream = createReadStream(input, { encoding: 'utf8' });
  } else if (
    typeof input === 'object' &&
    input !== null &&
    typeof (input as Readable).pipe === 'function'
  ) {
    name = 'the stream';
    stream = input;
  } else {
    throw invalid(where, `input must be a file path or a readable stream, got ${showValue(input)}`);
  }

  // Accesses go to a builder under a placeholder name; the pid, known only once the
  // ==PID== lines are read, renames it at the end.
  const PLACEHOLDER = 'lackey';
  const builder = createTraceBuilder();
  let pid: string | undefined;
  let lineNumber = 0;
  let i = 0;
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) {
      lineNumber++;
      const m = ACCESS_LINE.exec(line);
      if (m === null) {
        const v = /^==(\d+)==/.exec(line);
        if (v !== null) {
          pid ??= v[1];
          continue;
        }
        if (line.trim() === '') continue;
        throw new WorkloadError(
          'BAD_FORMAT',
          where,
          `${name} line ${lineNumber}: not a Lackey line (" L|S|M addr,size", "I  addr,size" or "==pid== ..."), got ${showValue(line)}`,
        );
      }
      if (m[2] === 'I' && !instructions) continue;
      const write = m[1] === 'S' || m[1] === 'M';
      const hex = m[3] as string;
      const size = Math.max(1, Number(m[4]));
      // Addresses up to 2^52 fit a double exactly; a longer hex goes through BigInt.
      const address = hex.length <= 13 ? Number.parseInt(hex, 16) : Number(BigInt(`0x${hex}`));
      const first = Math.floor(address / TRACE_PAGE_BYTES);
      const last = Math.floor((address + size - 1) / TRACE_PAGE_BYTES);
      builder.add(i++ / rate, PLACEHOLDER, first, write);
      if (last !== first) builder.add(i++ / rate, PLACEHOLDER, last, write);
    }
  } catch (e) {
    if (e instanceof WorkloadError) throw e;
    const err = e as NodeJS.ErrnoException;
    throw new WorkloadError(
      fileErrorCode(e),
      where,
      `cannot read ${name}: ${err.code ?? err.message}`,
      {
        cause: e,
      },
    );
  } finally {
    lines.close();
    stream.destroy();
  }
  const trace = builder.finish();
  const processName = options.process ?? pid ?? PLACEHOLDER;
  return { ...trace, processes: trace.length === 0 ? [] : [processName] };
}
