import { runReadmeExample } from '@tierswap/bench-kit';
import { describe, expect, it } from 'vitest';

describe('README: Access patterns and traces', () => {
  it("runs the section's example and prints what its comments say", () => {
    const out = runReadmeExample(`${import.meta.dirname}/..`, '## Access patterns and traces');
    expect(out).toBe('hottest 10% of pages: 69% of accesses\n2 0 1 0\n');
  });
});
