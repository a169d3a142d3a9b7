/**
 * `tierswap analyze` and `tierswap study` on the built CLI, in quick mode: the
 * compression study on a real file and on a real child process (tables, --json, a
 * report directory), and a study by name with its report.
 */

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CompressionResult } from '@tierswap/bench';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBuiltCli } from './testing/runBuiltCli.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tierswap-test-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const NODE = realpathSync(process.execPath);
const FAST = [
  '--quick',
  '--codecs',
  'lz4,zstd-1',
  '--no-bindings',
  '--no-dictionary',
  '--max-pages',
  '512',
];

describe('tierswap analyze', () => {
  it('a file: tables of ratio, pool and speed beside the CLIs, and a report directory', async () => {
    const report = join(dir, 'report');
    const r = await runBuiltCli(['analyze', NODE, ...FAST, '--report', report]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`compression of `);
    expect(r.stdout).toContain('Ratio and pool footprint');
    expect(r.stdout).toMatch(/│ lz4 +│/);
    expect(r.stdout).toMatch(/│ zstd-1 +│/);
    expect(r.stderr).toContain(`report: ${join(report, 'index.html')}`);
    expect(existsSync(join(report, 'index.html'))).toBe(true);
  });

  it('a child process with --json: the study of its memory, per region', async () => {
    const child = spawn(process.execPath, [
      '-e',
      'globalThis.b = Buffer.alloc(2 << 20, "abc"); console.log("ready"); setInterval(() => {}, 1000);',
    ]);
    try {
      await new Promise((resolve) => child.stdout.once('data', resolve));
      const r = await runBuiltCli(['analyze', '--pid', String(child.pid), ...FAST, '--json']);
      expect(r.code).toBe(0);
      const result = JSON.parse(r.stdout) as CompressionResult;
      expect(result.source.pages).toBe(512);
      expect(result.codecs.map((c) => c.codec)).toEqual(['lz4', 'zstd-1']);
      expect(result.regions.length).toBeGreaterThan(1);
      for (const c of result.codecs) expect(c.ratio).toBeGreaterThan(1);
    } finally {
      child.kill();
    }
  });

  it('paths and --pid together, or nothing: a usage error, exit 2', async () => {
    const both = await runBuiltCli(['analyze', NODE, '--pid', '1']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give exactly one of: paths, --pid N, --snapshot FILE');
    expect((await runBuiltCli(['analyze'])).code).toBe(2);
    const codec = await runBuiltCli(['analyze', NODE, '--codecs', 'lz5']);
    expect(codec.code).toBe(2);
    expect(codec.stderr).toContain("option '--codecs <list>' argument 'lz5' is invalid");
  });

  it('a missing file: exit 1 naming it', async () => {
    const r = await runBuiltCli(['analyze', join(dir, 'nope'), '--quick']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(join(dir, 'nope'));
  });
});

describe('tierswap study', () => {
  it('fairness --quick: its conclusion, and its report with data.json', async () => {
    const report = join(dir, 'report');
    const r = await runBuiltCli(['study', 'fairness', '--quick', '--report', report]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('# Fairness');
    expect(r.stdout).toContain('per-memcg');
    const data = JSON.parse(readFileSync(join(report, 'fairness', 'data.json'), 'utf8')) as object;
    expect(Object.keys(data).length).toBeGreaterThan(0);
    expect(existsSync(join(report, 'index.html'))).toBe(true);
  });

  it('swap-metadata --quick --json: the data', async () => {
    const r = await runBuiltCli(['study', 'swap-metadata', '--quick', '--json']);
    expect(r.code).toBe(0);
    expect(typeof JSON.parse(r.stdout)).toBe('object');
  });

  it('lists the studies, and an unknown one is a usage error', async () => {
    const help = await runBuiltCli(['study', '--help']);
    expect(help.code).toBe(0);
    for (const name of [
      'age-advisor',
      'interface-ab',
      'fairness',
      'swap-metadata',
      'incompressible',
      'package-benchmarks',
    ]) {
      expect(help.stdout).toContain(name);
    }
    const r = await runBuiltCli(['study', 'fairnes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'fairnes'");
    const opt = await runBuiltCli(['study', 'fairness', '--children', '1']);
    expect(opt.code).toBe(2);
  });
});
