/**
 * An LZ4 *block* encoder in WebAssembly, assembled at runtime by wasmEmitter.ts.
 *
 * Why: lz4-napi's compressSync costs ~1.8 us per call before any work (it allocates a
 * Buffer per result) and its lz4_flex core is slower than C lz4. This is the C
 * library's fast mode (LZ4_compress_fast, acceleration 1, inputs below 64 KiB: the
 * `byU16` table) written as wasm instructions, so its output and ratio are lz4's:
 * - a hash table of 8192 u16 positions (16 KiB, reset with `memory.fill` per call),
 *   hash = (4 bytes * 2654435761) >>> 19; MINMATCH 4;
 * - the search steps 1 byte at a time, then one more for every 64 misses (lz4's skip
 *   trigger); a candidate is taken when its 4 bytes equal the current ones, then
 *   extended backwards over the pending literals;
 * - match length counted 8 bytes at a time (i64 xor + ctz), then byte by byte; a match
 *   ends at least 5 bytes before the input end, and none starts in the last 12 bytes
 *   (those rules make every block decodable by every LZ4 decoder);
 * - after a match, position end-2 is hashed and the position at the end tried at once
 *   (lz4's "test next position"), so runs of matches cost no search.
 * Output: the standard LZ4 block (token, literal length 255-runs, literals, u16 LE
 * offset, match length 255-runs, last literals), what the codec stores; or, from
 * compressPrefixed, the same after lz4-napi's u32 LE size prefix, which lz4-napi's
 * uncompressSync reads.
 *
 * Wasm memory layout (fixed, 3 pages, inputs up to 65536 bytes so positions fit u16):
 * [0, 16384) hash table, [IN_BASE, IN_BASE + 65536) input, a 64-byte guard, then the
 * output region (the compress bound n + n/255 + 16, the prefix and 8 bytes of slack for
 * wild literal copies). A call copies the input in with one `Uint8Array.set` and
 * returns a view of the output region: scratch memory valid until the next call, as
 * `Codec.compressSync` allows.
 */

import { LZ4_PREFIX_BYTES, writeLz4Prefix } from './lz4Block.js';
import { emitModule, FunctionBuilder, I32, I64, OP } from './wasmEmitter.js';
import { type WasmModule, wasm } from './wasmRuntime.js';

/** Largest input the encoder takes (positions are stored as u16). */
export const LZ4_WASM_ENCODER_MAX_INPUT = 65536;
const HASH_LOG = 13;
const TABLE_BYTES = 2 << HASH_LOG;
const IN_BASE = TABLE_BYTES;
const OUT_BASE = IN_BASE + LZ4_WASM_ENCODER_MAX_INPUT + 64;
const MAX_BOUND = LZ4_WASM_ENCODER_MAX_INPUT + Math.floor(LZ4_WASM_ENCODER_MAX_INPUT / 255) + 16;
const MEMORY_PAGES = Math.ceil((OUT_BASE + LZ4_PREFIX_BYTES + MAX_BOUND + 64) / 65536);
const MIN_LENGTH = 13;
const MFLIMIT = 12;
const LAST_LITERALS = 5;
/** 2654435761 as a signed i32. */
const PRIME = 2654435761 - 2 ** 32;
/** Literal runs at least this long use memory.copy. */
const LONG_RUN = 32;

/** Emit `compress(src, srcEnd, dst) -> block length`. */
function buildCompress(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32], [I32]);
  const src = 0;
  const srcEnd = 1;
  const dst = 2;
  const ip = f.local();
  const anchor = f.local();
  const mflimitP1 = f.local();
  const matchLimit = f.local();
  const op = f.local();
  const token = f.local();
  const h = f.local();
  const fwdH = f.local();
  const fwdIp = f.local();
  const step = f.local();
  const searchNb = f.local();
  const match = f.local();
  const len = f.local();
  const from = f.local();
  const end = f.local();
  const diff = f.local(I64);

  const add = (x: number, n: number): void => {
    f.get(x).i32(n).op(OP.i32Add).set(x);
  };
  /** Push the hash-table byte address of the 4 bytes at the address on the stack. */
  const hashOf = (): void => {
    f.load32()
      .i32(PRIME)
      .op(OP.i32Mul)
      .i32(32 - HASH_LOG)
      .op(OP.i32ShrU)
      .i32(1)
      .op(OP.i32Shl);
  };
  /** Write `len` (already reduced by 15) as 255-runs and a final byte at op. */
  const lengthBytes = (): void => {
    f.block((done) => {
      f.loop((again) => {
        f.get(len).i32(255).op(OP.i32LtU).brIf(done);
        f.get(op).i32(255).store8();
        add(op, 1);
        f.get(len).i32(255).op(OP.i32Sub).set(len);
        f.br(again);
      });
    });
    f.get(op).get(len).store8();
    add(op, 1);
  };
  /** The last literals from anchor to srcEnd, then return the block length. */
  const lastLiterals = (): void => {
    f.get(srcEnd).get(anchor).op(OP.i32Sub).set(len);
    f.get(len).i32(15).op(OP.i32GeU);
    f.if(
      () => {
        f.get(op).i32(0xf0).store8();
        add(op, 1);
        f.get(len).i32(15).op(OP.i32Sub).set(len);
        lengthBytes();
      },
      () => {
        f.get(op).get(len).i32(4).op(OP.i32Shl).store8();
        add(op, 1);
      },
    );
    f.get(srcEnd).get(anchor).op(OP.i32Sub).set(len);
    f.get(op).get(anchor).get(len).memoryCopy();
    f.get(op).get(len).op(OP.i32Add).get(dst).op(OP.i32Sub);
  };

  f.get(src).set(anchor);
  f.get(dst).set(op);
  f.block((last) => {
    f.get(srcEnd).get(src).op(OP.i32Sub).i32(MIN_LENGTH).op(OP.i32LtS).brIf(last);
    f.i32(0).i32(0).i32(TABLE_BYTES).memoryFill();
    f.get(srcEnd)
      .i32(MFLIMIT - 1)
      .op(OP.i32Sub)
      .set(mflimitP1);
    f.get(srcEnd).i32(LAST_LITERALS).op(OP.i32Sub).set(matchLimit);
    // position 0 goes in the table (the table is zero, so this is implicit); search from 1
    f.get(src).i32(1).op(OP.i32Add).tee(ip);
    hashOf();
    f.set(fwdH);
    f.loop((outer) => {
      // ------------------------------------------------------------ search
      f.get(ip).set(fwdIp);
      f.i32(1).set(step);
      f.i32(64).set(searchNb);
      f.block((found) => {
        f.loop((search) => {
          f.get(fwdH).set(h);
          f.get(fwdIp).set(ip);
          f.get(fwdIp).get(step).op(OP.i32Add).set(fwdIp);
          f.get(searchNb).i32(6).op(OP.i32ShrU).set(step);
          add(searchNb, 1);
          f.get(fwdIp).get(mflimitP1).op(OP.i32GtU).brIf(last);
          f.get(src).get(h).load16u().op(OP.i32Add).set(match);
          f.get(fwdIp);
          hashOf();
          f.set(fwdH);
          f.get(h).get(ip).get(src).op(OP.i32Sub).store16();
          f.get(match).load32().get(ip).load32().op(OP.i32Eq).brIf(found);
          f.br(search);
        });
      });
      // ------------------------------------------------------------ catch up
      f.block((done) => {
        f.loop((back) => {
          f.get(ip).get(anchor).op(OP.i32LeU).brIf(done);
          f.get(match).get(src).op(OP.i32LeU).brIf(done);
          f.get(ip).i32(1).op(OP.i32Sub).load8u();
          f.get(match).i32(1).op(OP.i32Sub).load8u();
          f.op(OP.i32Ne).brIf(done);
          add(ip, -1);
          add(match, -1);
          f.br(back);
        });
      });
      // ------------------------------------------------------------ literals
      f.get(ip).get(anchor).op(OP.i32Sub).set(len);
      f.get(op).set(token);
      add(op, 1);
      f.get(len).i32(15).op(OP.i32GeU);
      f.if(
        () => {
          f.get(token).i32(0xf0).store8();
          f.get(len).i32(15).op(OP.i32Sub).set(len);
          lengthBytes();
        },
        () => {
          f.get(token).get(len).i32(4).op(OP.i32Shl).store8();
        },
      );
      f.get(ip).get(anchor).op(OP.i32Sub).set(len);
      f.get(op).get(len).op(OP.i32Add).set(end);
      f.get(len).i32(LONG_RUN).op(OP.i32GeU);
      f.if(
        () => {
          f.get(op).get(anchor).get(len).memoryCopy();
        },
        () => {
          // wild: up to 7 bytes past the literals, read below ip and written into slack
          f.get(anchor).set(from);
          f.loop((again) => {
            f.get(op).get(from).load64().store64();
            add(op, 8);
            add(from, 8);
            f.get(op).get(end).op(OP.i32LtU).brIf(again);
          });
        },
      );
      f.get(end).set(op);
      // ------------------------------------------------------------ matches
      f.loop((nextMatch) => {
        f.get(op).get(ip).get(match).op(OP.i32Sub).store16();
        add(op, 2);
        f.get(ip).i32(4).op(OP.i32Add).set(from); // scan pointer
        f.get(match).i32(4).op(OP.i32Add).set(match);
        f.block((counted) => {
          f.block((tail) => {
            f.loop((c8) => {
              f.get(from).i32(8).op(OP.i32Add).get(matchLimit).op(OP.i32GtU).brIf(tail);
              f.get(match).load64().get(from).load64().op(OP.i64Xor).tee(diff);
              f.op(OP.i64Eqz);
              f.if(() => {
                add(from, 8);
                add(match, 8);
                f.br(c8);
              });
              f.get(from).get(diff).op(OP.i64Ctz).op(OP.i32WrapI64).i32(3).op(OP.i32ShrU);
              f.op(OP.i32Add).set(from);
              f.br(counted);
            });
          });
          f.loop((c1) => {
            f.get(from).get(matchLimit).op(OP.i32GeU).brIf(counted);
            f.get(match).load8u().get(from).load8u().op(OP.i32Ne).brIf(counted);
            add(from, 1);
            add(match, 1);
            f.br(c1);
          });
        });
        f.get(from).get(ip).op(OP.i32Sub).i32(4).op(OP.i32Sub).set(len);
        f.get(from).set(ip);
        f.get(len).i32(15).op(OP.i32GeU);
        f.if(
          () => {
            f.get(token).get(token).load8u().i32(15).op(OP.i32Add).store8();
            f.get(len).i32(15).op(OP.i32Sub).set(len);
            lengthBytes();
          },
          () => {
            f.get(token).get(token).load8u().get(len).op(OP.i32Add).store8();
          },
        );
        f.get(ip).set(anchor);
        f.get(ip).get(mflimitP1).op(OP.i32GeU).brIf(last);
        // fill the table at ip - 2
        f.get(ip).i32(2).op(OP.i32Sub);
        hashOf();
        f.get(ip).i32(2).op(OP.i32Sub).get(src).op(OP.i32Sub).store16();
        // test the next position
        f.get(ip);
        hashOf();
        f.set(h);
        f.get(src).get(h).load16u().op(OP.i32Add).set(match);
        f.get(h).get(ip).get(src).op(OP.i32Sub).store16();
        f.get(match).load32().get(ip).load32().op(OP.i32Eq);
        f.if(() => {
          f.get(op).set(token);
          f.get(op).i32(0).store8();
          add(op, 1);
          f.br(nextMatch);
        });
      });
      add(ip, 1);
      f.get(ip);
      hashOf();
      f.set(fwdH);
      f.br(outer);
    });
  });
  lastLiterals();
  return f;
}

let cachedModule: WasmModule | undefined;

/** The compiled encoder module (emitted and compiled once per process). */
export function lz4WasmEncoderModule(): WasmModule {
  cachedModule ??= new wasm.Module(
    emitModule([{ name: 'compress', fn: buildCompress() }], MEMORY_PAGES),
  );
  return cachedModule;
}

type CompressFn = (src: number, srcEnd: number, dst: number) => number;

/**
 * One encoder instance: its own wasm memory (3 pages), not shareable between
 * concurrent callers (calls are synchronous, so one per codec is enough).
 */
export class Lz4WasmEncoder {
  readonly #compress: CompressFn;
  readonly #bytes: Uint8Array;

  constructor() {
    const instance = new wasm.Instance(lz4WasmEncoderModule(), {});
    const memory = instance.exports.memory;
    const compress = instance.exports.compress;
    if (!(memory instanceof wasm.Memory) || typeof compress !== 'function') {
      throw new Error('@tierswap/compress/lz4WasmEncoder: module exports are missing');
    }
    this.#compress = compress as CompressFn;
    this.#bytes = new Uint8Array(memory.buffer);
  }

  /** The whole wasm memory (tests check the guard bytes around the regions). */
  get memoryBytes(): Uint8Array {
    return this.#bytes;
  }

  /**
   * Compress `src` (at most 65536 bytes) into one raw LZ4 block, what the codec stores
   * (the kernel's format). The result is a view of this encoder's wasm memory, valid
   * until the next call: copy it. Throws RangeError for a longer input.
   */
  compressBlock(src: Uint8Array): Uint8Array {
    const blockLen = this.#run(src, 'compressBlock', OUT_BASE);
    return this.#bytes.subarray(OUT_BASE, OUT_BASE + blockLen);
  }

  /** The same in lz4-napi's format, `[u32 LE size][LZ4 block]`. */
  compressPrefixed(src: Uint8Array): Uint8Array {
    const blockLen = this.#run(src, 'compressPrefixed', OUT_BASE + LZ4_PREFIX_BYTES);
    writeLz4Prefix(this.#bytes, OUT_BASE, src.length);
    return this.#bytes.subarray(OUT_BASE, OUT_BASE + LZ4_PREFIX_BYTES + blockLen);
  }

  /** Copy `src` in and compress it to `out`; the block length. */
  #run(src: Uint8Array, method: string, out: number): number {
    const n = src.length;
    if (n > LZ4_WASM_ENCODER_MAX_INPUT) {
      throw new RangeError(
        `@tierswap/compress/lz4WasmEncoder.${method}: ${n} bytes, more than ${LZ4_WASM_ENCODER_MAX_INPUT}`,
      );
    }
    this.#bytes.set(src, IN_BASE);
    return this.#compress(IN_BASE, IN_BASE + n, out);
  }
}
