/**
 * Every command refuses `0x10`, `1e3`, `Infinity`, `,` and a blank where a number is expected: one
 * line on stderr naming the option and the value, exit code 2, before any server starts or any load
 * runs (commander parses the values, cli/options.ts).
 *
 * Two tables: in-process, every numeric option of every command (read from the program itself, so
 * a new option is covered) against every bad value; spawned, `node bin/scaleplan.js` for every
 * command with a number on its command line and every bad value, the options taken in turn.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Command, InvalidArgumentError, type Option } from 'commander';
import { buildProgram } from '../../cli/index';
import { numericKindOf } from '../../cli/options';
import { type FinishedCli, runCli } from '../fakes/processes';

const BAD_INPUT = 2;
/** A refusal takes about a second; a value let through would start a run, which this ends. */
const RUN_TIMEOUT_MS = 30_000;

const BAD_VALUES = [
  { name: 'a hexadecimal number', text: '0x10' },
  { name: 'an exponent', text: '1e3' },
  { name: 'Infinity', text: 'Infinity' },
  { name: 'a lone comma', text: ',' },
  { name: 'a blank', text: ' ' },
  { name: 'an empty value', text: '' },
] as const;

/** Placeholders that promise a number; an option spelled so must be parsed as one. */
const NUMERIC_PLACEHOLDER = /<(n|f|s|ms|usd|share|hours|list|pid\.\.\.|goal)>/;

/**
 * The spawned table: for each command with numeric options, what it needs besides the bad value
 * and the options to put it in. The arguments would start a real run if a value were let through
 * (bench --demo starts a server): the per-run timeout would then fail the row.
 */
const SPAWNED: Record<string, { args: string[]; options: string[] }> = {
  derive: {
    args: ['--benchmark', 'examples/benchmark.c5-large.json', '--min-rps', '70', '--max-rps', '500'],
    options: ['--max-rps', '--max-instances', '--goal', '--growth', '--latency-slo-ms', '--min-rps'],
  },
  run: {
    args: ['examples/demo.request.json', '--quiet'],
    options: ['--benchmark-seconds', '--period-seconds', '--server-pid'],
  },
  bench: {
    args: ['--demo', '--quiet'],
    options: [
      '--period-seconds',
      '--vcpus',
      '--server-cpus',
      '--open-loop-rps',
      '--max-requests',
      '--server-pid',
    ],
  },
  'serve-demo': { args: [], options: ['--port', '--workers', '--cpus'] },
  simulate: {
    args: ['--recommendation', 'recommendation.json', '--trace', 'trace.csv'],
    options: [
      '--peak-rps',
      '--minutes',
      '--latency-slo-ms',
      '--step-seconds',
      '--startup-seconds',
      '--price-per-hour',
    ],
  },
  traffic: { args: ['--endpoint', 'my-endpoint', '--out', 'trace.json'], options: ['--days'] },
  search: {
    args: ['--recommendation', 'recommendation.json', '--trace', 'trace.csv'],
    options: [
      '--targets',
      '--min-capacity-offsets',
      '--slo-target',
      '--step-thresholds',
      '--allowed-error-rate',
      '--scale-in-cooldowns',
    ],
  },
};

function numericOptions(command: Command): Option[] {
  return command.options.filter((option) => numericKindOf(option) !== undefined);
}

const program = buildProgram();

describe('numbers on the command line: the options table (in-process)', () => {
  it('every option spelled like a number is parsed as one', () => {
    const untagged = program.commands.flatMap((command) =>
      command.options
        .filter((option) => NUMERIC_PLACEHOLDER.test(option.flags) && numericKindOf(option) === undefined)
        .map((option) => `${command.name()} ${option.flags}`),
    );
    assert.deepEqual(untagged, []);
  });

  it('every command with a number on its command line is in the spawned table, the others have none', () => {
    for (const command of program.commands) {
      const numeric = numericOptions(command).map((option) => option.long);
      const spawned = SPAWNED[command.name()];
      if (numeric.length === 0) assert.equal(spawned, undefined, `${command.name()} takes no number`);
      else {
        assert.ok(spawned, `${command.name()} has numeric options ${numeric.join(', ')}`);
        for (const flag of spawned.options) assert.ok(numeric.includes(flag), `${command.name()} ${flag}`);
      }
    }
  });

  for (const command of program.commands)
    for (const option of numericOptions(command)) {
      it(`${command.name()} ${option.flags} refuses ${BAD_VALUES.map((v) => JSON.stringify(v.text)).join(', ')}`, () => {
        for (const bad of BAD_VALUES)
          assert.throws(
            () => option.parseArg?.(bad.text, undefined),
            (error: unknown) => error instanceof InvalidArgumentError && /expected|empty/.test(error.message),
            `${command.name()} ${option.long} ${JSON.stringify(bad.text)}`,
          );
      });
      it(`${command.name()} ${option.flags} accepts a plain value`, () => {
        // One of these fits every bound the options have (> 0, >= 1, 0..1, divides 60 ...).
        const accepted = ['1', '0.5', '10', '0'].map((text) => {
          try {
            return option.parseArg?.(text, undefined) as unknown;
          } catch {
            return undefined;
          }
        });
        const numbers = accepted.flatMap((value) => (Array.isArray(value) ? value : [value]));
        assert.ok(
          numbers.some((value) => typeof value === 'number' && Number.isFinite(value)),
          `${command.name()} ${option.long}: ${JSON.stringify(accepted)}`,
        );
      });
    }
});

/** Runs `jobs` at most two at a time (the machine has two cores), in order of the results. */
async function inPairs<T>(jobs: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('numbers on the command line: every command, spawned', () => {
  const rows = Object.entries(SPAWNED).flatMap(([command, { args, options }]) =>
    BAD_VALUES.map((bad, i) => {
      const flag = options[i % options.length]!;
      return {
        name: `${command} ${flag} ${JSON.stringify(bad.text)} (${bad.name})`,
        command,
        args,
        flag,
        bad,
      };
    }),
  );
  // Started by the first row that needs them (not while the file is collected), two at a time.
  let started: Promise<FinishedCli[]> | undefined;
  const finished = () =>
    (started ??= inPairs(
      rows.map((row) => () => runCli([row.command, ...row.args, row.flag, row.bad.text], RUN_TIMEOUT_MS)),
    ));

  rows.forEach((row, i) => {
    it(`refuses ${row.name}: one line, exit 2`, async () => {
      const run = (await finished())[i]!;
      assert.equal(run.code, BAD_INPUT, run.stderr);
      assert.equal(run.stdout, '');
      const lines = run.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, run.stderr);
      assert.match(
        lines[0]!,
        new RegExp(
          `^scaleplan: option '${escapeRegExp(row.flag)} <[^>]+>' argument '${escapeRegExp(row.bad.text)}' is invalid\\. `,
        ),
      );
    });
  });

  it('accepts good values: derive with plain decimals, a percent goal and an integer limit exits 0', async () => {
    const run = await runCli(
      [
        'derive',
        ...SPAWNED.derive!.args,
        '--goal',
        '55.5%',
        '--growth',
        '1.2',
        '--latency-slo-ms',
        '50',
        '--max-instances',
        '20',
        '--percentile',
        'p95',
        '--compact',
      ],
      RUN_TIMEOUT_MS,
    );
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.equal(typeof out.thresholds.invocationsPerInstance, 'number');
  });

  it('bad usage exits 2, help exits 0; --help lists the exit codes, the choices and the required options', async () => {
    const [unknown, help, missing, deriveHelp] = await inPairs([
      () => runCli(['derive', ...SPAWNED.derive!.args, '--bogus'], RUN_TIMEOUT_MS),
      () => runCli(['--help'], RUN_TIMEOUT_MS),
      () => runCli(['derive', '--min-rps', '1', '--max-rps', '2'], RUN_TIMEOUT_MS),
      () => runCli(['derive', '--help'], RUN_TIMEOUT_MS),
    ]);
    assert.equal(unknown!.code, BAD_INPUT);
    assert.match(unknown!.stderr, /^scaleplan: unknown option '--bogus'/);
    assert.equal(help!.code, 0);
    assert.match(
      help!.stdout,
      /Exit codes:\n\s+0\s+done\n\s+1\s+the job failed.*\n\s+2\s+bad usage or bad input/,
    );
    assert.equal(missing!.code, BAD_INPUT);
    assert.match(missing!.stderr, /^scaleplan: required option '--benchmark <file>' not specified/);
    assert.equal(deriveHelp!.code, 0);
    assert.match(deriveHelp!.stdout, /--benchmark <file>\s+benchmark file .*\s+\(required\)/);
    assert.match(
      deriveHelp!.stdout,
      /--percentile <P95\|P99>\s+percentile of the latency SLO \(choices: "P95",\s+"P99", default: "P95"\)/,
    );
  });
});
