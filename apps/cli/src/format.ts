/**
 * How sizes, ratios and durations read in the terminal: sizes in binary units with one
 * decimal as zramctl prints them ("61.2M", "512K"), ratios with two decimals.
 */

const UNITS = ['B', 'K', 'M', 'G', 'T'] as const;

/** zramctl's size format: binary units, one decimal when the value is under 100. */
export function formatSize(bytes: number): string {
  let v = bytes;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  const text = u === 0 || Math.abs(v) >= 100 ? String(Math.round(v)) : v.toFixed(1);
  return `${text}${UNITS[u]}`;
}

export function formatRatio(x: number): string {
  return Number.isFinite(x) ? x.toFixed(2) : '-';
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatSeconds(s: number): string {
  return s < 10 ? `${s.toFixed(2)} s` : `${s.toFixed(1)} s`;
}
