import { runReadmeExample } from '@tierswap/bench-kit';
import { expect, it } from 'vitest';

it('runs the README example and prints what the README says it prints', () => {
  const out = runReadmeExample(`${import.meta.dirname}/..`, '## Example');
  expect(out).toBe(
    'pool_limit_hit: No space left on device (-28): the pool is at max_pool_percent\n4\n3600 s\n',
  );
}, 30_000);
