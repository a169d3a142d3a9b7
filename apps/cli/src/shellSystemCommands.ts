/**
 * The shell's commands on the system rather than on a file: swapon / swapoff (as
 * util-linux's, with a size for the device they make), the workloads (run, ps, kill) and
 * virtual time (sleep, advance, uptime).
 *
 * swapon's SPEC picks the device: a `redis://host:port` URL is the network tier
 * (@tierswap/redis-device), a path ending in .db, .sqlite or .sqlite3 a SQLite device,
 * any other path a swap file; a relative path is in the session's directory.
 */

import { isRefusal } from '@tierswap/base';
import type { CommandContext, CommandSpec } from './shellIo.js';
import {
  clockText,
  humanBytes,
  parseDuration,
  parseOptions,
  parseSize,
  report,
  table,
  usage,
} from './shellIo.js';
import type { Job } from './shellSession.js';
import { accessPattern, PATTERN_USAGE, pageSource, SOURCE_USAGE } from './shellWorkload.js';

const PAGE = 4096;
const CGROUP = '/sys/fs/cgroup';

function showSwaps(ctx: CommandContext): number {
  const rows = [['NAME', 'TYPE', 'SIZE', 'USED', 'PRIO', 'TIER']];
  for (const d of ctx.session.swaps()) {
    rows.push([
      d.name,
      d.kind,
      humanBytes(d.slots * PAGE),
      humanBytes(d.used * PAGE),
      String(d.priority),
      d.tier,
    ]);
  }
  ctx.io.out(rows.length === 1 ? '' : table(rows, [0, 1, 5]));
  return 0;
}

const swapon: CommandSpec = {
  usage: 'swapon [-p PRIO] [--size SIZE] [--name NAME] FILE|DB|redis://HOST:PORT | --show',
  summary: 'make a swap device (file, SQLite .db, or Redis URL) and switch it on',
  run(ctx, args) {
    const o = parseOptions(ctx, swapon, args, {
      priority: { type: 'string', short: 'p' },
      size: { type: 'string' },
      name: { type: 'string' },
      show: { type: 'boolean', short: 's' },
      summary: { type: 'boolean' },
    });
    if (typeof o === 'number') return o;
    if (o.values.show === true || o.values.summary === true || o.operands.length === 0) {
      if (o.operands.length > 0) return usage(ctx.io, swapon, '--show takes no device');
      return showSwaps(ctx);
    }
    const prioText = o.values.priority as string | undefined;
    const priority = prioText === undefined ? -1 : Number(prioText);
    if (prioText !== undefined && !/^-?[0-9]+$/.test(prioText)) {
      return usage(ctx.io, swapon, `priority "${prioText}" is not an integer`);
    }
    const sizeText = o.values.size as string | undefined;
    const bytes = sizeText === undefined ? ctx.session.deviceBytes : parseSize(sizeText);
    if (bytes === undefined) {
      return usage(ctx.io, swapon, `size "${sizeText}" is not a size (digits with K, M, G or T)`);
    }
    const name = o.values.name as string | undefined;
    let status = 0;
    for (const spec of o.operands) {
      const r = ctx.session.swapon({
        spec,
        priority,
        bytes,
        ...(name === undefined ? {} : { redisName: name }),
      });
      if (isRefusal(r)) {
        report(ctx.io, `swapon: ${spec}: swapon failed`, r);
        status = 1;
      }
    }
    return status;
  },
};

const swapoff: CommandSpec = {
  usage: 'swapoff [-v] NAME|PATH|URL... | -a',
  summary: 'switch devices off, draining their pages to the others (-a: all)',
  run(ctx, args) {
    const o = parseOptions(ctx, swapoff, args, {
      all: { type: 'boolean', short: 'a' },
      verbose: { type: 'boolean', short: 'v' },
    });
    if (typeof o === 'number') return o;
    const all = o.values.all === true;
    const targets = all ? ctx.session.swaps().map((d) => d.name) : o.operands;
    if (targets.length === 0 && !all) return usage(ctx.io, swapoff, 'name a device');
    let status = 0;
    for (const t of targets) {
      const r = ctx.session.swapoff(t);
      if (isRefusal(r)) {
        report(ctx.io, `swapoff: ${t}: swapoff failed`, r);
        status = 1;
      } else if (o.values.verbose === true) {
        // vswap moves the pages to other devices; classic reads them back (try_to_unuse).
        const how = ctx.session.stack.mode === 'classic' ? 'read back into memory' : 'moved';
        ctx.io.out(`swapoff ${r.name}: ${r.moved} pages ${how}\n`);
      }
    }
    return status;
  },
};

/** `app`, `/app` or `/sys/fs/cgroup/app` as the stack's group path `/app`. */
function groupPath(arg: string): string {
  const rel = arg === CGROUP || arg.startsWith(`${CGROUP}/`) ? arg.slice(CGROUP.length) : arg;
  const parts = rel.split('/').filter((s) => s !== '');
  return `/${parts.join('/')}`;
}

const run: CommandSpec = {
  usage: `run CGROUP PAGES|SIZE [--source ${SOURCE_USAGE.replace(/, | or /g, '|')}] [--pattern ${PATTERN_USAGE.replace(/, | or /g, '|')}] [--rate N] [--seed N]`,
  summary: 'start a workload: a process whose pages are touched as time advances',
  async run(ctx, args) {
    const o = parseOptions(ctx, run, args, {
      source: { type: 'string' },
      pattern: { type: 'string' },
      rate: { type: 'string' },
      seed: { type: 'string' },
    });
    if (typeof o === 'number') return o;
    const [cgroup, amount, ...extra] = o.operands;
    if (cgroup === undefined || amount === undefined || extra.length > 0) {
      return usage(ctx.io, run, 'a cgroup and a number of pages (or a size) are needed');
    }
    const pages = /^[0-9]+$/.test(amount)
      ? Number(amount)
      : Math.floor((parseSize(amount) ?? 0) / PAGE);
    if (!Number.isSafeInteger(pages) || pages < 1 || pages > 2 ** 22) {
      return usage(ctx.io, run, `"${amount}" is not 1..4194304 pages or a size of at least 4K`);
    }
    const rateText = (o.values.rate as string | undefined) ?? '100';
    const rate = Number(rateText);
    if (!/^[0-9.]+$/.test(rateText) || !Number.isFinite(rate) || rate <= 0 || rate > 1e7) {
      return usage(
        ctx.io,
        run,
        `rate "${rateText}" is not a number of accesses per second in (0, 1e7]`,
      );
    }
    const seedText = (o.values.seed as string | undefined) ?? '1';
    if (!/^[0-9]+$/.test(seedText) || !Number.isSafeInteger(Number(seedText))) {
      return usage(ctx.io, run, `seed "${seedText}" is not an integer`);
    }
    const seed = Number(seedText);
    const sourceText = (o.values.source as string | undefined) ?? 'generated';
    const source = pageSource(sourceText, pages, seed);
    if (typeof source === 'string') return usage(ctx.io, run, source);
    if (isRefusal(source)) {
      report(ctx.io, `run: ${sourceText}`, source);
      return 1;
    }
    const patternText = (o.values.pattern as string | undefined) ?? 'zipf';
    const pattern = await accessPattern(patternText, rate);
    if (typeof pattern === 'string') return usage(ctx.io, run, pattern);
    if (isRefusal(pattern)) {
      report(ctx.io, `run: ${patternText}`, pattern);
      return 1;
    }
    const group = groupPath(cgroup);
    const job = ctx.session.run(group, pages, source, pattern, seed);
    if (isRefusal(job)) {
      report(ctx.io, `run: ${cgroup}`, job);
      return 1;
    }
    const from = sourceText === 'generated' ? `generated pages (seed ${seed})` : sourceText;
    ctx.io.out(`pid ${job.pid}: ${pages} pages in ${group} from ${from}, ${pattern.name}\n`);
    return 0;
  },
};

/** Where each page of a job is: resident, zero, zswap, or a tier. */
function residency(ctx: CommandContext, job: Job): Map<string, number> {
  const where = new Map<string, number>();
  for (let i = 0; i < job.pages; i++) {
    const w = ctx.session.stack.whereIs(job.pid, i).replace(/^tier:/, '');
    where.set(w, (where.get(w) ?? 0) + 1);
  }
  return where;
}

const ps: CommandSpec = {
  usage: 'ps',
  summary: 'the workloads, and where their pages are (resident, zero, zswap, each tier)',
  run(ctx, args) {
    if (args.length > 0) return usage(ctx.io, ps, 'ps takes no arguments');
    const jobs = ctx.session.jobs();
    const tiers = ctx.session.stack.swapSpace.tiers.list().map((t) => t.name);
    const rows = [
      [
        'PID',
        'CGROUP',
        'PAGES',
        'RESIDENT',
        'ZERO',
        'ZSWAP',
        ...tiers.map((t) => t.toUpperCase()),
        'PATTERN',
      ],
    ];
    for (const job of jobs) {
      const w = residency(ctx, job);
      const n = (k: string) => String(w.get(k) ?? 0);
      rows.push([
        String(job.pid),
        job.group,
        String(job.pages),
        n('resident'),
        n('zero'),
        n('zswap'),
        ...tiers.map(n),
        job.pattern.name,
      ]);
    }
    ctx.io.out(table(rows, [1, rows[0]!.length - 1]));
    return 0;
  },
};

const kill: CommandSpec = {
  usage: 'kill PID...',
  summary: 'end workloads (their memory and swap are freed)',
  run(ctx, args) {
    if (args.length === 0) return usage(ctx.io, kill, 'name a pid');
    let status = 0;
    for (const a of args) {
      if (!/^[0-9]+$/.test(a) || ctx.session.kill(Number(a)) === undefined) {
        ctx.io.err(`kill: (${a}) - No such process\n`);
        status = 1;
      }
    }
    return status;
  },
};

/** Advances time; reports jobs killed meanwhile. */
function advance(ctx: CommandContext, name: string, spec: CommandSpec, args: readonly string[]) {
  if (args.length === 0) return { status: usage(ctx.io, spec, 'missing operand') };
  let seconds = 0;
  for (const a of args) {
    const s = parseDuration(a);
    if (s === undefined) return { status: usage(ctx.io, spec, `invalid time interval '${a}'`) };
    seconds += s;
  }
  const r = ctx.session.advance(seconds);
  for (const k of r.killed) {
    ctx.io.err(`${name}: pid ${k.job.pid} (${k.job.group}) killed: ${k.reason}\n`);
  }
  return { status: 0, result: r, seconds };
}

const sleep: CommandSpec = {
  usage: 'sleep DURATION... (e.g. 60, 10m, 2h, 1d)',
  summary: "let virtual time pass, replaying the workloads' accesses",
  run: (ctx, args) => advance(ctx, 'sleep', sleep, args).status,
};

const advanceCmd: CommandSpec = {
  usage: 'advance DURATION... (e.g. 60, 10m, 2h, 1d)',
  summary: 'as sleep, then print what happened meanwhile',
  run(ctx, args) {
    const a = advance(ctx, 'advance', advanceCmd, args);
    if (a.result !== undefined) {
      ctx.io.out(
        `${clockText(ctx.session.seconds)}: ${a.result.accesses} accesses, ${a.result.faults} faults in ${a.seconds} s\n`,
      );
    }
    return a.status;
  },
};

const uptime: CommandSpec = {
  usage: 'uptime',
  summary: 'the virtual time since the shell started',
  run(ctx, args) {
    if (args.length > 0) return usage(ctx.io, uptime, 'uptime takes no arguments');
    ctx.io.out(`up ${clockText(ctx.session.seconds)}, ${ctx.session.jobs().length} workloads\n`);
    return 0;
  },
};

export const SYSTEM_COMMANDS: Readonly<Record<string, CommandSpec>> = {
  swapon,
  swapoff,
  run,
  ps,
  kill,
  sleep,
  advance: advanceCmd,
  uptime,
};
