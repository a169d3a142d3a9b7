/**
 * A tiny WebAssembly emitter: just enough of the binary format to assemble one module
 * of a few functions over one memory, from TypeScript, with no compiler toolchain.
 *
 * Why: the lz4 WebAssembly decoder (lz4Wasm.ts) is written as wasm instructions here,
 * because the machine has no C/Rust-to-wasm toolchain and the package takes no new
 * dependencies. The module is emitted at codec construction and compiled
 * synchronously (`new WebAssembly.Module`), a few microseconds for a few hundred bytes.
 *
 * What it covers (WebAssembly core spec 1.0 + bulk memory): the module header, the
 * type / function / memory / export / code sections, LEB128 integers, and a
 * `FunctionBuilder` with structured control flow (`block` / `loop` / `if` take
 * callbacks and return labels, so branch depths are computed, never counted by hand).
 * Only i32 and i64 values; no tables, globals, imports or data segments. The opcode
 * list holds what the lz4 decoder and encoder (lz4WasmEncoder.ts: i64 xor / ctz for the
 * match-length count, 16-bit stores for the hash table and offsets) use.
 */

/** Value types. */
export const I32 = 0x7f;
export const I64 = 0x7e;
export type ValType = typeof I32 | typeof I64;

/** Opcodes the builder emits as plain bytes (no immediates). */
export const OP = {
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32Ne: 0x47,
  i32LtS: 0x48,
  i32LtU: 0x49,
  i32GtS: 0x4a,
  i32GtU: 0x4b,
  i32LeS: 0x4c,
  i32LeU: 0x4d,
  i32GeS: 0x4e,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Or: 0x72,
  i32Shl: 0x74,
  i32ShrU: 0x76,
  i32Xor: 0x73,
  i32Ctz: 0x68,
  i64Eqz: 0x50,
  i64Ctz: 0x7a,
  i64Xor: 0x85,
  i32WrapI64: 0xa7,
} as const;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`uleb: ${n}`);
  const out: number[] = [];
  let v = n;
  do {
    let byte = v % 128;
    v = Math.floor(v / 128);
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
export function sleb(n: number): number[] {
  if (!Number.isInteger(n) || n < -0x80000000 || n > 0x7fffffff) {
    throw new RangeError(`sleb: ${n}`);
  }
  const out: number[] = [];
  let v = n;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function utf8(s: string): number[] {
  const b = new TextEncoder().encode(s);
  return [...uleb(b.length), ...b];
}

function vec(items: readonly number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** A branch target returned by `block` / `loop` / `if`. */
export interface Label {
  readonly depth: number;
}

/** Builds one function body. Locals are numbered after the parameters. */
export class FunctionBuilder {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
  readonly #locals: ValType[] = [];
  readonly #code: number[] = [];
  #depth = 0;

  constructor(params: readonly ValType[], results: readonly ValType[]) {
    this.params = params;
    this.results = results;
  }

  /** Declare a local; returns its index. */
  local(type: ValType = I32): number {
    this.#locals.push(type);
    return this.params.length + this.#locals.length - 1;
  }

  op(...bytes: number[]): this {
    this.#code.push(...bytes);
    return this;
  }

  get(i: number): this {
    return this.op(0x20, ...uleb(i));
  }
  set(i: number): this {
    return this.op(0x21, ...uleb(i));
  }
  tee(i: number): this {
    return this.op(0x22, ...uleb(i));
  }
  i32(n: number): this {
    return this.op(0x41, ...sleb(n));
  }

  /** Memory access with a constant byte offset (alignment hint 0: unaligned is fine). */
  load8u(offset = 0): this {
    return this.op(0x2d, 0, ...uleb(offset));
  }
  load16u(offset = 0): this {
    return this.op(0x2f, 0, ...uleb(offset));
  }
  load32(offset = 0): this {
    return this.op(0x28, 0, ...uleb(offset));
  }
  load64(offset = 0): this {
    return this.op(0x29, 0, ...uleb(offset));
  }
  store8(offset = 0): this {
    return this.op(0x3a, 0, ...uleb(offset));
  }
  store16(offset = 0): this {
    return this.op(0x3b, 0, ...uleb(offset));
  }
  store32(offset = 0): this {
    return this.op(0x36, 0, ...uleb(offset));
  }
  store64(offset = 0): this {
    return this.op(0x37, 0, ...uleb(offset));
  }
  /** memory.copy (bulk memory): [dst, src, len] -> []. memmove semantics. */
  memoryCopy(): this {
    return this.op(0xfc, ...uleb(10), 0, 0);
  }
  /** memory.fill (bulk memory): [dst, byte, len] -> []. */
  memoryFill(): this {
    return this.op(0xfc, ...uleb(11), 0);
  }

  #structured(opcode: number, body: (label: Label) => void): void {
    this.op(opcode, 0x40);
    this.#depth++;
    body({ depth: this.#depth });
    this.#depth--;
    this.op(0x0b);
  }

  /** `block ... end`: a branch to its label jumps to the end. */
  block(body: (label: Label) => void): this {
    this.#structured(0x02, body);
    return this;
  }
  /** `loop ... end`: a branch to its label jumps back to the start. */
  loop(body: (label: Label) => void): this {
    this.#structured(0x03, body);
    return this;
  }
  /** `if ... [else ...] end` on the i32 on the stack. */
  if(then: (label: Label) => void, otherwise?: (label: Label) => void): this {
    this.op(0x04, 0x40);
    this.#depth++;
    const label = { depth: this.#depth };
    then(label);
    if (otherwise !== undefined) {
      this.op(0x05);
      otherwise(label);
    }
    this.#depth--;
    return this.op(0x0b);
  }
  br(label: Label): this {
    return this.op(0x0c, ...uleb(this.#depth - label.depth));
  }
  brIf(label: Label): this {
    return this.op(0x0d, ...uleb(this.#depth - label.depth));
  }
  return(): this {
    return this.op(0x0f);
  }

  /** The code-section entry: size, locals, instructions, end. */
  encode(): number[] {
    if (this.#depth !== 0) throw new Error('FunctionBuilder: unbalanced blocks');
    const groups: number[][] = [];
    for (let i = 0; i < this.#locals.length; ) {
      let j = i;
      while (j < this.#locals.length && this.#locals[j] === this.#locals[i]) j++;
      groups.push([...uleb(j - i), this.#locals[i]!]);
      i = j;
    }
    const body = [...vec(groups), ...this.#code, 0x0b];
    return [...uleb(body.length), ...body];
  }
}

/** Assemble a module: exported functions plus one exported memory of `memoryPages`. */
export function emitModule(
  functions: readonly { name: string; fn: FunctionBuilder }[],
  memoryPages: number,
  memoryName = 'memory',
): Uint8Array {
  const types = functions.map(({ fn }) => [
    0x60,
    ...vec(fn.params.map((t) => [t])),
    ...vec(fn.results.map((t) => [t])),
  ]);
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(types)),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(5, vec([[0x00, ...uleb(memoryPages)]])),
    ...section(
      7,
      vec([
        ...functions.map(({ name }, i) => [...utf8(name), 0x00, ...uleb(i)]),
        [...utf8(memoryName), 0x02, 0],
      ]),
    ),
    ...section(10, vec(functions.map(({ fn }) => fn.encode()))),
  ];
  return new Uint8Array(bytes);
}
