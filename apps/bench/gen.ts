import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createReportWriter } from './src/report/reportWriter.ts';
import { writeCompressionReport } from './src/studies/compressionReport.ts';
import { compressionStudy } from './src/studies/compressionStudy.ts';
import { filePageSource } from './src/testing/filePageSource.ts';

const files = readdirSync('/usr/include')
  .map((n) => join('/usr/include', n))
  .filter((p) => statSync(p).isFile())
  .slice(0, 40);
const r = await compressionStudy(filePageSource([...files, '/usr/bin/node'], 4096), {
  quick: true,
  native: process.argv[2] !== 'nonative',
});
const w = createReportWriter('/tmp/rep1');
console.log(await writeCompressionReport(w, r));
