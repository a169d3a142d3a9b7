/**
 * The pure-cgroup memory interface files, registered by memcg itself because they
 * need no other layer (mm/memcontrol.c, Documentation/admin-guide/cgroup-v2.rst):
 *
 * | file                   | read                        | write                                  |
 * |------------------------|-----------------------------|----------------------------------------|
 * | memory.current         | bytes charged (hierarchical)| -                                      |
 * | memory.max / .high     | bytes or "max"              | memparse size or "max" (page_counter_memparse) |
 * | memory.swap.current    | bytes                       | -                                      |
 * | memory.swap.max        | bytes or "max"              | as memory.max                          |
 * | memory.zswap.current   | compressed bytes            | -                                      |
 * | memory.zswap.max       | bytes or "max"              | as memory.max                          |
 * | memory.zswap.writeback | own value, 0 or 1           | kstrtoint, then only 0 or 1 (EINVAL)   |
 * | memory.stat            | "key value" per counter, summed over the subtree | -             |
 *
 * All but memory.stat and memory.zswap.writeback are CFTYPE_NOT_ON_ROOT. Writes to
 * memory.max/high in the kernel also start reclaim; here they only set the limit,
 * and the stack reclaims (it owns reclaim).
 */

import { isRefusal, refuse } from '@tierswap/base';
import { InterfaceFiles } from './interfaceFiles.js';
import { MemcgError } from './memcgError.js';
import { formatLimit, parseKernelInt, parseLimit, strstrip } from './memparse.js';
import type { CounterId } from './statCounters.js';
import type { GroupId, Resource } from './types.js';
import { PAGE_SIZE } from './types.js';

function limitFile(files: InterfaceFiles, resource: Exclude<Resource, 'zswap'> | 'zswap') {
  const tree = files.tree;
  return {
    notOnRoot: true,
    read: (g: GroupId) => `${formatLimit(tree.limitPages(g, resource))}\n`,
    write: (g: GroupId, text: string) => {
      const pages = parseLimit(text);
      if (isRefusal(pages)) return pages;
      tree.setLimitPages(g, resource, pages);
      return undefined;
    },
  };
}

export function registerMemoryFiles(files: InterfaceFiles): void {
  if (!(files instanceof InterfaceFiles)) {
    throw new MemcgError('INVALID_ARGUMENT', 'registerMemoryFiles', 'expected an InterfaceFiles');
  }
  const tree = files.tree;
  files.define('memory.current', {
    notOnRoot: true,
    read: (g) => `${tree.usagePages(g, 'memory') * PAGE_SIZE}\n`,
  });
  files.define('memory.max', limitFile(files, 'memory'));
  files.define('memory.high', {
    notOnRoot: true,
    read: (g) => `${formatLimit(tree.highPages(g))}\n`,
    write: (g, text) => {
      const pages = parseLimit(text);
      if (isRefusal(pages)) return pages;
      tree.setHighPages(g, pages);
      return undefined;
    },
  });
  files.define('memory.swap.current', {
    notOnRoot: true,
    read: (g) => `${tree.usagePages(g, 'swap') * PAGE_SIZE}\n`,
  });
  files.define('memory.swap.max', limitFile(files, 'swap'));
  files.define('memory.zswap.current', {
    notOnRoot: true,
    read: (g) => `${tree.usagePages(g, 'zswap')}\n`,
  });
  files.define('memory.zswap.max', limitFile(files, 'zswap'));
  files.define('memory.zswap.writeback', {
    read: (g) => `${tree.zswapWritebackOwn(g) ? 1 : 0}\n`,
    write: (g, text) => {
      const v = parseKernelInt(strstrip(text), -(2 ** 31), 2 ** 31 - 1);
      if (isRefusal(v)) return v;
      if (v !== 0 && v !== 1) return refuse('EINVAL', `${v} is neither 0 nor 1`);
      tree.setZswapWriteback(g, v === 1);
      return undefined;
    },
  });
  files.define('memory.stat', {
    read: (g) => {
      const stats = tree.stats;
      const sums = tree.statTotals(g);
      let out = '';
      stats.definedNames().forEach((name, c) => {
        const v = sums[c]!;
        out += `${name} ${stats.unitOf(c as CounterId) === 'pages' ? v * PAGE_SIZE : v}\n`;
      });
      return out;
    },
  });
}
