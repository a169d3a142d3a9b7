/**
 * Real redis-server processes for the tests, the README example and the bench (published
 * under the ./testing subpath export): one
 * server or a 3-master Cluster, on free loopback ports, in temp directories, without
 * persistence. Every process started here is killed when the test file's afterAll calls
 * stop(), and in any case when the process exits (an 'exit' handler sends SIGKILL), so
 * a failed test leaves no server behind.
 *
 * Without the redis-server binary this throws a message saying how to install it: the
 * tests fail rather than skip (CI installs it in .ci/run).
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const INSTALL_HINT =
  'redis-server was not found on PATH. The @tierswap/redis-device tests run real Redis servers: install it with `apt-get install redis-server` (Debian/Ubuntu; it brings redis-cli and redis-benchmark), `brew install redis` (macOS) or from https://redis.io/download';

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = () => {
    for (const p of live) p.kill('SIGKILL');
  };
  process.once('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      killAll();
      process.exit(130);
    });
  }
}

/** Throws with install instructions unless redis-server and redis-cli run. */
export function requireRedisServer(path = process.env.PATH): void {
  for (const bin of ['redis-server', 'redis-cli']) {
    const r = spawnSync(bin, ['--version'], {
      encoding: 'utf8',
      env: { ...process.env, PATH: path },
    });
    if (r.error !== undefined || r.status !== 0) throw new Error(INSTALL_HINT);
  }
}

/** A port the kernel just handed out on 127.0.0.1 (free at that moment). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Runs redis-cli against a port and returns its output (throws if it fails). */
export function cli(port: number, args: readonly string[], password?: string): string {
  return execFileSync(
    'redis-cli',
    [
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      ...(password ? ['--no-auth-warning', '-a', password] : []),
      ...args,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  ).trim();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ServerOptions {
  password?: string;
  /** A Cluster node (cluster-enabled yes). */
  cluster?: boolean;
  /** Extra `--name value` arguments. */
  args?: readonly string[];
}

export class RedisServer {
  readonly port: number;
  readonly dir: string;
  readonly #options: ServerOptions;
  #proc: ChildProcess | undefined;

  constructor(port: number, dir: string, options: ServerOptions) {
    this.port = port;
    this.dir = dir;
    this.#options = options;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.#proc?.pid;
  }

  /** Starts the process (again, after kill(): an empty server on the same port). */
  async start(): Promise<void> {
    const o = this.#options;
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--appendonly',
      'no',
      '--save',
      '',
      '--daemonize',
      'no',
      '--loglevel',
      'warning',
      // A replica's first sync starts at once (the default waits 5 s for more replicas).
      '--repl-diskless-sync-delay',
      '0',
      ...(o.password ? ['--requirepass', o.password] : []),
      ...(o.cluster
        ? [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(this.dir, 'nodes.conf'),
            '--cluster-node-timeout',
            '1000',
          ]
        : []),
      ...(o.args ?? []),
    ];
    const proc = spawn('redis-server', args, { stdio: 'ignore' });
    live.add(proc);
    proc.on('exit', () => live.delete(proc));
    this.#proc = proc;
    for (let i = 0; i < 200; i++) {
      try {
        if (cli(this.port, ['ping'], o.password) === 'PONG') return;
      } catch {
        // not up yet
      }
      if (proc.exitCode !== null) break;
      await sleep(25);
    }
    throw new Error(`redis-server on port ${this.port} did not start`);
  }

  /** kill -9: the server dies at once, with everything in its memory. */
  kill(): void {
    this.#proc?.kill('SIGKILL');
    this.#proc = undefined;
  }

  /** SIGSTOP / SIGCONT: the server stops answering without closing its connections. */
  pause(paused: boolean): void {
    this.#proc?.kill(paused ? 'SIGSTOP' : 'SIGCONT');
  }

  cli(args: readonly string[]): string {
    return cli(this.port, args, this.#options.password);
  }

  /** Kills the server for good and removes its directory. */
  stop(): void {
    this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Starts one server on a free loopback port. */
export async function startRedisServer(options: ServerOptions = {}): Promise<RedisServer> {
  requireRedisServer();
  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), 'tierswap-redis-'));
  const server = new RedisServer(await freePort(), dir, options);
  await server.start();
  return server;
}

export interface RedisCluster {
  readonly nodes: readonly RedisServer[];
  /** Seed URLs for createRedisDevice({ cluster }). */
  readonly urls: string[];
  /** The node whose master holds a key now. */
  masterOf(key: string): RedisServer;
  /** Starts one more node and makes it a replica of `master` (its link up on return). */
  addReplica(master: RedisServer): Promise<RedisServer>;
  stop(): void;
}

/** Starts `masters` cluster nodes and joins them with `redis-cli --cluster create`. */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const nodes: RedisServer[] = [];
  for (let i = 0; i < masters; i++) nodes.push(await startRedisServer({ cluster: true }));
  execFileSync(
    'redis-cli',
    [
      '--cluster',
      'create',
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 200; i++) {
    if (nodes.every((n) => n.cli(['cluster', 'info']).includes('cluster_state:ok'))) break;
    await sleep(50);
  }
  return {
    nodes,
    urls: nodes.map((n) => n.url),
    masterOf(key: string): RedisServer {
      const slot = Number(nodes[0]!.cli(['cluster', 'keyslot', key]));
      for (const n of nodes) {
        const line = n
          .cli(['cluster', 'nodes'])
          .split('\n')
          .find((l) => l.includes('myself'));
        if (line?.includes('master') && ownsSlot(line, slot)) return n;
      }
      throw new Error(`no master owns the slot of ${key}`);
    },
    async addReplica(master: RedisServer): Promise<RedisServer> {
      const replica = await startRedisServer({ cluster: true });
      nodes.push(replica);
      const id = master.cli(['cluster', 'myid']);
      // What `redis-cli --cluster add-node --cluster-slave` does, without its 1 s sleeps.
      replica.cli(['cluster', 'meet', '127.0.0.1', String(master.port)]);
      for (let i = 0; i < 400 && !replica.cli(['cluster', 'nodes']).includes(id); i++) {
        await sleep(10);
      }
      replica.cli(['cluster', 'replicate', id]);
      const replicaId = replica.cli(['cluster', 'myid']);
      // Every node must know the replica before this returns: a node that never heard of
      // it ignores its takeover, and once its master is killed nobody gossips about it.
      const knownEverywhere = () =>
        nodes.every((n) =>
          n
            .cli(['cluster', 'nodes'])
            .split('\n')
            .some((l) => l.startsWith(replicaId) && !l.includes('handshake')),
        );
      for (let i = 0; i < 400; i++) {
        if (
          replica.cli(['info', 'replication']).includes('master_link_status:up') &&
          master.cli(['info', 'replication']).includes('state=online') &&
          knownEverywhere()
        )
          return replica;
        await sleep(25);
      }
      throw new Error(`replica ${replica.port} of ${master.port} did not come up`);
    },
    stop(): void {
      for (const n of nodes) n.stop();
    },
  };
}

/** Does a `cluster nodes` line list `slot` among its ranges? */
function ownsSlot(line: string, slot: number): boolean {
  for (const part of line.split(' ').slice(8)) {
    const [a, b] = part.split('-');
    const lo = Number(a);
    const hi = b === undefined ? lo : Number(b);
    if (slot >= lo && slot <= hi) return true;
  }
  return false;
}
