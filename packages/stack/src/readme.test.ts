/**
 * The README's example must run and print exactly the output the README shows, so the
 * documentation cannot drift from the code.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { markdownBlock, runReadmeExample } from '@tierswap/bench-kit';
import { expect, it } from 'vitest';

const packageDir = join(import.meta.dirname, '..');

it('runs the README example and prints the output the README shows', () => {
  const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
  expect(markdownBlock(readme, '## Example', '```ts')).toContain("from '@tierswap/stack'");
  const output = markdownBlock(readme, 'Output:', '```');
  expect(runReadmeExample(packageDir, '## Example')).toBe(output);
}, 60_000);
