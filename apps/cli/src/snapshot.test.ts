/**
 * `tierswap snapshot` on the built CLI against a real child process: the file holds the
 * marker the child wrote into its memory; a gone process is a failure (exit 1) naming
 * it; a missing --pid is a usage error (exit 2).
 */

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSnapshot } from '@tierswap/workload';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from './testing/runBuiltCli.js';

const MARKER = 'tierswap-snapshot-marker-';
let dir: string;
let child: ReturnType<typeof spawn>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tierswap-test-'));
  // 4 MiB of the marker in a Buffer (off the V8 heap, in an anonymous mapping), then idle.
  child = spawn(
    process.execPath,
    [
      '-e',
      `globalThis.b = Buffer.alloc(4 << 20, '${MARKER}'); console.log('ready'); setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('error', reject);
  });
});
afterAll(() => {
  child.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('tierswap snapshot', () => {
  it("writes the child's pages, the marker among them", async () => {
    const file = join(dir, 'child.snap');
    const r = await runBuiltCli(['snapshot', '--pid', String(child.pid), '-o', file, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const written = JSON.parse(r.stdout) as {
      pages: number;
      path: string;
      stats: { readPages: number };
    };
    expect(written.pages).toBeGreaterThanOrEqual(1024);
    expect(written.stats.readPages).toBe(written.pages);
    const snap = readSnapshot(file);
    expect(snap.pageCount).toBe(written.pages);
    const marker = new TextEncoder().encode(MARKER);
    let found = 0;
    for (const { bytes } of snap.pages()) {
      if (Buffer.from(bytes).indexOf(marker) !== -1) found++;
    }
    // The 4 MiB buffer is 1024 pages, every one of them full of the marker.
    expect(found).toBeGreaterThanOrEqual(1024);
  });

  it('prints a summary without --json', async () => {
    const r = await runBuiltCli([
      'snapshot',
      '--pid',
      String(child.pid),
      '-o',
      join(dir, 'b.snap'),
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`snapshot of pid ${child.pid} → ${join(dir, 'b.snap')}`);
    expect(r.stdout).toMatch(/[\d,]+ pages \([\d,]+ zero\) from [\d,]+ mappings/);
  });

  it('a process that has exited: exit 1 naming it, no file', async () => {
    const gone = spawn('true');
    await new Promise((resolve) => gone.once('exit', resolve));
    const file = join(dir, 'none.snap');
    const r = await runBuiltCli(['snapshot', '--pid', String(gone.pid), '-o', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`process ${gone.pid} does not exist or has exited`);
    expect(existsSync(file)).toBe(false);
  });

  it('no --pid: a usage error, exit 2', async () => {
    const r = await runBuiltCli(['snapshot', '-o', join(dir, 'x.snap')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("required option '--pid <n>' not specified");
  });
});
