import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { damonRows, damonTrace } from './damonTrace.js';
import type { TraceRecord } from './trace.js';
import { accessTrace, traceRecords } from './trace.js';
import { readTrace, writeTrace } from './traceFile.js';
import { WorkloadError } from './workloadError.js';

const dir = mkdtempSync(join(tmpdir(), 'tierswap-trace-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const arbRecord: fc.Arbitrary<TraceRecord> = fc.record({
  time: fc.double({ min: 0, max: 1e6, noNaN: true }).map((t) => (Object.is(t, -0) ? 0 : t)),
  process: fc.stringMatching(/^[a-z0-9_.-]{1,8}$/),
  page: fc.integer({ min: 0, max: 2 ** 40 }),
  write: fc.boolean(),
});

describe('trace files', () => {
  it('CSV and JSONL round-trip any access trace', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbRecord, { maxLength: 50 }),
        fc.constantFrom('csv', 'jsonl'),
        async (records, ext) => {
          const path = join(dir, `t${n++}.${ext}`);
          writeTrace(accessTrace(records), path);
          const back = await readTrace(path);
          expect(back.kind).toBe('access');
          if (back.kind === 'access') expect([...traceRecords(back)]).toEqual(records);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('reads hand-written CSV with a header naming addresses, comments and any column order', async () => {
    const path = join(dir, 'hand.csv');
    writeFileSync(
      path,
      '# a comment\nop,time,address,process\nread,0,0x1000,web\n\nwrite,0.5,8191,db\nread,1,0x7ffd12345678,web\n',
    );
    const t = await readTrace(path);
    if (t.kind !== 'access') throw new Error('expected an access trace');
    expect([...traceRecords(t)]).toEqual([
      { time: 0, process: 'web', page: 1, write: false },
      { time: 0.5, process: 'db', page: 1, write: true },
      { time: 1, process: 'web', page: 0x7ffd12345, write: false },
    ]);
    expect(t.processes).toEqual(['web', 'db']);
  });

  it('reads JSONL with addresses and numeric processes', async () => {
    const path = join(dir, 'hand.jsonl');
    writeFileSync(
      path,
      '{"time":0,"process":42,"address":"0x2000","op":"write"}\n{"time":1,"process":"42","page":7,"op":"read"}\n',
    );
    const t = await readTrace(path);
    if (t.kind !== 'access') throw new Error('expected an access trace');
    expect([...traceRecords(t)]).toEqual([
      { time: 0, process: '42', page: 2, write: true },
      { time: 1, process: '42', page: 7, write: false },
    ]);
  });

  it('a bad line is an error naming the file, the line and the value', async () => {
    const cases: [string, string, RegExp][] = [
      [
        'a.csv',
        'time,process,page,op\n0,p,1,read\n0.1,p,1,rwx\n',
        /a\.csv line 3: op must be read or write, got "rwx"/,
      ],
      ['b.csv', '0,p,1,read\n-1,p,1,read\n', /b\.csv line 2: time must be .* got -1/],
      ['c.csv', '0,p,x1,read\n', /c\.csv line 1: page must be .* got "x1"/],
      ['d.csv', '0,p,1\n', /d\.csv line 1: expected 4 fields/],
      [
        'e.jsonl',
        '{"time":0,"process":"p","page":1,"op":"read"}\n{"time":0,\n',
        /e\.jsonl line 2: not a JSON object/,
      ],
      [
        'f.jsonl',
        '{"time":"soon","process":"p","page":1,"op":"read"}\n',
        /f\.jsonl line 1: time must be .* got "soon"/,
      ],
      ['g.csv', 'time,process,where,op\n', /g\.csv line 1: the header must name/],
      ['h.csv', '0,p,0xzz,read\n', /h\.csv line 1: page must be/],
      [
        'i.jsonl',
        '{"time":0,"process":"p","page":"7","op":"read"}\n',
        /i\.jsonl line 1: page must be a number .* got "7"/,
      ],
    ];
    for (const [name, text, message] of cases) {
      const path = join(dir, name);
      writeFileSync(path, text);
      const e = await readTrace(path).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(WorkloadError);
      expect((e as WorkloadError).code).toBe('BAD_FORMAT');
      expect((e as Error).message).toMatch(message);
    }
  });

  it('a missing file is NOT_FOUND naming it; a bad extension or trace is refused before writing', async () => {
    const e = await readTrace(join(dir, 'none.csv')).catch((x: unknown) => x);
    expect((e as WorkloadError).code).toBe('NOT_FOUND');
    expect((e as Error).message).toMatch(/none\.csv: ENOENT/);
    expect(() => writeTrace(accessTrace([]), join(dir, 'x.txt'))).toThrow(/must end in .csv/);
    expect(() => writeTrace({} as never, join(dir, 'x.csv'))).toThrow(
      /AccessTrace or a DamonTrace/,
    );
    expect(() => accessTrace([{ time: 0, process: 'a,b', page: 1, write: false }])).toThrow(
      /record 0: process/,
    );
  });

  it('DAMON traces round-trip through their CSV, and bad rows are named', async () => {
    const rows = [
      { time: 0.1, start: 0x7f0000000000, end: 0x7f0000400000, nrAccesses: 18, age: 3 },
      { time: 0.1, start: 0x7f0000400000, end: 0x7f0010000000, nrAccesses: 0, age: 9 },
      { time: 0.2, start: 0x7f0000000000, end: 0x7f0010000000, nrAccesses: 2, age: 0 },
    ];
    const t = damonTrace({ pid: 77, sampleUs: 5000, aggregationUs: 100_000 }, rows);
    const path = join(dir, 'd.damon.csv');
    writeTrace(t, path);
    const back = await readTrace(path);
    if (back.kind !== 'damon') throw new Error('expected a DAMON trace');
    expect(back.pid).toBe(77);
    expect(back.aggregationUs).toBe(100_000);
    expect(damonRows(back)).toEqual(rows);
    const bad = join(dir, 'bad.damon.csv');
    writeFileSync(
      bad,
      '# tierswap damon trace\n# pid=1 sample_us=5000 aggregation_us=100000\ntime,start,end,nr_accesses,age\n0.1,0x2000,0x1000,1,1\n',
    );
    await expect(readTrace(bad)).rejects.toThrow(
      /bad\.damon\.csv line 4: start and end .* got "0x2000" and "0x1000"/,
    );
  });
});
