/**
 * The scenario model: one zod schema for what a scenario file holds, with its
 * TypeScript types inferred from it (ScenarioInput is what a file or caller writes,
 * ScenarioSpec what validation returns, defaults filled in and sizes in bytes).
 *
 * A scenario is a machine (the stack: design, RAM, zswap, tiers), its swap devices,
 * its cgroups with their first interface-file values, the processes (each a page
 * source for its memory and an access pattern for its accesses) and a timeline of
 * actions at the kernel's paths. Objects are strict: a misspelt key is an error naming
 * it, not a setting silently ignored. Checks that span fields (a process naming a
 * cgroup or device that is not declared, times past the end) are in scenarioRefs.ts.
 */

import { z } from 'zod';
import { scenarioRefs } from './scenarioRefs.js';
import { parseSize } from './scenarioSize.js';
import { timelineEntrySchema } from './timelineSpec.js';

/** A size: bytes, or kernel memparse text ('1G', '200M', '64K'). */
export const sizeSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const bytes = parseSize(value);
  if (bytes === undefined) {
    ctx.issues.push({
      code: 'custom',
      input: value,
      message: 'must be a byte count or a size like 64K, 200M, 1G',
    });
    return z.NEVER;
  }
  return bytes;
});

const name = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1..64 characters of A-Z a-z 0-9 . _ -');
const seconds = z.number().finite().nonnegative();
const positiveSeconds = z.number().finite().positive();
const share = z.number().min(0).max(1);

/** Where a process's pages come from (the constructors are mapped in scenarioInputs.ts). */
export const sourceSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('generated'),
    pages: z
      .number()
      .int()
      .min(1)
      .max(2 ** 26),
    zeroShare: share.optional(),
    sameFilledShare: share.optional(),
    incompressibleShare: share.optional(),
    compressibility: share
      .optional()
      .describe(
        'Target compressibility of the other pages (0 = random bytes .. 1 = very repetitive).',
      ),
  }),
  z.strictObject({
    kind: z.literal('files'),
    paths: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    maxPages: z.number().int().min(1).optional(),
  }),
  z.strictObject({ kind: z.literal('snapshot'), path: z.string().min(1) }),
  z.strictObject({
    kind: z.literal('process'),
    pid: z.number().int().min(1),
    maxPages: z.number().int().min(1).optional(),
  }),
]);

/** How a process touches its pages; rate = accesses per virtual second. */
const rate = z.number().positive().max(1e9).describe('Accesses per virtual second.');
/** The share of accesses that are writes (default 0). */
const writeShare = share.optional().describe('The share of accesses that are writes (default 0).');
export const patternSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('uniform'), rate, writeShare }),
  z.strictObject({
    kind: z.literal('zipf'),
    rate,
    writeShare,
    exponent: z
      .number()
      .min(0)
      .max(10)
      .describe('Rank r is drawn with probability proportional to r^-exponent (0 is uniform).'),
  }),
  z.strictObject({
    kind: z.literal('phased'),
    rate,
    writeShare,
    workingSetShare: z.number().gt(0).max(1),
    phaseSeconds: positiveSeconds,
    exponent: z.number().min(0).max(10).optional(),
  }),
  z.strictObject({
    kind: z.literal('trace'),
    path: z
      .string()
      .min(1)
      .describe(
        'A trace file: CSV / JSONL (time, process, page or address, read|write) or a DAMON recording.',
      ),
    stream: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe('Which process of the trace to replay (default 0, the first to appear).'),
    rate: rate
      .optional()
      .describe('DAMON recordings: accesses per virtual second (default 10 000).'),
    addresses: z
      .enum(['dense', 'source'])
      .optional()
      .describe(
        "DAMON recordings: 'source' replays each recorded address onto the process's page at that address (its source a snapshot or process source of the recorded process); 'dense' (default) numbers the recorded pages 0..n-1 in address order.",
      ),
  }),
]);

/** zswap's parameters at start (all changeable later at /sys/module/zswap/parameters). */
export const zswapSpecSchema = z.strictObject({
  enabled: z.boolean().optional().describe('zswap.enabled (default true).'),
  compressor: z.enum(['lz4', 'zstd', 'none']).optional().describe('Default lz4.'),
  level: z.number().int().min(1).max(19).optional().describe("zstd's level (default 3)."),
  maxPoolPercent: z.number().int().min(0).max(100).optional().describe('Default 20.'),
  acceptThresholdPercent: z.number().int().min(0).max(100).optional().describe('Default 90.'),
  shrinkerEnabled: z.boolean().optional().describe('Default true.'),
  maxCompressedBytes: z
    .number()
    .int()
    .min(1)
    .max(4096)
    .optional()
    .describe('Compressed results above this are stored as poor (default 4095).'),
});

export const stackSpecSchema = z.strictObject({
  mode: z
    .enum(['vswap', 'classic'])
    .default('vswap')
    .describe(
      'vswap: a virtual entry per swapped page; classic: a slot at swap-out, as shipped today.',
    ),
  ramBytes: sizeSchema.describe('RAM for resident pages: bytes or a size like 64M, 1G.'),
  zswap: zswapSpecSchema.optional(),
  tiers: z
    .string()
    .optional()
    .describe("The text of /sys/kernel/mm/swap/tiers, e.g. '+ssd:100 +hdd:-1'."),
});

export const deviceSpecSchema = z
  .strictObject({
    name,
    kind: z
      .enum(['file', 'sqlite', 'redis'])
      .describe(
        'A preallocated swapfile, a SQLite table, or Redis (a server with url, a Cluster with cluster).',
      ),
    slots: z
      .number()
      .int()
      .min(1)
      .max(2 ** 26)
      .optional()
      .describe('Capacity in 4 KiB slots, or give size (one of the two).'),
    size: sizeSchema.optional().describe('Capacity as a size (64M), instead of slots.'),
    priority: z
      .number()
      .int()
      .min(-1)
      .max(32767)
      .default(-1)
      .describe('swapon priority; its tier follows from it (default -1).'),
    on: z
      .boolean()
      .default(true)
      .describe('Switched on at start (default true); false leaves it for a timeline `swapon`.'),
    path: z
      .string()
      .min(1)
      .optional()
      .describe(
        'file / sqlite: where to create it (kept after the run); default a temporary directory the run removes.',
      ),
    url: z
      .string()
      .min(1)
      .optional()
      .describe("redis: the server's URL (redis://host:port, rediss:// for TLS)."),
    cluster: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('redis: a Cluster instead, by seed node URLs (the other nodes are discovered).'),
  })
  .superRefine((d, ctx) => {
    if ((d.slots === undefined) === (d.size === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['slots'], message: 'give one of slots or size' });
    }
    if (d.size !== undefined && (d.size < 4096 || d.size / 4096 > 2 ** 26)) {
      ctx.addIssue({
        code: 'custom',
        path: ['size'],
        input: d.size,
        message: 'must hold 1..2^26 pages of 4 KiB (4K..256G)',
      });
    }
    if (d.kind === 'redis' && (d.url === undefined) === (d.cluster === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: 'a redis device needs a url (one server) or cluster (seed node URLs), not both',
      });
    }
    for (const k of ['url', 'cluster'] as const) {
      if (d.kind !== 'redis' && d[k] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [k], message: `a ${d.kind} device takes no ${k}` });
      }
    }
    if (d.kind === 'redis' && d.path !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: 'a redis device takes no path' });
    }
  });

const cgroupPath = z
  .string()
  .regex(/^(\/[A-Za-z0-9._-]+)+$/, "must be a cgroup path below the root, like '/job/a'");

export const cgroupSpecSchema = z.strictObject({
  path: cgroupPath.describe("The path below /sys/fs/cgroup, e.g. '/job'. Parents must come first."),
  /** Interface files written at creation, in order: { 'memory.max': '256M' }. */
  files: z
    .record(z.string().regex(/^memory\.[a-z_.]+$/), z.union([z.string(), z.number()]))
    .optional(),
});

export const processSpecSchema = z.strictObject({
  name,
  cgroup: cgroupPath.describe(
    'The cgroup it is charged to (a declared one or one a timeline mkdir creates).',
  ),
  source: sourceSpecSchema,
  pattern: patternSpecSchema,
  start: seconds
    .optional()
    .describe('Spawned at this time (default 0, unless a timeline `spawn` names it).'),
  exit: seconds.optional().describe('Exits at this time (default: runs to the end).'),
});

export const scenarioSchema = z
  .strictObject({
    name: z.string().min(1).describe("The run's name, for reports."),
    seed: z
      .number()
      .int()
      .nonnegative()
      .max(0xffffffff)
      .default(1)
      .describe('Seeds every access pattern (each process gets its own stream from it).'),
    durationSeconds: positiveSeconds.describe('Virtual seconds the run lasts.'),
    stepSeconds: positiveSeconds
      .default(1)
      .describe("Virtual time between rounds of accesses (the timeline's resolution too)."),
    sampleEverySeconds: positiveSeconds
      .default(10)
      .describe('A sample of the metrics at 0, at every multiple of this, and at the end.'),
    stack: stackSpecSchema,
    devices: z.array(deviceSpecSchema).default([]),
    cgroups: z.array(cgroupSpecSchema).default([]),
    processes: z.array(processSpecSchema).default([]),
    timeline: z.array(timelineEntrySchema).default([]),
  })
  .superRefine(scenarioRefs);

/** A scenario as written (a file, or a caller's object): sizes as text, defaults omitted. */
export type ScenarioInput = z.input<typeof scenarioSchema>;
/** A validated scenario: defaults filled in, sizes in bytes. */
export type ScenarioSpec = z.output<typeof scenarioSchema>;
export type SourceSpec = z.output<typeof sourceSpecSchema>;
export type PatternSpec = z.output<typeof patternSpecSchema>;
export type DeviceSpec = z.output<typeof deviceSpecSchema>;
export type CgroupSpec = z.output<typeof cgroupSpecSchema>;
export type ProcessSpec = z.output<typeof processSpecSchema>;
export type StackSpec = z.output<typeof stackSpecSchema>;

/**
 * The JSON Schema of a scenario file (what a file may hold, defaults shown), for
 * editors: a YAML file that starts with `# yaml-language-server: $schema=<path>`
 * gets completion and checks as it is written. The cross-field checks
 * (scenarioRefs.ts) are not expressible there and run at load.
 */
export function scenarioJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(scenarioSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'tierswap scenario',
    description:
      'A machine, its swap devices, cgroups, processes and a timeline, run by runScenario.',
  };
}
