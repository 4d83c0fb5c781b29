import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  evaluationName,
  isAwsName,
  MAX_BASE_LENGTH,
  MAX_ENDPOINT_NAME_LENGTH,
  MAX_JOB_NAME_LENGTH,
  runIdFor,
  runNames,
  toAwsName,
} from '../../shared/core/naming';

const JOB_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}$/;
const ENDPOINT_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

describe('toAwsName', () => {
  const cases: { name: string; text: string; max: number; expected: string }[] = [
    { name: 'already valid', text: 'churn-model', max: 40, expected: 'churn-model' },
    {
      name: 'underscores, spaces and symbols become single hyphens',
      text: 'My_Model v2!',
      max: 40,
      expected: 'My-Model-v2',
    },
    { name: 'leading and trailing junk trimmed', text: '--a--', max: 40, expected: 'a' },
    { name: 'cut at the limit without a trailing hyphen', text: 'abcde-fgh', max: 6, expected: 'abcde' },
    { name: 'exactly at the limit', text: 'abcdef', max: 6, expected: 'abcdef' },
    { name: 'one over the limit', text: 'abcdefg', max: 6, expected: 'abcdef' },
    { name: 'nothing left falls back', text: '___', max: 40, expected: 'scaleplan' },
  ];
  for (const c of cases) test(c.name, () => assert.equal(toAwsName(c.text, c.max), c.expected));

  test('property: any text gives a valid name within the limit', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.integer({ min: 1, max: 63 }), (text, max) => {
        const name = toAwsName(text, max);
        return isAwsName(name, max);
      }),
    );
  });
});

describe('runIdFor', () => {
  test('10 base-36 characters, deterministic, different for different executions', () => {
    const id = runIdFor('a1b2c3d4-0000-4000-8000-000000000000');
    assert.match(id, /^[0-9a-z]{10}$/);
    assert.equal(runIdFor('a1b2c3d4-0000-4000-8000-000000000000'), id);
    assert.notEqual(runIdFor('a1b2c3d4-0000-4000-8000-000000000001'), id);
  });
  test('the same execution name on two state machines (dev and prod stages) gives two run ids', () => {
    const arn = (stateMachine: string) =>
      `arn:aws:states:us-east-1:123456789012:execution:${stateMachine}:release-42`;
    assert.notEqual(runIdFor(arn('scaleplan-dev')), runIdFor(arn('scaleplan-prod')));
  });
  test('64-bit FNV-1a of the empty string is the offset basis: 14695981039346656037 mod 36^10 = "iihzj4ux45"', () => {
    assert.equal(runIdFor(''), 'iihzj4ux45');
  });
  test('FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c (the published test vector), mod 36^10', () => {
    assert.equal(runIdFor('a'), (0xaf63dc4c8601ec8cn % 36n ** 10n).toString(36).padStart(10, '0'));
  });
});

describe('runNames', () => {
  test('worked example', () => {
    assert.deepEqual(runNames('churn-model', 'k3x9a0b'), {
      runId: 'k3x9a0b',
      base: 'churn-model-k3x9a0b',
      jobName: 'churn-model-k3x9a0b-bench',
      endpointName: 'churn-model-k3x9a0b-eval',
      modelPackageGroupName: 'churn-model-k3x9a0b',
    });
    assert.equal(evaluationName(runNames('churn', 'k3x9a0b'), 2), 'churn-k3x9a0b-eval-2');
  });

  test('a 40-character request name is shortened, never the run id: the base stays at 40', () => {
    const names = runNames('a'.repeat(40), 'k3x9a0b');
    assert.equal(names.base.length, MAX_BASE_LENGTH);
    assert.ok(names.base.endsWith('-k3x9a0b'));
    assert.equal(names.jobName.length, 46);
  });

  test('property: every name is valid for its API, at every iteration up to 10', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 80 }),
        fc.string({ minLength: 1, maxLength: 80 }),
        (name, execution) => {
          const names = runNames(name, runIdFor(execution));
          const evaluations = Array.from({ length: 10 }, (_, i) => evaluationName(names, i + 1));
          return (
            names.base.length <= MAX_BASE_LENGTH &&
            JOB_NAME.test(names.jobName) &&
            names.jobName.length <= MAX_JOB_NAME_LENGTH &&
            ENDPOINT_NAME.test(names.endpointName) &&
            names.endpointName.length <= MAX_ENDPOINT_NAME_LENGTH &&
            evaluations.every((e) => JOB_NAME.test(e) && e.length <= MAX_JOB_NAME_LENGTH)
          );
        },
      ),
    );
  });
});
