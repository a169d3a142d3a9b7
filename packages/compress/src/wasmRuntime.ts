/**
 * Typed access to the runtime's `WebAssembly` global, as far as this package uses it.
 *
 * Why: the repo compiles with `lib: ["ES2023"]` (no DOM) and @types/node 20 declares
 * no WebAssembly values, so `WebAssembly.Module` does not type-check here. Instead of
 * widening the shared compiler settings, this file states the few members lz4Wasm.ts
 * needs (synchronous compile and instantiate, the exported memory) and reads them from
 * `globalThis` once. Node 20 always has them.
 */

/** An exported linear memory. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  /** Grow by `pages` of 64 KiB; returns the previous size in pages. */
  grow(pages: number): number;
}

/** A compiled module (opaque here). */
export interface WasmModule {
  readonly __wasmModule?: never;
}

export interface WasmInstance {
  readonly exports: Readonly<Record<string, unknown>>;
}

export interface WasmRuntime {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, never>) => WasmInstance;
  Memory: abstract new (...args: never[]) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
}

/** The runtime's WebAssembly API. */
export const wasm = (globalThis as unknown as { WebAssembly: WasmRuntime }).WebAssembly;
