/**
 * Every handler in functions/ refuses a malformed input with InvalidInputError (by name) before
 * it calls any port: the state machine's Catch sees a named error and nothing was created.
 */
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { FUNCTION_NAMES, handlerFactories } from '../../functions/index';
import { localLambdaContext } from '../../shared/contract/handler';
import { createFakePorts } from '../fakes/ports';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

/** Inputs that no handler accepts: nothing, and every usual key with a wrong type. */
const BAD_INPUTS: { name: string; input: unknown }[] = [
  { name: 'an empty object', input: {} },
  {
    name: 'wrong types',
    input: {
      input: 42,
      executionArn: 7,
      request: 'churn',
      names: [],
      ledger: 'none',
      cleanup: 'yes',
      jobName: 3,
      endpointName: false,
      previous: 'round 1',
      iteration: 'first',
      maxRounds: '90',
      window: 5,
      capacity: 'one',
      initialPolicySet: 1,
      benchmark: 'flat',
      source: 'guess',
      plan: 2,
      prediction: 'pass',
      verdict: true,
      iterations: 'two',
    },
  },
];

describe('every handler refuses a bad input with InvalidInputError and no port call', () => {
  test('the table covers every folder of functions/', () => {
    const folders = readdirSync('functions').filter((entry) =>
      statSync(join('functions', entry)).isDirectory(),
    );
    assert.deepEqual([...folders].sort(), [...FUNCTION_NAMES].sort());
  });

  for (const name of FUNCTION_NAMES)
    for (const bad of BAD_INPUTS)
      test(`${name}: ${bad.name}`, async () => {
        const fake = createFakePorts();
        const handler = handlerFactories[name](fake.ports);
        await assert.rejects(handler(bad.input, localLambdaContext(name)), (error: Error) => {
          assert.equal(error.name, 'InvalidInputError', `${name} threw ${error.name}: ${error.message}`);
          return true;
        });
        assert.deepEqual(fake.calls, [], `${name} called a port`);
      });
});
