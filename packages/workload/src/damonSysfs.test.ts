import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTriedRegions } from './damonSysfs.js';

// A fake tried_regions directory: the real one is read by the recorder's tests on the
// kernel's (damonRecorder.test.ts); this one can lose a region between listing and reading.
const dir = mkdtempSync(join(tmpdir(), 'tierswap-tried-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function region(
  i: number,
  start: number,
  end: number,
  nrAccesses: number,
  age: number,
  skip?: string,
) {
  const r = join(dir, String(i));
  mkdirSync(r, { recursive: true });
  const files: Record<string, number> = { start, end, nr_accesses: nrAccesses, age };
  for (const [f, v] of Object.entries(files)) if (f !== skip) writeFileSync(join(r, f), `${v}\n`);
}

describe('readTriedRegions', () => {
  it('reads the regions sorted by start, and answers undefined when one vanished mid-read', () => {
    writeFileSync(join(dir, 'total_bytes'), '12288\n');
    region(0, 8192, 12288, 3, 1);
    region(1, 0, 8192, 20, 7);
    expect(readTriedRegions(dir, 0.5)).toEqual([
      { time: 0.5, start: 0, end: 8192, nrAccesses: 20, age: 7 },
      { time: 0.5, start: 8192, end: 12288, nrAccesses: 3, age: 1 },
    ]);
    region(2, 12288, 16384, 0, 0, 'age'); // listed, but its age file is gone
    expect(readTriedRegions(dir, 0.5)).toBeUndefined();
    expect(readTriedRegions(join(dir, 'missing'), 0.5)).toBeUndefined();
  });
});
