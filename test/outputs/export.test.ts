/**
 * `scaleplan export`: each form is checked by its own tool (cfn-lint; aws-cdk-lib synthesis then
 * cfn-lint; a real HCL parser and the AWS provider's schema; botocore and a run of the script
 * against a recording `aws`), and each carries the recommendation's numbers and its evidence.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { parse as parseYaml } from 'yaml';
import { InvalidInputError } from '../../shared/core/errors';
import type { Recommendation } from '../../shared/core/recommendation';
import { CDK_CONSTRUCT_NAME, renderCdk } from '../../shared/outputs/cdk';
import { cliSteps, renderCliScript } from '../../shared/outputs/cli-script';
import { renderCloudFormation } from '../../shared/outputs/cloudformation';
import { parseExportFormat } from '../../shared/outputs/export';
import { renderTerraform } from '../../shared/outputs/terraform';
import { describeFailures, validateContractRecords } from '../contract/botocore';
import {
  assertCfnLintClean,
  loadFixture,
  PROVIDER_SCHEMA,
  schemaProblems,
  scratchDir,
  withScheduledActions,
} from './tools';

const TARGET = { endpointName: 'prod-endpoint', variantName: 'blue' };
const VERSION = '9.8.7';
const input = (recommendation: Recommendation) => ({
  recommendation,
  target: TARGET,
  scaleplanVersion: VERSION,
});
const RESOURCE_ID = 'endpoint/prod-endpoint/variant/blue';
/** An interpolation as HCL and the shell write it: `${name}`. */
const tfRef = (name: string) => `$${'{'}${name}}`;

// biome-ignore lint/suspicious/noExplicitAny: parsed templates and HCL are untyped JSON
type Json = any;
type Resource = { Type: string; Properties: Record<string, Json> };
type Template = { Resources: Record<string, Resource> };

const byType = (template: Template, type: string) =>
  Object.values(template.Resources).filter((resource) => resource.Type === type);

/** The numbers every form must carry, read from the recommendation itself. */
function assertTemplateNumbers(template: Template, recommendation: Recommendation): void {
  const set = recommendation.policySet;
  const [target] = byType(template, 'AWS::ApplicationAutoScaling::ScalableTarget');
  assert.equal(target?.Properties.ResourceId, RESOURCE_ID);
  assert.equal(target?.Properties.MinCapacity, set.minCapacity);
  assert.equal(target?.Properties.MaxCapacity, set.maxCapacity);
  assert.deepEqual(
    (target?.Properties.ScheduledActions ?? []).map((a: Json) => [
      a.ScheduledActionName,
      a.Schedule,
      a.ScalableTargetAction,
    ]),
    set.scheduledActions.map((a) => [
      a.name,
      a.schedule,
      {
        ...(a.minCapacity !== undefined ? { MinCapacity: a.minCapacity } : {}),
        ...(a.maxCapacity !== undefined ? { MaxCapacity: a.maxCapacity } : {}),
      },
    ]),
  );
  const policies = byType(template, 'AWS::ApplicationAutoScaling::ScalingPolicy');
  const tracking = policies.map((p) => p.Properties.TargetTrackingScalingPolicyConfiguration).filter(Boolean);
  assert.deepEqual(
    tracking.map((c) => [c.TargetValue, c.ScaleOutCooldown, c.ScaleInCooldown]),
    [set.invocationsTargetTracking, set.cpuTargetTracking]
      .filter((s) => s !== undefined)
      .map((s) => [s.targetValue, s.scaleOutCooldownSeconds, s.scaleInCooldownSeconds]),
  );
  const step = policies.find((p) => p.Properties.PolicyType === 'StepScaling');
  const stepSpec = set.stepScaling!;
  assert.deepEqual(
    step?.Properties.StepScalingPolicyConfiguration.StepAdjustments.map((s: Json) => [
      s.MetricIntervalLowerBound,
      s.MetricIntervalUpperBound ?? null,
      s.ScalingAdjustment,
    ]),
    stepSpec.steps.map((s) => [s.lower, s.upper, s.adjustment]),
  );
  const [alarm] = byType(template, 'AWS::CloudWatch::Alarm');
  assert.equal(alarm?.Properties.Threshold, stepSpec.alarmThresholdInvocationsPerInstance);
  assert.equal(alarm?.Properties.EvaluationPeriods, stepSpec.evaluationPeriods);
  assert.equal(alarm?.Properties.DatapointsToAlarm, stepSpec.datapointsToAlarm);
  assert.deepEqual(alarm?.Properties.Dimensions, [
    { Name: 'EndpointName', Value: 'prod-endpoint' },
    { Name: 'VariantName', Value: 'blue' },
  ]);
  // The alarm invokes the step policy by reference, not an ARN left to fill in.
  const [action] = alarm?.Properties.AlarmActions ?? [];
  const stepId = Object.entries(template.Resources).find(([, r]) => r === step)?.[0];
  assert.deepEqual(action, { Ref: stepId });
}

/** The evidence every form carries in its comments. */
function assertEvidence(text: string, recommendation: Recommendation): void {
  assert.match(text, new RegExp(`scaleplan ${VERSION.replace(/\./g, '\\.')}`));
  assert.match(
    text,
    new RegExp(`peaked at ${recommendation.benchmark.peakInvocationsPerMinute} invocations/min`),
  );
  assert.match(
    text,
    new RegExp(`InvocationsPerInstance ${recommendation.thresholds.invocationsPerInstance} per minute`),
  );
  assert.match(text, /verdict: passed/);
  assert.match(text, /digital twin \(iteration \d+\): \d+ invocations\/min at most/);
  assert.doesNotMatch(text, /-eval\/variant/);
}

describe('CloudFormation', () => {
  for (const [name, recommendation] of [
    ['the demo run', loadFixture()],
    ['with scheduled actions', withScheduledActions()],
  ] as const) {
    test(`${name}: passes cfn-lint and carries the recommendation's numbers`, (t) => {
      const text = renderCloudFormation(input(recommendation));
      assertEvidence(text, recommendation);
      assertTemplateNumbers(parseYaml(text) as Template, recommendation);
      assertCfnLintClean(t, text);
    });
  }
});

describe('CDK', () => {
  test('the construct synthesizes with aws-cdk-lib, passes cfn-lint and equals the CloudFormation export', async (t) => {
    const recommendation = withScheduledActions();
    const source = renderCdk(input(recommendation));
    assertEvidence(source, recommendation);
    const dir = scratchDir('cdk-');
    const file = join(dir, 'scaling-construct.ts');
    writeFileSync(file, source);
    const { App, DefaultStackSynthesizer, Stack } = await import('aws-cdk-lib');
    const module = (await import(pathToFileURL(file).href)) as Record<
      string,
      new (
        ...args: unknown[]
      ) => unknown
    >;
    const app = new App({ outdir: join(dir, 'cdk.out'), analyticsReporting: false });
    const stack = new Stack(app, 'ScaleplanExport', {
      synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
    });
    new module[CDK_CONSTRUCT_NAME]!(stack, 'Scaling');
    const template = app.synth().getStackByName('ScaleplanExport').template as Template;
    assertTemplateNumbers(template, recommendation);
    // Same resources and properties as the CloudFormation export, but for CDK's logical ids.
    const cfn = parseYaml(renderCloudFormation(input(recommendation))) as Template;
    const rename = new Map(
      Object.keys(template.Resources).map((id) => [
        id,
        Object.keys(cfn.Resources).find((c) => id.startsWith(`Scaling${c}`)),
      ]),
    );
    const normalized = JSON.parse(
      JSON.stringify(Object.fromEntries([...rename].map(([id, c]) => [c, template.Resources[id]]))).replace(
        /"Ref":"([A-Za-z0-9]+)"/g,
        (_, id: string) => `"Ref":"${rename.get(id)}"`,
      ),
    );
    assert.deepEqual(normalized, cfn.Resources);
    assertCfnLintClean(t, JSON.stringify(template, null, 2), 'cdk.template.json');
  });
});

describe('Terraform', () => {
  test('parses with the HCL parser, every argument is in the provider schema, with the numbers', async () => {
    const recommendation = withScheduledActions();
    const text = renderTerraform(input(recommendation));
    assertEvidence(text, recommendation);
    const parsed = (await parseHcl('scaling.tf', text)) as {
      resource: Record<string, Record<string, Record<string, Json>[]>>;
    };
    const problems: string[] = [];
    for (const [type, resources] of Object.entries(parsed.resource)) {
      const schema = PROVIDER_SCHEMA.resource_schemas[type];
      assert.ok(schema, `no schema for ${type}`);
      for (const [name, [body]] of Object.entries(resources))
        problems.push(
          ...schemaProblems(`${type}.${name}`, body!, schema.block, PROVIDER_SCHEMA.meta_arguments),
        );
    }
    assert.deepEqual(problems, []);
    const r = parsed.resource;
    const set = recommendation.policySet;
    const target = r.aws_appautoscaling_target!.variant![0]!;
    assert.deepEqual(
      [target.resource_id, target.min_capacity, target.max_capacity],
      [RESOURCE_ID, set.minCapacity, set.maxCapacity],
    );
    const invocations = r.aws_appautoscaling_policy!.invocations_target_tracking![0]!;
    assert.equal(
      invocations.target_tracking_scaling_policy_configuration[0].target_value,
      set.invocationsTargetTracking!.targetValue,
    );
    const cpu = r.aws_appautoscaling_policy!.cpu_target_tracking![0]!;
    assert.equal(
      cpu.target_tracking_scaling_policy_configuration[0].target_value,
      set.cpuTargetTracking!.targetValue,
    );
    const steps =
      r.aws_appautoscaling_policy!.step_scaling![0]!.step_scaling_policy_configuration[0].step_adjustment;
    assert.deepEqual(
      steps.map((s: Json) => [
        Number(s.metric_interval_lower_bound),
        s.metric_interval_upper_bound === undefined ? null : Number(s.metric_interval_upper_bound),
        s.scaling_adjustment,
      ]),
      set.stepScaling!.steps.map((s) => [s.lower, s.upper, s.adjustment]),
    );
    const alarm = r.aws_cloudwatch_metric_alarm!.step_scaling![0]!;
    assert.equal(alarm.threshold, set.stepScaling!.alarmThresholdInvocationsPerInstance);
    assert.deepEqual(alarm.alarm_actions, [tfRef('aws_appautoscaling_policy.step_scaling.arn')]);
    assert.deepEqual(alarm.dimensions, { EndpointName: 'prod-endpoint', VariantName: 'blue' });
    const scheduled = Object.values(r.aws_appautoscaling_scheduled_action!).map(([a]) => a!);
    assert.deepEqual(
      scheduled.map((a) => [a.name, a.schedule, a.scalable_target_action[0]]),
      [
        ['weekday-morning', 'cron(0 8 ? * MON-FRI *)', { min_capacity: '3' }],
        ['weekday-evening', 'cron(0 20 ? * MON-FRI *)', { min_capacity: '1', max_capacity: '12' }],
      ],
    );
    // Chained: one scalable target takes one update at a time.
    assert.deepEqual(scheduled[1]!.depends_on, [tfRef('aws_appautoscaling_scheduled_action.scheduled_1')]);
  });

  test('the schema check catches an unknown argument, a wrong type and a missing required one', () => {
    const schema = PROVIDER_SCHEMA.resource_schemas.aws_appautoscaling_target!.block;
    assert.deepEqual(
      schemaProblems(
        't',
        {
          resource_id: 'x',
          scalable_dimension: 'd',
          service_namespace: 's',
          min_capacity: '1',
          max_capacit: 2,
        },
        schema,
      ),
      [
        't.min_capacity: a number is expected, got "1"',
        't.max_capacit: not an argument of this resource',
        't: missing required max_capacity',
      ],
    );
  });
});

describe('AWS CLI', () => {
  test('every --cli-input-json input validates against botocore', (t) => {
    const steps = cliSteps(input(withScheduledActions()));
    const records = steps.map((step) => ({
      service: step.service,
      operation: step.operation,
      input: JSON.parse(
        JSON.stringify(step.input).replace(
          tfRef('STEP_POLICY_ARN'),
          'arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:1:resource/sagemaker/x:policyName/y',
        ),
      ),
    }));
    const outcome = validateContractRecords(records);
    if (outcome.status === 'skipped') return t.skip(outcome.reason);
    assert.equal(describeFailures(outcome.results), '');
    assert.deepEqual(
      steps.map((s) => s.operation),
      [
        'RegisterScalableTarget',
        'PutScalingPolicy',
        'PutScalingPolicy',
        'PutScalingPolicy',
        'PutMetricAlarm',
        'PutScheduledAction',
        'PutScheduledAction',
      ],
    );
  });

  test('the script runs in order and gives the alarm the ARN put-scaling-policy returned', (t) => {
    const recommendation = withScheduledActions();
    const dir = scratchDir('cli-');
    const bin = join(dir, 'bin');
    const work = join(dir, 'work');
    spawnSync('mkdir', ['-p', bin, work]);
    // A recording `aws`: logs each call and the file it was given, answers PolicyARN for --query.
    writeFileSync(
      join(bin, 'aws'),
      `#!/usr/bin/env bash\nset -e\necho "$1 $2" >> calls.log\nfor a in "$@"; do case "$a" in file://*) cp "\${a#file://}" "call-$(wc -l < calls.log).json";; esac; done\nif [[ " $* " == *" --query PolicyARN "* ]]; then echo "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:abc:resource/sagemaker/${RESOURCE_ID}:policyName/step"; fi\n`,
    );
    chmodSync(join(bin, 'aws'), 0o755);
    const script = join(dir, 'apply.sh');
    writeFileSync(script, renderCliScript(input(recommendation)));
    const run = spawnSync('bash', [script], {
      cwd: work,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    });
    if (run.error) return t.skip(`bash not available: ${run.error.message}`);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(readFileSync(join(work, 'calls.log'), 'utf8').trim().split('\n'), [
      'application-autoscaling register-scalable-target',
      'application-autoscaling put-scaling-policy',
      'application-autoscaling put-scaling-policy',
      'application-autoscaling put-scaling-policy',
      'cloudwatch put-metric-alarm',
      'application-autoscaling put-scheduled-action',
      'application-autoscaling put-scheduled-action',
    ]);
    const alarm = JSON.parse(readFileSync(join(work, 'call-5.json'), 'utf8'));
    assert.deepEqual(alarm.AlarmActions, [
      `arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:abc:resource/sagemaker/${RESOURCE_ID}:policyName/step`,
    ]);
    assert.equal(alarm.Threshold, recommendation.policySet.stepScaling!.alarmThresholdInvocationsPerInstance);
    const registered = JSON.parse(readFileSync(join(work, 'call-1.json'), 'utf8'));
    assert.deepEqual(
      [registered.ResourceId, registered.MinCapacity, registered.MaxCapacity],
      [RESOURCE_ID, recommendation.policySet.minCapacity, recommendation.policySet.maxCapacity],
    );
    assert.ok(readdirSync(work).includes('01-register-scalable-target.json'));
    assertEvidence(readFileSync(script, 'utf8'), recommendation);
  });
});

describe('bad input', () => {
  test('an endpoint name SageMaker refuses is named, with what is expected', () => {
    assert.throws(
      () =>
        renderTerraform({
          ...input(loadFixture()),
          target: { endpointName: 'bad_name', variantName: 'AllTraffic' },
        }),
      (error: Error) =>
        error instanceof InvalidInputError &&
        /endpointName 'bad_name' must be 1\.\.63 letters/.test(error.message),
    );
  });

  test('an unknown format names the four', () => {
    assert.throws(
      () => parseExportFormat('pulumi'),
      /--format: one of cloudformation, terraform, cdk, cli, not 'pulumi'/,
    );
  });
});
