/**
 * PoolTunables: the settings of a ZswapPool, the root of its classes (ZswapPool
 * extends PoolStats extends PoolTunables): zswap's module parameters (compressor,
 * max_pool_percent, accept_threshold_percent, shrinker_enabled, the poor threshold),
 * this package's study modes (incompressible, rawRetrySeconds, proactiveCursor), the
 * codec raw entries are retried with, and the pool limits they give in bytes.
 *
 * Why a base class: the pool stays one object with one API, and these methods are
 * written once, here (as a field they would each need a forwarding method in
 * ZswapPool). Why shared objects: the store path reads the tunables on every call,
 * and ZswapPool keeps its own references to the same Tunables object and CodecSlots,
 * so a store reads them as it did when they lived in one class, with no extra object
 * or call in between. Hence the Tunables object is changed in place, never replaced:
 * setTunables checks the whole new set first (checkTunables throws before anything is
 * applied) and only then copies it over, so a refused call still applies none of it.
 */

import type { Codec } from '@tierswap/compress';
import type { CodecSlots } from './codecSlots.js';
import { checkCodec, checkTunables, type Tunables } from './poolOptions.js';
import type { ZswapTunables } from './types.js';
import { ZswapError } from './zswapError.js';

export class PoolTunables {
  readonly pageSize: number;
  /** The object ZswapPool's store path reads: updated in place, never replaced. */
  readonly #tun: { -readonly [K in keyof Tunables]: Tunables[K] };
  readonly #codecs: CodecSlots;
  #retryCodec: Codec | undefined;

  /** From ZswapPool's constructor: `tun` (checked) and `codecs` are what its store path reads. */
  constructor(pageSize: number, tun: Tunables, codecs: CodecSlots, retryCodec: Codec | undefined) {
    this.pageSize = pageSize;
    this.#tun = tun;
    this.#codecs = codecs;
    this.#retryCodec = retryCodec;
  }

  /** zswap.compressor: new stores use `codec`; existing entries keep theirs. */
  setCompressor(codec: Codec): void {
    checkCodec(codec, 'pool.setCompressor');
    if (codec.pageSize !== this.pageSize) {
      throw new ZswapError(
        'INVALID_ARGUMENT',
        'pool.setCompressor',
        `codec page size ${codec.pageSize} != pool page size ${this.pageSize}`,
      );
    }
    this.#codecs.switchTo(codec);
  }

  get compressor(): Codec {
    return this.#codecs.codec(this.#codecs.current);
  }

  /**
   * Set zswap.max_pool_percent / accept_threshold_percent / RAM size / poor threshold /
   * shrinker_enabled. All or nothing: a refused call applies none of them.
   */
  setTunables(t: ZswapTunables): void {
    Object.assign(this.#tun, checkTunables(this.#tun, t, this.pageSize, 'pool.setTunables'));
  }

  /** The tunables now (what setTunables last applied, over the options and defaults). */
  tunables(): Required<ZswapTunables> {
    const { maxPoolBytes: _a, acceptBytes: _b, ...t } = this.#tun;
    return t;
  }

  /** The codec 'retry' mode recompresses raw entries with (undefined: the current compressor). */
  setRetryCodec(codec: Codec | undefined): void {
    if (codec !== undefined) {
      checkCodec(codec, 'pool.setRetryCodec');
      if (codec.pageSize !== this.pageSize) {
        throw new ZswapError(
          'INVALID_ARGUMENT',
          'pool.setRetryCodec',
          `codec page size ${codec.pageSize} != pool page size ${this.pageSize}`,
        );
      }
    }
    this.#retryCodec = codec;
  }

  /** The codec raw entries are retried with. */
  get retryCodec(): Codec {
    return this.#retryCodec ?? this.compressor;
  }

  /** Maximum pool footprint in bytes (max_pool_percent of RAM). */
  get maxPoolBytes(): number {
    return this.#tun.maxPoolBytes;
  }

  /** Footprint below which stores are accepted again after the limit was hit. */
  get acceptThresholdBytes(): number {
    return this.#tun.acceptBytes;
  }
}
