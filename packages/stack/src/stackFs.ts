/**
 * StackFs: one path-based facade over every interface file of the stack, at the
 * kernel's paths. `write(path, text)` and `mkdir` / `rmdir` answer undefined or a
 * Refusal ({ errno, code, reason }, never a throw for a bad write); `read(path)` and
 * `ls(path)` answer the text or a Refusal. A refused write changes nothing (EAGAIN from
 * memory.reclaim excepted: what was reclaimed stays reclaimed, as in the kernel).
 *
 * /sys/fs/cgroup/<group>/<file> goes to memcg's InterfaceFiles registry, where memcg,
 * zswap, tiered-store and the stack registered their files; mkdir / rmdir are the
 * tree's (rmdir of a group with processes in its subtree is EBUSY, as cgroupfs answers
 * for a populated cgroup). Everything else is in globalFiles.ts. A path that names
 * nothing is ENOENT; writing a read-only file or reading a write-only one is EACCES.
 */

import type { Refusal } from '@tierswap/base';
import { isRefusal, refuse, showValue } from '@tierswap/base';
import type { GroupId } from '@tierswap/memcg';
import { MemcgError, ROOT_GROUP } from '@tierswap/memcg';
import type { StackCore } from './core.js';
import { type GlobalFile, globalFiles } from './globalFiles.js';
import { invalid } from './stackError.js';
import type { SwapStack } from './swapStack.js';

const CGROUP = '/sys/fs/cgroup';

export interface StackFs {
  read(path: string): string | Refusal;
  write(path: string, text: string): Refusal | undefined;
  mkdir(path: string): Refusal | undefined;
  rmdir(path: string): Refusal | undefined;
  ls(path: string): string[] | Refusal;
}

function normalize(path: unknown, where: string): string {
  if (typeof path !== 'string')
    throw invalid(where, `path must be a string, got ${showValue(path)}`);
  if (!path.startsWith('/')) return '';
  const parts = path.split('/').filter((s) => s.length > 0);
  return `/${parts.join('/')}`;
}

export function createStackFs(stack: SwapStack, core: StackCore): StackFs {
  const files = stack.files;
  const tree = core.tree;
  const globals: Map<string, GlobalFile> = globalFiles(core);

  /** A cgroup path split into its group and, when the last part is a file name, the file. */
  const cgroupOf = (p: string): { g: GroupId | undefined; file: string | undefined } => {
    const rest = p.slice(CGROUP.length);
    const parts = rest.split('/').filter((s) => s.length > 0);
    const last = parts[parts.length - 1];
    const isFile = last !== undefined && (files.has(last) || last.startsWith('memory.'));
    const dirParts = isFile ? parts.slice(0, -1) : parts;
    const dir = `/${dirParts.join('/')}`;
    const g = dirParts.length === 0 ? ROOT_GROUP : tree.lookup(dir);
    return {
      g: g !== undefined && tree.isOnline(g) ? g : undefined,
      file: isFile ? last : undefined,
    };
  };
  const inCgroupFs = (p: string) => p === CGROUP || p.startsWith(`${CGROUP}/`);
  const noEnt = (p: string) => refuse('ENOENT', `${p}: no such file or directory`);

  return {
    read(path) {
      const p = normalize(path, 'fs.read');
      if (inCgroupFs(p)) {
        const { g, file } = cgroupOf(p);
        if (g === undefined || file === undefined) return noEnt(p);
        try {
          return files.read(g, file);
        } catch (e) {
          if (e instanceof MemcgError && e.code === 'NO_FILE') return noEnt(p);
          if (e instanceof MemcgError && e.code === 'NOT_READABLE') {
            return refuse('EACCES', `${p}: write-only`);
          }
          throw e;
        }
      }
      const f = globals.get(p);
      if (f === undefined) return noEnt(p);
      if (f.read === undefined) return refuse('EACCES', `${p}: write-only`);
      return f.read();
    },
    write(path, text) {
      const p = normalize(path, 'fs.write');
      if (typeof text !== 'string')
        throw invalid('fs.write', `text must be a string, got ${showValue(text)}`);
      if (inCgroupFs(p)) {
        const { g, file } = cgroupOf(p);
        if (g === undefined || file === undefined) return noEnt(p);
        return files.write(g, file, text);
      }
      const f = globals.get(p);
      if (f === undefined) return noEnt(p);
      if (f.write === undefined) return refuse('EACCES', `${p}: read-only`);
      const r = f.write(text);
      return r === undefined ? undefined : refuse(r.errno, `${p}: ${r.reason}`, r.code);
    },
    mkdir(path) {
      const p = normalize(path, 'fs.mkdir');
      if (!inCgroupFs(p) || p === CGROUP) return refuse('EEXIST', `${p}: cannot create here`);
      const r = tree.mkdir(p.slice(CGROUP.length));
      if (isRefusal(r)) return r;
      core.lru.ensureGroups(r);
      return undefined;
    },
    rmdir(path) {
      const p = normalize(path, 'fs.rmdir');
      if (!inCgroupFs(p) || p === CGROUP) return refuse('EBUSY', `${p}: cannot remove`);
      const rel = p.slice(CGROUP.length);
      const g = tree.lookup(rel);
      if (g === undefined || !tree.isOnline(g)) return noEnt(p);
      if (stack.processesIn(g) > 0) return refuse('EBUSY', `${p}: the cgroup has processes`);
      return tree.rmdir(rel);
    },
    ls(path) {
      const p = normalize(path, 'fs.ls');
      if (inCgroupFs(p)) {
        const { g, file } = cgroupOf(p);
        if (g === undefined || file !== undefined) return noEnt(p);
        const kids = tree.children(g).map((c) => tree.pathOf(c).split('/').pop() ?? '');
        return [...kids.sort(), ...files.list(g)];
      }
      const prefix = p === '/' ? '/' : `${p}/`;
      const names = new Set<string>();
      for (const k of [...globals.keys(), `${CGROUP}/`]) {
        if (k.startsWith(prefix)) names.add(k.slice(prefix.length).split('/')[0]!);
      }
      names.delete('');
      if (names.size === 0) return noEnt(p);
      return [...names].sort();
    },
  };
}
