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
import type { RedisCluster } from './redisServers.js';
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
