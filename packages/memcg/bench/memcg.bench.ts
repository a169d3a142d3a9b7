/**
 * Hot paths of @tierswap/memcg against the minimal code that does the same work,
 * in one run (tinybench, 3 interleaved rounds, median):
 * - tryCharge + uncharge of one page at depth 4 (limits checked on every ancestor)
 *   vs a hand-written parent walk over bare typed arrays;
 * - addStat (resolve + local add) vs a bare Float64Array increment;
 * - reading memory.stat of the root of a 1000-group tree (subtree walk, sums,
 *   rendering) vs summing 13 counters over 1000 entries of a bare array;
 * - mkdir + rmdir of a leaf (no baseline: reported as operations per second).
 */

import { join } from 'node:path';
import { median, saveBenchRecord } from '@tierswap/bench-kit';
import { Bench } from 'tinybench';
import { createMemcg } from '../src/createMemcg.js';
import { PAGE_COUNTER_MAX } from '../src/types.js';

const OPS = 1000;
const { tree, files } = createMemcg();
const a = tree.create('/a');
tree.create('/a/b');
const c = tree.create('/a/b/c');
tree.setLimitPages(a, 'memory', PAGE_COUNTER_MAX - 1);
for (let i = 0; i < 1000 - 4; i++) tree.create(`/a/b/c/g${i}`);
const zswpout = tree.stats.lookup('zswpout')!;
for (const g of tree.subtree(tree.root)) tree.addStat(g, zswpout, 1);

// Baseline structures: the same walk with nothing but typed arrays.
const parent = Uint16Array.of(0, 0, 1, 2, 3);
const usage = new Float64Array(5);
const limit = new Float64Array(5).fill(PAGE_COUNTER_MAX);
const local = new Float64Array(1024);
function bareCharge(g: number): boolean {
  for (let x = g; x !== 0; x = parent[x]!) if (usage[x]! + 1 > limit[x]!) return false;
  for (let x = g; x !== 0; x = parent[x]!) usage[x]! += 1;
  return true;
}
function bareUncharge(g: number): void {
  for (let x = g; x !== 0; x = parent[x]!) usage[x]! -= 1;
}

interface Row {
  case: string;
  'baseline ops/s': number;
  'memcg ops/s': number;
  ratio: number;
}
const rows: Row[] = [];
function throughput(bench: Bench, name: string): number {
  const r = bench.tasks.find((t) => t.name === name)?.result as
    | { throughput?: { mean: number } }
    | undefined;
  return r?.throughput?.mean ?? 0;
}
function pair(name: string, base: () => void, subject: () => void, ops: number): void {
  const bs: number[] = [];
  const ss: number[] = [];
  for (let r = 0; r < 3; r++) {
    const bench = new Bench({ time: 400, warmupTime: 100 });
    const tasks: [string, () => void][] = [
      ['baseline', base],
      ['memcg', subject],
    ];
    if (r % 2 === 1) tasks.reverse();
    for (const [n, f] of tasks) bench.add(n, f);
    bench.runSync();
    const get = (n: string) => throughput(bench, n) * ops;
    bs.push(get('baseline'));
    ss.push(get('memcg'));
  }
  const bm = median(bs);
  const sm = median(ss);
  rows.push({
    case: name,
    'baseline ops/s': Math.round(bm),
    'memcg ops/s': Math.round(sm),
    ratio: Number((sm / bm).toFixed(3)),
  });
}

let sink = 0;
pair(
  'charge+uncharge 1 page, depth 4',
  () => {
    for (let i = 0; i < OPS; i++) if (bareCharge(4)) bareUncharge(4);
  },
  () => {
    for (let i = 0; i < OPS; i++)
      if (tree.tryCharge(c, 'memory', 1) === 0) tree.uncharge(c, 'memory', 1);
  },
  OPS,
);
pair(
  'addStat',
  () => {
    for (let i = 0; i < OPS; i++) local[4]! += 1;
  },
  () => {
    for (let i = 0; i < OPS; i++) tree.addStat(c, zswpout, 1);
  },
  OPS,
);
pair(
  'memory.stat of a 1000-group subtree',
  () => {
    // 13 counters summed over 1000 groups, no rendering.
    for (let c = 0; c < 13; c++) {
      let sum = 0;
      for (let i = 0; i < 1000; i++) sum += local[i]!;
      sink += sum;
    }
  },
  () => {
    sink += files.read(tree.root, 'memory.stat').length;
  },
  1,
);
let serial = 0;
const bench = new Bench({ time: 400, warmupTime: 100 });
bench.add('mkdir+rmdir', () => {
  const g = tree.create(`/a/x${serial++}`);
  tree.rmdir(g);
});
bench.runSync();
const mk = throughput(bench, 'mkdir+rmdir');

console.table(rows);
console.log(`mkdir+rmdir: ${Math.round(mk)} pairs/s (sink ${sink & 1}, node ${process.version})`);
const written = saveBenchRecord(join(import.meta.dirname, '..'), {
  name: 'memcg',
  tables: [
    {
      title: 'memcg hot paths against a bare typed-array baseline',
      rows: rows.map((r) => ({ ...r })),
    },
    { title: 'mkdir + rmdir of a leaf', rows: [{ pairsPerSec: Math.round(mk) }] },
  ],
});
console.log(`wrote ${written.join(', ')}`);
