import { runReadmeExample } from '@tierswap/bench-kit';
import { expect, it } from 'vitest';

it('runs the README example: CLI-equal totals per codec and a sound report', () => {
  const out = runReadmeExample(`${import.meta.dirname}/..`, '## Example')
    .trim()
    .split('\n');
  expect(out).toEqual(['lz4 true true', 'zstd-1 true true', 'zstd-3 true true', '0 true']);
}, 120_000);
