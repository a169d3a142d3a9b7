/**
 * Sizes in a scenario: a byte count as a number, or text in the kernel's memparse
 * syntax ('1G', '200M', '64k', '4096'), the syntax of the interface files a scenario
 * writes, so a scenario reads like the shell commands it stands for. Suffixes K, M, G,
 * T, P, E (either case) are powers of 1024, as memparse takes them.
 */

const SHIFT: Readonly<Record<string, number>> = Object.freeze({
  k: 10,
  m: 20,
  g: 30,
  t: 40,
  p: 50,
  e: 60,
});

/** Bytes of a size, or undefined when it is not a non-negative safe integer size. */
export function parseSize(value: number | string): number | undefined {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  }
  const m = /^\s*(\d+)\s*([kKmMgGtTpPeE]?)\s*$/.exec(value);
  if (m === null) return undefined;
  const n = Number(m[1]);
  const shift = m[2] === '' ? 0 : SHIFT[m[2]!.toLowerCase()]!;
  const bytes = n * 2 ** shift;
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}
