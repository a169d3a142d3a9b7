import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenario, parseScenario } from './scenarioLoad.js';
import { parseSize } from './scenarioSize.js';
import { scenarioJsonSchema } from './scenarioSpec.js';
import { entryTimes } from './timelineSpec.js';
import { WorkloadError } from './workloadError.js';

const dir = mkdtempSync(join(tmpdir(), 'scenario-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const minimal = {
  name: 'm',
  durationSeconds: 60,
  stack: { ramBytes: '1G' },
  cgroups: [{ path: '/job' }],
  processes: [
    {
      name: 'p',
      cgroup: '/job',
      source: { kind: 'snapshot', path: 'snap.bin' },
      pattern: { kind: 'trace', path: 'traces/t.csv' },
    },
  ],
};

/** The message of what `fn` throws, which must be a WorkloadError. */
function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WorkloadError);
    return (e as WorkloadError).message;
  }
  throw new Error('did not throw');
}

describe('parseScenario', () => {
  it('fills defaults and turns sizes into bytes', () => {
    const s = parseScenario(minimal);
    expect(s.seed).toBe(1);
    expect(s.stepSeconds).toBe(1);
    expect(s.sampleEverySeconds).toBe(10);
    expect(s.stack.mode).toBe('vswap');
    expect(s.stack.ramBytes).toBe(2 ** 30);
    expect(s.timeline).toEqual([]);
    // A validated spec validates again to itself (runScenario takes either).
    expect(parseScenario(s)).toEqual(s);
  });

  it('names every bad field, its path and its value', () => {
    const msg = thrown(() =>
      parseScenario(
        {
          ...minimal,
          stack: { ramBytes: '1Q', mode: 'vsawp' },
          devices: [{ name: 'ssd', kind: 'file', slots: 3, prio: 3 }],
          timeline: [
            { at: 5, kind: 'write', path: 'memory.max', value: '1M' },
            { kind: 'swapoff', device: 'ssd' },
            { at: 1, kind: 'explode' },
          ],
        },
        'my.yaml',
      ),
    );
    expect(msg).toContain('my.yaml is not a valid scenario (6 issues)');
    expect(msg).toContain('stack.mode: ');
    expect(msg).toContain('(got "vsawp")');
    expect(msg).toContain(
      'stack.ramBytes: must be a byte count or a size like 64K, 200M, 1G (got "1Q")',
    );
    expect(msg).toContain('devices[0]: unknown key "prio"');
    expect(msg).toContain('timeline[0].path: must be an absolute path');
    expect(msg).toContain('timeline[1].at: give one of at or every');
    expect(msg).toMatch(/timeline\[2\]\.kind: .*'write'.*\(got "explode"\)/);
  });

  it('takes a Redis device by url or by cluster, never both, and neither for other kinds', () => {
    const dev = (extra: Record<string, unknown>) =>
      thrown(() => parseScenario({ ...minimal, devices: [{ name: 'n', slots: 8, ...extra }] }));
    expect(dev({ kind: 'redis', url: 'redis://a:1', cluster: ['redis://b:2'] })).toContain(
      'devices[0].url: a redis device needs a url (one server) or cluster',
    );
    expect(dev({ kind: 'file', cluster: ['redis://b:2'] })).toContain(
      'devices[0].cluster: a file device takes no cluster',
    );
    expect(dev({ kind: 'redis', cluster: [] })).toContain('devices[0].cluster');
    const ok = parseScenario({
      ...minimal,
      devices: [{ name: 'n', kind: 'redis', slots: 8, cluster: ['redis://b:2'] }],
    });
    expect(ok.devices[0]!.cluster).toEqual(['redis://b:2']);
  });

  it('checks names and times across fields', () => {
    const msg = thrown(() =>
      parseScenario({
        ...minimal,
        devices: [
          { name: 'ssd', kind: 'file', slots: 8 },
          { name: 'ssd', kind: 'redis', size: '64K' },
        ],
        cgroups: [{ path: '/a/b' }, { path: '/job' }],
        processes: [{ ...minimal.processes[0], cgroup: '/nowhere', start: 60, exit: 10 }],
        timeline: [
          { at: 61, kind: 'mkdir', path: '/sys/fs/cgroup/x' },
          { at: 1, kind: 'swapon', device: 'nvme' },
          { every: 5, from: 9, until: 3, kind: 'exit', process: 'q' },
        ],
      }),
    );
    expect(msg).toContain(
      'devices[1].url: a redis device needs a url (one server) or cluster (seed node URLs), not both',
    );
    // The cross-field checks run once every part is valid on its own.
    const fixed = thrown(() =>
      parseScenario({
        ...minimal,
        devices: [
          { name: 'ssd', kind: 'file', slots: 8 },
          { name: 'ssd', kind: 'sqlite', size: '64K' },
        ],
        cgroups: [{ path: '/a/b' }, { path: '/job' }],
        processes: [{ ...minimal.processes[0], cgroup: '/nowhere', start: 60, exit: 10 }],
        timeline: [
          { at: 61, kind: 'mkdir', path: '/sys/fs/cgroup/x' },
          { at: 1, kind: 'swapon', device: 'nvme' },
          { every: 5, kind: 'exit', process: 'q' },
        ],
      }),
    );
    expect(fixed).toContain('devices[1].name: name "ssd" is declared twice (got "ssd")');
    expect(fixed).toContain(
      'cgroups[0].path: its parent /a is not declared before it (got "/a/b")',
    );
    expect(fixed).toContain(
      'processes[0].cgroup: is neither in cgroups nor made by a timeline mkdir (got "/nowhere")',
    );
    expect(fixed).toContain('processes[0].start: must be before durationSeconds (60) (got 60)');
    expect(fixed).toContain('processes[0].exit: must be after start (60) (got 10)');
    expect(fixed).toContain('timeline[0].at: must be before durationSeconds (60) (got 61)');
    expect(fixed).toContain('timeline[1].device: names no device in devices (got "nvme")');
    expect(fixed).toContain('timeline[2].process: names no process in processes (got "q")');
  });

  it('takes sizes in the kernel syntax', () => {
    expect(parseSize('4096')).toBe(4096);
    expect(parseSize('64k')).toBe(65536);
    expect(parseSize('200M')).toBe(200 * 2 ** 20);
    expect(parseSize(' 1G ')).toBe(2 ** 30);
    expect(parseSize(512)).toBe(512);
    for (const bad of ['', '1.5G', '-1', '1Q', '1GB', 'G', '99999999999P', -1, 1.5, Number.NaN]) {
      expect(parseSize(bad)).toBeUndefined();
    }
  });

  it('expands `every` from `from` (default one period) to `until`, inside the run', () => {
    const e = parseScenario({
      ...minimal,
      timeline: [{ every: 15, kind: 'mkdir', path: '/sys/fs/cgroup/x' }],
    }).timeline[0]!;
    expect(entryTimes(e, 60)).toEqual([15, 30, 45]);
    expect(entryTimes({ ...e, from: 0, until: 30 }, 60)).toEqual([0, 15, 30]);
    expect(entryTimes({ ...e, every: 0.1, from: 0 }, 0.35)).toEqual([
      0, 0.1, 0.2, 0.30000000000000004,
    ]);
    expect(entryTimes({ ...e, every: undefined, at: 59 }, 60)).toEqual([59]);
  });
});

describe('loadScenario', () => {
  it('reads YAML and JSON, paths relative to the file', () => {
    const yaml = join(dir, 's.yaml');
    writeFileSync(
      yaml,
      `# a comment
name: m
durationSeconds: 60
stack: { ramBytes: 1G }
cgroups: [{ path: /job }]
processes:
  - name: p
    cgroup: /job
    source: { kind: snapshot, path: snap.bin }
    pattern: { kind: trace, path: traces/t.csv }
`,
    );
    const json = join(dir, 's.json');
    writeFileSync(json, JSON.stringify(minimal));
    const a = loadScenario(yaml);
    const b = loadScenario(json);
    expect(a).toEqual(b);
    expect(a.processes[0]!.source).toEqual({ kind: 'snapshot', path: join(dir, 'snap.bin') });
    expect(a.processes[0]!.pattern).toEqual({ kind: 'trace', path: join(dir, 'traces/t.csv') });
  });

  it('names the file and the field of an invalid one', () => {
    const p = join(dir, 'bad.yaml');
    writeFileSync(p, 'name: m\ndurationSeconds: -5\nstack: { ramBytes: 1G }\n');
    expect(thrown(() => loadScenario(p))).toMatch(
      new RegExp(
        `${p} is not a valid scenario \\(1 issue\\):\\n  durationSeconds: .* \\(got -5\\)`,
      ),
    );
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"name": ');
    expect(thrown(() => loadScenario(broken))).toContain(`${broken} is not valid JSON`);
    expect(thrown(() => loadScenario(join(dir, 'missing.yaml')))).toContain('cannot read');
    expect(thrown(() => loadScenario(''))).toContain('path must be a file path');
  });
});

describe('scenarioJsonSchema', () => {
  it('is the schema committed beside the example, which the example names', () => {
    const examples = join(import.meta.dirname, '..', 'examples');
    const committed = JSON.parse(readFileSync(join(examples, 'scenario.schema.json'), 'utf8'));
    expect(committed).toEqual(scenarioJsonSchema());
    expect(readFileSync(join(examples, 'scenario.yaml'), 'utf8')).toMatch(
      /^# yaml-language-server: \$schema=\.\/scenario\.schema\.json\n/,
    );
    const props = (committed as { properties: Record<string, unknown> }).properties;
    expect(Object.keys(props).sort()).toEqual(
      [
        'cgroups',
        'devices',
        'durationSeconds',
        'name',
        'processes',
        'sampleEverySeconds',
        'seed',
        'stack',
        'stepSeconds',
        'timeline',
      ].sort(),
    );
  });
});
