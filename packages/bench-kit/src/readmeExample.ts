/**
 * Runs a package README's example, so the documentation cannot drift from the code: the
 * README is the one copy of the example, and a test in each package runs it.
 *
 * The code block is written into the package's own directory (not a temp directory) so that
 * its imports resolve as a user's would, through the package's exports and its workspace
 * dependencies, with the @tierswap/source condition pointing them at the TypeScript
 * sources. It runs in a child node process with tsx, as the benchmarks do.
 */

import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The body of the first block opened by `fence` (e.g. "```ts") after the text `after`. */
export function markdownBlock(markdown: string, after: string, fence: string): string {
  const start = markdown.indexOf(after);
  if (start < 0) throw new Error(`markdownBlock: no "${after}" in the markdown`);
  const open = markdown.indexOf(fence, start);
  if (open < 0) throw new Error(`markdownBlock: no ${fence} block after "${after}"`);
  const body = markdown.indexOf('\n', open) + 1;
  const close = markdown.indexOf('\n```', body);
  return markdown.slice(body, close + 1);
}

/**
 * Runs the first TypeScript block after `heading` in `packageDir`/README.md and returns
 * what it printed. Throws with the child's stderr if it fails.
 */
export function runReadmeExample(packageDir: string, heading: string): string {
  const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
  const code = markdownBlock(readme, heading, '```ts');
  const file = `.readme-example-${process.pid}.ts`;
  writeFileSync(join(packageDir, file), code);
  try {
    return runExample(packageDir, file);
  } finally {
    rmSync(join(packageDir, file), { force: true });
  }
}

/**
 * Runs a TypeScript file of a package (e.g. examples/x.ts) as a user would, and returns
 * what it printed. Throws with the child's stderr if it fails.
 */
export function runExample(packageDir: string, file: string): string {
  try {
    return execFileSync(
      process.execPath,
      ['--conditions=@tierswap/source', '--import', 'tsx', file],
      { cwd: packageDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr ?? '';
    throw new Error(`example ${file} of ${packageDir} failed:\n${stderr}`);
  }
}
