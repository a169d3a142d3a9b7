import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOSTILE_VALUES } from '@tierswap/bench-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RecipeName, recipeAvailability, runRecipe } from './recipes.js';
import type { PageSource } from './types.js';
import { WorkloadError } from './workloadError.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wl-recipes-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pagesWith(src: PageSource, marker: string): number {
  let n = 0;
  for (const p of src.pages()) {
    if (Buffer.from(p.bytes.buffer, p.bytes.byteOffset, 4096).includes(marker)) n++;
  }
  return n;
}

/** Live children of this process (from /proc/PID/stat's ppid field). */
function children(): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === process.pid && fields[0] !== 'Z') out.push(Number(name));
    } catch {
      // exited while listed
    }
  }
  return out;
}

const markers: Record<RecipeName, string> = {
  'node-heap': 'tierswap-node-record',
  python: 'tierswap-python-record',
  redis: 'tierswap-redis-value',
};

describe('recipes on this machine', () => {
  it('has every recipe available here (node, python3, redis-server and redis-cli are installed)', () => {
    expect(recipeAvailability('node-heap')).toBe(true);
    expect(recipeAvailability('python')).toBe(true);
    expect(recipeAvailability('redis')).toBe(true);
  });

  for (const name of ['node-heap', 'python', 'redis'] as const) {
    it(`${name}: starts the program, snapshots its data, and stops it`, async () => {
      const before = children();
      const r = await runRecipe(name, { sizeMiB: 8, warmupMs: 100 });
      expect(r.recipe).toBe(name);
      expect(r.source.pageCount).toBeGreaterThan(8 * 256 * 0.5);
      // What was read is what was resident, no more.
      expect(r.source.pageCount * 4).toBeLessThanOrEqual(r.rssKiB);
      expect(pagesWith(r.source, markers[name])).toBeGreaterThan(100);
      expect(existsSync(`/proc/${r.pid}`)).toBe(false);
      expect(children()).toEqual(before);
    });
  }

  it('saves the snapshot to a file when asked, and reads it back from there', async () => {
    const path = join(dir, 'redis.snap');
    const seen: number[] = [];
    const r = await runRecipe('redis', {
      sizeMiB: 4,
      warmupMs: 0,
      snapshotPath: path,
      onProgress: (done) => seen.push(done),
    });
    expect(r.snapshot?.path).toBe(path);
    expect('path' in r.source && r.source.path).toBe(path);
    expect(seen.at(-1)).toBe(r.source.pageCount);
    expect(pagesWith(r.source, 'tierswap-redis-value')).toBeGreaterThan(50);
    expect(r.source.regions.length).toBeGreaterThan(0);
    expect(existsSync(`/proc/${r.pid}`)).toBe(false);
  });

  it('says what to install when a program is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = join(dir, 'empty-bin');
    try {
      expect(recipeAvailability('redis')).toBe(
        'recipe redis needs redis-server, which is not on PATH: apt-get install redis-server',
      );
      expect(recipeAvailability('python')).toMatch(
        /^recipe python needs python3, which is not on PATH/,
      );
      expect(recipeAvailability('node-heap')).toBe(true); // this Node binary
      const e = await runRecipe('redis').catch((err: unknown) => err);
      expect(e).toBeInstanceOf(WorkloadError);
      expect((e as WorkloadError).code).toBe('UNSUPPORTED');
      expect((e as WorkloadError).errno).toBe('ENOENT');
    } finally {
      process.env.PATH = path;
    }
  });

  it('stops a program that is not ready in time, and refuses bad options', async () => {
    const before = children();
    const e = await runRecipe('python', { sizeMiB: 512, timeoutMs: 50 }).catch(
      (err: unknown) => err,
    );
    expect((e as WorkloadError).code).toBe('PROGRAM_FAILED');
    expect((e as Error).message).toMatch(
      /^@tierswap\/workload\/recipes\.runRecipe: python \(.*python3\) was not ready after 50 ms/,
    );
    expect(children()).toEqual(before);
    await expect(runRecipe('java' as RecipeName)).rejects.toThrow(
      /unknown recipe "java" \(known: node-heap, python, redis\)/,
    );
    await expect(runRecipe('redis', { sizeMiB: 0 })).rejects.toThrow(
      /sizeMiB must be an integer in 1\.\.65536, got 0/,
    );
    await expect(runRecipe('redis', { warmupMs: -1 })).rejects.toThrow(/warmupMs must be/);
    for (const v of HOSTILE_VALUES) {
      await expect(runRecipe(v as RecipeName)).rejects.toThrow(/unknown recipe/);
      if (v === undefined) continue;
      const ranges: Record<string, [number, number]> = {
        sizeMiB: [1, 65536],
        seed: [0, 0xffffffff],
        warmupMs: [0, 600_000],
        timeoutMs: [1, 3_600_000],
      };
      for (const key of ['sizeMiB', 'seed', 'warmupMs', 'timeoutMs', 'snapshotPath']) {
        // A valid value would start the program: only invalid ones are tried here.
        const [lo, hi] = ranges[key] ?? [0, -1];
        const valid =
          key === 'snapshotPath'
            ? typeof v === 'string' && v !== ''
            : typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
        if (valid) continue;
        await expect(runRecipe('node-heap', { [key]: v })).rejects.toThrow(WorkloadError);
      }
    }
    expect(children()).toEqual(before);
  });
});
