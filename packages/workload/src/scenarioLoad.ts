/**
 * Reading a scenario: parseScenario validates an object (a caller's, or a file's) and
 * loadScenario reads a JSON or YAML file first. A scenario that does not validate
 * throws one WorkloadError listing every issue as `<where>: <field path>: <what is
 * wrong> (got <value>)`, so a user fixes the file in one pass; nothing runs.
 *
 * Paths inside a file (a device's path, a source's files or snapshot, a trace) are
 * taken relative to the file's directory, as a Makefile's or a compose file's are, so
 * a scenario and its traces can move together.
 */

import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { showValue } from '@tierswap/base';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import type { ScenarioSpec } from './scenarioSpec.js';
import { scenarioSchema } from './scenarioSpec.js';
import { WorkloadError } from './workloadError.js';

/** `timeline[3].value`: a zod issue path as a person writes it. */
function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(the scenario)' : out;
}

/** The value at an issue's path in the input, and whether the path names a present key. */
function valueAt(data: unknown, path: readonly PropertyKey[]): { found: boolean; value: unknown } {
  let v = data;
  for (const p of path) {
    if (typeof v !== 'object' || v === null || !Object.hasOwn(v, p)) {
      return { found: false, value: undefined };
    }
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return { found: true, value: v };
}

function describe(issue: z.core.$ZodIssue, data: unknown): string {
  const path = [...issue.path];
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => `"${k}"`).join(', ');
    return `${fieldPath(path)}: unknown key${issue.keys.length > 1 ? 's' : ''} ${keys}`;
  }
  // The value as the file wrote it (before any transform), else what the issue carries.
  const at = valueAt(data, path);
  if (!at.found && issue.code === 'invalid_type') {
    return `${fieldPath(path)}: missing (expected ${issue.expected})`;
  }
  // A check across fields (one of at / every) names a key that may be absent: no value to show.
  if (!at.found && issue.code === 'custom') return `${fieldPath(path)}: ${issue.message}`;
  const value = at.found ? at.value : 'input' in issue ? issue.input : undefined;
  return `${fieldPath(path)}: ${issue.message} (got ${showValue(value)})`;
}

/**
 * Validates a scenario object; `origin` names it in messages (a file path, 'scenario').
 * Throws WorkloadError INVALID_SCENARIO listing every issue.
 */
export function parseScenario(input: unknown, origin = 'scenario'): ScenarioSpec {
  const r = scenarioSchema.safeParse(input, { reportInput: true });
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `  ${describe(i, input)}`);
  throw new WorkloadError(
    'INVALID_SCENARIO',
    'parseScenario',
    `${origin} is not a valid scenario (${lines.length} issue${lines.length > 1 ? 's' : ''}):\n${lines.join('\n')}`,
  );
}

/** Makes a scenario's file paths absolute against `base` (the scenario file's directory). */
function resolvePaths(spec: ScenarioSpec, base: string): ScenarioSpec {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  return {
    ...spec,
    devices: spec.devices.map((d) => (d.path === undefined ? d : { ...d, path: abs(d.path) })),
    processes: spec.processes.map((p) => {
      const s = p.source;
      const source =
        s.kind === 'files'
          ? { ...s, paths: typeof s.paths === 'string' ? abs(s.paths) : s.paths.map(abs) }
          : s.kind === 'snapshot'
            ? { ...s, path: abs(s.path) }
            : s;
      const pattern =
        p.pattern.kind === 'trace' ? { ...p.pattern, path: abs(p.pattern.path) } : p.pattern;
      return { ...p, source, pattern };
    }),
  };
}

/**
 * Reads and validates a scenario file: YAML (.yaml, .yml) or JSON (anything else; JSON
 * is YAML too, but a .json file gets JSON's stricter parser and its messages).
 */
export function loadScenario(path: string): ScenarioSpec {
  const where = 'loadScenario';
  if (typeof path !== 'string' || path.length === 0) {
    throw new WorkloadError(
      'INVALID_ARGUMENT',
      where,
      `path must be a file path, got ${showValue(path)}`,
    );
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new WorkloadError('IO_ERROR', where, `cannot read ${path}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const ext = extname(path).toLowerCase();
  let data: unknown;
  try {
    data = ext === '.yaml' || ext === '.yml' ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    const kind = ext === '.yaml' || ext === '.yml' ? 'YAML' : 'JSON';
    throw new WorkloadError(
      'INVALID_SCENARIO',
      where,
      `${path} is not valid ${kind}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  return resolvePaths(parseScenario(data, path), dirname(resolve(path)));
}
