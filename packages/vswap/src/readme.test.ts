/**
 * The README's "Used alone" example must run and print exactly the output the README
 * shows. The example is taken from README.md, its import of '@tierswap/vswap' pointed at
 * this package's source, written to a temp directory and run in a child node process
 * (with tsx, as the bench scripts run), so the documentation cannot drift from the code.
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';

const packageDir = join(import.meta.dirname, '..');

function block(markdown: string, after: string, fence: string): string {
  const start = markdown.indexOf(after);
  expect(start, `README section "${after}"`).toBeGreaterThan(-1);
  const open = markdown.indexOf(fence, start);
  const body = markdown.indexOf('\n', open) + 1;
  const close = markdown.indexOf('\n```', body);
  return markdown.slice(body, close + 1);
}

it('runs the README example and prints the output the README shows', () => {
  const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
  const code = block(readme, '## Used alone', '```ts');
  const output = block(readme, 'Output:', '```');
  const source = pathToFileURL(join(packageDir, 'src', 'index.ts')).href;
  expect(code).toContain("from '@tierswap/vswap'");
  const dir = mkdtempSync(join(tmpdir(), 'tierswap-vswap-readme-'));
  try {
    const file = join(dir, 'example.ts');
    writeFileSync(file, code.replace("from '@tierswap/vswap'", `from '${source}'`));
    const stdout = execFileSync(
      process.execPath,
      ['--conditions=@tierswap/source', '--import', 'tsx', file],
      { cwd: packageDir, encoding: 'utf8' },
    );
    expect(stdout).toBe(output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);
