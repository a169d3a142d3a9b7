import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileSource, writeSnapshot } from '@tierswap/workload';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BenchError } from './benchError.js';
import { openSource } from './openSource.js';

let dir: string;
let child: ChildProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'open-source-'));
  // A real process with some heap of its own, waiting until we are done.
  child = spawn(
    process.execPath,
    [
      '-e',
      'globalThis.k = Array.from({ length: 2e5 }, (_, i) => ({ i, s: "v" + i })); setInterval(() => {}, 1000);',
    ],
    {
      stdio: 'ignore',
    },
  );
  await new Promise((r) => setTimeout(r, 500));
});
afterAll(() => {
  child.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('openSource', () => {
  it("reads a running process's memory with --pid, one region per mapping", () => {
    const source = openSource([], { pid: child.pid ?? 0, maxPages: 256 });
    expect(source.pageCount).toBe(256);
    expect(source.regions.length).toBeGreaterThan(0);
    let n = 0;
    for (const p of source.pages()) {
      expect(p.bytes.length).toBe(4096);
      n++;
    }
    expect(n).toBe(256);
  });

  it('recognises a snapshot by its magic and files and directories otherwise', async () => {
    const path = join(dir, 'headers.tswp');
    await writeSnapshot(fileSource('/usr/include', { maxPages: 64 }), path);
    const snap = openSource([path]);
    expect(snap.pageCount).toBe(64);
    expect(snap.regions.length).toBeGreaterThan(1);
    // The same file named with another: not a lone snapshot, so its bytes as a file.
    const files = openSource([path, '/usr/include/stdio.h']);
    expect(files.regions.map((r) => r.name)).toEqual([path, '/usr/include/stdio.h']);
  });

  it('refuses no paths, and paths with --pid', () => {
    expect(() => openSource([])).toThrow(BenchError);
    expect(() => openSource(['/usr/include'], { pid: 1 })).toThrow(/not both/);
  });
});
