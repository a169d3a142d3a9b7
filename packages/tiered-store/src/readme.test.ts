import { runReadmeExample } from '@tierswap/bench-kit';
import { expect, it } from 'vitest';

it('runs the README example: tiers, per-memcg selection, swapoff with the bytes intact', () => {
  const out = runReadmeExample(`${import.meta.dirname}/..`, '## Example');
  expect(out).toMatch(/^undefined\nEEXIST\n/); // applied; duplicate name refused
  expect(out).toMatch(/^fast +1 +100 +32767$/m);
  expect(out).toMatch(/^slow +0 +-1 +99$/m);
  expect(out).toContain('slow 4096'); // stored on the only tier left to /batch
  expect(out).toMatch(/^modelled ms 0\.2$/m); // the slow tier's write latency, on the clock
  expect(out).toContain('{ ok: true, moved: 1 }');
  expect(out.trimEnd().endsWith('fast 7')).toBe(true); // moved to the fast tier, crc-checked
}, 30_000);
