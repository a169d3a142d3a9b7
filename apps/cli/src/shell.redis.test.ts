/**
 * swapon of a `redis://` URL: the network tier on a real redis-server, started by
 * @tierswap/redis-device's ./testing export on a free loopback port and stopped after.
 * Pages written back from zswap land in Redis (counted with redis-cli), swapoff drains
 * them into the file tier and the device's keys are gone; a server that is not there
 * is EIO, a name already in use EBUSY, a URL without a host EINVAL; a server that dies
 * under its pages makes swapoff EIO and kills the workload at its next fault.
 */

import { PassThrough, Writable } from 'node:stream';
import type { RedisServer } from '@tierswap/redis-device/testing';
import { freePort, startRedisServer } from '@tierswap/redis-device/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunShellOptions } from './shell.js';
import { runShell } from './shell.js';

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(() => server?.stop());

async function transcript(script: string): Promise<{ text: string; status: number }> {
  const input = new PassThrough();
  input.end(script);
  let text = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  const status = await runShell({
    input,
    output: sink,
    errorOutput: sink,
    interactive: false,
    echo: true,
  });
  return { text, status };
}

/**
 * A shell fed line by line: `send` waits (bounded) until it has run the lines, `out.text`
 * is everything it printed, `end` closes its input and resolves to its exit status.
 */
function liveShell(options: Partial<RunShellOptions> = {}) {
  const input = new PassThrough();
  const out = { text: '' };
  const sink = new Writable({
    write(chunk, _enc, done) {
      out.text += String(chunk);
      done();
    },
  });
  const done = runShell({ input, output: sink, errorOutput: sink, interactive: false, ...options });
  const send = async (lines: readonly string[]) => {
    const mark = `-- done ${lines.length} --`;
    input.write(`${lines.join('\n')}\necho ${mark}\n`);
    for (let i = 0; i < 3000 && !out.text.includes(mark); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(out.text).toContain(mark);
  };
  const end = () => {
    input.end();
    return done;
  };
  return { out, send, end };
}

const keys = () => Number(server.cli(['dbsize']));

describe('swapon redis://', () => {
  it('switches a Redis device on as the top tier, fills it, and drains it at swapoff', async () => {
    const url = server.url;
    const { out, send, end: finish } = liveShell();
    await send([
      `swapon -p 200 --size 4M --name shelltest ${url}`,
      'swapon --show',
      'mkdir /sys/fs/cgroup/app',
      'run app 100 --pattern uniform',
      'echo 400K > /sys/fs/cgroup/app/memory.reclaim',
      'echo "400K zswap_writeback_only" > /sys/fs/cgroup/app/memory.reclaim',
      'ps',
    ]);
    const show = out.text.split('\n').find((l) => l.startsWith(`${url}/shelltest`));
    expect(show).toMatch(/^redis:\/\/127\.0\.0\.1:\d+\/shelltest +redis +4M +0B +200 ssd$/);
    // PID CGROUP PAGES RESIDENT ZERO ZSWAP SSD HDD: the written-back pages are on the ssd tier,
    // whose best device is the Redis one: one key per page there (and the device's lock).
    const ps = out.text.split('\n').find((l) => /^ +1 \/app/.test(l));
    const onSsd = Number(ps!.trim().split(/ +/)[6]);
    expect(onSsd).toBeGreaterThan(0);
    expect(keys()).toBe(onSsd + 1);

    await send([`swapoff -v ${url}`, 'swapon --show']);
    expect(out.text).toContain(`swapoff ${url}/shelltest: ${onSsd} pages moved\n`);
    expect(out.text.split('pages moved\n').pop()).toMatch(
      /^NAME .*\n\S+\/ssd\.swap .*\n\S+\/hdd\.db .*\n-- done 2 --\n$/,
    );
    expect(keys()).toBe(0);
    expect(await finish()).toBe(1); // the zero pages among the 400K had nothing to write back: EAGAIN
  });

  it('refuses a server that is not there (EIO), a name in use (EBUSY) and a URL without a host (EINVAL)', async () => {
    const closed = await freePort();
    const r = await transcript(
      [
        `swapon redis://127.0.0.1:${closed}`,
        `swapon --name twice ${server.url}`,
        `swapon --name twice ${server.url}`,
        'swapon redis://',
        '',
      ].join('\n'),
    );
    const lines = r.text.split('\n');
    expect(lines[1]).toBe(`swapon: redis://127.0.0.1:${closed}: swapon failed: Input/output error`);
    expect(lines[2]).toMatch(/^ {2}\S/);
    expect(lines[5]).toBe(`swapon: ${server.url}: swapon failed: Device or resource busy`);
    expect(lines[6]).toBe('  a Redis device named twice is already active');
    expect(lines[8]).toBe('swapon: redis://: swapon failed: Invalid argument');
    expect(lines[9]).toBe('  url has no host');
    expect(r.status).toBe(1);
    expect(keys()).toBe(0);
  });

  it('a server that dies with pages on it: swapoff is EIO, the workload is killed at its next fault, the shell goes on', async () => {
    const { out, send, end: finish } = liveShell({ stackOptions: { defaultDevices: false } });
    try {
      await send([
        `swapon --size 4M --name dying ${server.url}`,
        'mkdir /sys/fs/cgroup/app',
        'echo 0 > /sys/module/zswap/parameters/enabled',
        'run app 64 --pattern uniform --rate 50',
        'echo 256K > /sys/fs/cgroup/app/memory.reclaim',
      ]);
      expect(keys()).toBeGreaterThan(1);
      server.kill();
      out.text = '';
      await send([`swapoff ${server.url}`, 'advance 10', 'ps']);
      const lines = out.text.split('\n');
      expect(lines[0]).toBe(`swapoff: ${server.url}: swapoff failed: Input/output error`);
      expect(lines).toContainEqual(expect.stringMatching(/^advance: pid 1 \(\/app\) killed: /));
      expect(lines).toContainEqual('PID CGROUP PAGES RESIDENT ZERO ZSWAP PATTERN');
      expect(await finish()).toBe(1);
    } finally {
      await server.start();
    }
  });
});
