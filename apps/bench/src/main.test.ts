import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createProgram } from './main.js';
import { checkReport } from './report/reportChecks.js';
import { compressionResultSchema } from './studies/compressionResult.js';
import { STUDY_NAMES } from './studies/registry.js';
import { swapMetadataSchema } from './studies/swapMetadata.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-main-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ out: string; err: string }> {
  let out = '';
  let err = '';
  const program = createProgram(
    (t) => {
      out += t;
    },
    (t) => {
      err += t;
    },
  );
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
      '--no-report',
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
    await expect(
      run(['compression', join(dir, 'missing'), '--report', join(dir, 'failed')]),
    ).rejects.toThrow(/missing/);
    const help = await run(['compression', '--help']).catch((e: { code?: string }) => e);
    expect((help as { code?: string }).code).toBe('commander.helpDisplayed');
  });
});

/** The command line as users run it: a process from the repository root. */
const root = resolve(import.meta.dirname, '../../..');
function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--conditions=@tierswap/source', '--import', 'tsx', 'apps/bench/src/main.ts', ...args],
      { cwd: root, env: { ...process.env, ...env }, maxBuffer: 64 << 20 },
      (error, out, err) => done({ code: error === null ? 0 : Number(error.code), out, err }),
    );
  });
}

describe('tierswap-bench: every study by name', () => {
  it('runs a study through the registry as a process: JSON on stdout, the report named on stderr', async () => {
    const report = join(dir, 'swap-metadata');
    const { code, out, err } = await cli([
      'swap-metadata',
      '--quick',
      '--json',
      '--report',
      report,
    ]);
    expect(code).toBe(0);
    const data = swapMetadataSchema.parse(JSON.parse(out));
    expect(data.pages).toBe(1024);
    expect(data.runs.map((r) => r.mode).sort()).toEqual(['classic', 'vswap']);
    expect(err).toContain(`report: ${join(report, 'index.html')}`);
    expect(checkReport(report)).toEqual([]);
  }, 120_000);

  it('lists every study and its own options in --help, and a study its options in its own', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    for (const name of [...STUDY_NAMES, 'all']) expect(top.out).toContain(`  ${name} `);
    for (const flag of [
      '--pid',
      '--ages',
      '--budget-bytes',
      '--budget-pages',
      '--random-share',
      '--data-dir',
    ])
      expect(top.out).toContain(flag);
    const own = await cli(['age-advisor', '--help']);
    expect(own.code).toBe(0);
    for (const flag of [
      '--quick',
      '--json',
      '--report <dir>',
      '--ages <list>',
      '--patterns <list>',
    ])
      expect(own.out).toContain(flag);
  }, 120_000);

  it('exits 2 naming an unknown study and the valid ones, and 2 on a bad value', async () => {
    const unknown = await cli(['age-adviser', '--quick']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown study "age-adviser"');
    for (const name of STUDY_NAMES) expect(unknown.err).toContain(name);
    const bad = await cli(['fairness', '--children', '0']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--children must be a positive integer, got "0"');
  }, 120_000);

  it('has a subcommand per registered study, each with the common options', () => {
    const program = createProgram();
    expect(program.commands.map((c) => c.name())).toEqual([...STUDY_NAMES, 'all']);
    for (const c of program.commands)
      expect(c.options.map((o) => o.long)).toEqual(
        expect.arrayContaining(['--quick', '--json', '--report', '--no-report']),
      );
  });

  it('writes a new report directory by default, and removes it when the study fails', async () => {
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    const ok = await cli(['swap-metadata', '--quick', '--duration-seconds', '60'], { TMPDIR: tmp });
    expect(ok.code).toBe(0);
    const made = readdirSync(tmp).filter((f) => f.startsWith('tierswap-bench-swap-metadata-'));
    expect(made).toHaveLength(1);
    expect(ok.err).toContain(`report: ${join(tmp, made[0]!, 'index.html')}`);
    expect(checkReport(join(tmp, made[0]!))).toEqual([]);

    const failed = await cli(['compression', join(dir, 'missing'), '--quick'], { TMPDIR: tmp });
    expect(failed.code).toBe(1);
    expect(failed.err).toContain(join(dir, 'missing'));
    expect(readdirSync(tmp).filter((f) => f.startsWith('tierswap-bench-'))).toEqual(made);
  }, 120_000);

  it('runs every study into one sound report with all', async () => {
    const report = join(dir, 'all');
    const { out, err } = await run(['all', '--quick', '--json', '--report', report]);
    expect(Object.keys(JSON.parse(out))).toEqual([...STUDY_NAMES]);
    for (const name of STUDY_NAMES) expect(err).toMatch(new RegExp(`^${name}: [\\d.]+ s$`, 'm'));
    expect(checkReport(report)).toEqual([]);
    const index = readFileSync(join(report, 'index.html'), 'utf8');
    for (const title of [
      'Age advisor',
      'Interface A/B',
      'Fairness',
      'Swap metadata',
      'Incompressible',
      'Package benchmarks',
      'Compression:',
    ])
      expect(index).toContain(title);
  }, 180_000);
});
