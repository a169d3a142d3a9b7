/**
 * The shell's transcripts: each test/transcripts/*.txt is a session as a person would
 * see it, `$ command` lines followed by exactly what the shell printed (standard output
 * and errors, in order), `#` comment lines kept as written. The commands and comments
 * are fed to runShell with `echo` on (sh -v style), and its whole output must be the
 * file, byte for byte. The session's directory shows as $TMP.
 *
 * Directives in comments: `# status: N` (the exit status expected, default 0),
 * `# stack: no-devices` (start without tiers and devices) and `# stack: classic` (the
 * classic design instead of vswap).
 *
 * The session shown in the README is replayed the same way.
 *
 * UPDATE_TRANSCRIPTS=1 rewrites the files from what the shell printed (then read the
 * diff: the test only holds the shell to what was reviewed).
 */

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runShell } from './shell.js';

const DIR = join(import.meta.dirname, '../test/transcripts');
const UPDATE = process.env.UPDATE_TRANSCRIPTS === '1';

/** Standard output and errors into one string, in the order they were written. */
function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

/**
 * The session's directory as $TMP. Where a table row starts with a name padded with
 * spaces, the padding grows by what the name lost, so columns stay aligned whatever the
 * directory.
 */
function hideDir(text: string, dir: string): string {
  const escaped = dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pad = ' '.repeat(dir.length - '$TMP'.length);
  return text
    .replace(
      new RegExp(`^${escaped}(\\S*)( +)`, 'gm'),
      (_m, rest: string, sp: string) => `$TMP${rest}${sp}${pad}`,
    )
    .split(dir)
    .join('$TMP');
}

/** Runs a transcript's commands; returns what the shell printed and its exit status. */
export async function replay(transcript: string): Promise<{ output: string; status: number }> {
  const lines = transcript.replace(/\n$/, '').split('\n');
  const script = lines
    .filter((l) => l.startsWith('$ ') || l.startsWith('#'))
    .map((l) => (l.startsWith('$ ') ? l.slice(2) : l));
  const dir = mkdtempSync(join(tmpdir(), 'tierswap-transcript-'));
  try {
    const input = new PassThrough();
    input.end(`${script.join('\n')}\n`);
    const out = sink();
    const status = await runShell({
      input,
      output: out.stream,
      errorOutput: out.stream,
      interactive: false,
      echo: true,
      stackOptions: {
        dir,
        defaultDevices: !transcript.includes('# stack: no-devices'),
        ...(transcript.includes('# stack: classic') ? { mode: 'classic' as const } : {}),
      },
    });
    // Every device file the session made is gone with it.
    expect(readdirSync(dir)).toEqual([]);
    return { output: hideDir(out.text(), dir), status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.txt'));

/** The README's shell session: the first code block of `## tierswap shell` that starts with `$ `. */
function readmeSession(): string {
  const readme = readFileSync(join(import.meta.dirname, '../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## tierswap shell'));
  const block = /```\n(\$ [\s\S]*?)```/.exec(section);
  if (block === null) throw new Error('README.md: no shell session under "## tierswap shell"');
  return block[1]!;
}

describe('shell transcripts', () => {
  it('finds the transcripts', () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
  });
  it('the session in the README is what the shell prints', async () => {
    const session = readmeSession();
    const { output } = await replay(session);
    expect(output).toBe(session);
  });
  for (const file of files) {
    it(file, async () => {
      const path = join(DIR, file);
      const expected = readFileSync(path, 'utf8');
      const { output, status } = await replay(expected);
      const wantStatus = Number(/^# status: ([0-9]+)$/m.exec(expected)?.[1] ?? '0');
      if (UPDATE) writeFileSync(path, output);
      expect(output).toBe(expected);
      expect(status).toBe(wantStatus);
    });
  }
});
