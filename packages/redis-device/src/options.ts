/**
 * RedisDeviceOptions: how a device is pointed at one server or a Cluster, checked at the
 * package boundary before anything connects, and turned into what the worker needs.
 *
 * Credentials may come in the URL (`redis://user:password@host:port/db`) or as options;
 * they go to the connection's AUTH only, held in private fields. The device's `name` and
 * every message are built from host, port and device name, never from the URL as given,
 * so a password never reaches a log, an error or `util.inspect`.
 */
import { rootCertificates } from 'node:tls';
import { TieredStoreError } from '@tierswap/tiered-store';
import type { SocketTls } from './blockingSocket.js';
import type { NodeAddress } from './ownerLink.js';
import type { ConnectionSetup } from './respConnection.js';

/**
 * TLS for `rediss://` or a Cluster behind TLS: the options of Node's tls.connect that a
 * client needs. Others (ciphers, ...) are refused rather than ignored: the connection is
 * made by the package's addon on the OpenSSL inside Node, not by tls.connect.
 */
export interface RedisTlsOptions {
  /** CA certificates (PEM) to verify the server with; default: Node's (tls.rootCertificates). */
  ca?: string | Buffer | readonly (string | Buffer)[];
  /** Client certificate (PEM), for servers that check clients (`tls-auth-clients yes`). */
  cert?: string | Buffer;
  /** Its private key (PEM). */
  key?: string | Buffer;
  /** The key's passphrase, if it is encrypted. Never printed. */
  passphrase?: string;
  /** Name to verify the certificate against (and SNI); default: the host. */
  servername?: string;
  /** false = do not verify the server's certificate (default true). */
  rejectUnauthorized?: boolean;
}
const TLS_KEYS = ['ca', 'cert', 'key', 'passphrase', 'servername', 'rejectUnauthorized'];

export interface RedisDeviceOptions {
  /** The device's name in key names: `tierswap:{<device>}:<slot>`. 1..64 of [A-Za-z0-9._-]. */
  device: string;
  slots: number;
  /** Default 4096 (512..1048576). */
  pageSize?: number;
  /**
   * One server: `redis://[user[:password]@]host[:port][/db]`, or `rediss://` for TLS.
   * Give `url` or `cluster`, not both.
   */
  url?: string;
  /** A Redis Cluster: seed nodes as URLs (`redis://host:port`); the rest are discovered. */
  cluster?: readonly string[];
  /** ACL user (overrides the URL's). */
  username?: string;
  /** Password (overrides the URL's). Never printed. */
  password?: string;
  /** TLS (implied by `rediss://`): CA, client certificate, servername; see RedisTlsOptions. */
  tls?: RedisTlsOptions;
  /** Connecting, in ms (default 2000). */
  connectTimeoutMs?: number;
  /** One command, in ms (default 2000): a call fails with IO_ERROR after it. */
  commandTimeoutMs?: number;
  /** The lock's TTL in ms (default 15000), renewed every third of it while open. */
  lockTtlMs?: number;
  /** flush() waits until this many replicas have every acknowledged write (WAIT); default 0. */
  waitReplicas?: number;
  /** How long flush() waits for them, in ms (default 1000). */
  waitTimeoutMs?: number;
  /** Pages per MSET or MGET (default 256, fewer for pages over 32 KiB); larger batches are split. */
  maxBatch?: number;
}

export interface ResolvedOptions {
  readonly device: string;
  readonly slots: number;
  readonly pageSize: number;
  readonly cluster: boolean;
  readonly nodes: readonly NodeAddress[];
  /** `redis://host:port/<device>` (or `redis-cluster://...`): no credentials. */
  readonly displayName: string;
  /** How each connection is made and prepared (credentials, TLS, timeouts). */
  readonly setup: ConnectionSetup;
  readonly lockTtlMs: number;
  readonly waitReplicas: number;
  readonly waitTimeoutMs: number;
  readonly maxBatch: number;
}

const WHERE = 'createRedisDevice';
const DEVICE_NAME = /^[A-Za-z0-9._-]{1,64}$/;

function invalid(detail: string): TieredStoreError {
  return new TieredStoreError('INVALID_ARGUMENT', WHERE, detail);
}

// Not base's showValue: option strings (URLs, users, passwords) are never echoed, so a
// secret cannot reach a message or a log.
function show(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean' || v === undefined || v === null)
    return String(v);
  if (typeof v === 'string') return 'a string';
  return Array.isArray(v) ? `an array of ${v.length}` : `a ${typeof v}`;
}

function intIn(name: string, v: unknown, lo: number, hi: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (!(typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi)) {
    throw invalid(`${name} ${show(v)} must be an integer in ${lo}..${hi}`);
  }
  return v;
}

interface Endpoint {
  host: string;
  port: number;
  tls: boolean;
  username: string;
  password: string;
  db: number;
}

/** Parses a redis:// or rediss:// URL; the message names the position, never the text. */
function endpoint(url: unknown, what: string): Endpoint {
  if (typeof url !== 'string') throw invalid(`${what} must be a redis:// URL, got ${show(url)}`);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw invalid(`${what} is not a URL (expected redis://[user:password@]host:port[/db])`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw invalid(`${what} must start with redis:// or rediss://, got ${u.protocol}//`);
  }
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (host === '') throw invalid(`${what} has no host`);
  const port = u.port === '' ? 6379 : Number(u.port);
  const path = u.pathname.replace(/^\//, '');
  const db = path === '' ? 0 : Number(path);
  if (!(Number.isInteger(db) && db >= 0 && db <= 15)) {
    throw invalid(`${what} names database ${JSON.stringify(path)}; must be 0..15`);
  }
  return {
    host,
    port,
    tls: u.protocol === 'rediss:',
    username: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    db,
  };
}

export function resolveOptions(options: RedisDeviceOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalid(`options must be an object, got ${show(options)}`);
  }
  const { device } = options;
  if (typeof device !== 'string' || !DEVICE_NAME.test(device)) {
    throw invalid(
      `device ${typeof device === 'string' ? JSON.stringify(device.slice(0, 70)) : show(device)} must be 1..64 characters of [A-Za-z0-9._-]`,
    );
  }
  const pageSize = intIn('pageSize', options.pageSize, 512, 1 << 20, 4096);
  const slots = intIn('slots', options.slots, 1, 2 ** 27, Number.NaN);
  if (options.slots === undefined) throw invalid('slots must be given (1..2^27)');
  const connectTimeoutMs = intIn('connectTimeoutMs', options.connectTimeoutMs, 1, 600_000, 2000);
  const commandTimeoutMs = intIn('commandTimeoutMs', options.commandTimeoutMs, 1, 600_000, 2000);
  const lockTtlMs = intIn('lockTtlMs', options.lockTtlMs, 100, 86_400_000, 15_000);
  const waitReplicas = intIn('waitReplicas', options.waitReplicas, 0, 64, 0);
  const waitTimeoutMs = intIn('waitTimeoutMs', options.waitTimeoutMs, 0, 600_000, 1000);
  // The shared data buffer holds maxBatch pages: 256 of 4 KiB (1 MiB), fewer of larger
  // pages so that it stays within 8 MiB unless asked for.
  const maxBatch = intIn(
    'maxBatch',
    options.maxBatch,
    1,
    4096,
    Math.max(1, Math.min(256, Math.floor((8 << 20) / pageSize))),
  );

  const { url, cluster } = options;
  if ((url === undefined) === (cluster === undefined)) {
    throw invalid('give exactly one of url (one server) and cluster (seed node URLs)');
  }
  let eps: Endpoint[];
  if (cluster !== undefined) {
    if (!Array.isArray(cluster) || cluster.length === 0) {
      throw invalid(`cluster must be a non-empty array of redis:// URLs, got ${show(cluster)}`);
    }
    eps = cluster.map((c, i) => endpoint(c, `cluster[${i}]`));
    if (eps.some((e) => e.db !== 0)) throw invalid('a Cluster has only database 0');
  } else {
    eps = [endpoint(url, 'url')];
  }
  const first = eps[0]!;
  for (const k of ['username', 'password'] as const) {
    if (options[k] !== undefined && typeof options[k] !== 'string') {
      throw invalid(`${k} must be a string, got ${show(options[k])}`);
    }
  }
  const tls = tlsOf(options.tls, first.tls);
  const username = options.username ?? first.username;
  const password = options.password ?? first.password;
  const scheme = cluster !== undefined ? 'redis-cluster' : first.tls ? 'rediss' : 'redis';
  const hostPort = first.host.includes(':')
    ? `[${first.host}]:${first.port}`
    : `${first.host}:${first.port}`;
  return {
    device,
    slots,
    pageSize,
    cluster: cluster !== undefined,
    nodes: eps.map((e) => ({ host: e.host, port: e.port })),
    displayName: `${scheme}://${hostPort}/${device}`,
    setup: {
      username,
      password,
      db: first.db,
      clientName: `tierswap:${device}`,
      tls,
      connectTimeoutMs,
      commandTimeoutMs,
    },
    lockTtlMs,
    waitReplicas,
    waitTimeoutMs,
    maxBatch,
  };
}

/** PEM text of a string or Buffer option. */
function pem(name: string, v: unknown): string {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  throw invalid(`tls.${name} must be PEM text (a string or Buffer), got ${show(v)}`);
}

function tlsOf(o: RedisTlsOptions | undefined, impliedByUrl: boolean): SocketTls | null {
  if (o === undefined) {
    if (!impliedByUrl) return null;
    o = {};
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) {
    throw invalid(`tls must be an object of TLS options, got ${show(o)}`);
  }
  for (const k of Object.keys(o)) {
    if (!TLS_KEYS.includes(k)) {
      throw invalid(`tls.${k.slice(0, 40)} is not supported (supported: ${TLS_KEYS.join(', ')})`);
    }
  }
  const { ca, cert, key, passphrase, servername, rejectUnauthorized } = o;
  if ((cert === undefined) !== (key === undefined)) {
    throw invalid('tls.cert and tls.key go together: give both or neither');
  }
  for (const [k, v] of [
    ['passphrase', passphrase],
    ['servername', servername],
  ] as const) {
    if (v !== undefined && typeof v !== 'string') {
      throw invalid(`tls.${k} must be a string, got ${show(v)}`);
    }
  }
  if (rejectUnauthorized !== undefined && typeof rejectUnauthorized !== 'boolean') {
    throw invalid(`tls.rejectUnauthorized must be a boolean, got ${show(rejectUnauthorized)}`);
  }
  return {
    // Node's own roots by default, as tls.connect would use, rather than OpenSSL's paths.
    ca:
      ca === undefined
        ? rootCertificates.join('\n')
        : Array.isArray(ca)
          ? ca.map((c, i) => pem(`ca[${i}]`, c)).join('\n')
          : pem('ca', ca),
    cert: cert === undefined ? null : pem('cert', cert),
    key: key === undefined ? null : pem('key', key),
    passphrase: passphrase ?? null,
    servername: servername ?? null,
    rejectUnauthorized: rejectUnauthorized ?? true,
  };
}
