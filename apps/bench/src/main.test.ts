import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createProgram } from './main.js';
import { checkReport } from './report/reportChecks.js';
import { compressionResultSchema } from './studies/compressionResult.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-main-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ out: string; err: string }> {
  let out = '';
  let err = '';
  const program = createProgram((t) => {
    out += t;
  });
  program.exitOverride();
  for (const c of program.commands) {
    c.exitOverride();
    c.configureOutput({
      writeOut: (t) => {
        out += t;
      },
      writeErr: (t) => {
        err += t;
      },
    });
  }
  await program.parseAsync(['node', 'tierswap-bench', ...args]);
  return { out, err };
}

describe('tierswap-bench compression', () => {
  it('studies a directory of real files, printing JSON and writing a sound report', async () => {
    const report = join(dir, 'report');
    const { out } = await run([
      'compression',
      '/usr/include',
      '--quick',
      '--json',
      '--max-pages',
      '512',
      '--codecs',
      'lz4,zstd-2',
      '--units',
      '16',
      '--no-native',
      '--no-bindings',
      '--no-dictionary',
      '--report',
      report,
    ]);
    const result = compressionResultSchema.parse(JSON.parse(out));
    expect(result.source.pages).toBe(512);
    expect(result.codecs.map((c) => c.codec)).toEqual(['lz4', 'zstd-2']);
    expect(result.units.map((u) => u.unitBytes)).toEqual([16384, 16384]);
    expect(result.regions.length).toBeGreaterThan(1);
    expect(checkReport(report)).toEqual([]);
    expect(readFileSync(join(report, 'index.html'), 'utf8')).toContain('Compression:');
  });

  it('prints the Markdown summary by default', async () => {
    const { out } = await run([
      'compression',
      '/usr/include',
      '--quick',
      '--max-pages',
      '256',
      '--no-native',
      '--no-bindings',
      '--no-dictionary',
      '--units',
      'none',
    ]);
    expect(out).toMatch(/^# Compression study: /);
    expect(out).toContain('**Conclusion.**');
    expect(out).not.toContain('<!-- charts -->');
  });

  it('says what is wrong with bad options and has help', async () => {
    await expect(run(['compression', '/usr/include', '--codecs', 'gzip'])).rejects.toThrow(/gzip/);
    await expect(run(['compression', '/usr/include', '--max-pages', '0'])).rejects.toThrow(
      /--max-pages must be a positive integer/,
    );
    await expect(run(['compression', '/usr/include', '--units', '12'])).rejects.toThrow(
      /unit sizes/,
    );
    await expect(run(['compression'])).rejects.toThrow(/no path given/);
    await expect(run(['compression', join(dir, 'missing')])).rejects.toThrow(/missing/);
    const help = await run(['compression', '--help']).catch((e: { code?: string }) => e);
    expect((help as { code?: string }).code).toBe('commander.helpDisplayed');
  });
});
