import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BenchError } from '../benchError.js';
import { markdownToHtml } from './markdown.js';
import { checkReport, localLinks } from './reportChecks.js';
import { createReportWriter } from './reportWriter.js';
import { xmlProblem } from './xmlCheck.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'bench-report-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const schema = z.object({
  rows: z.array(z.object({ codec: z.string(), ratio: z.number().positive() })),
});
const data = {
  rows: [
    { codec: 'lz4', ratio: 2.1 },
    { codec: 'zstd-3', ratio: 3.2 },
  ],
};
const chart = {
  id: 'ratio',
  title: 'Ratio per codec',
  png: true,
  caption: 'Higher is better.',
  spec: {
    data: { values: data.rows },
    mark: 'bar' as const,
    encoding: {
      x: { field: 'codec', type: 'nominal' as const },
      y: { field: 'ratio', type: 'quantitative' as const },
    },
  },
};

describe('createReportWriter', () => {
  it('writes JSON with its schema, Markdown, SVG, PNG and an index whose links resolve', async () => {
    const dir = tempDir();
    const report = createReportWriter(dir, { title: 'test report' });
    const files = await report.addStudy({
      id: 'demo',
      title: 'Demo study',
      order: 1,
      schema,
      data,
      summary:
        '# Demo\n\nzstd-3 compresses **more** than lz4.\n\n| codec | ratio |\n|---|---:|\n| lz4 | 2.1 |\n',
      charts: [chart],
    });
    expect(schema.parse(JSON.parse(readFileSync(files.json, 'utf8')))).toEqual(data);
    const jsonSchema = JSON.parse(readFileSync(files.schema, 'utf8')) as { type: string };
    expect(jsonSchema.type).toBe('object');
    const svg = readFileSync(files.charts[0]?.svg ?? '', 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(xmlProblem(svg)).toBeNull();
    expect(readFileSync(files.summary, 'utf8')).toContain('![Ratio per codec](ratio.svg)');
    const html = readFileSync(files.index, 'utf8');
    expect(html).toContain(report.machine.cpu);
    expect(html).toContain(process.version);
    expect(html).toContain('demo/ratio.svg');
    expect(html).toContain('<td class="num">2.1</td>');
    for (const b of report.machine.bindings) expect(html).toContain(b.library);
    expect(checkReport(dir)).toEqual([]);
  });

  it('shows every study of the directory, also ones written by another writer', async () => {
    const dir = tempDir();
    await createReportWriter(dir).addStudy({
      id: 'b-study',
      title: 'B',
      order: 2,
      schema,
      data,
      summary: 'b',
    });
    const files = await createReportWriter(dir).addStudy({
      id: 'a-study',
      title: 'A',
      order: 1,
      schema,
      data,
      summary: 'a',
    });
    const html = readFileSync(files.index, 'utf8');
    expect(html.indexOf('id="a-study"')).toBeGreaterThan(0);
    expect(html.indexOf('id="a-study"')).toBeLessThan(html.indexOf('id="b-study"'));
    expect(checkReport(dir)).toEqual([]);
  });

  it('refuses data that does not match the schema, writing nothing', async () => {
    const dir = tempDir();
    const report = createReportWriter(dir);
    const bad = { rows: [{ codec: 'lz4', ratio: -1 }] };
    await expect(
      report.addStudy({ id: 'bad', title: 'Bad', schema, data: bad, summary: '' }),
    ).rejects.toThrow(BenchError);
    expect(() => readFileSync(join(dir, 'bad', 'data.json'))).toThrow();
  });

  it('refuses ids that are not file names', async () => {
    const report = createReportWriter(tempDir());
    for (const id of ['', '../x', 'A B', 'a/b']) {
      await expect(report.addStudy({ id, title: 't', schema, data, summary: '' })).rejects.toThrow(
        /study\.id/,
      );
    }
    await expect(
      report.addStudy({ id: 'ok', title: 't', schema, data, summary: '', charts: [chart, chart] }),
    ).rejects.toThrow(/repeated/);
  });
});

describe('checkReport finds what is broken', () => {
  it('a broken SVG, a JSON that no longer matches its schema, a dead link', async () => {
    const dir = tempDir();
    const files = await createReportWriter(dir).addStudy({
      id: 'demo',
      title: 'Demo',
      schema,
      data,
      summary: 'see [the data](data.json)',
      charts: [chart],
    });
    writeFileSync(files.charts[0]?.svg ?? '', '<svg><g></svg>');
    writeFileSync(files.json, JSON.stringify({ rows: [{ codec: 3 }] }));
    unlinkSync(files.charts[0]?.png ?? '');
    const problems = checkReport(dir).join('\n');
    expect(problems).toMatch(/ratio\.svg is not well-formed/);
    expect(problems).toMatch(/data\.json does not match/);
    expect(problems).toMatch(/links demo\/ratio\.png/);
  });
});

describe('xmlProblem', () => {
  it.each([
    ['<a><b/></a>', null],
    ['<?xml version="1.0"?><a x="1" y=\'2\'>t &amp; &#38;</a>', null],
    ['<a><b></a>', /closes/],
    ['<a x=1/>', /name="value"/],
    ['<a x="1" x="2"/>', /repeated/],
    ['<a>&</a>', /bare '&'/],
    ['<a/><b/>', /second root/],
    ['<a>', /never closed/],
    ['', /no root/],
  ])('%s', (xml, expected) => {
    const p = xmlProblem(xml);
    if (expected === null) expect(p).toBeNull();
    else expect(p).toMatch(expected);
  });
});

describe('markdownToHtml', () => {
  it('escapes HTML and prefixes relative targets', () => {
    const html = markdownToHtml(
      '<b>x</b> ![c](c.svg) [j](data.json) [w](https://x.org)\n\n- `a<b`',
      { base: 's/' },
    );
    expect(html).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(html).toContain('<img src="s/c.svg" alt="c">');
    expect(html).toContain('<a href="s/data.json">j</a>');
    expect(html).toContain('<a href="https://x.org">w</a>');
    expect(html).toContain('<li><code>a&lt;b</code></li>');
    expect(localLinks(html)).toEqual(['s/c.svg', 's/data.json']);
  });
});
