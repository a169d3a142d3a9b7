/**
 * The command's conventions, on the built CLI: --help on every command, --version,
 * exit codes (0 ok, 1 failure, 2 usage), colour only on a TTY and never with NO_COLOR.
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBuiltCli } from './testing/runBuiltCli.js';

// An SGR sequence (colour, bold): cursor control from a progress bar is not colour.
const ESC = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`);
const version = (
  JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

describe('tierswap conventions', () => {
  it('--version prints the package version, exit 0', async () => {
    const r = await runBuiltCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it('--help lists the commands, exit 0, on stdout', async () => {
    const r = await runBuiltCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: tierswap');
    expect(r.stdout).toMatch(/^\s+demo\b/m);
    expect(r.stderr).toBe('');
  });

  it.each([
    ['demo'],
    ['snapshot'],
    ['run'],
    ['record'],
    ['analyze'],
    ['study fairness'],
    ['shell'],
  ])('%s --help shows its options, exit 0', async (command) => {
    const words = command.split(' ');
    const r = await runBuiltCli([...words, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: tierswap ${command}`);
    expect(r.stdout).toContain(command === 'shell' ? '--echo' : '--json');
    const viaHelp = await runBuiltCli(['help', ...words]);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toBe(r.stdout);
  });

  it('help for an unknown nested command is a usage error: exit 2', async () => {
    const r = await runBuiltCli(['help', 'study', 'nosuch']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'study nosuch'");
    expect(r.stdout).toBe('');
  });

  it('an unknown command is a usage error: exit 2, message on stderr', async () => {
    const r = await runBuiltCli(['dmeo']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'dmeo'");
    expect(r.stderr).toContain('(Did you mean demo?)');
    expect(r.stdout).toBe('');
  });

  it('an unknown option is a usage error: exit 2', async () => {
    const r = await runBuiltCli(['demo', '--fast']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--fast'");
  });

  it('a bad option value is a usage error naming the value: exit 2', async () => {
    const r = await runBuiltCli(['demo', '--pages', '12x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("option '--pages <n>' argument '12x' is invalid");
    expect(r.stderr).toContain('"12x" is not an integer in 64..1048576');
    const low = await runBuiltCli(['demo', '--seconds', '5']);
    expect(low.code).toBe(2);
    expect(low.stderr).toContain('"5" is not an integer in 60..86400');
  });

  it('no command at all is a usage error: exit 2 with the usage on stderr', async () => {
    const r = await runBuiltCli([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage: tierswap');
  });

  it('a failure is exit 1 with the reason on stderr (no temporary directory can be made)', async () => {
    const missing = join(tmpdir(), 'tierswap-no-such-dir', 'deeper');
    const r = await runBuiltCli(['demo', '--pages', '64', '--seconds', '60'], {
      env: { TMPDIR: missing },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^tierswap: .*ENOENT: no such file or directory, mkdtemp '.*tierswap-scenario-/m,
    );
  });

  describe('colour', () => {
    it('is on under a TTY', async () => {
      const r = await runBuiltCli(['--help'], { tty: true, env: { TERM: 'xterm' } });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Usage:');
      expect(r.stdout).toMatch(ESC);
    });

    it('is off under a TTY with NO_COLOR', async () => {
      const r = await runBuiltCli(['--help'], { tty: true, env: { TERM: 'xterm', NO_COLOR: '1' } });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Usage:');
      expect(r.stdout).not.toMatch(ESC);
    });

    it('is off when piped, even under CI or FORCE_COLOR', async () => {
      const r = await runBuiltCli(['--help'], { env: { CI: 'true', FORCE_COLOR: '1' } });
      expect(r.code).toBe(0);
      expect(r.stdout).not.toMatch(ESC);
    });

    it('is off for the demo under a TTY with NO_COLOR, on without it', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tierswap-test-'));
      try {
        const args = ['demo', '--pages', '64', '--seconds', '60'];
        const plain = await runBuiltCli(args, {
          tty: true,
          env: { TERM: 'xterm', NO_COLOR: '1', TMPDIR: dir },
        });
        expect(plain.code).toBe(0);
        expect(plain.stdout).toContain('ALGORITHM');
        expect(plain.stdout).not.toMatch(ESC);
        const coloured = await runBuiltCli(args, {
          tty: true,
          env: { TERM: 'xterm', TMPDIR: dir },
        });
        expect(coloured.code).toBe(0);
        expect(coloured.stdout).toMatch(ESC);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
