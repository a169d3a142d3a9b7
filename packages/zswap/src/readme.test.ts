import { runReadmeExample } from '@tierswap/bench-kit';
import { expect, it } from 'vitest';

it('runs the README example: one exclusive load, one proactive writeback to the target', () => {
  const out = runReadmeExample(`${import.meta.dirname}/..`, '## Used alone');
  expect(out).toMatch(/written_back_pages: 1,/);
  expect(out).toMatch(/stored_pages: 0,/); // both pages left the pool
  expect(out).toMatch(/zswpin: 1,\s+zswpout: 2,\s+zswpwb: 1,\s+zswpwb_proactive: 1/);
  expect(out.trimEnd().endsWith('true')).toBe(true); // page 43 reached the writeback target
}, 30_000);
