import { InvalidInputError } from '../shared/core/errors';

/**
 * Numbers on the command line: plain decimals only. Number() would also take "0x10" (16), "1e3",
 * "Infinity", " 50 " and "" (0), which nobody means on a command line: '--goal 0x10' must not
 * become 16 %, and '--min-capacity-offsets ,' must not become [0, 0].
 */

/** Digits with an optional fraction: "500", "12.5". */
export const PLAIN_DECIMAL = /^\d+(\.\d+)?$/;
/** Digits only: "20". */
export const PLAIN_INTEGER = /^\d+$/;
/** A plain decimal with an optional minus sign: "-1", "0.5". */
export const SIGNED_DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * The number a plain (optionally signed) decimal says, else NaN.
 * @example parsePlainNumber('12.5') // 12.5
 * @example parsePlainNumber('0x10') // NaN
 */
export function parsePlainNumber(text: string): number {
  return SIGNED_DECIMAL.test(text) ? Number(text) : Number.NaN;
}

/**
 * A whole number in plain digits (spaces around it ignored), >= 1 (>= 0 with `allowZero`), else
 * InvalidInputError naming the option: Number('') and Number(' ') are 0, so a blank --port would
 * otherwise pick a random port.
 * @example parsePositiveInteger('--workers', '2') // 2
 */
export function parsePositiveInteger(name: string, text: string, allowZero = false): number {
  const value = PLAIN_INTEGER.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new InvalidInputError(
      `${name} expects a ${allowZero ? 'non-negative' : 'positive'} integer, got "${text}"`,
    );
  }
  return value;
}
