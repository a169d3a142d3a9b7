/**
 * Studies 2-7 write through the report kit: two of them (--quick, real runs and real
 * records) added to one report directory give well-formed files: JSON matching its
 * schema, SVGs that parse, PNGs, and an index whose links resolve (checkReport).
 */

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkReport } from '../report/reportChecks.js';
import { createReportWriter } from '../report/reportWriter.js';
import { packageBenchmarksStudy } from './packageBenchmarks.js';
import { swapMetadataStudy } from './swapMetadata.js';

const dir = mkdtempSync(join(tmpdir(), 'tierswap-studies-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('studies in a report', () => {
  it('adds each study with its JSON, schema, summary and charts; checkReport finds no problem', async () => {
    const report = createReportWriter(dir);
    const progress: string[] = [];
    await swapMetadataStudy({
      quick: true,
      report,
      onProgress: (_d, _t, what) => progress.push(what),
    });
    await packageBenchmarksStudy({ report });
    expect(progress).toEqual(['vswap', 'classic']);
    expect(checkReport(dir)).toEqual([]);
    const data = JSON.parse(readFileSync(join(dir, 'swap-metadata', 'data.json'), 'utf8'));
    expect(data.runs).toHaveLength(2);
    expect(existsSync(join(dir, 'swap-metadata', 'bytes-per-page.svg'))).toBe(true);
    expect(existsSync(join(dir, 'package-benchmarks', 'allocator.png'))).toBe(true);
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).toContain('Swap metadata');
    expect(html).toContain('Package benchmarks');
  }, 60_000);
});
