import { runReadmeExample } from '@tierswap/bench-kit';
import { expect, it } from 'vitest';

it('runs the README example and reports which bindings ran', () => {
  const out = runReadmeExample(`${import.meta.dirname}/..`, '## Used alone');
  expect(out).toMatch(/\{ name: 'liblz4', version: '1\.\d+\.\d+' \}/);
  expect(out).toMatch(/\{ name: 'libzstd', version: '1\.\d+\.\d+' \}/);
  expect(out).toContain("{ name: '@mongodb-js/zstd', version: '1.2.2' }");
}, 30_000);
