/**
 * Numbers in the messages of reasons and errors, so that every formula a reason quotes reads the
 * same way ("floor(9068 x 55 %) = floor(4987.4) = 4987").
 */

/**
 * Rounds for messages: at most `digits` decimals, no trailing zeros.
 * @example fmt(83.11666) // '83.12'
 * @example fmt(4987.4, 0) // '4987'
 */
export function fmt(value: number, digits = 2): string {
  return String(Number(value.toFixed(digits)));
}
