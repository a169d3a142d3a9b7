import { runReadmeExample } from '@tierswap/bench-kit';
import { expect, it } from 'vitest';

it('runs the README example: exclusive load, proactive writeback through the file', () => {
  const out = runReadmeExample(`${import.meta.dirname}/..`, '## Example')
    .trim()
    .split('\n');
  expect(out[0]).toBe('stored');
  expect(out[1]).toBe('true false');
  expect(out[2]).toBe('written back 64 left 86');
  expect(out[3]).toBe('zswpwb 64');
  expect(out[4]).toMatch(/^EINVAL: .*"max=0": max must not be 0$/);
}, 30_000);
