import { join } from 'node:path';
import { entropyPage, rng } from '@tierswap/bench-kit';
import { describe, expect, it } from 'vitest';
import { loadScenario } from './scenarioLoad.js';
import type { ScenarioResult } from './scenarioRunner.js';
import { runScenario } from './scenarioRunner.js';
import type { ScenarioSpec } from './scenarioSpec.js';
import type { Access, AccessPattern, PageSource } from './types.js';

const EXAMPLE = join(import.meta.dirname, '..', 'examples', 'scenario.yaml');

// TEMPORARY until generatedSource and the patterns land on main: inline stand-ins.
function inline(spec: ScenarioSpec) {
  const sources: Record<string, PageSource> = {};
  const patterns: Record<string, AccessPattern> = {};
  spec.processes.forEach((p, i) => {
    const n = p.source.kind === 'generated' ? p.source.pages : 1;
    const bytes = Array.from({ length: n }, (_, k) =>
      k % 10 === 0 ? new Uint8Array(4096) : entropyPage(4096, 6, 0.6, i * 1000 + k),
    );
    sources[p.name] = {
      name: p.name,
      regions: [{ name: p.name, start: 0, end: n * 4096, perms: 'rw-p' }],
      pageCount: n,
      *pages() {
        for (const b of bytes) yield { bytes: b, region: 0 };
      },
    };
    const rate = p.pattern.kind === 'trace' ? 1 : p.pattern.rate;
    patterns[p.name] = {
      name: 'hot',
      *accesses({ pages, durationSeconds, seed }): Iterable<Access> {
        const r = rng(seed);
        const hot = Math.max(1, pages >> 2);
        for (let k = 0; k < Math.floor(rate * durationSeconds); k++) {
          const page = r() < 0.7 ? Math.floor(r() * hot) : Math.floor(r() * pages);
          yield { time: k / rate, stream: 0, page, write: r() < 0.2 };
        }
      },
    };
  });
  return { sources, patterns };
}

async function runExample(mode: 'vswap' | 'classic'): Promise<ScenarioResult> {
  const spec = loadScenario(EXAMPLE);
  const moded = { ...spec, stack: { ...spec.stack, mode } };
  return runScenario(moded, inline(moded));
}

describe('examples/scenario.yaml', () => {
  for (const mode of ['vswap', 'classic'] as const) {
    it(`runs every kind of timeline entry on the ${mode} stack`, async () => {
      const r = await runExample(mode);
      const spec = r.spec;
      expect(r.final.stats.mode).toBe(mode);
      // Every kind of entry is in the example, and each fired.
      const kinds = new Set(spec.timeline.map((e) => e.kind));
      expect([...kinds].sort()).toEqual(
        ['exit', 'mkdir', 'rmdir', 'spawn', 'swapoff', 'swapon', 'write'].sort(),
      );
      const log = (t: number, kind: string) =>
        r.timeline.find((l) => l.origin === 'timeline' && l.t === t && l.kind === kind)!;
      const at = (t: number) => r.series.find((s) => s.t === t)!;
      expect(r.series.map((s) => s.t)).toEqual([
        0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120,
      ]);

      // A sample at t is the state before the actions at t. mkdir made a cgroup, spawn put `late` in it, exit took it out, then rmdir removed it.
      expect(log(20, 'mkdir').ok).toBe(true);
      expect(log(25, 'write').ok).toBe(true);
      expect(log(30, 'spawn')).toMatchObject({ ok: true, detail: 'pid 3, 64 pages' });
      expect(at(20).cgroups['/jobs/extra']).toBeUndefined();
      expect(at(30).cgroups['/jobs/extra']).toEqual({
        current: 0,
        swapCurrent: 0,
        zswapCurrent: 0,
      });
      expect(at(40).cgroups['/jobs/extra']!.current).toBeGreaterThan(0);
      expect(at(90).processes).toBe(3);
      expect(log(90, 'exit').ok).toBe(true);
      expect(log(95, 'rmdir').ok).toBe(true);
      expect(at(100).cgroups['/jobs/extra']).toBeUndefined();
      expect(at(100).processes).toBe(2);
      expect(at(110).processes).toBe(1); // batch exited at 100, its own exit time

      // memory.reclaim demote=ssd moved batch's pages one tier down.
      expect(log(40, 'write')).toMatchObject({
        target: '/sys/fs/cgroup/jobs/batch/memory.reclaim',
        ok: true,
      });
      expect(at(50).vmstat.swap_demote).toBeGreaterThan(at(40).vmstat.swap_demote);
      expect(at(50).tiers.hdd!.demoted_in).toBeGreaterThan(0);
      // swapoff drained ssd (moved in vswap, read back in classic) and it stayed off until 80.
      const drained = log(47, 'swapoff');
      expect(drained.ok).toBe(true);
      expect(Number(/moved (\d+) pages/.exec(drained.detail!)![1])).toBeGreaterThan(0);
      expect(at(50).devices.ssd).toMatchObject({ on: false, usedSlots: 0 });
      if (mode === 'classic') expect(at(50).vmstat.swapoff_swapin).toBeGreaterThan(0);
      expect(log(80, 'swapon').ok).toBe(true);
      expect(at(90).devices.ssd!.on).toBe(true);
      // The tiers write made the `net` tier, and the spare device switched on in it took pages.
      expect(at(40).tiers.net).toBeUndefined();
      expect(log(50, 'swapon').ok).toBe(true);
      expect(at(60).devices.spare!.on).toBe(true);
      expect(at(120).tiers.net!.swpout).toBeGreaterThan(0);
      expect(at(120).tiers.net!.bytesWritten).toBe(at(120).devices.spare!.bytesWritten);
      // Proactive writeback wrote back aged entries; the zswap parameter write was taken.
      expect(at(120).vmstat.zswpwb_proactive).toBeGreaterThan(0);
      expect(log(55, 'write').ok).toBe(true);
      expect(log(60, 'write').ok).toBe(true);
      // The refused write is data, with the kernel's errno and reason.
      expect(log(96, 'write')).toMatchObject({ ok: false, errno: 'EINVAL' });
      expect(log(96, 'write').reason).toContain('swappiness "300"');
      expect(r.final.refusals).toEqual({ EINVAL: 1 });
    });
  }
});
