/**
 * An LZ4 *block* decoder in WebAssembly, assembled at runtime by wasmEmitter.ts.
 *
 * Why: lz4-napi's uncompressSync costs ~2.6 us per call before any work (it allocates a
 * Buffer per result) and the TypeScript decoder (lz4Block.ts) pays ~15-20 ns per
 * sequence in JIT code. A wasm decoder runs the same token walk as straight machine
 * code with 8-byte loads and stores, allocation-free: the compressed block is copied
 * into wasm memory with one `Uint8Array.set`, decoded there, and the page copied out
 * with one more (a 4 KiB `set` costs ~0.1 us).
 *
 * Format: as lz4Block.ts (lz4-napi = lz4_flex `compress_prepend_size`: u32 LE size,
 * then one raw LZ4 block). The wasm function `decode(src, srcEnd, dst, dstEnd)` works on
 * wasm addresses and returns the decoded length or -1:
 * - fast path for a short sequence (literals < 15, match < 19) with 16 bytes of room
 *   left in the source and 38 in the destination: 16 literal bytes copied wild (two
 *   i64), then, when offset >= 8, 24 match bytes copied wild (each 8-byte chunk reads
 *   only bytes already written because offset >= 8); offsets 1-7 byte by byte. (A
 *   branch on match length > 16, or v128 copies, measured no faster);
 * - longer literal runs and matches copy 8 bytes at a time, wild (overshooting by up
 *   to 7 bytes) when that much room is left, exactly otherwise;
 * - every length and offset outside the fast path is checked before use; matches move
 *   8 bytes at a time only when offset >= 8, `memory.copy` serves runs of 32+ bytes
 *   that do not overlap, `memory.fill` a long run of offset 1.
 * Bounds: writes stay inside [dst, dstEnd) and reads inside [src, srcEnd) or
 * [dst, dp); a malformed block returns -1. The explicit checks make a trap impossible
 * in principle; the call is still wrapped so a trap would read as corrupt input.
 *
 * Wasm memory layout: [0, 64) guard, output region at OUT_BASE (capacity grows with
 * the largest room asked for), 64 guard bytes, then the input region. Memory grows
 * (and the layout is recomputed) only when a call needs more; the views over it are
 * refreshed then, because growing detaches the old ArrayBuffer.
 */

import { isBlockRange } from './byteRange.js';
import { LZ4_PREFIX_BYTES, readLz4Prefix } from './lz4Block.js';
import { emitModule, FunctionBuilder, I32, OP } from './wasmEmitter.js';
import { type WasmMemory, type WasmModule, wasm } from './wasmRuntime.js';

/** Where the output region starts in wasm memory (bytes before it are a guard). */
export const LZ4_WASM_OUT_BASE = 64;
const GUARD = 64;
const WASM_PAGE = 65536;
/** Largest output or input region (addresses stay below 2^31). */
const MAX_REGION = 2 ** 29;
/** Fast-path room: 16 bytes readable after a token; 14 + 24 writable after dp. */
const SRC_ROOM = 16;
const DST_ROOM = 38;
/** Runs at least this long use memory.copy / memory.fill. */
const LONG_RUN = 32;

/** Emit the decoder function. */
function buildDecode(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32], [I32]);
  const src = 0;
  const srcEnd = 1;
  const dstStart = 2;
  const dstEnd = 3;
  const sp = f.local();
  const dp = f.local();
  const token = f.local();
  const lit = f.local();
  const mlen = f.local();
  const off = f.local();
  const from = f.local();
  const b = f.local();
  const end = f.local();
  const srcSafe = f.local();
  const dstSafe = f.local();

  const add = (x: number, n: number): void => {
    f.get(x).i32(n).op(OP.i32Add).set(x);
  };
  /** dp -> end from `from`, forward, 8 bytes at a time then bytes (needs from <= dp - 8 or no overlap). */
  const copy8 = (): void => {
    f.block((done) => {
      f.loop((again) => {
        f.get(dp).i32(8).op(OP.i32Add).get(end).op(OP.i32GtS).brIf(done);
        f.get(dp).get(from).load64().store64();
        add(dp, 8);
        add(from, 8);
        f.br(again);
      });
    });
    copy1();
  };
  /** dp -> end from `from`, byte by byte (repeats the pattern when overlapping). */
  const copy1 = (): void => {
    f.block((done) => {
      f.loop((again) => {
        f.get(dp).get(end).op(OP.i32GeS).brIf(done);
        f.get(dp).get(from).load8u().store8();
        add(dp, 1);
        add(from, 1);
        f.br(again);
      });
    });
  };
  /**
   * dp -> end from `from` in 8-byte chunks that may overshoot `end` by up to 7 bytes
   * (callers check that room), then dp = end.
   */
  const wild8 = (): void => {
    f.loop((again) => {
      f.get(dp).get(from).load64().store64();
      add(dp, 8);
      add(from, 8);
      f.get(dp).get(end).op(OP.i32LtS).brIf(again);
    });
    f.get(end).set(dp);
  };
  /** A 255-run length extension onto local `x`; fails when the source ends. */
  const extend = (x: number, fail: { depth: number }): void => {
    f.loop((again) => {
      f.get(sp).get(srcEnd).op(OP.i32GeS).brIf(fail);
      f.get(sp).load8u().tee(b).get(x).op(OP.i32Add).set(x);
      add(sp, 1);
      f.get(b).i32(255).op(OP.i32Eq).brIf(again);
    });
  };
  /** off = u16 at sp; sp += 2; fail when off is 0 or reaches before dstStart. */
  const readOffset = (fail: { depth: number }): void => {
    f.get(sp).load16u().set(off);
    add(sp, 2);
    f.get(off).op(OP.i32Eqz);
    f.get(off).get(dp).get(dstStart).op(OP.i32Sub).op(OP.i32GtU);
    f.op(OP.i32Or).brIf(fail);
    f.get(dp).get(off).op(OP.i32Sub).set(from);
  };

  f.get(src).set(sp);
  f.get(dstStart).set(dp);
  f.get(srcEnd).i32(SRC_ROOM).op(OP.i32Sub).set(srcSafe);
  f.get(dstEnd).i32(DST_ROOM).op(OP.i32Sub).set(dstSafe);
  f.block((fail) => {
    f.loop((main) => {
      f.get(sp).get(srcEnd).op(OP.i32GeS).brIf(fail);
      f.get(sp).load8u().tee(token).i32(4).op(OP.i32ShrU).set(lit);
      f.get(token).i32(15).op(OP.i32And).i32(4).op(OP.i32Add).set(mlen);
      add(sp, 1);

      // ---------------------------------------------------------- fast path
      f.get(lit).i32(15).op(OP.i32LtS);
      f.get(mlen).i32(19).op(OP.i32LtS).op(OP.i32And);
      f.get(sp).get(srcSafe).op(OP.i32LeS).op(OP.i32And);
      f.get(dp).get(dstSafe).op(OP.i32LeS).op(OP.i32And);
      f.if(() => {
        f.get(dp).get(sp).load64().store64();
        f.get(dp).get(sp).load64(8).store64(8);
        f.get(sp).get(lit).op(OP.i32Add).set(sp);
        f.get(dp).get(lit).op(OP.i32Add).set(dp);
        readOffset(fail);
        f.get(off).i32(8).op(OP.i32GeS);
        f.if(
          () => {
            f.get(dp).get(from).load64().store64();
            f.get(dp).get(from).load64(8).store64(8);
            f.get(dp).get(from).load64(16).store64(16);
            f.get(dp).get(mlen).op(OP.i32Add).set(dp);
          },
          () => {
            f.get(dp).get(mlen).op(OP.i32Add).set(end);
            copy1();
          },
        );
        f.br(main);
      });

      // ---------------------------------------------------------- literals
      f.get(lit).i32(15).op(OP.i32Eq);
      f.if(() => extend(lit, fail));
      f.get(lit).get(srcEnd).get(sp).op(OP.i32Sub).op(OP.i32GtS);
      f.get(lit).get(dstEnd).get(dp).op(OP.i32Sub).op(OP.i32GtS);
      f.op(OP.i32Or).brIf(fail);
      f.get(dp).get(lit).op(OP.i32Add).set(end);
      f.get(lit).i32(LONG_RUN).op(OP.i32GeS);
      f.if(
        () => {
          f.get(dp).get(sp).get(lit).memoryCopy();
          f.get(end).set(dp);
        },
        () => {
          f.get(sp).set(from);
          f.get(end).get(dstEnd).i32(8).op(OP.i32Sub).op(OP.i32LeS);
          f.get(sp).get(lit).op(OP.i32Add).get(srcEnd).i32(8).op(OP.i32Sub).op(OP.i32LeS);
          f.op(OP.i32And);
          f.if(
            () => wild8(),
            () => copy8(),
          );
        },
      );
      f.get(sp).get(lit).op(OP.i32Add).tee(sp);
      f.get(srcEnd).op(OP.i32Eq);
      f.if(() => {
        f.get(dp).get(dstStart).op(OP.i32Sub).return(); // last sequence: literals only
      });

      // ---------------------------------------------------------- match
      f.get(srcEnd).get(sp).op(OP.i32Sub).i32(2).op(OP.i32LtS).brIf(fail);
      readOffset(fail);
      f.get(mlen).i32(19).op(OP.i32Eq);
      f.if(() => extend(mlen, fail));
      f.get(mlen).get(dstEnd).get(dp).op(OP.i32Sub).op(OP.i32GtS).brIf(fail);
      f.get(dp).get(mlen).op(OP.i32Add).set(end);
      f.get(off).i32(8).op(OP.i32GeS);
      f.if(
        () => {
          f.get(off).get(mlen).op(OP.i32GeS);
          f.get(mlen).i32(LONG_RUN).op(OP.i32GeS).op(OP.i32And);
          f.if(
            () => {
              f.get(dp).get(from).get(mlen).memoryCopy();
              f.get(end).set(dp);
            },
            () => {
              f.get(end).get(dstEnd).i32(8).op(OP.i32Sub).op(OP.i32LeS);
              f.if(
                () => wild8(),
                () => copy8(),
              );
            },
          );
        },
        () => {
          f.get(off).i32(1).op(OP.i32Eq);
          f.get(mlen).i32(LONG_RUN).op(OP.i32GeS).op(OP.i32And);
          f.if(
            () => {
              f.get(dp).get(from).load8u().get(mlen).memoryFill();
              f.get(end).set(dp);
            },
            () => copy1(),
          );
        },
      );
      f.br(main);
    });
  });
  f.i32(-1);
  return f;
}

let cachedModule: WasmModule | undefined;

/** The compiled module (emitted and compiled once per process). */
export function lz4WasmModule(): WasmModule {
  cachedModule ??= new wasm.Module(emitModule([{ name: 'decode', fn: buildDecode() }], 1));
  return cachedModule;
}

type DecodeFn = (src: number, srcEnd: number, dst: number, dstEnd: number) => number;

/**
 * One decoder instance: its own wasm memory, not shareable between concurrent callers
 * (all calls are synchronous, so one per codec is enough).
 */
export class Lz4WasmDecoder {
  readonly #memory: WasmMemory;
  readonly #decode: DecodeFn;
  #bytes: Uint8Array;
  #outCap = 0;
  #inBase = 0;
  #inCap = 0;
  /** View of the output region for the page size last decoded (reused, no allocation). */
  #outView: Uint8Array;

  constructor(pageSize = 4096) {
    const instance = new wasm.Instance(lz4WasmModule(), {});
    const memory = instance.exports.memory;
    const decode = instance.exports.decode;
    if (!(memory instanceof wasm.Memory) || typeof decode !== 'function') {
      throw new Error('@tierswap/compress/lz4Wasm: module exports are missing');
    }
    this.#memory = memory;
    this.#decode = decode as DecodeFn;
    this.#bytes = new Uint8Array(memory.buffer);
    this.#outView = this.#bytes.subarray(0, 0);
    if (!this.#ensure(pageSize, pageSize + (pageSize >>> 7) + 64)) {
      throw new RangeError(`@tierswap/compress/lz4Wasm.constructor: page size ${pageSize}`);
    }
  }

  /** The whole wasm memory (tests check the guard bytes around the output region). */
  get memoryBytes(): Uint8Array {
    return this.#bytes;
  }

  /** Where the input region starts in wasm memory (tests check the bytes before it). */
  get inputBase(): number {
    return this.#inBase;
  }

  /**
   * Make room for an output of `room` bytes and an input of `srcLen` bytes; false when
   * that is more than MAX_REGION each (the wasm code compares addresses as signed i32)
   * or the memory cannot grow.
   */
  #ensure(room: number, srcLen: number): boolean {
    if (room <= this.#outCap && srcLen <= this.#inCap) return true;
    if (room > MAX_REGION || srcLen > MAX_REGION) return false;
    const outCap = Math.max(this.#outCap, Math.ceil(room / 64) * 64);
    const inBase = LZ4_WASM_OUT_BASE + outCap + GUARD;
    const need = inBase + Math.max(this.#inCap, srcLen) + GUARD;
    const have = this.#memory.buffer.byteLength;
    if (need > have) {
      try {
        this.#memory.grow(Math.ceil((need - have) / WASM_PAGE));
      } catch {
        return false;
      }
    }
    this.#bytes = new Uint8Array(this.#memory.buffer);
    this.#outCap = outCap;
    this.#inBase = inBase;
    this.#inCap = this.#bytes.length - GUARD - inBase;
    this.#outView = this.#bytes.subarray(
      LZ4_WASM_OUT_BASE,
      LZ4_WASM_OUT_BASE + this.#outView.length,
    );
    return true;
  }

  /** Run the wasm decoder on an input already in place; -1 on corrupt input or a trap. */
  #run(srcLen: number, room: number): number {
    try {
      return this.#decode(
        this.#inBase,
        this.#inBase + srcLen,
        LZ4_WASM_OUT_BASE,
        LZ4_WASM_OUT_BASE + room,
      );
    } catch {
      return -1;
    }
  }

  /**
   * Same contract as lz4DecodeBlock: decode `src[srcStart, srcEnd)` into
   * `dst[dstStart, dstEnd)`; the decoded length, or -1 (then `dst` is untouched).
   */
  decodeBlock(
    src: Uint8Array,
    srcStart: number,
    srcEnd: number,
    dst: Uint8Array,
    dstStart: number,
    dstEnd: number,
  ): number {
    if (!isBlockRange(src, srcStart, srcEnd, dst, dstStart, dstEnd)) return -1;
    const len = srcEnd - srcStart;
    const room = dstEnd - dstStart;
    if (!this.#ensure(room, len)) return -1;
    this.#bytes.set(src.subarray(srcStart, srcEnd), this.#inBase);
    const n = this.#run(len, room);
    if (n < 0) return -1;
    dst.set(this.#bytes.subarray(LZ4_WASM_OUT_BASE, LZ4_WASM_OUT_BASE + n), dstStart);
    return n;
  }

  /**
   * Same contract as lz4DecodePrefixed (lz4-napi's `[u32 LE size][block]`): the size
   * read, then decodeExact. -1 leaves `dst` untouched.
   */
  decodePrefixed(
    src: Uint8Array,
    srcStart: number,
    srcEnd: number,
    dst: Uint8Array,
    dstStart: number,
    expectedSize: number,
  ): number {
    if (
      !Number.isInteger(srcStart) ||
      !Number.isInteger(srcEnd) ||
      srcStart < 0 ||
      srcEnd > src.length ||
      srcEnd - srcStart < LZ4_PREFIX_BYTES + 1
    ) {
      return -1;
    }
    const size = readLz4Prefix(src, srcStart);
    if (size !== expectedSize) return -1;
    return this.decodeExact(src, srcStart + LZ4_PREFIX_BYTES, srcEnd, dst, dstStart, size);
  }

  /**
   * One raw LZ4 block at `src[srcStart, srcEnd)` that must decode to exactly `size`
   * bytes, into `dst[dstStart, dstStart + size)`: the codec's hot path, no allocation
   * but the one subarray of the input. `size`, or -1 with `dst` untouched.
   */
  decodeExact(
    src: Uint8Array,
    srcStart: number,
    srcEnd: number,
    dst: Uint8Array,
    dstStart: number,
    size: number,
  ): number {
    if (!isBlockRange(src, srcStart, srcEnd, dst, dstStart, dstStart + size)) return -1;
    const len = srcEnd - srcStart;
    // Every 3+ block bytes decode to 4+ bytes (a 255 extension byte to 255), so no
    // valid block of `size` bytes is this long; refusing it keeps the memory bounded.
    if (len > 2 * size + 64) return -1;
    if (!this.#ensure(size, len)) return -1;
    this.#bytes.set(src.subarray(srcStart, srcEnd), this.#inBase);
    if (this.#run(len, size) !== size) return -1;
    if (this.#outView.length !== size) {
      this.#outView = this.#bytes.subarray(LZ4_WASM_OUT_BASE, LZ4_WASM_OUT_BASE + size);
    }
    dst.set(this.#outView, dstStart);
    return size;
  }
}
