/**
 * DeviceLock: a device owns its namespace while open, so two stacks cannot write the
 * same device. The lock is the key `tierswap:{<device>}:lock` set with SET NX PX and a
 * random token; it expires `ttlMs` after its owner stops renewing it, so a crashed
 * process does not hold a device for ever.
 *
 * Renewal runs every third of the TTL, from two places because the device's calls are
 * synchronous: before a device call once it is due (a long synchronous run never yields
 * to timers), and from an unref'd timer while the process is idle (a swap tier sits idle
 * for minutes). A renewal that finds the key gone (a server restarted without
 * persistence) takes it again; one that finds another token marks the lock lost, and
 * the device refuses every call after that. A renewal that cannot reach the server is
 * tried again at the next one; if the outage outlasts the TTL, another opener may take
 * the device, which the first renewal after it then sees.
 */
import type { OwnerLink } from './ownerLink.js';
import { ErrorReply } from './respConnection.js';

/** Renews the lock if it is ours (1), takes it again if it vanished (2), else 0. */
const RENEW = `local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 2 end
return 0`;
/** Deletes the lock only if it holds our token. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export class DeviceLock {
  readonly key: string;
  readonly #link: OwnerLink;
  readonly #token: string;
  readonly #ttlMs: number;
  #due = 0;
  #lost = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(link: OwnerLink, key: string, token: string, ttlMs: number) {
    this.#link = link;
    this.key = key;
    this.#token = token;
    this.#ttlMs = ttlMs;
  }

  /** Another opener holds the lock now. */
  get lost(): boolean {
    return this.#lost;
  }

  /** Takes the lock: true, or false if another opener holds it. Throws if the server refuses. */
  take(): boolean {
    const r = this.#link.call(['SET', this.key, this.#token, 'PX', String(this.#ttlMs), 'NX']);
    if (r === null) return false; // NX: the key exists
    if (r !== 'OK') {
      throw new Error(
        `SET ${this.key} NX: ${r instanceof ErrorReply ? r.text : 'unexpected reply'}`,
      );
    }
    this.#due = performance.now() + this.#period();
    this.#timer = setInterval(() => this.renew(), this.#period());
    this.#timer.unref();
    return true;
  }

  /** Renews if a third of the TTL has passed since the last renewal. */
  renewIfDue(): void {
    if (performance.now() >= this.#due) this.renew();
  }

  renew(): void {
    if (this.#lost) return;
    this.#due = performance.now() + this.#period();
    try {
      const r = this.#link.call(['EVAL', RENEW, '1', this.key, this.#token, String(this.#ttlMs)]);
      if (r === 0) this.#lost = true;
    } catch {
      // Unreachable now: the device's own call reports that; the next renewal tries again.
    }
  }

  /** Stops renewing and deletes the lock if it still holds our token. Throws LinkError. */
  release(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#link.call(['EVAL', RELEASE, '1', this.key, this.#token]);
  }

  #period(): number {
    return Math.max(10, Math.floor(this.#ttlMs / 3));
  }
}
