import { runReadmeExample } from '@tierswap/bench-kit';
import { expect, it } from 'vitest';

it('runs the README example: round trips, a refusal, and which libraries ran', () => {
  const out = runReadmeExample(`${import.meta.dirname}/..`, '## Example')
    .trim()
    .split('\n');
  expect(out.slice(0, 3)).toEqual(['true true', 'true', 'EIO decompress_fail']);
  expect(out[3]).toMatch(
    /^\{ name: 'liblz4', version: '1\.\d+\.\d+' \} \{ name: 'libzstd', version: '1\.\d+\.\d+' \}$/,
  );
}, 30_000);
