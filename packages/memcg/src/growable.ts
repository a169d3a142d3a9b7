/**
 * Typed-array growth helper. The tree keeps every per-group field in a typed array
 * indexed by group id (structure of arrays, as the hot paths only touch one or two
 * fields); arrays start small and double up to the 65536-id space, so an idle tree
 * costs a few KiB instead of megabytes.
 */
type AnyTyped = Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array;

export function grown<T extends AnyTyped>(array: T, capacity: number, fill = 0): T {
  const ctor = array.constructor as new (n: number) => T;
  const next = new ctor(capacity);
  next.set(array);
  if (fill !== 0) next.fill(fill, array.length);
  return next;
}
