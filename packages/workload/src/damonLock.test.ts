import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireDamonLock } from './damonLock.js';
import type { WorkloadError } from './workloadError.js';

const dir = mkdtempSync(join(tmpdir(), 'tierswap-damon-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the DAMON recorder lock', () => {
  it('lets one holder in at a time; the next waits for the release', async () => {
    const path = join(dir, 'a.lock');
    const release = (await acquireDamonLock('test', 1000, path)).release;
    expect(existsSync(path)).toBe(true);
    let second = false;
    const waiting = acquireDamonLock('test', 5000, path).then((r) => {
      second = true;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(second).toBe(false);
    release();
    release(); // idempotent
    (await waiting).release();
    expect(second).toBe(true);
    expect(existsSync(path)).toBe(false);
  });

  it('times out with BUSY naming the holder, and takes over a lock whose holder is gone', async () => {
    const path = join(dir, 'b.lock');
    const lock = await acquireDamonLock('test', 1000, path);
    expect(lock.stale).toBe('');
    lock.record('{"found":1}');
    const e = await acquireDamonLock('test', 100, path).catch((x: unknown) => x);
    expect((e as WorkloadError).code).toBe('BUSY');
    expect((e as Error).message).toMatch(new RegExp(`pid ${process.pid}, lock .*b\\.lock`));
    lock.release();
    // A holder that died (a pid that has exited) after recording what it found.
    writeFileSync(path, `${spawnSync('true').pid}\n{"found":2}\n`);
    const again = await acquireDamonLock('test', 1000, path);
    expect(again.stale).toBe('{"found":2}');
    again.release();
  });
});
