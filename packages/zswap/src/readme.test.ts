import { runReadmeExample } from '@tierswap/bench-kit';
import { expect, it } from 'vitest';

it('runs the README example: one exclusive load, one proactive writeback to the target', () => {
  const out = runReadmeExample(`${import.meta.dirname}/..`, '## Used alone');
  expect(out).toMatch(/written_back_pages: 1,/);
  expect(out).toMatch(/stored_pages: 0,/); // both pages left the pool
  expect(out).toMatch(/zswpin: 1,\s+zswpout: 2,\s+zswpwb: 1,\s+zswpwb_proactive: 1/);
  expect(out.trimEnd().endsWith('true')).toBe(true); // page 43 reached the writeback target
}, 30_000);

it('runs the memcg example: kernel-syntax files drive the pool', () => {
  const out = runReadmeExample(
    `${import.meta.dirname}/..`,
    "## On a @tierswap/memcg tree, with the kernel's files",
  );
  const [first, second, third] = out.trim().split('\n');
  const held = Number(first!.split(' ')[1]);
  expect(held).toBeGreaterThan(0);
  expect(held).toBeLessThan(150 * 4096);
  const m = /^written back (\d+) zswap\.current (\d+)$/.exec(second!);
  expect(Number(m?.[1])).toBe(64);
  expect(Number(m?.[2])).toBeLessThan(held);
  expect(third).toMatch(/memory\.zswap\.proactive_writeback.*EINVAL.*max must not be 0/);
}, 30_000);
