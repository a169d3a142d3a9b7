/**
 * The per-memcg swap-tier files, in both proposed syntaxes, registered into a memcg
 * InterfaceFiles registry. The masks themselves live in the memcg tree (own and
 * effective, bit = tier index); these handlers translate tier names.
 *
 * v4–v7 (`memory.swap.tiers`, format like cgroup.subtree_control):
 * - write: whitespace-separated `+TIER` / `-TIER`, applied left to right to a copy
 *   of the group's mask and stored only if every token is valid; an empty write
 *   resets the group to all tiers; an unknown tier or a token without a sign → EINVAL.
 * - read: the names of the tiers this group enables, highest first, space-separated.
 * - `memory.swap.tiers.effective` (read-only): the same for parent-effective ∩ own.
 *
 * v8+ (`memory.swap.tiers.max`, flat-keyed like other memcg limits):
 * - write: exactly one `<tier> max|0` pair; anything else → EINVAL.
 * - read: one `<tier> max|0` line per tier, highest tier first.
 *
 * Both exist only on non-root groups. Both edit the same mask, so they agree.
 * Refusals are Refusals from @tierswap/base; the registry turns them into its errors.
 */
import type { Refusal } from '@tierswap/base';
import { refuse as baseRefuse, showValue } from '@tierswap/base';
import type { GroupId, InterfaceFile } from '@tierswap/memcg';
import { ALL_TIERS_MASK, InterfaceFiles, tokenize } from '@tierswap/memcg';
import { invalid } from './args.js';
import { SwapSpace } from './swapSpace.js';
import { TieredStoreError } from './tieredStoreError.js';

/** What the registry's writers return when they refuse. */
type FileRefusal = Exclude<ReturnType<NonNullable<InterfaceFile['write']>>, undefined>;

/**
 * A base Refusal as the registry's writer type takes it. Until @tierswap/memcg's
 * InterfaceFile takes base's Refusal (same shape; its errno table is a subset), the
 * one cast between the two lives here; then this is base's refuse().
 */
function refuse(errno: 'EINVAL', reason: string): FileRefusal {
  const r: Refusal = baseRefuse(errno, reason);
  return r as FileRefusal;
}

const FILES: readonly string[] = [
  'memory.swap.tiers',
  'memory.swap.tiers.effective',
  'memory.swap.tiers.max',
];

export function registerTierFiles(files: InterfaceFiles, space: SwapSpace): void {
  const where = 'registerTierFiles';
  if (!(files instanceof InterfaceFiles)) {
    throw invalid(
      where,
      `files must be an InterfaceFiles (createMemcg().files), got ${showValue(files)}`,
    );
  }
  if (!(space instanceof SwapSpace)) {
    throw invalid(where, `space must be a SwapSpace (createSwapSpace()), got ${showValue(space)}`);
  }
  const tree = space.memcg;
  if (tree === undefined || tree !== files.tree) {
    throw invalid(where, 'the SwapSpace must be built with the same memcg tree as the registry');
  }
  for (const name of FILES) {
    if (files.has(name)) {
      throw new TieredStoreError('BAD_STATE', where, `${name} is already defined in this registry`);
    }
  }
  const names = (mask: number): string =>
    space.tiers
      .list()
      .filter((t) => ((mask >>> t.idx) & 1) === 1)
      .map((t) => t.name)
      .join(' ');

  files.define('memory.swap.tiers', {
    notOnRoot: true,
    read: (g: GroupId) => `${names(tree.tierMask(g))}\n`,
    write: (g: GroupId, text: string) => {
      const tokens = tokenize(text);
      if (tokens.length === 0) {
        tree.setTierMask(g, ALL_TIERS_MASK);
        return undefined;
      }
      let mask = tree.tierMask(g);
      for (const tok of tokens) {
        const sign = tok.charAt(0);
        if (sign !== '+' && sign !== '-')
          return refuse('EINVAL', `"${tok}": expected +TIER or -TIER`);
        const idx = space.tiers.lookup(tok.slice(1));
        if (idx === undefined) return refuse('EINVAL', `"${tok}": no tier named ${tok.slice(1)}`);
        mask = sign === '+' ? (mask | (1 << idx)) >>> 0 : (mask & ~(1 << idx)) >>> 0;
      }
      tree.setTierMask(g, mask);
      return undefined;
    },
  });

  files.define('memory.swap.tiers.effective', {
    notOnRoot: true,
    read: (g: GroupId) => `${names(tree.effectiveTierMask(g))}\n`,
  });

  files.define('memory.swap.tiers.max', {
    notOnRoot: true,
    read: (g: GroupId) => {
      const mask = tree.tierMask(g);
      return space.tiers
        .list()
        .map((t) => `${t.name} ${((mask >>> t.idx) & 1) === 1 ? 'max' : '0'}\n`)
        .join('');
    },
    write: (g: GroupId, text: string) => {
      const tokens = tokenize(text);
      if (tokens.length !== 2) return refuse('EINVAL', 'expected exactly one "<tier> max|0" pair');
      const [name, value] = tokens as [string, string];
      const idx = space.tiers.lookup(name);
      if (idx === undefined) return refuse('EINVAL', `no tier named ${name}`);
      if (value !== 'max' && value !== '0')
        return refuse('EINVAL', `"${value}": only "max" and "0" are supported`);
      const mask = tree.tierMask(g);
      tree.setTierMask(g, value === 'max' ? (mask | (1 << idx)) >>> 0 : (mask & ~(1 << idx)) >>> 0);
      return undefined;
    },
  });
}
