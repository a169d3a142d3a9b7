/**
 * showValue: how every tierswap error message shows the value it refuses. One format in
 * every package, so "got X" reads the same whatever layer wrote it.
 *
 * Why this format: a message must tell apart the values a caller most often confuses
 * (the string "4096" from the number 4096, 10n from 10, -0 from 0, a Uint8Array from an
 * array) without ever growing large or throwing. So strings are quoted and cut to 40
 * characters (so are huge bigints), bigints keep their `n`, -0 keeps its sign, typed
 * arrays show their length, and other objects are named by their tag, never by their
 * contents. It never throws: a revoked Proxy or a throwing `Symbol.toStringTag` getter
 * reads as "an object".
 */

/** Longest text (a string, a symbol's description, a tag) shown before it is cut. */
const MAX_TEXT = 40;

function clip(s: string): string {
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 3)}...` : s;
}

/** "a Map", "an Error": the tag with its article. */
function withArticle(tag: string): string {
  return `${/^[AEIOU]/.test(tag) ? 'an' : 'a'} ${clip(tag)}`;
}

/**
 * A short, safe description of any value for an error message: `"abc"` (quoted, at most
 * 40 characters), `-0`, `NaN`, `10n`, `true`, `undefined`, `null`, `Symbol(x)`,
 * `a function`, `Uint8Array(4096)`, `an array of 3`, `an ArrayBuffer of 8 bytes`,
 * `an object`, `a Map`. Never throws.
 */
export function showValue(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(clip(v));
    case 'number':
      return Object.is(v, -0) ? '-0' : String(v);
    case 'bigint':
      return `${clip(String(v))}n`;
    case 'boolean':
    case 'undefined':
      return String(v);
    case 'symbol':
      return `Symbol(${clip(v.description ?? '')})`;
    case 'function':
      return 'a function';
  }
  if (v === null) return 'null';
  try {
    if (ArrayBuffer.isView(v)) {
      // The typed array's own tag (a Buffer is a Uint8Array); a DataView has none.
      const tag = Object.prototype.toString.call(v).slice(8, -1);
      return 'length' in v && typeof v.length === 'number'
        ? `${clip(tag)}(${v.length})`
        : `a ${clip(tag)} of ${v.byteLength} bytes`;
    }
    if (Array.isArray(v)) return `an array of ${v.length}`;
    const tag = Object.prototype.toString.call(v).slice(8, -1);
    if (tag === 'ArrayBuffer' && v instanceof ArrayBuffer) {
      return `an ArrayBuffer of ${v.byteLength} bytes`;
    }
    return tag === 'Object' ? 'an object' : withArticle(tag);
  } catch {
    return 'an object';
  }
}
