/**
 * The commands that hand over to other parts of the house, on the built CLI: `shell`
 * (runShell on a script from stdin or a file, its exit status passed through), `run`
 * (a scenario file through runScenario, writing its series and charts) and `record`
 * (DAMON on a real child process).
 */

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { damonUnavailableReason, readTrace } from '@tierswap/workload';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ScenarioSummary } from './scenarioSummary.js';
import { runBuiltCli } from './testing/runBuiltCli.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tierswap-test-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('tierswap shell', () => {
  it('runs a script from stdin as a transcript; a refused write makes the status 1', async () => {
    const script = [
      'mkdir /sys/fs/cgroup/app',
      'echo 12Q > /sys/fs/cgroup/app/memory.max',
      'cat /sys/fs/cgroup/app/memory.max',
      '',
    ].join('\n');
    const r = await runBuiltCli(['shell', '--echo', '--no-devices'], {
      input: script,
      env: { TMPDIR: dir },
    });
    expect(r.stdout).toBe(
      '$ mkdir /sys/fs/cgroup/app\n$ echo 12Q > /sys/fs/cgroup/app/memory.max\n$ cat /sys/fs/cgroup/app/memory.max\nmax\n',
    );
    expect(r.stderr).toContain('echo: write error: Invalid argument');
    expect(r.code).toBe(1);
  });

  it('runs a script file; all good is status 0 and the stack’s directory is gone', async () => {
    const file = join(dir, 'session.sh');
    writeFileSync(
      file,
      'mkdir /sys/fs/cgroup/a\necho 1M > /sys/fs/cgroup/a/memory.max\ncat /sys/fs/cgroup/a/memory.max\n',
    );
    const work = mkdtempSync(join(dir, 'tmp-'));
    const r = await runBuiltCli(['shell', file], { env: { TMPDIR: work } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('1048576\n');
    expect(readFileSync(file, 'utf8')).toContain('mkdir');
    expect(readdirSync(work)).toEqual([]);
  });

  it('--compressor and --ram set up its stack; a bad --mode is a usage error', async () => {
    const r = await runBuiltCli(['shell', '--no-devices', '--compressor', 'zstd', '--ram', '32M'], {
      input: 'cat /sys/module/zswap/parameters/compressor\n',
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('zstd\n');
    const bad = await runBuiltCli(['shell', '--mode', 'fast'], { input: '' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--mode must be one of vswap, classic');
  });

  it('a missing script file: exit 1 naming it', async () => {
    const r = await runBuiltCli(['shell', join(dir, 'nope.sh')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`ENOENT: no such file or directory, open '${join(dir, 'nope.sh')}'`);
  });
});

const EXAMPLE = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'packages',
  'workload',
  'examples',
  'scenario.yaml',
);

describe('tierswap run', () => {
  it('runs the example scenario: summary, result.json, series.csv and SVG charts', async () => {
    const out = join(dir, 'out');
    const r = await runBuiltCli(['run', EXAMPLE, '-o', out], { env: { TMPDIR: dir } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('tierswap run two-jobs-two-tiers: ');
    expect(r.stdout).toContain('ALGORITHM');
    expect(r.stdout).toContain('memory.stat zswpwb');
    // The example's deliberate mistake is answered as the kernel would.
    expect(r.stdout).toContain('EINVAL: memory.reclaim.write: /jobs/web "1M swappiness=300"');
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as {
      series: { t: number }[];
      spec: { durationSeconds: number };
    };
    expect(result.series[result.series.length - 1]?.t).toBe(result.spec.durationSeconds);
    const csv = readFileSync(join(out, 'series.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^t,accesses,faults,/);
    expect(csv.length).toBe(result.series.length + 1);
    for (const chart of ['memory', 'pool', 'refaults']) {
      const svg = readFileSync(join(out, `${chart}.svg`), 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    }
    // The run's devices lived in a temporary directory that is gone.
    expect(readdirSync(dir)).toEqual(['out']);
  });

  it('--json: the summary and the files written', async () => {
    const out = join(dir, 'j');
    const r = await runBuiltCli(['run', EXAMPLE, '-o', out, '--json']);
    expect(r.code).toBe(0);
    const { summary, files } = JSON.parse(r.stdout) as {
      summary: ScenarioSummary;
      files: string[];
    };
    expect(summary.name).toBe('two-jobs-two-tiers');
    expect(summary.timeline.some((e) => e.errno === 'EINVAL')).toBe(true);
    expect(files.map((f) => f.slice(out.length + 1)).sort()).toEqual([
      'memory.svg',
      'pool.svg',
      'refaults.svg',
      'result.json',
      'series.csv',
    ]);
  });

  it('an invalid scenario: exit 1 naming the problem, nothing written', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'name: x\ndurationSeconds: 10\nstack: { ramBytes: 1M }\nbogus: 1\n');
    const r = await runBuiltCli(['run', file, '-o', join(dir, 'never')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file} is not a valid scenario`);
    expect(r.stderr).toContain('unknown key "bogus"');
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });

  it('no scenario argument: a usage error, exit 2', async () => {
    const r = await runBuiltCli(['run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing required argument 'scenario'");
  });
});

describe('tierswap record', () => {
  const noDamon = damonUnavailableReason();
  it.skipIf(noDamon !== undefined)(
    `records a busy child with DAMON into a trace file readTrace reads back${noDamon ? ` (skipped: ${noDamon})` : ''}`,
    async () => {
      // A child that keeps writing across 32 MiB, so DAMON finds accesses.
      const child = spawn(process.execPath, [
        '-e',
        'const b = Buffer.alloc(32 << 20, 1); let i = 0; console.log("ready"); setInterval(() => { for (let k = 0; k < 4000; k++) b[(i = (i + 4096 * 7) % b.length)]++; }, 5);',
      ]);
      try {
        await new Promise((resolve) => child.stdout.once('data', resolve));
        const file = join(dir, 'child.damon.csv');
        // --pause-others: a kdamond someone else runs is paused and restored, not a refusal.
        const r = await runBuiltCli([
          'record',
          '--pid',
          String(child.pid),
          '-o',
          file,
          '--seconds',
          '2',
          '--pause-others',
          '--json',
        ]);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        const rec = JSON.parse(r.stdout) as { snapshots: number; rows: number; ended: string };
        expect(rec.snapshots).toBeGreaterThan(0);
        expect(rec.ended).toBe('time');
        expect(readFileSync(file, 'utf8').startsWith('# tierswap damon trace\n')).toBe(true);
        const trace = await readTrace(file);
        expect(trace.kind).toBe('damon');
        expect(trace.length).toBe(rec.rows);
      } finally {
        child.kill();
      }
    },
  );

  it('no --output: a usage error, exit 2', async () => {
    const r = await runBuiltCli(['record', '--pid', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("required option '-o, --output <trace>' not specified");
  });
});
