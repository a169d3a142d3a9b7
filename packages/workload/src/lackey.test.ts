import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { importLackey } from './lackey.js';
import { traceRecords } from './trace.js';
import { tracePattern } from './tracePattern.js';
import type { WorkloadError } from './workloadError.js';

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const haveTools = has('valgrind') && has('cc');
const dir = mkdtempSync(join(tmpdir(), 'tierswap-lackey-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A program with a hot buffer (16 KiB, read and written 50 times over) and a cold one
// (256 KiB, each page written once); it prints where they are.
const PROGRAM = `
#include <stdio.h>
#include <stdlib.h>
int main(void) {
  volatile unsigned char *hot = malloc(16384), *cold = malloc(262144);
  for (int i = 0; i < 262144; i += 4096) cold[i] = 1;
  unsigned sum = 0;
  for (int r = 0; r < 50; r++) for (int i = 0; i < 16384; i += 64) { hot[i] += 1; sum += hot[i]; }
  printf("%lx %lx %u\\n", (unsigned long)hot, (unsigned long)cold, sum);
  return 0;
}
`;

describe('importLackey', () => {
  it.skipIf(!haveTools)(
    'imports a real Lackey trace of a program run here (needs valgrind and cc)',
    async () => {
      writeFileSync(join(dir, 'hotcold.c'), PROGRAM);
      execFileSync('cc', ['-O1', '-o', join(dir, 'hotcold'), join(dir, 'hotcold.c')]);
      const log = join(dir, 'lackey.log');
      const out = execFileSync(
        'valgrind',
        ['--tool=lackey', '--trace-mem=yes', `--log-file=${log}`, join(dir, 'hotcold')],
        {
          encoding: 'utf8',
        },
      );
      const [hotHex, coldHex] = out.trim().split(' ');
      const hot = Number.parseInt(hotHex as string, 16);
      const cold = Number.parseInt(coldHex as string, 16);

      const trace = await importLackey(log);
      expect(trace.processes).toHaveLength(1);
      expect(trace.processes[0]).toMatch(/^\d+$/);
      expect(trace.length).toBeGreaterThan(40_000);
      const perPage = new Map<number, { n: number; writes: number }>();
      let last = -1;
      for (const r of traceRecords(trace)) {
        expect(r.time).toBeGreaterThan(last);
        last = r.time;
        const c = perPage.get(r.page) ?? { n: 0, writes: 0 };
        c.n++;
        if (r.write) c.writes++;
        perPage.set(r.page, c);
      }
      expect(last).toBeCloseTo((trace.length - 1) / 1e6, 9);
      // Each of the hot buffer's full pages: 50 rounds x 64 lines, a load and a store or more each.
      for (let p = Math.ceil(hot / 4096); p < Math.floor((hot + 16384) / 4096); p++) {
        expect(perPage.get(p)?.n).toBeGreaterThanOrEqual(50 * 64 * 2);
        expect(perPage.get(p)?.writes).toBeGreaterThanOrEqual(50 * 64);
      }
      // Each of the cold buffer's later pages: written once (its first page also holds malloc's header).
      for (let p = Math.ceil(cold / 4096) + 1; p < Math.floor((cold + 262144) / 4096); p++) {
        const c = perPage.get(p);
        expect(c?.writes).toBeGreaterThanOrEqual(1);
        expect(c?.n).toBeLessThan(8);
      }
      // With instruction fetches there are more accesses; the replay sizes itself to the pages touched.
      const withI = await importLackey(log, { instructions: true, rate: 1000 });
      expect(withI.length).toBeGreaterThan(trace.length * 2);
      const pattern = tracePattern(trace);
      expect(pattern.pageCount).toBe(perPage.size);
      expect([
        ...pattern.accesses({ pages: pattern.pageCount, durationSeconds: 1, seed: 0 }),
      ]).toHaveLength(trace.length);
    },
  );

  it('reads a stream: M is a write, a straddling access touches both pages, I lines are skipped', async () => {
    const text = [
      '==42== Lackey',
      'I  0401ab70,3',
      ' L 1000,8',
      ' S 1ffe,4',
      ' M 3000,8',
      '==42== done',
      '',
    ].join('\n');
    const t = await importLackey(Readable.from([text]), { rate: 10 });
    expect([...traceRecords(t)]).toEqual([
      { time: 0, process: '42', page: 1, write: false },
      { time: 0.1, process: '42', page: 1, write: true },
      { time: 0.2, process: '42', page: 2, write: true },
      { time: 0.3, process: '42', page: 3, write: true },
    ]);
  });

  it('a line that is not Lackey output is an error naming the line and value; bad options are refused', async () => {
    await expect(importLackey(Readable.from([' L 1000,8\n X 12,4\n']))).rejects.toThrow(
      /the stream line 2: not a Lackey line .* got " X 12,4"/,
    );
    const missing = await importLackey(join(dir, 'none.log')).catch((e: unknown) => e);
    expect((missing as WorkloadError).code).toBe('NOT_FOUND');
    await expect(importLackey('x', { rate: -1 })).rejects.toThrow(/rate must be .* got -1/);
    await expect(importLackey(42 as never)).rejects.toThrow(
      /input must be a file path or a readable stream, got 42/,
    );
  });
});
