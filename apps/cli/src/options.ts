/**
 * Parsers for option values, for commander's argParser: a bad value throws commander's
 * InvalidArgumentError, which commander reports as a usage error (exit 2) naming the
 * option and the value.
 */

import { InvalidArgumentError } from 'commander';

/** An integer in [min, max]. */
export function intOption(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^[+-]?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`"${value}" is not an integer in ${min}..${max}.`);
    }
    return n;
  };
}
