import { runExample } from '@tierswap/bench-kit';
import { expect, it } from 'vitest';

it('runs examples/fixedSlotFile.ts: records land in a real file and read back intact', () => {
  const out = runExample(`${import.meta.dirname}/..`, 'examples/fixedSlotFile.ts');
  expect(out).toContain('small records read back intact: true');
  expect(out).toMatch(/large record 42 at slots \d+\.\.\d+ \(aligned: true\)/);
  expect(out).toContain('record 7 still held: true');
  expect(out).toMatch(/used 500\/16384 slots/);
}, 30_000);
