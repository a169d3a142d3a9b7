/**
 * OwnerLink: the device's connection to the node that holds its keys: the one server,
 * or in a Cluster the master owning the hash slot of `{<device>}` (every key of a device
 * is in that slot, see ./redisDevice.ts).
 *
 * Finding the owner in a Cluster: CLUSTER KEYSLOT and CLUSTER SLOTS in one round trip to
 * a known node (the seeds, then every node an earlier map named, so the link survives
 * the loss of a seed), and the master of the range holding the slot. A MOVED reply (the
 * slot migrated, or a failover the link has not seen yet) names the new owner: the link
 * switches to it and sends the command again, as a MOVED command was not run. Only a
 * command naming a key can draw MOVED: callKeyless() sends one that names none (SCAN,
 * PING) behind a probe of the device's key, so it too reaches the slot's owner.
 *
 * A lost connection fails the call under way (the caller falls through to another tier)
 * and the next call connects again. While the node stays unreachable, attempts are
 * spaced by a backoff (50 ms doubling to 1 s) and calls in between fail at once, so a
 * dead server costs each swap call a failed check, not a connect timeout.
 */
import type { Arg, ConnectionSetup, Reply } from './respConnection.js';
import { ErrorReply, RespConnection, replyText } from './respConnection.js';

export interface NodeAddress {
  readonly host: string;
  readonly port: number;
}

/** The owner could not be reached or found; the message says which node and why. */
export class LinkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LinkError';
  }
}

const FIRST_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 1000;

export class OwnerLink {
  readonly #setup: ConnectionSetup;
  readonly #cluster: boolean;
  /** A key of the device, for CLUSTER KEYSLOT. */
  readonly #key: string;
  /** Seeds first, then nodes learnt from slot maps. */
  readonly #known: NodeAddress[];
  #owner: NodeAddress;
  #conn: RespConnection | null = null;
  #everConnected = false;
  /** The connection broke (not closed to follow MOVED): the next one is a reconnect. */
  #lost = false;
  #reconnects = 0;
  #retryAt = 0;
  #backoffMs = FIRST_BACKOFF_MS;
  #lastError = '';

  constructor(
    nodes: readonly NodeAddress[],
    cluster: boolean,
    key: string,
    setup: ConnectionSetup,
  ) {
    this.#setup = setup;
    this.#cluster = cluster;
    this.#key = key;
    this.#known = [...nodes];
    this.#owner = nodes[0]!;
  }

  /** Connections made after one was lost. */
  get reconnects(): number {
    return this.#reconnects;
  }

  /** One command to the owner; a MOVED reply is followed once. Throws LinkError. */
  call(args: readonly Arg[]): Reply {
    return this.pipeline([args])[0]!;
  }

  /**
   * A command naming no key (SCAN, PING) to the slot's owner. Alone it would run on
   * whichever node the link is on, which after a migration is the old owner: a SCAN
   * there finds none of the device's keys. In a Cluster it goes behind an EXISTS of the
   * device's key, whose MOVED (if the slot moved) takes both to the new owner.
   */
  callKeyless(args: readonly Arg[]): Reply {
    if (!this.#cluster) return this.call(args);
    return this.pipeline([['EXISTS', this.#key], args])[1]!;
  }

  /** Commands to the owner in one write; MOVED is followed once. Throws LinkError. */
  pipeline(commands: readonly (readonly Arg[])[]): Reply[] {
    let replies = this.#send(commands);
    const moved = movedTo(replies);
    if (moved !== null) {
      this.#switchTo(moved);
      replies = this.#send(commands);
    }
    return replies;
  }

  close(): void {
    this.#conn?.close();
    this.#conn = null;
  }

  #send(commands: readonly (readonly Arg[])[]): Reply[] {
    const conn = this.#connected();
    try {
      return conn.pipeline(commands);
    } catch (e) {
      this.#conn = null; // a broken connection closes itself
      this.#lost = true;
      this.#lastError = (e as Error).message;
      throw new LinkError((e as Error).message);
    }
  }

  #connected(): RespConnection {
    if (this.#conn !== null && !this.#conn.closed) return this.#conn;
    if (this.#conn !== null) this.#lost = true; // closed itself on an error
    const now = performance.now();
    if (now < this.#retryAt) {
      throw new LinkError(
        `not connected (${this.#lastError}); trying again in ${Math.ceil(this.#retryAt - now)} ms`,
      );
    }
    try {
      let conn: RespConnection;
      if (!this.#cluster) {
        conn = RespConnection.open(this.#owner.host, this.#owner.port, this.#setup);
      } else if (!this.#everConnected) {
        conn = this.#locate();
      } else {
        try {
          conn = RespConnection.open(this.#owner.host, this.#owner.port, this.#setup);
        } catch {
          // The owner may be gone for good (a failover): find the slot's master now.
          conn = this.#locate();
        }
      }
      // Following MOVED opens a connection too, but nothing was lost.
      if (this.#everConnected && this.#lost) this.#reconnects++;
      this.#everConnected = true;
      this.#lost = false;
      this.#conn = conn;
      this.#backoffMs = FIRST_BACKOFF_MS;
      this.#retryAt = 0;
      return conn;
    } catch (e) {
      this.#lastError = (e as Error).message;
      this.#retryAt = performance.now() + this.#backoffMs;
      this.#backoffMs = Math.min(this.#backoffMs * 2, MAX_BACKOFF_MS);
      throw new LinkError(this.#lastError);
    }
  }

  #switchTo(node: NodeAddress): void {
    this.close();
    this.#owner = node;
    this.#learn(node);
  }

  #learn(node: NodeAddress): void {
    if (!this.#known.some((k) => k.host === node.host && k.port === node.port)) {
      this.#known.push(node);
    }
  }

  /**
   * Connects to the master of the device's slot and makes it #owner. Each known node in
   * turn is asked for its slot map (and its node list, to learn replicas that may take
   * over later); the master it names is tried at once, and if that fails the next node
   * is asked: after a failover, nodes that have not heard of it yet still name the old
   * master, while the promoted replica names itself.
   */
  #locate(): RespConnection {
    const why: string[] = [];
    for (let k = 0; k < this.#known.length; k++) {
      const node = this.#known[k]!;
      let answer: Reply[];
      try {
        const conn = RespConnection.open(node.host, node.port, this.#setup);
        try {
          answer = conn.pipeline([
            ['CLUSTER', 'KEYSLOT', this.#key],
            ['CLUSTER', 'SLOTS'],
            ['CLUSTER', 'NODES'],
          ]);
        } finally {
          conn.close();
        }
      } catch (e) {
        why.push((e as Error).message);
        continue;
      }
      const [slot, map, nodes] = answer;
      const refused = [slot, map, nodes].find((r) => r instanceof ErrorReply) as
        | ErrorReply
        | undefined;
      if (refused !== undefined) {
        why.push(`${node.host}:${node.port}: ${refused.text}`);
        continue;
      }
      this.#learnNodes(replyText(nodes), node);
      const owner = this.#ownerIn(map ?? null, slot as number, node);
      if (owner === null) {
        why.push(`${node.host}:${node.port}: no master serves slot ${slot as number}`);
        continue;
      }
      try {
        const conn = RespConnection.open(owner.host, owner.port, this.#setup);
        this.#owner = owner;
        return conn;
      } catch (e) {
        why.push(
          `${node.host}:${node.port} names ${owner.host}:${owner.port}: ${(e as Error).message}`,
        );
      }
    }
    throw new LinkError(`no Cluster node leads to the device's slot: ${why.join('; ')}`);
  }

  /** Learns the addresses in a CLUSTER NODES answer (`<id> <ip>:<port>@<cport> <flags> ...`). */
  #learnNodes(list: string, asked: NodeAddress): void {
    for (const line of list.split('\n')) {
      const addr = line.split(' ')[1];
      if (addr === undefined || line.includes('noaddr') || line.includes('handshake')) continue;
      const node = hostPortOf(addr.split('@')[0]!);
      if (node === null) continue;
      this.#learn({ host: node.host === '' ? asked.host : node.host, port: node.port });
    }
  }

  /** The master for `slot` in a CLUSTER SLOTS reply; learns every node it names. */
  #ownerIn(map: Reply, slot: number, asked: NodeAddress): NodeAddress | null {
    if (!Array.isArray(map)) return null;
    let owner: NodeAddress | null = null;
    for (const range of map as readonly Reply[][]) {
      for (let i = 2; i < range.length; i++) {
        const entry = range[i] as readonly Reply[];
        const host = replyText(entry[0]);
        // An empty or unknown address means "the node you asked".
        const node = {
          host: host === '' || host === '?' ? asked.host : host,
          port: entry[1] as number,
        };
        this.#learn(node);
        if (i === 2 && slot >= (range[0] as number) && slot <= (range[1] as number)) owner = node;
      }
    }
    return owner;
  }
}

/** `host:port` (an IPv6 host in brackets or not) as an address, or null if malformed. */
function hostPortOf(text: string): NodeAddress | null {
  const colon = text.lastIndexOf(':');
  const port = Number(text.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port) || port <= 0) return null;
  return { host: text.slice(0, colon).replace(/^\[|\]$/g, ''), port };
}

/** `MOVED <slot> <host>:<port>` in any of the replies: the node named. */
function movedTo(replies: readonly Reply[]): NodeAddress | null {
  for (const r of replies) {
    if (!(r instanceof ErrorReply) || !r.text.startsWith('MOVED ')) continue;
    const target = hostPortOf(r.text.split(' ')[2] ?? '');
    if (target !== null) return target;
  }
  return null;
}
