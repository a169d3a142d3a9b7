/**
 * The shell's commands on the stack's files, answering as coreutils does on a real
 * cgroupfs, sysfs or procfs: echo, cat, ls, mkdir, rmdir and grep. They read and write
 * only through `stack.fs`, so every answer (and every errno) is the stack's own.
 *
 * Paths are absolute: the shell has no working directory, so `cat memory.stat` would
 * otherwise silently mean some directory the reader cannot see.
 */

import { isRefusal, refuse } from '@tierswap/base';
import type { StackFs } from '@tierswap/stack';
import type { CommandSpec } from './shellIo.js';
import { columns, parseOptions, report, usage } from './shellIo.js';

const CGROUP = '/sys/fs/cgroup';

/** Whether `path` names a directory of the stack's tree. */
export function isDirectory(fs: StackFs, path: string): boolean {
  return path.startsWith('/') && !isRefusal(fs.ls(path));
}

function relativeRefusal(path: string) {
  return refuse(
    'ENOENT',
    `${path}: paths in this shell are absolute (it has no working directory)`,
  );
}

const echo: CommandSpec = {
  usage: 'echo [-neE] [WORD...]',
  summary: 'print the words (with > FILE: write them to an interface file)',
  run(ctx, args) {
    let newline = true;
    let escapes = false;
    let i = 0;
    for (; i < args.length; i++) {
      const a = args[i]!;
      if (!/^-[neE]+$/.test(a)) break;
      for (const f of a.slice(1)) {
        if (f === 'n') newline = false;
        else escapes = f === 'e';
      }
    }
    let text = args.slice(i).join(' ');
    if (escapes) {
      text = text.replace(/\\([\\nt0])/g, (_, c: string) =>
        c === 'n' ? '\n' : c === 't' ? '\t' : c === '0' ? '\0' : '\\',
      );
    }
    ctx.io.out(newline ? `${text}\n` : text);
    return 0;
  },
};

const cat: CommandSpec = {
  usage: 'cat FILE...',
  summary: 'print interface files (memory.stat, /proc/swaps, /proc/vmstat, ...)',
  run(ctx, args) {
    if (args.length === 0) return usage(ctx.io, cat, "name a file (standard input is the shell's)");
    const fs = ctx.session.stack.fs;
    let status = 0;
    for (const path of args) {
      if (!path.startsWith('/')) {
        report(ctx.io, `cat: ${path}`, relativeRefusal(path));
        status = 1;
        continue;
      }
      if (isDirectory(fs, path)) {
        report(ctx.io, `cat: ${path}`, { errno: 'EISDIR', reason: '' });
        status = 1;
        continue;
      }
      const r = fs.read(path);
      if (isRefusal(r)) {
        report(ctx.io, `cat: ${path}`, r);
        status = 1;
      } else ctx.io.out(r);
    }
    return status;
  },
};

const ls: CommandSpec = {
  usage: 'ls [-1] [DIR...]',
  summary: 'list a directory of the stack (default /)',
  run(ctx, args) {
    const o = parseOptions(ctx, ls, args, { one: { type: 'boolean', short: '1' } });
    if (typeof o === 'number') return o;
    const one = o.values.one === true;
    const paths = o.operands;
    if (paths.length === 0) paths.push('/');
    const fs = ctx.session.stack.fs;
    let status = 0;
    paths.forEach((path, k) => {
      const names = path.startsWith('/') ? fs.ls(path) : relativeRefusal(path);
      if (isRefusal(names)) {
        // A file is listed by its name, as ls does (a write-only one exists too).
        const r = path.startsWith('/') ? fs.read(path) : names;
        if (!isRefusal(r) || r.errno === 'EACCES') {
          ctx.io.out(`${path}\n`);
          return;
        }
        report(ctx.io, `ls: cannot access '${path}'`, names);
        status = 1;
        return;
      }
      if (paths.length > 1) ctx.io.out(`${k > 0 ? '\n' : ''}${path}:\n`);
      const width = ctx.io.columns;
      ctx.io.out(
        one || width === undefined ? names.map((n) => `${n}\n`).join('') : columns(names, width),
      );
    });
    return status;
  },
};

/** The cgroup directories from /sys/fs/cgroup down to `path`, for mkdir -p. */
function ancestors(path: string): string[] {
  const rel = path
    .slice(CGROUP.length)
    .split('/')
    .filter((s) => s !== '');
  return rel.map((_, i) => `${CGROUP}/${rel.slice(0, i + 1).join('/')}`);
}

const mkdir: CommandSpec = {
  usage: 'mkdir [-p] DIR...',
  summary: 'create cgroups (below /sys/fs/cgroup)',
  run(ctx, args) {
    const o = parseOptions(ctx, mkdir, args, { parents: { type: 'boolean', short: 'p' } });
    if (typeof o === 'number') return o;
    const parents = o.values.parents === true;
    const dirs = o.operands;
    if (dirs.length === 0) return usage(ctx.io, mkdir, 'missing operand');
    const fs = ctx.session.stack.fs;
    let status = 0;
    for (const dir of dirs) {
      const todo = parents && dir.startsWith(`${CGROUP}/`) ? ancestors(dir) : [dir];
      for (const d of todo) {
        if (parents && isDirectory(fs, d)) continue;
        const r = d.startsWith('/') ? fs.mkdir(d) : relativeRefusal(d);
        if (r !== undefined) {
          report(ctx.io, `mkdir: cannot create directory '${d}'`, r);
          status = 1;
          break;
        }
      }
    }
    return status;
  },
};

const rmdir: CommandSpec = {
  usage: 'rmdir DIR...',
  summary: 'remove empty cgroups (no child groups, no processes)',
  run(ctx, args) {
    if (args.length === 0) return usage(ctx.io, rmdir, 'missing operand');
    const fs = ctx.session.stack.fs;
    let status = 0;
    for (const dir of args) {
      const r = dir.startsWith('/') ? fs.rmdir(dir) : relativeRefusal(dir);
      if (r !== undefined) {
        report(ctx.io, `rmdir: failed to remove '${dir}'`, r);
        status = 1;
      }
    }
    return status;
  },
};

const grep: CommandSpec = {
  usage: 'grep [-v] PATTERN FILE...',
  summary: 'print the lines of files that match a regular expression (-v: that do not)',
  run(ctx, args) {
    const o = parseOptions(ctx, grep, args, { invert: { type: 'boolean', short: 'v' } });
    if (typeof o === 'number') return o;
    const invert = o.values.invert === true;
    const [pattern, ...files] = o.operands;
    if (pattern === undefined || files.length === 0) {
      return usage(ctx.io, grep, 'a pattern and at least one file are needed');
    }
    let re: RegExp;
    try {
      re = new RegExp(pattern);
    } catch (e) {
      return usage(ctx.io, grep, `bad pattern: ${(e as Error).message}`);
    }
    const fs = ctx.session.stack.fs;
    let matched = false;
    let failed = false;
    for (const path of files) {
      const text = path.startsWith('/') ? fs.read(path) : relativeRefusal(path);
      if (isRefusal(text)) {
        report(ctx.io, `grep: ${path}`, text);
        failed = true;
        continue;
      }
      for (const line of text.split('\n')) {
        if (line === '' || re.test(line) === invert) continue;
        matched = true;
        ctx.io.out(files.length > 1 ? `${path}:${line}\n` : `${line}\n`);
      }
    }
    // grep's statuses: 0 a line matched, 1 none did, 2 an error.
    return failed ? 2 : matched ? 0 : 1;
  },
};

export const FILE_COMMANDS: Readonly<Record<string, CommandSpec>> = {
  echo,
  cat,
  ls,
  mkdir,
  rmdir,
  grep,
};
