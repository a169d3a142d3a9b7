/**
 * The parsing helpers every interface file shares, with the kernel's exact syntax.
 *
 * - `memparse` follows lib/cmdline.c memparse(): simple_strtoull with base 0 (a "0x"
 *   prefix is hex, a leading "0" is octal), then one optional suffix K/M/G/T/P/E in
 *   either case, each a further shift by 10. Like the kernel it does not reject
 *   trailing text itself; it returns where parsing stopped so the caller decides.
 *   Difference: the kernel's simple_strtoull wraps on overflow; we saturate at 2^64-1,
 *   which then clamps to PAGE_COUNTER_MAX like any huge value.
 * - `parseLimit` is page_counter_memparse(): the literal "max", or memparse with
 *   nothing after it, converted to pages (rounded down) and capped at PAGE_COUNTER_MAX.
 *   Note that the kernel accepts an empty write here (memparse("") is 0), so
 *   `echo > memory.max` sets the limit to 0; we keep that.
 * - `parseKernelInt` is kstrtoint()/kstrtoull(): optional sign, base 0, one trailing
 *   newline allowed, nothing else; EINVAL for junk, ERANGE for out of range.
 * - `tokenize` / `parseKeyValue` split the "key=value key value" inputs used by
 *   memory.reclaim-style files (match_token() patterns like "max=%s" and "%u").
 */
import type { Refusal } from '@tierswap/base';
import { refuse } from '@tierswap/base';
import { checkInt, checkString } from './checks.js';
import { PAGE_COUNTER_MAX, PAGE_SIZE } from './types.js';

const U64_MAX = (1n << 64n) - 1n;

export interface MemparseResult {
  /** The value in bytes (saturated at 2^64-1). */
  readonly bytes: bigint;
  /** Index in the input where parsing stopped (the kernel's *retptr). */
  readonly end: number;
}

function digitValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return 99;
}

/** simple_strtoull(s, &end, base 0) starting at `start`. */
function strtoull(s: string, start: number): { value: bigint; end: number } {
  let i = start;
  let base = 10n;
  let b = 10;
  if (s.charCodeAt(i) === 48 /* 0 */) {
    const x = s.charCodeAt(i + 1) | 0x20;
    if (x === 120 /* x */ && digitValue(s.charCodeAt(i + 2)) < 16) {
      base = 16n;
      b = 16;
      i += 2;
    } else {
      base = 8n;
      b = 8;
    }
  }
  let value = 0n;
  let saturated = false;
  while (i < s.length) {
    const d = digitValue(s.charCodeAt(i));
    if (d >= b) break;
    if (!saturated) {
      value = value * base + BigInt(d);
      if (value > U64_MAX) saturated = true;
    }
    i++;
  }
  return { value: saturated ? U64_MAX : value, end: i };
}

const SHIFT: Record<string, bigint> = { k: 10n, m: 20n, g: 30n, t: 40n, p: 50n, e: 60n };

/** lib/cmdline.c memparse(): number with an optional K/M/G/T/P/E suffix. */
export function memparse(s: string, start = 0): MemparseResult {
  checkString(s, 'memparse', 's');
  checkInt(start, 0, s.length, 'memparse', 'start');
  const { value, end } = strtoull(s, start);
  const shift = SHIFT[s.charAt(end).toLowerCase()];
  if (shift === undefined) return { bytes: value, end };
  const shifted = value << shift;
  return { bytes: shifted > U64_MAX ? U64_MAX : shifted, end: end + 1 };
}

/** Kernel strstrip(): trims isspace() characters on both ends. */
export function strstrip(s: string): string {
  checkString(s, 'strstrip', 's');
  return s.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '');
}

/**
 * page_counter_memparse(buf, "max", &nr_pages) on a strstrip()ed buffer: a page
 * count, PAGE_COUNTER_MAX for "max", or a refusal.
 */
export function parseLimit(text: string, maxWord = 'max'): number | Refusal {
  checkString(text, 'parseLimit', 'text');
  checkString(maxWord, 'parseLimit', 'maxWord');
  const s = strstrip(text);
  if (s === maxWord) return PAGE_COUNTER_MAX;
  const { bytes, end } = memparse(s);
  if (end !== s.length) {
    return refuse(
      'EINVAL',
      `"${s}" is not a size (digits with an optional K/M/G/T suffix) or "${maxWord}"`,
    );
  }
  const pages = bytes / BigInt(PAGE_SIZE);
  return pages >= BigInt(PAGE_COUNTER_MAX) ? PAGE_COUNTER_MAX : Number(pages);
}

/** How the kernel prints a page_counter limit: "max" or the byte count. */
export function formatLimit(pages: number): string {
  checkInt(pages, 0, Number.MAX_SAFE_INTEGER, 'formatLimit', 'pages');
  if (pages >= PAGE_COUNTER_MAX) return 'max';
  return String(BigInt(pages) * BigInt(PAGE_SIZE));
}

/**
 * kstrtoint()/kstrtoll() family with base 0: an optional sign, digits, and at most one
 * trailing newline. Returns the number or a refusal (EINVAL for junk, ERANGE when the
 * value does not fit [min, max] of the C type).
 */
export function parseKernelInt(text: string, min: number, max: number): number | Refusal {
  checkString(text, 'parseKernelInt', 'text');
  checkInt(min, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 'parseKernelInt', 'min');
  checkInt(max, min, Number.MAX_SAFE_INTEGER, 'parseKernelInt', 'max');
  let s = text.endsWith('\n') ? text.slice(0, -1) : text;
  let negative = false;
  if (s.startsWith('+')) s = s.slice(1);
  else if (s.startsWith('-')) {
    negative = true;
    s = s.slice(1);
  }
  if (s.length === 0) return refuse('EINVAL', `"${text.trim()}" is not an integer`);
  const { value, end } = strtoull(s, 0);
  if (end !== s.length || (end === 0 && s.length > 0)) {
    return refuse('EINVAL', `"${text.trim()}" is not an integer`);
  }
  const signed = negative ? -value : value;
  if (signed < BigInt(min) || signed > BigInt(max)) {
    return refuse('ERANGE', `${signed} is outside ${min}..${max}`);
  }
  return Number(signed);
}

/** Splits an interface-file input into tokens on whitespace (and any extra separators). */
export function tokenize(text: string, extraSeparators = ''): string[] {
  checkString(text, 'tokenize', 'text');
  checkString(extraSeparators, 'tokenize', 'extraSeparators');
  const out: string[] = [];
  let cur = '';
  for (const ch of text) {
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || extraSeparators.includes(ch)) {
      if (cur.length > 0) out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/** A `key=value` token split at its first "="; a bare token has value `undefined`. */
export function parseKeyValue(token: string): { key: string; value: string | undefined } {
  checkString(token, 'parseKeyValue', 'token');
  const eq = token.indexOf('=');
  if (eq < 0) return { key: token, value: undefined };
  return { key: token.slice(0, eq), value: token.slice(eq + 1) };
}
