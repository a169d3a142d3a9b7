/**
 * The shell as a real process: node runs a small entry (test/transcripts/shellEntry.ts)
 * that hands its own standard streams to runShell, a script arrives on a real stdin
 * pipe, and the output, the errors and the exit status are read from the outside, as a
 * user's script or CI sees them. The stack's temporary directory must be gone after.
 */

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const APP = join(import.meta.dirname, '..');
const ENTRY = join(APP, 'test/transcripts/shellEntry.ts');

function shell(script: string, flags: readonly string[] = []) {
  const r = spawnSync(
    process.execPath,
    ['--conditions=@tierswap/source', '--import', 'tsx', ENTRY, ...flags],
    { cwd: APP, input: script, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } },
  );
  if (r.error !== undefined) throw r.error;
  return { out: r.stdout, err: r.stderr, status: r.status };
}

describe('tierswap shell as a process', () => {
  it('reads a script on stdin: output on stdout, errors on stderr, status 1 after a failure', () => {
    const r = shell(
      [
        'mkdir /sys/fs/cgroup/app',
        'echo "max=10M 3600" > /sys/fs/cgroup/app/memory.zswap.proactive_writeback',
        'echo 12Q > /sys/fs/cgroup/app/memory.max',
        'cat /sys/fs/cgroup/app/memory.max',
        'swapon --show',
        '',
      ].join('\n'),
    );
    expect(r.err).toBe(
      'echo: write error: Invalid argument\n' +
        '  memory.max.write: /app "12Q\\n": "12Q" is not a size (digits with an optional K/M/G/T suffix) or "max"\n',
    );
    const lines = r.out.split('\n');
    expect(lines[0]).toBe('max');
    expect(lines[1]).toMatch(/^NAME +TYPE +SIZE USED PRIO TIER$/);
    const ssd = /^(\/\S+)\/ssd\.swap +file +64M +0B +100 ssd$/.exec(lines[2] ?? '');
    expect(ssd).not.toBeNull();
    expect(lines[3]).toMatch(/\/hdd\.db +sqlite +64M +0B +0 hdd$/);
    expect(r.status).toBe(1);
    // The session's directory and its device files went with the process.
    expect(existsSync(ssd![1]!)).toBe(false);
  });

  it('exits 0 when every command succeeded, and stops at the first failure with --stop-on-error', () => {
    expect(shell('mkdir /sys/fs/cgroup/a\nexit\n', ['--no-devices'])).toEqual({
      out: '',
      err: '',
      status: 0,
    });
    const r = shell('foo\necho after\n', ['--no-devices', '--stop-on-error']);
    expect(r).toEqual({ out: '', err: 'tierswap: foo: command not found\n', status: 1 });
  });
});
