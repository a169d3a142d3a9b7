/**
 * The checks of a scenario that span fields, run after each part validated on its
 * own: names are unique, every name a process or timeline entry uses is declared,
 * cgroups come after their parents, and every time falls inside the run. Each issue
 * carries the path of the field at fault and its value, so the message points at the
 * line to fix; nothing runs until all of them pass.
 */

import type { z } from 'zod';

const CGROUP_ROOT = '/sys/fs/cgroup';

/** The fields these checks read (structural, so the schema's own type can use this function). */
interface RefsView {
  readonly durationSeconds: number;
  readonly stepSeconds: number;
  readonly devices: readonly { readonly name: string }[];
  readonly cgroups: readonly { readonly path: string }[];
  readonly processes: readonly {
    readonly name: string;
    readonly cgroup: string;
    readonly start?: number | undefined;
    readonly exit?: number | undefined;
  }[];
  readonly timeline: readonly {
    readonly kind: string;
    readonly at?: number | undefined;
    readonly from?: number | undefined;
    readonly path?: string;
    readonly device?: string;
    readonly process?: string;
  }[];
}

type Ctx = z.RefinementCtx;

function issue(ctx: Ctx, path: (string | number)[], input: unknown, message: string): void {
  ctx.addIssue({ code: 'custom', path, input, message });
}

function duplicates(ctx: Ctx, list: readonly string[], field: string, key: string): void {
  const seen = new Set<string>();
  list.forEach((v, i) => {
    if (seen.has(v)) issue(ctx, [field, i, key], v, `${key} "${v}" is declared twice`);
    seen.add(v);
  });
}

export function scenarioRefs(s: RefsView, ctx: Ctx): void {
  // With durationSeconds itself invalid (already reported), times are not checked against it.
  const end = s.durationSeconds > 0 ? s.durationSeconds : Number.POSITIVE_INFINITY;
  if (s.stepSeconds > end) {
    issue(ctx, ['stepSeconds'], s.stepSeconds, `must not exceed durationSeconds (${end})`);
  }
  duplicates(
    ctx,
    s.devices.map((d) => d.name),
    'devices',
    'name',
  );
  duplicates(
    ctx,
    s.processes.map((p) => p.name),
    'processes',
    'name',
  );
  duplicates(
    ctx,
    s.cgroups.map((c) => c.path),
    'cgroups',
    'path',
  );

  // A cgroup's parent is the root or a cgroup declared before it.
  const declared = new Set<string>();
  s.cgroups.forEach((c, i) => {
    const parent = c.path.slice(0, c.path.lastIndexOf('/'));
    if (parent !== '' && !declared.has(parent)) {
      issue(ctx, ['cgroups', i, 'path'], c.path, `its parent ${parent} is not declared before it`);
    }
    declared.add(c.path);
  });
  // A timeline mkdir also makes a cgroup processes may name.
  const made = new Set(declared);
  for (const e of s.timeline) {
    if (e.kind === 'mkdir' && e.path?.startsWith(`${CGROUP_ROOT}/`)) {
      made.add(e.path.slice(CGROUP_ROOT.length).replace(/\/+$/, ''));
    }
  }

  const devices = new Set(s.devices.map((d) => d.name));
  const processes = new Set(s.processes.map((p) => p.name));
  s.processes.forEach((p, i) => {
    if (!made.has(p.cgroup)) {
      issue(
        ctx,
        ['processes', i, 'cgroup'],
        p.cgroup,
        'is neither in cgroups nor made by a timeline mkdir',
      );
    }
    if (p.start !== undefined && p.start >= end) {
      issue(ctx, ['processes', i, 'start'], p.start, `must be before durationSeconds (${end})`);
    }
    if (p.exit !== undefined && p.exit <= (p.start ?? 0)) {
      issue(ctx, ['processes', i, 'exit'], p.exit, `must be after start (${p.start ?? 0})`);
    }
  });

  s.timeline.forEach((e, i) => {
    const first = e.at ?? e.from;
    if (first !== undefined && first >= end) {
      const key = e.at !== undefined ? 'at' : 'from';
      issue(ctx, ['timeline', i, key], first, `must be before durationSeconds (${end})`);
    }
    if (e.device !== undefined && !devices.has(e.device)) {
      issue(ctx, ['timeline', i, 'device'], e.device, 'names no device in devices');
    }
    if (e.process !== undefined && !processes.has(e.process)) {
      issue(ctx, ['timeline', i, 'process'], e.process, 'names no process in processes');
    }
  });
}
