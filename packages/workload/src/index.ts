/**
 * @tierswap/workload: real pages (files, live process memory, snapshots, generated),
 * access patterns and traces (synthetic, DAMON, Valgrind Lackey), and scenarios run
 * through the tierswap stack on a virtual clock.
 */

export type { Access, AccessPattern, PageSource, Region, SourcePage } from './types.js';
