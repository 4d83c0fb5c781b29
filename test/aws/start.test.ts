/**
 * `scaleplan start`: local validation (one line naming the bad field, no AWS call), then
 * StartExecution with the exact input; the JSON Schema committed in schemas/ is up to date.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, test } from 'node:test';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { defaultExecutionName, readScalingRequestFile, startExecution } from '../../cli/commands/start';
import { renderScalingRequestJsonSchema, SCHEMA_PATH } from '../../scripts/generate-schema';
import { ContractRecorder } from '../contract/recorder';

const sfn = mockClient(SFNClient);
const recorder = new ContractRecorder('start').watch('sfn', sfn);
beforeEach(() => {
  recorder.harvest();
  sfn.reset();
  recorder.afterReset();
});

const ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:scaleplan-dev';
const dir = mkdtempSync(join(tmpdir(), 'scaleplan-start-'));
const REQUEST = {
  name: 'demo',
  model: {
    kind: 'modelPackage',
    modelPackageArn: 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/g/3',
  },
  instanceType: 'ml.c5.large',
  traffic: { minRps: 70, maxRps: 500 },
  latencySlo: { percentile: 'P95', ms: 10000 },
};
function writeRequest(name: string, body: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
  return file;
}
const client = () =>
  new SFNClient({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 't' } });

describe('scaleplan start', () => {
  test('starts an execution with the file as input and a dated name', async () => {
    sfn.on(StartExecutionCommand).resolves({
      executionArn: `${ARN.replace(':stateMachine:', ':execution:')}:demo-20240601T120000Z`,
      startDate: new Date('2024-06-01T12:00:01Z'),
    });
    const result = await startExecution({
      file: writeRequest('ok.json', REQUEST),
      stateMachineArn: ARN,
      client: client(),
      now: () => new Date('2024-06-01T12:00:00.123Z'),
    });
    assert.deepEqual(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input, {
      stateMachineArn: ARN,
      name: 'demo-20240601T120000Z',
      input: JSON.stringify(REQUEST),
    });
    assert.deepEqual(result, {
      executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:scaleplan-dev:demo-20240601T120000Z',
      name: 'demo-20240601T120000Z',
      startDate: '2024-06-01T12:00:01.000Z',
    });
  });

  test('--name is used as given', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:x', startDate: new Date(0) });
    await startExecution({
      file: writeRequest('ok2.json', REQUEST),
      stateMachineArn: ARN,
      name: 'nightly_42',
      client: client(),
    });
    assert.equal(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.name, 'nightly_42');
  });

  const invalid: { name: string; body: unknown; message: RegExp }[] = [
    {
      name: 'a negative maxRps',
      body: { ...REQUEST, traffic: { minRps: 70, maxRps: -1 } },
      message: /bad-1\.json: traffic\.maxRps: /,
    },
    {
      name: 'an unknown key',
      body: { ...REQUEST, instances: 3 },
      message: /bad-2\.json: \(top level\): unknown field\(s\) "instances"/,
    },
    {
      name: 'minRps above maxRps',
      body: { ...REQUEST, traffic: { minRps: 600, maxRps: 500 } },
      message: /traffic\.minRps: minRps must not exceed maxRps/,
    },
    {
      name: 'an instance type without ml.',
      body: { ...REQUEST, instanceType: 'c5.large' },
      message: /instanceType: /,
    },
    { name: 'not JSON', body: '{"name": ', message: /bad-5\.json' is not valid JSON/ },
    {
      name: 'maxRps 600 (MaxInvocations 36000 > 30000 on AWS)',
      body: { ...REQUEST, traffic: { minRps: 70, maxRps: 600 } },
      message:
        /bad-6\.json: traffic\.maxRps 600 needs MaxInvocations 36000 per minute \(maxRps x 60\); Inference Recommender accepts at most 30000 \(maxRps 500\) on AWS/,
    },
    {
      name: 'phases longer than the job',
      body: { ...REQUEST, evaluation: { durationSeconds: 3600, jobDurationSeconds: 3000 } },
      message:
        /bad-7\.json: evaluation\.durationSeconds: 3600 s of traffic phases exceed evaluation\.jobDurationSeconds 3000 s/,
    },
    {
      name: 'a local model',
      body: { ...REQUEST, model: { kind: 'local', demo: true } },
      message:
        /bad-8\.json: model\.kind "local" runs on this machine only: on AWS give a "container" or a "modelPackage"/,
    },
  ];
  for (const [index, c] of invalid.entries()) {
    test(`${c.name} fails on one line before any AWS call`, async () => {
      const file = writeRequest(`bad-${index + 1}.json`, c.body);
      const error = await startExecution({ file, stateMachineArn: ARN, client: client() }).then(
        () => assert.fail('expected a rejection'),
        (e: Error) => e,
      );
      assert.equal(error.name, 'InvalidInputError');
      assert.match(error.message, c.message);
      assert.ok(!error.message.includes('\n'), 'one line');
      assert.equal(sfn.calls().length, 0);
    });
  }

  test('a malformed state machine ARN or execution name is refused before any call', async () => {
    const file = writeRequest('ok3.json', REQUEST);
    await assert.rejects(startExecution({ file, stateMachineArn: 'arn:aws:lambda:x', client: client() }), {
      name: 'InvalidInputError',
      message: /--state-machine-arn/,
    });
    await assert.rejects(
      startExecution({ file, stateMachineArn: ARN, name: 'has space', client: client() }),
      {
        name: 'InvalidInputError',
        message: /--name/,
      },
    );
    assert.equal(sfn.calls().length, 0);
  });

  test('a throttled StartExecution is TransientAwsError; a missing state machine is ResourceNotFoundError', async () => {
    const file = writeRequest('ok4.json', REQUEST);
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    const missing = Object.assign(new Error('State Machine Does Not Exist'), {
      name: 'StateMachineDoesNotExist',
      $metadata: { httpStatusCode: 400 },
    });
    sfn.on(StartExecutionCommand).rejectsOnce(throttled).rejectsOnce(missing);
    await assert.rejects(startExecution({ file, stateMachineArn: ARN, client: client() }), {
      name: 'TransientAwsError',
    });
    await assert.rejects(startExecution({ file, stateMachineArn: ARN, client: client() }), {
      name: 'ResourceNotFoundError',
      message: `unable to start an execution of ${ARN}: StateMachineDoesNotExist: State Machine Does Not Exist`,
    });
  });

  test('the real command prints one line and exits 2 (bad input) on a bad file, with no AWS call', () => {
    const file = writeRequest('cli-bad.json', { ...REQUEST, latencySlo: { percentile: 'P90', ms: 100 } });
    const run = spawnSync(process.execPath, ['bin/scaleplan.js', 'start', '--state-machine-arn', ARN, file], {
      encoding: 'utf8',
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    });
    assert.equal(run.status, 2, run.stderr);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? '', /^scaleplan: InvalidInputError: .*cli-bad\.json: latencySlo\.percentile: /);
  });

  for (const example of ['examples/request.model-package.json', 'examples/request.container.json'])
    test(`${example} passes the local validation of scaleplan start`, () => {
      assert.doesNotThrow(() => readScalingRequestFile(example));
    });

  test('the default execution name fits 80 characters', () => {
    assert.equal(
      defaultExecutionName('a'.repeat(40), new Date('2024-06-01T12:00:00Z')),
      `${'a'.repeat(40)}-20240601T120000Z`,
    );
  });
});

test('schemas/scaling-request.schema.json is generated from ScalingRequestSchema and up to date', () => {
  assert.equal(readFileSync(SCHEMA_PATH, 'utf8'), renderScalingRequestJsonSchema(), 'run npm run schema');
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
  assert.deepEqual(schema.required, ['model', 'instanceType', 'traffic', 'latencySlo']);
  assert.equal(schema.additionalProperties, false);
});

test('every request sent in this file validates against botocore', (t) => {
  recorder.assertAllValid(t, 3);
});
