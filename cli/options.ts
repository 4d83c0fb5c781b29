/**
 * The CLI's one toolkit for option values and input files. Every command builds its options from
 * these parsers, so a value is refused the same way everywhere, while commander parses the command
 * line: before any action runs, so no server starts and no load runs on a bad value.
 *
 * Numbers are plain decimals. Number() would also take "0x10" (16), "1e3", "Infinity", " 50 " and
 * "" (0), which nobody means on a command line: `--goal 0x10` must not become 16 %, a blank `--port`
 * must not pick a random port, and `--cpus ,` must not become [0, 0].
 *
 * A parser throws commander's InvalidArgumentError; commander turns it into one line naming the
 * option and the value, and cli/index.ts exits with code 2 (bad usage). Files named by an argument
 * are read in the action with {@link readJsonFile}, whose InvalidInputError also exits with 2.
 */
import { readFileSync } from 'node:fs';
import { Help, InvalidArgumentError, Option } from 'commander';
import type { z } from 'zod';
import { InvalidInputError } from '../shared/core/errors';
import { describeIssues } from '../shared/core/issues';

/** Digits with an optional fraction and sign: "500", "12.5", "-1". */
const PLAIN_DECIMAL = /^-?\d+(\.\d+)?$/;
/** Digits with an optional sign: "20", "-1". */
const PLAIN_INTEGER = /^-?\d+$/;

/** What a numeric option holds, for the help text and the refusal tests. */
export type NumericKind = 'decimal' | 'integer' | 'list' | 'percent';

/** A parser of one option-argument: commander calls it with the text and the previous value. */
export type ArgParser<T> = ((text: string, previous?: T) => T) & { numericKind?: NumericKind };

/** Bounds of a number; each absent bound is open. */
export interface NumberBounds {
  /** Smallest value allowed (inclusive). */
  atLeast?: number;
  /** The value must be greater than this. */
  above?: number;
  /** Largest value allowed (inclusive). */
  atMost?: number;
  /** The value must be less than this. */
  below?: number;
}

function boundsText(bounds: NumberBounds): string {
  const parts = [
    bounds.atLeast !== undefined ? `>= ${bounds.atLeast}` : '',
    bounds.above !== undefined ? `> ${bounds.above}` : '',
    bounds.atMost !== undefined ? `<= ${bounds.atMost}` : '',
    bounds.below !== undefined ? `< ${bounds.below}` : '',
  ].filter(Boolean);
  return parts.length > 0 ? ` ${parts.join(' and ')}` : '';
}

function withinBounds(value: number, bounds: NumberBounds): boolean {
  return (
    (bounds.atLeast === undefined || value >= bounds.atLeast) &&
    (bounds.above === undefined || value > bounds.above) &&
    (bounds.atMost === undefined || value <= bounds.atMost) &&
    (bounds.below === undefined || value < bounds.below)
  );
}

function tagged<T>(parse: (text: string, previous?: T) => T, kind: NumericKind): ArgParser<T> {
  return Object.assign(parse, { numericKind: kind });
}

function numberParser(pattern: RegExp, noun: string, example: string, bounds: NumberBounds) {
  const expected = `expected ${noun}${boundsText(bounds)} in plain digits (e.g. ${example})`;
  return (text: string): number => {
    const value = pattern.test(text) ? Number(text) : Number.NaN;
    if (!Number.isFinite(value) || !Number.isSafeInteger(Math.trunc(value)) || !withinBounds(value, bounds))
      throw new InvalidArgumentError(expected);
    return value;
  };
}

/**
 * A plain decimal within `bounds`: "500", "12.5" ("-1" only when the bounds allow it); `example`
 * is shown in the refusal.
 * @example decimal({ above: 0 })('12.5') // 12.5
 * @example decimal({ above: 0 })('1e3') // throws InvalidArgumentError
 */
export function decimal(bounds: NumberBounds = {}, example = '500 or 12.5'): ArgParser<number> {
  return tagged(numberParser(PLAIN_DECIMAL, 'a decimal number', example, bounds), 'decimal');
}

/**
 * A whole number in plain digits within `bounds`.
 * @example integer({ atLeast: 1 })('20') // 20
 * @example integer({ atLeast: 1 })('20.5') // throws InvalidArgumentError
 */
export function integer(bounds: NumberBounds = {}, example = '20'): ArgParser<number> {
  return tagged(numberParser(PLAIN_INTEGER, 'a whole number', example, bounds), 'integer');
}

/**
 * A comma-separated list, each item read by `item` (spaces around items are ignored, an empty item
 * is refused, so `,` is not [0, 0]).
 * @example listOf(integer({ atLeast: 0 }))('0,1') // [0, 1]
 * @example listOf(integer({ atLeast: 0 }))(',') // throws: item 1 of ',' is empty
 */
export function listOf<T>(item: (text: string) => T): ArgParser<T[]> {
  return tagged((text: string) => {
    const parts = text.split(',').map((part) => part.trim());
    return parts.map((part, i) => {
      if (part === '')
        throw new InvalidArgumentError(
          `item ${i + 1} of '${text}' is empty (expected a comma-separated list)`,
        );
      try {
        return item(part);
      } catch (error) {
        throw new InvalidArgumentError(`item ${i + 1} '${part}': ${(error as Error).message}`);
      }
    });
  }, 'list');
}

/** Core numbers, as taskset takes them: "0" or "0,1". */
export const cpuList = listOf(integer({ atLeast: 0 }));

/** Process ids, one per argument of a variadic option: `--server-pid 12 34`. */
export const pidList = (): ArgParser<number[]> => repeatable(integer({ atLeast: 1 }));

/**
 * For a repeatable (or variadic `<x...>`) option: each occurrence read by `item`, collected in order.
 * @example repeatable(integer({ atLeast: 1 })) // --server-pid 12 34 -> [12, 34]
 */
export function repeatable<T>(item: ArgParser<T> | ((text: string) => T)): ArgParser<T[]> {
  const parse = (text: string, previous?: T[]) => [...(previous ?? []), item(text)];
  const kind = (item as ArgParser<T>).numericKind;
  return kind ? tagged(parse, kind) : parse;
}

/** `word` or what `otherwise` reads: `--step-thresholds off,1.3`. */
export function orWord<T, W extends string>(
  word: W,
  otherwise: (text: string) => T,
): (text: string) => T | W {
  return (text) => {
    if (text === word) return word;
    try {
      return otherwise(text);
    } catch (error) {
      throw new InvalidArgumentError(`${(error as Error).message}, or ${word}`);
    }
  };
}

/** The same parser, tagged as a number option of `kind` (for a parser that accepts words too). */
export function asNumeric<T>(parse: (text: string) => T, kind: NumericKind): ArgParser<T> {
  return tagged(parse, kind);
}

/** A value that must not be blank: commander passes '' through, and a falsy test would ignore it. */
export function nonBlankText(text: string): string {
  if (text.trim() === '') throw new InvalidArgumentError('expected a value, got a blank');
  return text;
}

/**
 * An option with a fixed set of values, shown in --help as `(choices: ...)`; matched regardless of
 * case and returned as written in `values`.
 * @example choiceOption('--percentile <P95|P99>', 'percentile of the SLO', ['P95', 'P99']).default('P95')
 */
export function choiceOption(flags: string, description: string, values: readonly string[]): Option {
  return new Option(flags, description).choices(values).argParser((text: string) => {
    const found = values.find((value) => value.toLowerCase() === text.toLowerCase());
    if (found === undefined) throw new InvalidArgumentError(`Allowed choices are ${values.join(', ')}.`);
    return found;
  });
}

/**
 * Commander's option description with `(required)` for a mandatory option: commander's help lists
 * choices and defaults, not which options must be given. Used by cli/index.ts for every command.
 */
export function describeOption(this: Help, option: Option): string {
  const text = Help.prototype.optionDescription.call(this, option);
  return option.mandatory ? `${text} (required)` : text;
}

/** The numeric kind of an option built with these parsers, else undefined. */
export function numericKindOf(option: Option): NumericKind | undefined {
  return (option.parseArg as ArgParser<unknown> | undefined)?.numericKind;
}

function describeReadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a directory';
  return (error as Error).message;
}

/**
 * Reads a JSON file: one clear line when it is missing, unreadable or not JSON.
 * `what` names the file for the user ("benchmark file", "request file").
 * @throws InvalidInputError `cannot read benchmark file 'b.json': no such file`
 * @example readJsonFile('examples/demo.request.json', 'request file')
 */
export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidInputError(`cannot read ${what} '${path}': ${describeReadError(error)}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`${what} '${path}' is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Validates a value read from a file or an option: the issues in one line after `where`.
 * @throws InvalidInputError `request file 'r.json': latencySlo.percentile: expected "P95" or "P99", got "P90"`
 */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InvalidInputError(`${where}: ${describeIssues(parsed.error.issues, value)}`);
  return parsed.data;
}

/**
 * A JSON option-argument, inline or `@file`, validated by `schema` when given (issues rendered by
 * shared/core/issues.ts): `--phases '[...]'` or `--phases @phases.json`.
 * @example jsonOrFile(PhasesSchema)('@phases.json')
 */
export function jsonOrFile<S extends z.ZodType>(schema?: S): (text: string) => z.output<S> {
  return (text) => {
    let value: unknown;
    try {
      if (text.startsWith('@')) {
        const path = text.slice(1);
        if (path.trim() === '') throw new InvalidInputError('@ names no file (e.g. @phases.json)');
        value = readJsonFile(path, 'file');
      } else {
        try {
          value = JSON.parse(text);
        } catch (error) {
          throw new InvalidInputError(`not JSON (${(error as Error).message})`);
        }
      }
      if (!schema) return value as z.output<S>;
      const parsed = schema.safeParse(value);
      if (!parsed.success) throw new InvalidInputError(describeIssues(parsed.error.issues, value));
      return parsed.data;
    } catch (error) {
      if (error instanceof InvalidInputError) throw new InvalidArgumentError(error.message);
      throw error;
    }
  };
}
