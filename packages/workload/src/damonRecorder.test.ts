import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireDamonLock } from './damonLock.js';
import { damonUnavailableReason, recordDamon, restoreLatest } from './damonRecorder.js';
import type { SavedKdamonds } from './damonSysfs.js';
import { DAMON_ADMIN, saveKdamonds } from './damonSysfs.js';
import type { DamonTrace } from './damonTrace.js';
import { damonRows } from './damonTrace.js';
import { readTrace } from './traceFile.js';
import { tracePattern } from './tracePattern.js';
import { WorkloadError } from './workloadError.js';

const unavailable = damonUnavailableReason();
const haveCc = spawnSync('sh', ['-c', 'command -v cc']).status === 0;
const damonAvailable = unavailable === undefined && haveCc;
// Each test compares the kdamonds right before and after its recording: the machine's
// own DAMON user (if any) may change its kdamond's configuration in between tests.
const othersRunning =
  (unavailable === undefined ? saveKdamonds() : undefined)?.kdamonds.some(
    (k) => k.state === 'on',
  ) ?? false;
const dir = mkdtempSync(join(tmpdir(), 'tierswap-damon-'));
const children: ChildProcess[] = [];

afterAll(() => {
  // SIGTERM: a recorder child restores the kdamonds on it.
  for (const c of children) c.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

// A child with a hot 4 MiB buffer it writes page by page in a loop, and a cold 64 MiB
// one it filled once; it prints both addresses and then loops until killed.
const PROGRAM = `
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
int main(void) {
  size_t hotSize = 4 << 20, coldSize = 64 << 20;
  unsigned char *hot = mmap(0, hotSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  unsigned char *cold = mmap(0, coldSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memset(hot, 1, hotSize);
  memset(cold, 2, coldSize);
  printf("%lx %lx %lx %lx\\n", (unsigned long)hot, (unsigned long)hotSize, (unsigned long)cold, (unsigned long)coldSize);
  fflush(stdout);
  for (volatile unsigned long n = 0;; n++)
    for (size_t i = 0; i < hotSize; i += 4096) hot[i] = (unsigned char)n;
}
`;

async function startChild(): Promise<{
  child: ChildProcess;
  hot: [number, number];
  cold: [number, number];
}> {
  const bin = join(dir, 'hotcold');
  writeFileSync(`${bin}.c`, PROGRAM);
  execFileSync('cc', ['-O1', '-o', bin, `${bin}.c`]);
  const child = spawn(bin, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  // The hot loop must run while it is watched: on a machine busy with the other test files
  // a child at the default priority gets too few slices for its buffer to read as hot.
  // The test runs as root (DAMON needs it), which may raise a priority.
  setPriority(child.pid as number, -10);
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout?.once('data', (d: Buffer) => resolve(d.toString()));
    child.once('error', reject);
  });
  const [h, hs, c, cs] = line
    .trim()
    .split(' ')
    .map((x) => Number.parseInt(x, 16)) as [number, number, number, number];
  return { child, hot: [h, h + hs], cold: [c, c + cs] };
}

/** The mean nr_accesses over [lo, hi), weighting each region by its overlap, over all snapshots. */
function meanAccesses(trace: DamonTrace, [lo, hi]: [number, number]): number {
  let sum = 0;
  let bytes = 0;
  for (const r of damonRows(trace)) {
    const overlap = Math.min(hi, r.end) - Math.max(lo, r.start);
    if (overlap <= 0) continue;
    sum += r.nrAccesses * overlap;
    bytes += overlap;
  }
  return bytes === 0 ? Number.NaN : sum / bytes;
}

/**
 * A recorder of `pid` in a process of its own (60 s, pausing the others), which prints a
 * line at its first snapshot, so a test can kill it while it records.
 */
function spawnRecorder(pid: number): ChildProcess {
  const script = [
    "import { recordDamon } from './src/damonRecorder.ts';",
    `await recordDamon({ pid: ${pid}, seconds: 60, pauseOthers: true, onSnapshot: () => console.log('snapshot') });`,
  ].join('\n');
  const recorder = spawn(
    process.execPath,
    ['--conditions=@tierswap/source', '--import', 'tsx', '--input-type=module', '-e', script],
    { cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(recorder);
  return recorder;
}

/**
 * The kdamonds while no recorder runs: other worktrees' tests and examples may record on
 * this machine too, and a recorder holds the lock for as long as its kdamond is there.
 */
async function quietKdamonds() {
  const lock = await acquireDamonLock('test', 300_000);
  try {
    // A recorder killed with SIGKILL leaves its kdamond and a stale lock; whoever takes
    // the lock next cleans up, as a recorder does.
    if (lock.stale !== '') restoreLatest(JSON.parse(lock.stale) as SavedKdamonds, DAMON_ADMIN);
    return saveKdamonds();
  } finally {
    lock.release();
  }
}

const notHere = unavailable ?? (haveCc ? '' : 'no C compiler (cc) for the child program');

describe('recordDamon', () => {
  it.skipIf(!damonAvailable)(
    `records a child's hot buffer as hotter than its cold one, and restores the kdamonds ${notHere}`,
    async () => {
      const { child, hot, cold } = await startChild();
      const path = join(dir, 'child.damon.csv');
      const before = await quietKdamonds();
      const rec = await recordDamon({
        pid: child.pid as number,
        seconds: 3,
        snapshotMs: 100,
        pauseOthers: true,
        path,
      });
      child.kill('SIGKILL');
      expect(rec.ended).toBe('time');
      expect(rec.snapshots).toBeGreaterThanOrEqual(5);
      const hotMean = meanAccesses(rec.trace, hot);
      const coldMean = meanAccesses(rec.trace, cold);
      console.log(
        `DAMON recording of pid ${child.pid}: ${rec.snapshots} snapshots in 3 s, ${rec.trace.length} rows, mean nr_accesses hot ${hotMean.toFixed(2)} cold ${coldMean.toFixed(2)}`,
      );
      // The hot buffer is written all the time, the cold one never after it was filled. On
      // a quiet machine hot reads near the 20 samples of an aggregation; on a loaded one
      // kdamond itself gets fewer slices and samples less (1.6 beside three busy loops and
      // the other test files), while the cold buffer stays at 0.
      expect(hotMean).toBeGreaterThan(0.3);
      expect(hotMean).toBeGreaterThan(coldMean * 3 + 0.2);
      // The file holds the same trace, and it replays.
      const back = await readTrace(path);
      expect(back.kind === 'damon' && damonRows(back)).toEqual(damonRows(rec.trace));
      const pattern = tracePattern(rec.trace, { rate: 10_000 });
      expect(pattern.pageCount).toBeGreaterThan(100);
      // Over the recording, at 10 000 a second, but none while a snapshot saw no access
      // (how many such snapshots a loaded machine leaves at the start varies).
      const replayed = [
        ...pattern.accesses({ pages: pattern.pageCount, durationSeconds: 3, seed: 1 }),
      ];
      expect(replayed.length).toBeGreaterThan(1000);
      expect(replayed.length).toBeLessThanOrEqual(30_000);
      expect(replayed.every((a) => a.page >= 0 && a.page < pattern.pageCount)).toBe(true);
      expect(await quietKdamonds()).toEqual(before);
    },
  );

  it.skipIf(!damonAvailable)(
    `stops early when the process exits, and restores the kdamonds ${notHere}`,
    async () => {
      const child = spawn('sleep', ['1.5'], { stdio: 'ignore' });
      children.push(child);
      const before = await quietKdamonds();
      const rec = await recordDamon({
        pid: child.pid as number,
        seconds: 20,
        pauseOthers: true,
        aggregationMs: 50,
        snapshotMs: 50,
      });
      expect(rec.ended).toBe('process-exited');
      expect(rec.snapshots).toBeGreaterThan(0);
      expect(await quietKdamonds()).toEqual(before);
    },
  );

  it.skipIf(!damonAvailable)(
    `restores the kdamonds when the recording process is killed with SIGTERM ${notHere}`,
    async () => {
      const target = spawn('sleep', ['60'], { stdio: 'ignore' });
      children.push(target);
      const before = await quietKdamonds();
      const recorder = spawnRecorder(target.pid as number);
      const exited = new Promise<[number | null, string | null]>((resolve) =>
        recorder.once('exit', (c, sig) => resolve([c, sig])),
      );
      try {
        await new Promise((resolve) => recorder.stdout?.once('data', resolve));
        // Recording: our kdamond is there, after the ones found.
        expect(saveKdamonds().kdamonds).toHaveLength(before.kdamonds.length + 1);
      } finally {
        // SIGTERM even when an assertion failed: the recorder must restore the kdamonds.
        recorder.kill('SIGTERM');
      }
      const [code, signal] = await exited;
      expect(signal ?? code).toBe('SIGTERM');
      expect(await quietKdamonds()).toEqual(before);
      target.kill('SIGKILL');
    },
  );

  it.skipIf(!damonAvailable)(
    `the next recorder removes the kdamond of one killed with SIGKILL ${notHere}`,
    async () => {
      const target = spawn('sleep', ['60'], { stdio: 'ignore' });
      children.push(target);
      const before = await quietKdamonds();
      const recorder = spawnRecorder(target.pid as number);
      const exited = new Promise((resolve) => recorder.once('exit', resolve));
      try {
        await new Promise((resolve) => recorder.stdout?.once('data', resolve));
      } finally {
        recorder.kill('SIGKILL');
      }
      await exited;
      // Its kdamond is still there, running.
      const left = saveKdamonds();
      expect(left.kdamonds).toHaveLength(before.kdamonds.length + 1);
      expect(left.kdamonds.at(-1)?.state).toBe('on');
      const rec = await recordDamon({
        pid: target.pid as number,
        seconds: 0.5,
        snapshotMs: 100,
        pauseOthers: true,
      });
      expect(rec.snapshots).toBeGreaterThan(0);
      expect(await quietKdamonds()).toEqual(before);
      target.kill('SIGKILL');
    },
  );

  it.skipIf(!damonAvailable || !othersRunning)(
    `refuses with BUSY while another kdamond runs, changing nothing ${notHere}`,
    async () => {
      const before = await quietKdamonds();
      const e = await recordDamon({ pid: process.pid, seconds: 1 }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(WorkloadError);
      expect((e as WorkloadError).code).toBe('BUSY');
      expect((e as Error).message).toMatch(/kdamond 0 .* is running.* pauseOthers: true/);
      expect(await quietKdamonds()).toEqual(before);
    },
  );

  it('clear errors for a gone process, a missing DAMON, and bad options', async () => {
    const before = unavailable === undefined ? await quietKdamonds() : undefined;
    const gone = spawnSync('true').pid as number;
    const e = await recordDamon({ pid: gone, seconds: 1, pauseOthers: true }).catch(
      (x: unknown) => x,
    );
    expect((e as WorkloadError).code).toBe(
      unavailable === undefined ? 'PROCESS_GONE' : expect.any(String),
    );
    if (unavailable === undefined)
      expect((e as Error).message).toMatch(new RegExp(`no process ${gone}`));
    const empty = mkdtempSync(join(dir, 'admin-'));
    const missing = await recordDamon({ pid: process.pid, seconds: 1, adminDir: empty }).catch(
      (x: unknown) => x,
    );
    expect((missing as WorkloadError).code).toBe('UNSUPPORTED');
    expect((missing as Error).message).toMatch(
      /no .*admin-.*\/kdamonds: the kernel has no DAMON sysfs interface/,
    );
    await expect(recordDamon({ pid: 0, seconds: 1 })).rejects.toThrow(/pid must be .* got 0/);
    await expect(recordDamon({ pid: 1, seconds: Number.NaN })).rejects.toThrow(
      /seconds must be .* got NaN/,
    );
    await expect(
      recordDamon({ pid: 1, seconds: 1, samplingUs: 5000, aggregationMs: 1 }),
    ).rejects.toThrow(/aggregationMs/);
    if (before !== undefined) expect(await quietKdamonds()).toEqual(before);
  });
});
