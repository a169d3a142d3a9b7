import { runReadmeExample } from '@tierswap/bench-kit';
import { expect, it } from 'vitest';

it('runs the README example with the results its comments promise', () => {
  const out = runReadmeExample(`${import.meta.dirname}/..`, '## Used alone').split('\n');
  expect(out[0]).toMatch(/^EINVAL memory\.max\.write: \/web "64 MB\\n": "64 MB" is not a size/);
  expect(out.slice(1, 4)).toEqual(['0', '2', '67108864']); // charged, refused by /web, usage
  expect(out).toContain('false'); // writeback off below /web
  expect(out).toContain('zswpout 3'); // summed over the subtree
  expect(out).toContain('true 67108864'); // reparented to /web with its charge
  expect(out.slice(-4)).toEqual(['/web /web/a', '/web/b', 'EEXIST', '']);
}, 30_000);
