/**
 * The worker thread of a RedisDevice: it owns the ioredis connection (one server or a
 * Cluster) and serves the device's requests from shared memory (./protocol.ts).
 *
 * It waits for a request with Atomics.waitAsync, so its event loop keeps running the
 * socket, the reconnection timer and the lock renewal while it waits. Each request is one
 * or a few commands: a batch of writes is one MSET (atomic, so a failed batch wrote none
 * of its pages), a batch of reads one MGET, deletes one UNLINK; with the hash tag all of
 * a device's keys are in one Cluster slot, so these multi-key commands are allowed there.
 * The offline queue is off: while the server is unreachable a command fails at once
 * instead of waiting, and the caller falls through to another tier.
 *
 * Ownership: OPEN takes the lock key with SET NX PX and a random token, wipes the
 * namespace (SCAN + UNLINK on every master), and renews the lock every third of its TTL;
 * a renewal that finds the key gone (a restarted server) takes it again, one that finds
 * another token marks the device lost. CLOSE deletes the device's keys and releases the
 * lock only if the token still matches (a Lua script).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { RedisOptions } from 'ioredis';
import { Cluster, Redis } from 'ioredis';
import type { WorkerConfig } from './protocol.js';
import {
  COUNT,
  dataLayout,
  MISSING,
  OP,
  OP_CLOSE,
  OP_DELETE,
  OP_FLUSH,
  OP_NOP,
  OP_OPEN,
  OP_PING,
  OP_READ,
  OP_WRITE,
  OWNERSHIP_LOST,
  RECONNECTS,
  REQUEST,
  RESPONSE,
  STATUS,
  STATUS_BUSY,
  STATUS_IO,
  STATUS_OK,
  TEXT_BYTES,
  TEXT_LENGTH,
  VALUE_AT,
} from './protocol.js';
import { copyFromShared, copyToShared } from './sharedCopy.js';

/** Renews the lock if it is ours (1), takes it again if it vanished (2), else 0. */
const RENEW_LOCK = `local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 2 end
return 0`;
/** Deletes the lock only if it holds our token. */
const RELEASE_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

type Client = Redis | Cluster;
/** The options ./options.ts hands over (see resolveOptions). */
type PassedThrough = Pick<
  RedisOptions,
  'username' | 'password' | 'db' | 'tls' | 'connectTimeout' | 'commandTimeout' | 'connectionName'
>;

const config = workerData as WorkerConfig;
const control = new Int32Array(config.control);
const layout = dataLayout(config.maxBatch, config.pageSize);
const slots = new Uint32Array(config.data, layout.slotsOffset, config.maxBatch);
const lengths = new Uint32Array(config.data, layout.lengthsOffset, config.maxBatch);
const bytes = Buffer.from(config.data);
/** An ordinary (not shared) copy of the values of the write in flight. */
const scratch = Buffer.allocUnsafeSlow(config.maxBatch * layout.stride);
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      a: Int32Array,
      i: number,
      v: number,
    ): { async: false; value: string } | { async: true; value: Promise<string> };
  }
).waitAsync;

class Failure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function connect(): Client {
  const passed = config.redisOptions as PassedThrough;
  if (!config.cluster) {
    const node = config.nodes[0]!;
    return new Redis({
      ...passed,
      host: node.host,
      port: node.port,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: true,
      retryStrategy: (times: number) => Math.min(50 * times, 500),
    });
  }
  // A Cluster's node connections keep ioredis's defaults (no reconnection to a lost node:
  // the slot map is fetched again instead, which is how a failover is followed).
  return new Cluster(
    config.nodes.map((n) => ({ host: n.host, port: n.port })),
    {
      enableOfflineQueue: false,
      lazyConnect: true,
      clusterRetryStrategy: (times: number) => Math.min(100 * times, 1000),
      slotsRefreshTimeout: 2000,
      redisOptions: { ...passed, maxRetriesPerRequest: 0 },
    },
  );
}

const client = connect();
let readyCount = 0;
let opened = false;
client.on('ready', () => {
  readyCount++;
  if (readyCount === 1) return;
  Atomics.add(control, RECONNECTS, 1);
  // Back after an outage: the server may have restarted empty; take the lock again now
  // rather than at the next renewal.
  if (opened) renewLock();
});
// Errors surface through the commands that fail; the last connection error is kept to
// say why a command found no connection ("Connection is closed" alone says little).
let lastConnectionError = '';
const remember = (e: unknown) => {
  lastConnectionError = e instanceof Error ? e.message : String(e);
};
client.on('error', remember);
client.on('node error', remember);
client.on('ready', () => {
  lastConnectionError = '';
});

const keyOf = (slot: number) => `${config.prefix}${slot}`;

async function masters(): Promise<Redis[]> {
  return client instanceof Cluster ? client.nodes('master') : [client];
}

async function open(): Promise<void> {
  await client.connect();
  const taken = await client.set(config.lockKey, config.token, 'PX', config.lockTtlMs, 'NX');
  if (taken !== 'OK') {
    throw new Failure(
      STATUS_BUSY,
      `the lock ${config.lockKey} is held by another opener (EBUSY); it is released when that device closes, or expires ${config.lockTtlMs} ms after its owner stops renewing it`,
    );
  }
  // Wipe what an earlier owner left, as swapon wipes a swap area. The lock key matches
  // the pattern too and is kept.
  await wipeNamespace();
  opened = true;
  setInterval(renewLock, Math.max(10, Math.floor(config.lockTtlMs / 3))).unref();
}

/** Keeps the lock: renews it, takes it again after a server lost it, or notes it is gone. */
function renewLock(): void {
  client
    .eval(RENEW_LOCK, 1, config.lockKey, config.token, config.lockTtlMs)
    .then((r) => {
      if (r === 0) Atomics.store(control, OWNERSHIP_LOST, 1);
    })
    .catch(() => {}); // unreachable now: the next renewal tries again
}

async function write(count: number): Promise<void> {
  // The values go to ioredis from an ordinary buffer: it may copy them again (a
  // concat for the socket), and copies out of shared memory are slow (./sharedCopy.ts).
  copyFromShared(bytes, layout.valuesOffset, scratch, 0, count * layout.stride);
  const args: (string | Buffer)[] = [];
  for (let i = 0; i < count; i++) {
    const start = i * layout.stride + VALUE_AT;
    args.push(keyOf(slots[i]!), scratch.subarray(start, start + lengths[i]!));
  }
  await client.mset(...args);
}

async function read(count: number): Promise<void> {
  const keys: string[] = [];
  for (let i = 0; i < count; i++) keys.push(keyOf(slots[i]!));
  const values = await client.mgetBuffer(...keys);
  for (let i = 0; i < count; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      lengths[i] = MISSING;
      continue;
    }
    // The true length is reported even when the value does not fit (the device then
    // refuses it); only what fits is copied.
    lengths[i] = v.length;
    const at = layout.valuesOffset + i * layout.stride + VALUE_AT;
    copyToShared(v, bytes, at, Math.min(v.length, layout.stride - VALUE_AT));
  }
}

async function remove(count: number): Promise<void> {
  const keys: string[] = [];
  for (let i = 0; i < count; i++) keys.push(keyOf(slots[i]!));
  await client.unlink(...keys);
}

async function flush(): Promise<void> {
  if (config.waitReplicas <= 0) {
    await client.ping();
    return;
  }
  // WAIT counts the replicas that have this connection's writes; with the hash tag they
  // all went to the one master that owns the device's slot.
  for (const node of await masters()) {
    if (!(await owns(node))) continue;
    const acked = await node.wait(config.waitReplicas, config.waitTimeoutMs);
    if (acked < config.waitReplicas) {
      throw new Failure(
        STATUS_IO,
        `WAIT ${config.waitReplicas} ${config.waitTimeoutMs}: only ${acked} replicas acknowledged the writes`,
      );
    }
  }
}

/** Does this master hold the device's keys (the only one whose WAIT matters)? */
async function owns(node: Redis): Promise<boolean> {
  if (!(client instanceof Cluster)) return true;
  try {
    return (await node.exists(config.lockKey)) > 0;
  } catch {
    return false; // MOVED: another master owns the device's slot
  }
}

/** Unlinks every key of the device's namespace on every master, except the lock key. */
async function wipeNamespace(): Promise<void> {
  for (const node of await masters()) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${config.prefix}*`, 'COUNT', 1000);
      cursor = next;
      const doomed = keys.filter((k) => k !== config.lockKey);
      if (doomed.length > 0) await node.unlink(...doomed);
    } while (cursor !== '0');
  }
}

async function close(): Promise<void> {
  try {
    await wipeNamespace();
    await client.eval(RELEASE_LOCK, 1, config.lockKey, config.token);
  } finally {
    client.disconnect();
  }
}

async function serve(op: number, count: number): Promise<void> {
  switch (op) {
    case OP_OPEN:
      return open();
    case OP_WRITE:
      return write(count);
    case OP_READ:
      return read(count);
    case OP_DELETE:
      return remove(count);
    case OP_FLUSH:
      return flush();
    case OP_CLOSE:
      return close();
    case OP_PING:
      await client.ping();
      return;
    case OP_NOP:
      return;
    default:
      throw new Failure(STATUS_IO, `unknown operation ${op}`);
  }
}

function answer(seq: number, status: number, text: string): void {
  let n = 0;
  if (text !== '') {
    n = bytes.write(text.slice(0, TEXT_BYTES / 2), layout.textOffset, TEXT_BYTES, 'utf8');
  }
  control[TEXT_LENGTH] = n;
  control[STATUS] = status;
  Atomics.store(control, RESPONSE, seq);
  Atomics.notify(control, RESPONSE);
}

async function loop(): Promise<void> {
  let seen = 0;
  for (;;) {
    const w = waitAsync(control, REQUEST, seen);
    if (w.async) await w.value;
    const seq = Atomics.load(control, REQUEST);
    if (seq === seen) continue;
    seen = seq;
    const op = control[OP]!;
    try {
      await serve(op, control[COUNT]!);
      answer(seq, STATUS_OK, '');
    } catch (e) {
      const status = e instanceof Failure ? e.status : STATUS_IO;
      let text = e instanceof Error ? e.message : String(e);
      if (lastConnectionError !== '' && !text.includes(lastConnectionError)) {
        text += ` (connection: ${lastConnectionError})`;
      }
      answer(seq, status, text);
    }
    if (op === OP_CLOSE) {
      parentPort?.close();
      return;
    }
  }
}

void loop();
