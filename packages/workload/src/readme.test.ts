import { runReadmeExample } from '@tierswap/bench-kit';
import { expect, it } from 'vitest';

it('runs the README page-sources example: exact shares, sorted walk, zero-padded pages', () => {
  const out = runReadmeExample(`${import.meta.dirname}/..`, '## Page sources')
    .trim()
    .split('\n');
  expect(out).toEqual([
    "100 { zero: 30, 'same-filled': 10, incompressible: 20, compressible: 40 }",
    '/logs/app.log 10000',
    '/notes.txt 5',
    '4 pages, 6379 bytes of zero padding',
  ]);
}, 30_000);
