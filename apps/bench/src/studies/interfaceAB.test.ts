/**
 * Interface A/B in --quick mode on the node binary's pages: every interface but the
 * baseline writes back, v5's compressed-byte budget moves more pages than v2's
 * original-byte one, and v1's age holds back entries v2 takes.
 */

import { describe, expect, it } from 'vitest';
import { interfaceABSchema, interfaceABStudy } from './interfaceAB.js';

describe('interfaceABStudy --quick', () => {
  it('runs the three syntaxes with one budget and measures what each did', async () => {
    const out = await interfaceABStudy({ quick: true });
    const d = out.data;
    expect(interfaceABSchema.parse(d)).toEqual(d);
    const by = (i: string) => d.rows.find((r) => r.interface === i)!;
    expect(by('none').writtenBackPages).toBe(0);
    expect(by('none').savedBytes).toBe(0);
    for (const i of ['v1-age', 'v2-writeback-only', 'v5-source-zswap']) {
      expect(by(i).writtenBackPages, i).toBeGreaterThan(0);
      expect(by(i).codecMs, i).toBeGreaterThan(0);
    }
    expect(by('v5-source-zswap').writtenBackPages).toBeGreaterThan(
      by('v2-writeback-only').writtenBackPages,
    );
    expect(by('v1-age').writtenBackPages).toBeLessThan(by('v2-writeback-only').writtenBackPages);
    expect(by('v2-writeback-only').write).toContain('zswap_writeback_only');
    expect(out.summary).toContain('source=zswap');
    console.log(out.summary);
  }, 60_000);
});
