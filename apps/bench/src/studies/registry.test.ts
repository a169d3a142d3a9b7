/**
 * The registry the CLI runs studies through: all seven by name, in the order,
 * each run the same way; two of them run through it into one real report.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkReport } from '../report/reportChecks.js';
import { createReportWriter } from '../report/reportWriter.js';
import { STUDIES, STUDY_NAMES } from './registry.js';

const dir = mkdtempSync(join(tmpdir(), 'tierswap-registry-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('STUDIES', () => {
  it('names the seven studies in the issue order', () => {
    expect(STUDY_NAMES).toEqual([
      'compression',
      'age-advisor',
      'interface-ab',
      'fairness',
      'swap-metadata',
      'incompressible',
      'package-benchmarks',
    ]);
    for (const n of STUDY_NAMES) expect(STUDIES[n]!.title.length, n).toBeGreaterThan(10);
  });

  it('runs compression on a small file and the package benchmarks into one report', async () => {
    const report = createReportWriter(dir);
    const c = await STUDIES.compression!.run({
      quick: true,
      report,
      paths: [process.execPath],
      maxPages: 64,
      codecs: ['lz4'],
      native: false,
      bindings: false,
      dictionary: false,
      unitSizes: [],
      workers: 1,
    });
    expect(c.id.startsWith('compression-')).toBe(true);
    expect(c.summary.length).toBeGreaterThan(100);
    const p = await STUDIES['package-benchmarks']!.run({ report });
    expect(p.id).toBe('package-benchmarks');
    expect(checkReport(dir)).toEqual([]);
  }, 60_000);
});
