/**
 * Property: no malformed or hostile execution input costs anything. fast-check builds inputs from
 * a valid request with one fault each (overlapping, gapped or descending steps; duplicate, badly
 * scheduled or badly zoned scheduled actions; Min above Max; numbers past a 32-bit integer; a huge
 * growth factor or latency; what AWS cannot run; a role outside passRoleArns; a non-object; an
 * event of another type; unknown and hostile keys), runs each through the real definition with the real handlers over the real
 * AWS adapters on aws-sdk-client-mock'd clients (NormalizeInput wired as production wires it), and
 * asserts that the execution fails at NormalizeInput with a named error whose cause names the
 * faulty field, and that no AWS call but a read (Describe, List, Get) was sent.
 * The machine is built and validated once (test/aws/machine.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  AWS_NORMALIZE_INPUT_OPTIONS,
  createNormalizeInputHandler,
  passRoleArnsFromEnv,
} from '../../functions/normalizeInput/handler';
import { localLambdaContext } from '../../shared/contract/handler';
import { INT32_MAX, MAX_GROWTH_FACTOR, MAX_LATENCY_SLO_MS } from '../../shared/core/request';
import { machineOver } from './machine';
import { ACCOUNT, createMockedAws, ROLE_ARN } from './mocks';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
/** The roles this deployment may pass (serverless.yml sets it from the passRoleArns parameter). */
const OTHER_ALLOWED_ROLE = `arn:aws:iam::${ACCOUNT}:role/team-b/scaleplan-sagemaker`;
process.env.SCALEPLAN_PASS_ROLE_ARNS = `${ROLE_ARN},${OTHER_ALLOWED_ROLE}`;

const PACKAGE_ARN = `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package/churn/3`;

/** A request every check accepts: the faults below break one field of it each. */
function validRequest(): Record<string, unknown> {
  return {
    name: 'churn',
    model: { kind: 'modelPackage', modelPackageArn: PACKAGE_ARN },
    instanceType: 'ml.c5.large',
    traffic: { minRps: 70, maxRps: 400, growthFactor: 1.2, pattern: 'spiky' },
    latencySlo: { percentile: 'P95', ms: 100 },
    evaluation: { maxIterations: 3, durationSeconds: 600, jobDurationSeconds: 1200 },
    policies: {
      stepScaling: {
        steps: [
          { lower: 0, upper: 500, adjustment: 1 },
          { lower: 500, upper: 4000, adjustment: 3 },
          { lower: 4000, upper: null, adjustment: 4 },
        ],
        cooldownSeconds: 60,
      },
      scheduledActions: [
        {
          name: 'weekday-morning',
          schedule: 'cron(0 8 ? * MON-FRI *)',
          timezone: 'Europe/Paris',
          minCapacity: 2,
          maxCapacity: 10,
        },
        { name: 'night', schedule: 'cron(0 22 * * ? *)', timezone: 'UTC', minCapacity: 1 },
      ],
      scaleOutCooldownSeconds: 10,
      scaleInCooldownSeconds: 100,
    },
    maxInstancesLimit: 20,
  };
}

/** One faulty input and the field its error must name. */
interface Fault {
  kind: string;
  field: string;
  input: unknown;
}

// biome-ignore lint/suspicious/noExplicitAny: a patch reaches into the nested JSON of the request
type Patch = (request: Record<string, any>) => void;
const withPatch = (kind: string, field: string, patch: Patch): Fault => {
  const request = validRequest();
  patch(request);
  return { kind, field, input: request };
};

const stepsFault = fc
  .tuple(
    fc.constantFrom('overlapping', 'gapped', 'descending', 'negative', 'zero adjustment', 'open middle'),
    fc.integer({ min: 1, max: 400 }),
  )
  .map(([shape, delta]) =>
    withPatch(`${shape} steps`, 'policies.stepScaling.steps', (r) => {
      const steps = r.policies.stepScaling.steps;
      if (shape === 'overlapping') steps[1].lower = 500 - delta;
      if (shape === 'gapped') steps[1].lower = 500 + delta;
      if (shape === 'descending') steps[1].upper = 500 - delta;
      if (shape === 'negative') steps[0].lower = -delta;
      if (shape === 'zero adjustment') steps[2].adjustment = 0;
      if (shape === 'open middle') steps[1].upper = null;
    }),
  );

/** Cron fields with a value outside their range (Minutes .. Year). */
const OUT_OF_RANGE = [
  [60, 99],
  [24, 99],
  [32, 99],
  [13, 99],
  [8, 99],
  [2200, 9999],
] as const;
const badCron = fc.integer({ min: 0, max: 5 }).chain((field) =>
  fc.integer({ min: OUT_OF_RANGE[field]![0], max: OUT_OF_RANGE[field]![1] }).map((value) => {
    const fields = ['0', '8', '?', '*', 'MON-FRI', '*'];
    fields[field] = String(value);
    if (field === 4) fields[2] = '?';
    if (field === 2) fields[4] = '?';
    return `cron(${fields.join(' ')})`;
  }),
);
const badSchedule = fc.oneof(
  badCron,
  fc.constantFrom(
    'cron(0 18 * * MON-FRI *)',
    'cron(0 18 * * *)',
    'cron(0/0 * * * ? *)',
    'cron(0 17-9 * * ? *)',
    'rate(0 minutes)',
    'rate(5 weeks)',
    'rate(1.5 hours)',
    'at(2027-02-29T08:00:00)',
    'at(2027-03-01T25:00:00)',
    'at(next monday)',
  ),
  fc.integer({ min: 1, max: 9 }).map((n) => `rate(${n} fortnights)`),
);
const scheduleFault = badSchedule.map((schedule) =>
  withPatch(`schedule ${schedule}`, 'policies.scheduledActions[1].schedule', (r) => {
    r.policies.scheduledActions[1].schedule = schedule;
  }),
);

const timezoneFault = fc
  .oneof(
    fc.constantFrom('Mars/Olympus', 'utc', 'europe/paris', 'Europe/Pariss', 'GMT+25', '+01:00', 'Local'),
    fc.stringMatching(/^Zz[a-z]{3,12}\/[A-Z][a-z]{3,12}$/),
  )
  .map((timezone) =>
    withPatch(`timezone ${timezone}`, 'policies.scheduledActions[0].timezone', (r) => {
      r.policies.scheduledActions[0].timezone = timezone;
    }),
  );

const duplicateNameFault = fc.constant(
  withPatch('duplicate scheduled action names', 'policies.scheduledActions[1].name', (r) => {
    r.policies.scheduledActions[1].name = 'weekday-morning';
  }),
);

const capacityFault = fc
  .tuple(fc.integer({ min: 3, max: 20 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 21, max: 500 }))
  .chain(([min, max, above]) =>
    fc.constantFrom(
      withPatch('scheduled min above max', 'policies.scheduledActions[0].minCapacity', (r) => {
        Object.assign(r.policies.scheduledActions[0], { minCapacity: min, maxCapacity: max });
      }),
      withPatch('scheduled max above the quota', 'policies.scheduledActions[0].maxCapacity', (r) => {
        r.policies.scheduledActions[0].maxCapacity = above;
      }),
      withPatch('scheduled action without capacities', 'policies.scheduledActions[1]', (r) => {
        delete r.policies.scheduledActions[1].minCapacity;
      }),
    ),
  );

/** Every whole number AWS takes as a 32-bit integer, by where it is in the request. */
const INT32_FIELDS: [string, Patch][] = [
  ['policies.scaleOutCooldownSeconds', (r) => (r.policies.scaleOutCooldownSeconds = BIG)],
  ['policies.scaleInCooldownSeconds', (r) => (r.policies.scaleInCooldownSeconds = BIG)],
  ['policies.stepScaling.cooldownSeconds', (r) => (r.policies.stepScaling.cooldownSeconds = BIG)],
  ['policies.stepScaling.steps[2].adjustment', (r) => (r.policies.stepScaling.steps[2].adjustment = BIG)],
  ['policies.scheduledActions[0].maxCapacity', (r) => (r.policies.scheduledActions[0].maxCapacity = BIG)],
  ['policies.scheduledActions[1].minCapacity', (r) => (r.policies.scheduledActions[1].minCapacity = BIG)],
  ['maxInstancesLimit', (r) => (r.maxInstancesLimit = BIG)],
];
let BIG = INT32_MAX + 1;
const int32Fault = fc
  .tuple(
    fc.integer({ min: 0, max: INT32_FIELDS.length - 1 }),
    fc.integer({ min: INT32_MAX + 1, max: 2 ** 53 - 1 }),
  )
  .map(([index, value]) => {
    const [field, patch] = INT32_FIELDS[index]!;
    BIG = value;
    return withPatch(`${field} = ${value}`, field, patch);
  });

const boundsFault = fc.oneof(
  fc
    .double({ min: MAX_GROWTH_FACTOR * 1.0001, max: 1e308, noNaN: true })
    .map((g) => withPatch(`growthFactor ${g}`, 'traffic.growthFactor', (r) => (r.traffic.growthFactor = g))),
  fc
    .double({ min: -1e9, max: 1, noNaN: true })
    .map((g) => withPatch(`growthFactor ${g}`, 'traffic.growthFactor', (r) => (r.traffic.growthFactor = g))),
  fc
    .double({ min: MAX_LATENCY_SLO_MS + 1, max: 1e308, noNaN: true })
    .map((ms) => withPatch(`latency ${ms} ms`, 'latencySlo.ms', (r) => (r.latencySlo.ms = ms))),
  fc
    .double({ min: -1e9, max: 0, noNaN: true })
    .map((ms) => withPatch(`latency ${ms} ms`, 'latencySlo.ms', (r) => (r.latencySlo.ms = ms))),
  fc
    .integer({ min: 11, max: 1000 })
    .map((n) =>
      withPatch(`maxIterations ${n}`, 'evaluation.maxIterations', (r) => (r.evaluation.maxIterations = n)),
    ),
  fc.integer({ min: 401, max: 3600 }).map((s) =>
    withPatch(`phases ${s} s > job 400 s`, 'evaluation.durationSeconds', (r) => {
      Object.assign(r.evaluation, { durationSeconds: s, jobDurationSeconds: 400 });
    }),
  ),
  fc
    .double({ min: 401, max: 1e6, noNaN: true })
    .map((rps) => withPatch(`minRps ${rps} > maxRps`, 'traffic.minRps', (r) => (r.traffic.minRps = rps))),
);

/** What the AWS backend refuses although the schema accepts it (production's wiring of NormalizeInput). */
const awsLimitFault = fc.oneof(
  fc
    .integer({ min: 501, max: 1_000_000 })
    .map((rps) => withPatch(`maxRps ${rps} on AWS`, 'traffic.maxRps', (r) => (r.traffic.maxRps = rps))),
  fc.constant(
    withPatch('a local model on AWS', 'model.kind', (r) => {
      r.model = { kind: 'local', demo: true };
    }),
  ),
);

const notAnObject = fc
  .oneof(
    fc.constant(null),
    fc.array(fc.jsonValue(), { maxLength: 3 }),
    fc.string(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
  )
  .map(
    (input): Fault => ({
      kind: `non-object ${JSON.stringify(input)?.slice(0, 30)}`,
      field: '(top level)',
      input,
    }),
  );

const otherEvent = fc
  .tuple(
    fc.constantFrom('aws.ec2', 'aws.sagemaker', 'aws.s3', 'custom.app'),
    fc.constantFrom(
      'EC2 Instance State-change Notification',
      'SageMaker Endpoint State Change',
      'SageMaker Training Job State Change',
      'Object Created',
    ),
  )
  .map(
    ([source, detailType]): Fault => ({
      kind: `event ${detailType}`,
      field: 'detail-type',
      input: { version: '0', source, 'detail-type': detailType, detail: { ModelPackageArn: PACKAGE_ARN } },
    }),
  );

const hostileKeys = fc
  .constantFrom('__proto__', 'constructor', 'prototype', '$where', '../../etc/passwd', 'roleArn ', 'Model')
  .map((key): Fault => {
    const request = JSON.parse(JSON.stringify(validRequest()));
    Object.defineProperty(request, key, { value: { polluted: true }, enumerable: true });
    return { kind: `unknown key ${key}`, field: key, input: JSON.parse(JSON.stringify(request)) };
  });

const hostileStrings = fc
  .constantFrom(
    '../../etc/passwd',
    "'; DROP TABLE endpoints;--",
    '<script>alert(1)</script>',
    'a'.repeat(64),
    'name with spaces',
    '-leading-hyphen',
    '\u0000nul',
    'x'.repeat(5000),
  )
  .chain((text) =>
    fc.constantFrom(
      withPatch(`name ${text.slice(0, 20)}`, 'name', (r) => (r.name = text)),
      withPatch(`instance type ${text.slice(0, 20)}`, 'instanceType', (r) => (r.instanceType = text)),
      withPatch(`package ARN ${text.slice(0, 20)}`, 'model.modelPackageArn', (r) => {
        r.model.modelPackageArn = text;
      }),
      withPatch(`role ${text.slice(0, 20)}`, 'roleArn', (r) => (r.roleArn = text)),
      withPatch(`variant ${text.slice(0, 20)}`, 'variantName', (r) => (r.variantName = text)),
    ),
  );

/** A well-formed role that PassRole does not allow: it would fail at the first create, after the model package exists. */
const foreignRoleFault = fc
  .oneof(
    fc
      .stringMatching(/^[A-Za-z][A-Za-z0-9+=,.@_-]{0,40}$/)
      .map((name) => `arn:aws:iam::${ACCOUNT}:role/${name}`),
    fc.constant(`arn:aws:iam::210987654321:role/scaleplan-sagemaker`),
    fc.constant(`${ROLE_ARN}-admin`),
    fc.constant(`arn:aws-cn:iam::${ACCOUNT}:role/scaleplan-sagemaker`),
  )
  .filter((arn) => arn !== ROLE_ARN && arn !== OTHER_ALLOWED_ROLE)
  .map((arn) => withPatch(`role outside passRoleArns ${arn}`, 'roleArn', (r) => (r.roleArn = arn)));

const fault: fc.Arbitrary<Fault> = fc.oneof(
  stepsFault,
  scheduleFault,
  timezoneFault,
  duplicateNameFault,
  capacityFault,
  int32Fault,
  boundsFault,
  awsLimitFault,
  notAnObject,
  otherEvent,
  hostileKeys,
  hostileStrings,
  foreignRoleFault,
);

/** Reads are allowed (an event may describe its package); nothing that creates, changes or deletes. */
const READ_ONLY = /^(Describe|List|Get)/;

test('the valid request the faults start from passes NormalizeInput on the AWS wiring', async () => {
  const aws = createMockedAws('hostile-input-valid');
  const handler = createNormalizeInputHandler(aws.ports, AWS_NORMALIZE_INPUT_OPTIONS);
  const state = (await handler(
    {
      input: validRequest(),
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:scaleplan:valid',
    },
    localLambdaContext('normalizeInput'),
  )) as { request: { name: string } };
  assert.equal(state.request.name, 'churn');
});

test('a roleArn outside passRoleArns is refused at NormalizeInput with the value and the allowed roles; an allowed one passes', async () => {
  const aws = createMockedAws('hostile-input-role');
  const handler = createNormalizeInputHandler(aws.ports, AWS_NORMALIZE_INPUT_OPTIONS);
  const executionArn = 'arn:aws:states:us-east-1:123456789012:execution:scaleplan:role';
  const foreign = `arn:aws:iam::${ACCOUNT}:role/AdminRole`;
  await assert.rejects(
    handler(
      { input: { ...validRequest(), roleArn: foreign }, executionArn },
      localLambdaContext('normalizeInput'),
    ),
    (error: Error) => {
      assert.equal(error.name, 'InvalidInputError');
      assert.equal(
        error.message,
        `ScalingRequest: roleArn "${foreign}" is not a role this deployment may pass to SageMaker: use one of ${ROLE_ARN}, ${OTHER_ALLOWED_ROLE} (the passRoleArns deploy parameter), or omit roleArn`,
      );
      return true;
    },
  );
  const state = (await handler(
    { input: { ...validRequest(), roleArn: OTHER_ALLOWED_ROLE }, executionArn },
    localLambdaContext('normalizeInput'),
  )) as { request: { roleArn: string } };
  assert.equal(state.request.roleArn, OTHER_ALLOWED_ROLE);
  // Without the list, the deployment's default role is the only one (passRoleArns' default).
  assert.deepEqual(passRoleArnsFromEnv({ SCALEPLAN_SAGEMAKER_ROLE_ARN: ROLE_ARN }), [ROLE_ARN]);
  assert.throws(() => passRoleArnsFromEnv({}), {
    name: 'ConfigurationError',
    message: /SCALEPLAN_PASS_ROLE_ARNS/,
  });
});

test('no malformed or hostile input makes a mutating AWS call, and each gets a named error naming its field', async () => {
  const aws = createMockedAws('hostile-input');
  const run = machineOver(aws.ports);
  const seen = new Map<string, number>();
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(fault, async ({ kind, field, input }) => {
      runs++;
      seen.set(kind.split(' ')[0]!, (seen.get(kind.split(' ')[0]!) ?? 0) + 1);
      const result = await run(input, `hostile-${runs}`);
      const sent = [aws.sagemaker, aws.autoScaling, aws.cloudWatch, aws.s3].flatMap((mock) =>
        mock.calls().map((call) => (call.args[0] as object).constructor.name.replace(/Command$/, '')),
      );
      aws.reset();
      assert.equal(result.status, 'FAILED', `${kind}: the execution failed`);
      // The refusal is announced ("Recommendation Failed"); nothing else is sent.
      assert.deepEqual(
        result.states,
        ['ReceiveInput', 'NormalizeInput', 'PublishFailureEvent', 'FailExecution'],
        kind,
      );
      assert.ok(
        ['InvalidInputError', 'UnsupportedEventError'].includes(result.error?.name ?? ''),
        `${kind}: named error, got ${result.error?.name}: ${result.error?.cause}`,
      );
      assert.ok(
        result.error?.cause.includes(field),
        `${kind}: the cause names ${field}: ${result.error?.cause}`,
      );
      assert.deepEqual(
        sent.filter((name) => !READ_ONLY.test(name)),
        [],
        `${kind}: no mutating call`,
      );
    }),
    { numRuns: 400, seed: 13 },
  );
  assert.ok(runs >= 300, `at least 300 inputs tried, got ${runs}`);
  console.log(`hostile inputs tried: ${runs} (${[...seen].map(([k, n]) => `${k} ${n}`).join(', ')})`);
});
