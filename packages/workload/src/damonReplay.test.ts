// A DAMON recording of a real process replayed through the stack: a node child builds a
// cold heap and keeps writing a hot 4 MiB array; its pages are snapshotted
// (processSource), its accesses recorded (recordDamon), and the recording replayed on
// those bytes in both stack designs under a memory.max that holds 60% of them.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVirtualClock } from '@tierswap/base';
import { createSwapStack } from '@tierswap/stack';
import { createFileDevice } from '@tierswap/tiered-store';
import { afterAll, describe, expect, it } from 'vitest';
import { damonUnavailableReason, recordDamon } from './damonRecorder.js';
import { processSource } from './processSource.js';
import { readTrace } from './traceFile.js';
import { tracePattern } from './tracePattern.js';

const unavailable = damonUnavailableReason();
const dir = mkdtempSync(join(tmpdir(), 'tierswap-damon-replay-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const CHILD = `
const cold = [];
for (let i = 0; i < 200000; i++) cold.push({ id: i, text: 'cold item ' + i + ' '.repeat(i % 200) });
const hot = new Float64Array(4 << 17);
console.log('ready');
let n = 0;
setInterval(() => { for (let r = 0; r < 20; r++) for (let i = 0; i < hot.length; i += 512) hot[i] = n++; }, 1);
`;

interface Sample {
  readonly t: number;
  readonly currentPages: number;
  readonly zswapPages: number;
  readonly faults: number;
}

describe('a DAMON recording replayed through the stack', () => {
  it.skipIf(unavailable !== undefined)(
    `faults the recorded working set in once, then runs from memory, the same in both designs ${unavailable ?? ''}`,
    async () => {
      const child = spawn(process.execPath, ['-e', CHILD], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(child);
      await new Promise((resolve) => child.stdout?.once('data', resolve));
      const pid = child.pid as number;
      const path = join(dir, 'node.damon.csv');
      const rec = await recordDamon({ pid, seconds: 4, snapshotMs: 100, pauseOthers: true, path });
      const pages = [...processSource(pid).pages()];
      child.kill('SIGKILL');
      const trace = await readTrace(path);
      const pattern = tracePattern(trace, { rate: 20_000 });
      expect(rec.snapshots).toBeGreaterThan(5);
      expect(pattern.pageCount).toBeGreaterThan(256);
      expect(pattern.pageCount).toBeLessThan(pages.length);

      const series = new Map<string, Sample[]>();
      for (const mode of ['vswap', 'classic'] as const) {
        const clock = createVirtualClock();
        const device = createFileDevice({
          path: join(dir, `${mode}.swap`),
          slots: pages.length + 64,
        });
        const stack = createSwapStack({
          clock,
          ramBytes: 1 << 30,
          mode,
          zswap: { enabled: true, compressor: 'lz4' },
          devices: [{ device, priority: 10 }],
        });
        stack.fs.mkdir('/sys/fs/cgroup/job');
        const p = stack.spawn('/job', pages.length);
        pages.forEach((page, i) => {
          stack.write(p, i, page.bytes);
        });
        const maxPages = Math.floor(pages.length * 0.6);
        expect(
          stack.fs.write('/sys/fs/cgroup/job/memory.max', String(maxPages * 4096)),
        ).toBeUndefined();
        const samples: Sample[] = [];
        let faults = 0;
        let next = 0;
        const sample = (t: number) =>
          samples.push({
            t,
            currentPages: Math.round(
              Number(stack.fs.read('/sys/fs/cgroup/job/memory.current')) / 4096,
            ),
            zswapPages: stack.pool.stats().stored_pages,
            faults,
          });
        for (const a of pattern.accesses({
          pages: pattern.pageCount,
          durationSeconds: 60,
          seed: 1,
        })) {
          while (a.time >= next) sample(next++);
          clock.set(a.time * 1000);
          if (stack.touch(p, a.page)) faults++;
        }
        sample(next);
        device.close();
        series.set(mode, samples);
        for (const s of samples) expect(s.currentPages).toBeLessThanOrEqual(maxPages);
      }
      const vswap = series.get('vswap') as Sample[];
      console.log(
        `DAMON recording of node pid ${pid}: ${rec.snapshots} snapshots over 4 s, ${trace.length} region rows, ${pages.length} pages, replay pageCount ${pattern.pageCount}\n` +
          `t  memory.current(pages)  zswap(pages)  faults (vswap)\n${vswap.map((s) => `${s.t} ${s.currentPages} ${s.zswapPages} ${s.faults}`).join('\n')}`,
      );
      // The hot set faults in during the first second, then mostly stays resident: the
      // fourth second faults on under a tenth of its 20 000 accesses, and less than the first.
      const at = (t: number) => (vswap.find((s) => s.t === t) as Sample).faults;
      expect(at(1)).toBeGreaterThan(256);
      expect(at(4) - at(3)).toBeLessThan(2000);
      expect(at(4) - at(3)).toBeLessThan(at(1));
      // Both designs saw the same accesses and faulted the same pages in.
      expect(series.get('classic')?.map((s) => s.faults)).toEqual(vswap.map((s) => s.faults));
    },
  );
});
