/**
 * Parses a `text/csv` request body into feature rows, as SageMaker's XGBoost container reads it:
 * one row per line, no header, comma-separated numbers, an empty field (or `nan`) is a missing
 * value. Hand-written rather than csv-parse because it runs on every request of the benchmark.
 */

/** Rows parsed from a CSV body, row-major: row r holds `features[r * featureCount ...]`. */
export interface ParsedRows {
  ok: true;
  features: Float64Array;
  rowCount: number;
}

/** Why a body was refused; `message` names the row (1-based) and column. */
export interface RejectedRows {
  ok: false;
  code: 'EmptyBody' | 'NotANumber' | 'WrongFeatureCount';
  message: string;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const MISSING = new Set(['', 'nan', 'NaN', 'NAN', 'na', 'NA']);

/**
 * Parses `text` into rows of exactly `featureCount` values. Blank lines (a trailing newline, a
 * `\r\n` ending) are skipped. A bad body is a value, not an exception: the server maps it to 400.
 *
 * @example
 * parseCsvRows('1,2,3\n4,,6\n', 3); // { ok: true, rowCount: 2, features: [1, 2, 3, 4, NaN, 6] }
 * parseCsvRows('1,2\n', 3).ok; // false: "row 1 has 2 values, the model expects 3 features"
 */
export function parseCsvRows(text: string, featureCount: number): ParsedRows | RejectedRows {
  const lines = text.split('\n');
  const values: number[] = [];
  let rowCount = 0;
  for (let lineIndex = 0; lineIndex < lines.length; lineIndex++) {
    const line = lines[lineIndex]!;
    if (line.trim() === '') continue;
    const fields = line.split(',');
    rowCount += 1;
    if (fields.length !== featureCount) {
      return {
        ok: false,
        code: 'WrongFeatureCount',
        message: `row ${rowCount} has ${fields.length} values, the model expects ${featureCount} features`,
      };
    }
    for (let column = 0; column < fields.length; column++) {
      const field = fields[column]!.trim();
      if (MISSING.has(field)) {
        values.push(Number.NaN);
      } else if (NUMBER.test(field)) {
        values.push(Number(field));
      } else {
        return {
          ok: false,
          code: 'NotANumber',
          message: `row ${rowCount} column ${column + 1}: "${field.slice(0, 40)}" is not a number`,
        };
      }
    }
  }
  if (rowCount === 0) return { ok: false, code: 'EmptyBody', message: 'the body holds no CSV rows' };
  return { ok: true, features: Float64Array.from(values), rowCount };
}

/**
 * The response body: one prediction per line. Numbers print in JavaScript's shortest round-trip
 * form, so a float32 prediction such as 0.015443305484950542 reads back exactly.
 */
export function formatPredictions(predictions: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < predictions.length; i++) out += `${predictions[i]}\n`;
  return out;
}
