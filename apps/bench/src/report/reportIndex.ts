/**
 * renderIndexHtml: the report's index.html, one self-contained page (inline CSS, no
 * scripts, no network): a header naming the machine, Node and the bindings' versions, a
 * table of contents, then each study's summary with its charts (SVG images) and links to
 * its JSON, JSON Schema, Markdown and PNGs. All links are relative, so the directory
 * can be copied or served as is.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MachineInfo } from './machineInfo.js';
import { escapeHtml, markdownToHtml } from './markdown.js';
import type { StudyManifest } from './reportWriter.js';

export interface IndexInput {
  readonly title: string;
  readonly machine: MachineInfo;
  /** The report directory (summaries are read from it). */
  readonly root: string;
  readonly studies: readonly StudyManifest[];
}

const STYLE = `
body { font-family: "DejaVu Sans", system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
header { background: #1f2a44; color: #f2f4f8; padding: 18px 32px; }
header h1 { margin: 0 0 8px; font-size: 24px; }
header table { border-collapse: collapse; font-size: 13px; }
header td { padding: 2px 16px 2px 0; vertical-align: top; border: none; }
header td:first-child { color: #aab4c8; }
nav { padding: 10px 32px; background: #e8ebf1; font-size: 14px; }
nav a { margin-right: 18px; }
main { padding: 8px 32px 40px; max-width: 1150px; }
section { background: white; border: 1px solid #dde1e8; border-radius: 6px; padding: 8px 24px 20px; margin: 20px 0; }
section > h2 { border-bottom: 1px solid #dde1e8; padding-bottom: 6px; }
.files { font-size: 13px; color: #555; }
.files a { margin-right: 12px; }
table { border-collapse: collapse; margin: 10px 0; font-size: 13px; }
th, td { border: 1px solid #d5d9e0; padding: 3px 8px; text-align: left; }
th { background: #f0f2f6; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; display: block; margin: 12px 0 4px; }
code { background: #f0f2f6; padding: 0 3px; border-radius: 3px; }
pre { background: #f0f2f6; padding: 8px; overflow-x: auto; }
`;

function machineRows(m: MachineInfo): string {
  const rows: [string, string][] = [
    ['CPU', `${m.cpu} (${m.cores} cores)`],
    ['RAM', `${m.memoryGiB} GiB`],
    ['kernel', m.kernel],
    ['Node', m.node],
    ...m.bindings.map((b): [string, string] => [b.role, `${b.library} ${b.version}`]),
    ['written', m.date],
  ];
  return rows
    .map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`)
    .join('');
}

function studySection(root: string, s: StudyManifest): string {
  const base = `${s.id}/`;
  let summary: string;
  try {
    // The section's own heading is the study's title: drop the summary's first `# `
    // line and shift its headings below the section's h2.
    const md = readFileSync(join(root, s.id, s.summary), 'utf8').replace(/^# .*\n/, '');
    summary = markdownToHtml(md, { base, headingShift: 1 });
  } catch {
    summary = '<p>(summary missing)</p>';
  }
  const links = [
    `<a href="${base}${s.json}">results (JSON)</a>`,
    `<a href="${base}${s.schema}">schema</a>`,
    `<a href="${base}${s.summary}">summary (Markdown)</a>`,
    ...s.charts.flatMap((c) =>
      c.png === undefined ? [] : [`<a href="${base}${c.png}">${escapeHtml(c.id)}.png</a>`],
    ),
  ].join('');
  return `<section id="${s.id}"><h2>${escapeHtml(s.title)}</h2><div class="files">${links}</div>${summary}</section>`;
}

export function renderIndexHtml(input: IndexInput): string {
  const { title, machine, root, studies } = input;
  const nav = studies.map((s) => `<a href="#${s.id}">${escapeHtml(s.title)}</a>`).join('');
  const body =
    studies.length === 0
      ? '<p>No studies written yet.</p>'
      : studies.map((s) => studySection(root, s)).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1><table>${machineRows(machine)}</table>
<div class="files"><a style="color:#cfd8ea" href="machine.json">machine.json</a></div></header>
<nav>${nav}</nav>
<main>
${body}
</main>
</body>
</html>
`;
}
