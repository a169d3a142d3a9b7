import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from './scenarioLoad.js';
import type { ScenarioResult } from './scenarioRunner.js';
import { runScenario } from './scenarioRunner.js';

const EXAMPLE = join(import.meta.dirname, '..', 'examples', 'scenario.yaml');

async function runExample(mode: 'vswap' | 'classic'): Promise<ScenarioResult> {
  const spec = loadScenario(EXAMPLE);
  const moded = { ...spec, stack: { ...spec.stack, mode } };
  return runScenario(moded);
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
      expect(Object.values(at(30).cgroups['/jobs/extra']!).every((v) => v === 0)).toBe(true);
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
      // Proactive writeback answers EAGAIN when no entry is old enough: data too.
      expect(r.final.refusals.EINVAL).toBe(1);
      const others = r.timeline.filter((l) => !l.ok && l.errno !== 'EINVAL');
      for (const l of others) {
        expect(l).toMatchObject({
          errno: 'EAGAIN',
          target: '/sys/fs/cgroup/jobs/web/memory.zswap.proactive_writeback',
        });
      }
      expect(Object.keys(r.final.refusals).sort()).toEqual(
        others.length > 0 ? ['EAGAIN', 'EINVAL'] : ['EINVAL'],
      );
    });
  }

  it('gives the same series for its seed twice, apart from the measured codec time', async () => {
    const modelled = (r: ScenarioResult) => {
      const { compressNs: _c, decompressNs: _d, ...stats } = r.final.stats;
      return {
        series: r.series.map((x) => ({ ...x, cpu: undefined })),
        timeline: r.timeline,
        final: { ...r.final, stats },
      };
    };
    const a = modelled(await runExample('vswap'));
    const b = modelled(await runExample('vswap'));
    expect(b).toEqual(a);
    const spec = loadScenario(EXAMPLE);
    const c = modelled(await runScenario({ ...spec, seed: spec.seed + 1 }));
    expect(c.series).not.toEqual(a.series);
  });
});
