/**
 * A scenario's timeline entries: what to do (write an interface file at its kernel
 * path, mkdir / rmdir a cgroup, swapon / swapoff a device, spawn / exit a process) and
 * when (`at` a time, or `every` a period from `from` until `until`). The `kind` key
 * names the action, so a wrong one is reported as such and not as a failed guess
 * among seven shapes.
 */

import { z } from 'zod';

const seconds = z.number().finite().nonnegative();

/** When an entry fires: `at` once, or `every` period (first at `from`, default one period in). */
const when = {
  at: seconds.optional().describe('Fires once at this time (seconds).'),
  every: z.number().finite().positive().optional().describe('Fires every this many seconds.'),
  from: seconds.optional().describe('With every: the first time (default: one period in).'),
  until: seconds.optional().describe('With every: the last time (default: the end).'),
};

const path = z.string().regex(/^\//, 'must be an absolute path like /sys/fs/cgroup/job/memory.max');

export const timelineEntrySchema = z
  .discriminatedUnion('kind', [
    z.strictObject({
      ...when,
      kind: z.literal('write'),
      path,
      value: z
        .union([z.string(), z.number()])
        .transform(String)
        .describe(
          "The text written, e.g. '200M' or 'max=10M 3600' (a number is written as its digits).",
        ),
    }),
    z.strictObject({ ...when, kind: z.literal('mkdir'), path }),
    z.strictObject({ ...when, kind: z.literal('rmdir'), path }),
    z.strictObject({
      ...when,
      kind: z.literal('swapon'),
      device: z.string().min(1),
      priority: z
        .number()
        .int()
        .min(-1)
        .max(32767)
        .optional()
        .describe("Overrides the device's priority for this swapon."),
    }),
    z.strictObject({ ...when, kind: z.literal('swapoff'), device: z.string().min(1) }),
    z.strictObject({ ...when, kind: z.literal('spawn'), process: z.string().min(1) }),
    z.strictObject({ ...when, kind: z.literal('exit'), process: z.string().min(1) }),
  ])
  .superRefine((e, ctx) => {
    if ((e.at === undefined) === (e.every === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['at'], message: 'give one of at or every' });
    }
    if (e.at !== undefined && (e.from !== undefined || e.until !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'from / until go with every' });
    }
    if (e.from !== undefined && e.until !== undefined && e.until < e.from) {
      ctx.addIssue({
        code: 'custom',
        path: ['until'],
        input: e.until,
        message: `must not be before from (${e.from})`,
      });
    }
  });

export type TimelineEntry = z.output<typeof timelineEntrySchema>;
export type TimelineEntryKind = TimelineEntry['kind'];

/**
 * The times (seconds) an entry fires within [0, durationSeconds): `at` once; `every`
 * from `from` (default one period) to `until` (default the end), both included.
 * Computed as from + k × every, never by adding up, so long runs do not drift.
 */
export function entryTimes(entry: TimelineEntry, durationSeconds: number): number[] {
  if (entry.at !== undefined) return entry.at < durationSeconds ? [entry.at] : [];
  const every = entry.every!;
  const from = entry.from ?? every;
  const until = Math.min(entry.until ?? Number.POSITIVE_INFINITY, durationSeconds);
  const out: number[] = [];
  for (let k = 0; ; k++) {
    const t = from + k * every;
    if (t > until || t >= durationSeconds) break;
    out.push(t);
  }
  return out;
}
