/**
 * A Redis Cluster of 3 masters started here (redis-cli --cluster create), and a failover
 * to a replica that missed the last writes. Redis replication is asynchronous: a write
 * the master acknowledged can be lost when a replica takes over. What the device
 * promises, and what is tested: flush() with waitReplicas says when writes are not on a
 * replica yet, and after the failover every page reads back intact, or is reported
 * (NOT_WRITTEN for a lost key, CHECKSUM_MISMATCH for an older value), never returned wrong.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisDevice, type RedisDevice } from './index.js';
import type { RedisCluster, RedisServer } from './redisServers.js';
import { startRedisCluster } from './redisServers.js';
import { eventually, failure, page } from './testing/testHelpers.js';

let cluster: RedisCluster;
const open: RedisDevice[] = [];

function device(name: string, extra: Record<string, unknown> = {}): RedisDevice {
  const d = createRedisDevice({
    device: name,
    slots: 64,
    cluster: cluster.urls,
    commandTimeoutMs: 500,
    ...extra,
  });
  open.push(d);
  return d;
}

/**
 * Moves a hash slot from `source` to `target` the way `redis-cli --cluster reshard` does:
 * IMPORTING on the target, MIGRATING on the source, MIGRATE of the slot's keys in
 * batches, then the new owner announced to every master (target first, so it never
 * redirects back while the others learn).
 */
function moveSlot(slot: number, source: RedisServer, target: RedisServer): void {
  const sourceId = source.cli(['cluster', 'myid']);
  const targetId = target.cli(['cluster', 'myid']);
  const s = String(slot);
  expect(target.cli(['cluster', 'setslot', s, 'importing', sourceId])).toBe('OK');
  expect(source.cli(['cluster', 'setslot', s, 'migrating', targetId])).toBe('OK');
  for (;;) {
    const keys = source
      .cli(['cluster', 'getkeysinslot', s, '100'])
      .split('\n')
      .filter((k) => k !== '');
    if (keys.length === 0) break;
    const r = source.cli([
      'migrate',
      '127.0.0.1',
      String(target.port),
      '',
      '0',
      '5000',
      'keys',
      ...keys,
    ]);
    expect(r).toBe('OK');
  }
  for (const n of [target, source, ...cluster.nodes.filter((n) => n !== target && n !== source)]) {
    expect(n.cli(['cluster', 'setslot', s, 'node', targetId])).toBe('OK');
  }
}

beforeAll(async () => {
  cluster = await startRedisCluster(3);
}, 30_000);
afterAll(() => {
  for (const d of open) d.close();
  cluster?.stop();
});

describe('RedisDevice on a Redis Cluster', () => {
  it('keeps each device on one shard (the hash tag) and spreads devices over the masters', () => {
    // Names whose hash tags land on different masters.
    const names = ['dev-a', 'dev-b', 'dev-c', 'dev-d', 'dev-e', 'dev-f', 'dev-g'];
    const byMaster = new Map<number, string>();
    for (const n of names) byMaster.set(cluster.masterOf(`{${n}}`).port, n);
    expect(byMaster.size).toBeGreaterThanOrEqual(2);
    for (const [port, name] of byMaster) {
      const d = device(name);
      expect(d.name).toBe(`redis-cluster://127.0.0.1:${cluster.nodes[0]!.port}/${name}`);
      const slots = Array.from({ length: 40 }, (_, i) => i);
      d.writeBatch(
        slots,
        slots.map((s) => page(s, 1 + s * 100)),
      );
      const out = new Uint8Array(40 * 4096);
      const lengths = new Uint32Array(40);
      d.readBatch(slots, out, lengths);
      for (const s of slots) {
        expect(lengths[s]).toBe(1 + s * 100);
        expect(out.subarray(s * 4096, s * 4096 + lengths[s]!)).toEqual(page(s, 1 + s * 100));
      }
      // Every key of the device (40 pages and the lock) is on the one master.
      const owner = cluster.nodes.find((n) => n.port === port)!;
      expect(
        owner.cli(['cluster', 'countkeysinslot', owner.cli(['cluster', 'keyslot', `{${name}}`])]),
      ).toBe('41');
    }
  });

  it('refuses a second opener through another seed node (EBUSY)', () => {
    device('shared');
    const e = failure(() =>
      createRedisDevice({ device: 'shared', slots: 4, cluster: [cluster.urls[2]!] }),
    );
    expect(e.code).toBe('BUSY');
  });

  it('follows MOVED after its slot migrated: pages intact, writes and the lock on the new master, close wipes there', () => {
    const name = 'resharded';
    const d = device(name);
    const lengths = [4096, 1, 300, 4096, 2048, 17, 4096, 4000];
    const slots = lengths.map((_, i) => i);
    d.writeBatch(
      slots,
      slots.map((s) => page(s, lengths[s])),
    );
    const source = cluster.masterOf(`{${name}}`);
    const target = cluster.nodes.find((n) => n !== source)!;
    const slot = Number(source.cli(['cluster', 'keyslot', `{${name}}`]));
    moveSlot(slot, source, target);
    expect(cluster.masterOf(`{${name}}`)).toBe(target);
    // The pages and the lock are on the target now, none left on the source.
    expect(target.cli(['cluster', 'countkeysinslot', String(slot)])).toBe(String(slots.length + 1));
    expect(source.cli(['cluster', 'countkeysinslot', String(slot)])).toBe('0');

    // The same device object, still connected to the source: the source answers MOVED.
    const out = new Uint8Array(slots.length * 4096);
    const got = new Uint32Array(slots.length);
    d.readBatch(slots, out, got);
    for (const s of slots) {
      expect(got[s]).toBe(lengths[s]);
      expect(out.subarray(s * 4096, s * 4096 + lengths[s]!)).toEqual(page(s, lengths[s]));
    }
    const one = new Uint8Array(4096);
    expect(d.read(3, one)).toBe(4096);
    expect(one).toEqual(page(3));
    // A redirect is not a lost connection.
    expect(d.stats()).toMatchObject({ reconnects: 0, ioErrors: 0 });

    d.write(20, page(20, 1000));
    expect(target.cli(['strlen', `tierswap:{${name}}:20`])).toBe('1004'); // crc32c + payload
    expect(d.read(20, one)).toBe(1000);
    expect(one.subarray(0, 1000)).toEqual(page(20, 1000));

    // The lock moved with the pages: another opener, from any seed, is still refused.
    for (const url of cluster.urls) {
      expect(
        failure(() => createRedisDevice({ device: name, slots: 4, cluster: [url] })).code,
      ).toBe('BUSY');
    }
    d.close();
    expect(target.cli(['cluster', 'countkeysinslot', String(slot)])).toBe('0');
    expect(source.cli(['cluster', 'countkeysinslot', String(slot)])).toBe('0');
    // Released: the name can be opened again.
    device(name);
  });

  it('reaches the new master with commands naming no key (PING, close()’s SCAN)', () => {
    // PING and SCAN draw no MOVED from the old master, which answers them itself: the
    // device has to reach the slot's owner some other way, or ping() checks the wrong
    // node and close() scans it, finds nothing and leaves the pages on the new one.
    const name = 'moved-then-closed';
    const d = device(name);
    d.writeBatch([0, 1, 2], [page(0), page(1), page(2)]);
    const source = cluster.masterOf(`{${name}}`);
    const target = cluster.nodes.find((n) => n !== source)!;
    const slot = Number(source.cli(['cluster', 'keyslot', `{${name}}`]));
    moveSlot(slot, source, target);
    expect(target.cli(['cluster', 'countkeysinslot', String(slot)])).toBe('4');
    d.ping();
    // The device's connection (named after it) is on the new master now.
    expect(target.cli(['client', 'list'])).toContain(`name=tierswap:${name} `);
    d.close();
    expect(target.cli(['cluster', 'countkeysinslot', String(slot)])).toBe('0');
  });

  it('after a failover to a replica that missed writes: old pages intact, lost ones reported, none wrong', async () => {
    const name = 'failover';
    const master = cluster.masterOf(`{${name}}`);
    const replica = await cluster.addReplica(master);
    const d = device(name, { waitReplicas: 1, waitTimeoutMs: 300 });
    d.writeBatch([0, 1, 2, 3], [page(0), page(1), page(2), page(3)]);
    await eventually(() => d.flush()); // WAIT 1: the replica has them (once it has caught up)

    // The replica is cut off: frozen, and its replication link closed by the master, so
    // what the master acknowledges from now on never reaches it.
    replica.pause(true);
    master.cli(['client', 'kill', 'type', 'replica']);
    d.writeBatch([4, 5], [page(4), page(5)]); // acknowledged by the master only
    d.write(0, page(100)); // a newer version of slot 0, also only on the master
    const e = failure(() => d.flush());
    expect(e.code).toBe('IO_ERROR');
    expect(e.message).toMatch(/only 0 replicas acknowledged/);

    master.kill();
    replica.pause(false);
    replica.cli(['cluster', 'failover', 'takeover']);
    const out = new Uint8Array(4096);
    // The device asks the Cluster for the slot's new master once the old one refuses;
    // the takeover itself can take a while on a loaded CI.
    await eventually(() => d.read(1, out), 45_000);
    for (const s of [1, 2, 3]) {
      expect(d.read(s, out)).toBe(4096);
      expect(out).toEqual(page(s));
    }
    out.fill(0xee);
    const stale = failure(() => d.read(0, out)); // the replica holds the older value
    expect(stale.code).toBe('CHECKSUM_MISMATCH');
    expect(out.every((b) => b === 0)).toBe(true);
    for (const s of [4, 5]) expect(failure(() => d.read(s, out)).code).toBe('NOT_WRITTEN');
    expect(d.stats()).toMatchObject({ lostPages: 2, checksumErrors: 1 });
    // Writing again works on the new master.
    d.write(4, page(44));
    expect(d.read(4, out)).toBe(4096);
    expect(out).toEqual(page(44));
  }, 90_000);
});
