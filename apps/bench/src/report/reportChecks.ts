/**
 * checkReport: what makes a report directory well-formed, as one function every study's
 * test calls: each study's data.json parses and matches its own data.schema.json (read
 * back with z.fromJSONSchema, so the schema file is checked too, not just the zod
 * object), each SVG is well-formed XML, each PNG starts with the PNG signature, and every
 * link and image in index.html resolves to an existing file. Returns the problems found
 * (empty when all is well) rather than throwing, so a test shows all of them at once.
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { readStudyManifests } from './reportWriter.js';
import { xmlProblem } from './xmlCheck.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8')) as unknown;
}

/** Check `json` against the JSON Schema at `schemaPath`; a problem or null. */
export function jsonSchemaProblem(json: unknown, schemaPath: string): string | null {
  const schema = z.fromJSONSchema(readJson(schemaPath) as Parameters<typeof z.fromJSONSchema>[0]);
  const r = schema.safeParse(json);
  return r.success ? null : z.prettifyError(r.error);
}

/** The href/src targets of an HTML page that are local files (not #anchors, not URLs). */
export function localLinks(html: string): string[] {
  const links: string[] = [];
  for (const m of html.matchAll(/\s(?:href|src)="([^"]*)"/g)) {
    const url = m[1] ?? '';
    if (url === '' || url.startsWith('#') || /^[a-z]+:/i.test(url)) continue;
    links.push(decodeURI(url.split('#')[0] ?? ''));
  }
  return links;
}

/** All problems of the report in `dir`; [] when it is well-formed. */
export function checkReport(dir: string): string[] {
  const root = resolve(dir);
  const problems: string[] = [];
  const index = join(root, 'index.html');
  if (!existsSync(index)) return [`${index} is missing`];
  const studies = readStudyManifests(root);
  if (studies.length === 0) problems.push(`no study manifests under ${root}`);
  for (const s of studies) {
    const sdir = join(root, s.id);
    try {
      const problem = jsonSchemaProblem(readJson(join(sdir, s.json)), join(sdir, s.schema));
      if (problem !== null)
        problems.push(`${s.id}/${s.json} does not match ${s.schema}: ${problem}`);
    } catch (error) {
      problems.push(`${s.id}: cannot read ${s.json} or ${s.schema}: ${String(error)}`);
    }
    for (const c of s.charts) {
      try {
        const problem = xmlProblem(readFileSync(join(sdir, c.svg), 'utf8'));
        if (problem !== null) problems.push(`${s.id}/${c.svg} is not well-formed: ${problem}`);
        if (c.png !== undefined) {
          const head = readFileSync(join(sdir, c.png)).subarray(0, 8);
          if (!PNG_SIGNATURE.every((b, k) => head[k] === b))
            problems.push(`${s.id}/${c.png} is not a PNG`);
        }
        readJson(join(sdir, c.spec));
      } catch (error) {
        problems.push(`${s.id}: chart ${c.id}: ${String(error)}`);
      }
    }
  }
  const html = readFileSync(index, 'utf8');
  for (const link of localLinks(html)) {
    if (!existsSync(resolve(dirname(index), link)))
      problems.push(`index.html links ${link}, which does not exist`);
  }
  return problems;
}
