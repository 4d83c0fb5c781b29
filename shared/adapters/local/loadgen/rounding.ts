/** `value` rounded to `digits` decimals, as a number (the benchmark file's precision). */
export const roundTo = (value: number, digits: number): number => Number(value.toFixed(digits));
