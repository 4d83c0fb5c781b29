/**
 * The ownership rule (both tags must match) and the one-run-per-version rule (the earlier start
 * goes on; a tie goes to the smaller ARN; a duplicate EventBridge delivery names the same version).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { earlierRunOf, modelVersionOfInput } from '../../shared/core/one-run-per-version';
import { isOwnedBy, ownerTags, stateMachineArnOf } from '../../shared/core/ownership';
import type { RunningExecution } from '../../shared/core/ports';

const SM = 'arn:aws:states:us-east-1:123456789012:stateMachine:scaleplan-prod';
const owner = { runId: 'abc123def4', stateMachineArn: SM };

describe('isOwnedBy', () => {
  const cases: { name: string; tags: { key: string; value: string }[]; owned: boolean }[] = [
    { name: 'both tags match', tags: ownerTags(owner), owned: true },
    { name: 'untagged', tags: [], owned: false },
    {
      name: 'another run id',
      tags: [{ key: 'scaleplan:run-id', value: 'other' }, ownerTags(owner)[1]!],
      owned: false,
    },
    {
      name: 'another state machine',
      tags: [ownerTags(owner)[0]!, { key: 'scaleplan:state-machine', value: `${SM}-dev` }],
      owned: false,
    },
    { name: 'boundary: run id only, owner with a state machine', tags: [ownerTags(owner)[0]!], owned: false },
  ];
  for (const row of cases)
    test(row.name, () => {
      const verdict = isOwnedBy(row.tags, owner);
      assert.equal(verdict.owned, row.owned, verdict.reason);
      assert.match(verdict.reason, /scaleplan:/);
    });
  test('an owner without a state machine needs only the run id', () => {
    assert.equal(isOwnedBy([{ key: 'scaleplan:run-id', value: 'r1' }], { runId: 'r1' }).owned, true);
  });
});

test('stateMachineArnOf turns an execution ARN into its state machine, and refuses anything else', () => {
  assert.equal(stateMachineArnOf('arn:aws:states:us-east-1:123456789012:execution:scaleplan-prod:run-1'), SM);
  assert.equal(stateMachineArnOf(SM), undefined);
  assert.equal(stateMachineArnOf('not-an-arn'), undefined);
});

const VERSION = 'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3';
const request = { name: 'churn', model: { kind: 'modelPackage', modelPackageArn: VERSION } };
const event = { 'detail-type': 'SageMaker Model Package State Change', detail: { ModelPackageArn: VERSION } };
const run = (name: string, startDate: string, input: unknown): RunningExecution => ({
  executionArn: `arn:aws:states:us-east-1:123456789012:execution:scaleplan-prod:${name}`,
  startDate,
  input,
});
const self = run('b', '2026-01-01T00:05:00.000Z', request);

describe('earlierRunOf', () => {
  const cases: { name: string; running: RunningExecution[]; refusedBy?: string }[] = [
    { name: 'nothing else runs', running: [self] },
    {
      name: 'an earlier request for the version',
      running: [self, run('a', '2026-01-01T00:00:00.000Z', request)],
      refusedBy: 'a',
    },
    {
      name: 'a duplicate EventBridge delivery: an earlier event for the version',
      running: [self, run('a', '2026-01-01T00:00:00.000Z', event)],
      refusedBy: 'a',
    },
    {
      name: 'a later one for the version: this one goes on',
      running: [self, run('c', '2026-01-01T00:09:00.000Z', request)],
    },
    {
      name: 'boundary: same second, smaller ARN wins',
      running: [self, run('a', self.startDate, request)],
      refusedBy: 'a',
    },
    { name: 'boundary: same second, larger ARN loses', running: [self, run('c', self.startDate, request)] },
    {
      name: 'another version',
      running: [
        self,
        run('a', '2026-01-01T00:00:00.000Z', {
          model: { kind: 'modelPackage', modelPackageArn: `${VERSION}0` },
        }),
      ],
    },
    {
      name: 'a container run (its own version)',
      running: [self, run('a', '2026-01-01T00:00:00.000Z', { model: { kind: 'container' } })],
    },
    {
      name: 'self not listed yet: any running one came first',
      running: [run('z', '2026-01-01T00:09:00.000Z', request)],
      refusedBy: 'z',
    },
  ];
  for (const row of cases)
    test(row.name, () => {
      const earlier = earlierRunOf(self.executionArn, VERSION, row.running);
      assert.equal(earlier?.executionArn.split(':').at(-1), row.refusedBy);
    });
  test('modelVersionOfInput reads a request and an event, and nothing else', () => {
    assert.equal(modelVersionOfInput(request), VERSION);
    assert.equal(modelVersionOfInput(event), VERSION);
    for (const other of [null, 42, 'x', [], { model: { kind: 'container' } }])
      assert.equal(modelVersionOfInput(other), undefined);
  });
});
