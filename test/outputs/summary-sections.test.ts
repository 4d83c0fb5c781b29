/**
 * The pull-request parts of summary.md: the verdict, the policy table, the cost per month at
 * minimum, typical and maximum traffic (worked numbers of the demo run), how to export.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HOURS_PER_MONTH, monthlyCosts } from '../../shared/outputs/monthly-cost';
import { policyTable, pullRequestSections } from '../../shared/outputs/pr-sections';
import { renderRunSummary } from '../../shared/outputs/summary';
import { loadFixture, withScheduledActions } from './tools';

describe('monthly cost', () => {
  test('demo: 214.8 rps per instance, Min 1, Max 17, $0.102/h x 730 h', () => {
    const { rows, reasons } = monthlyCosts(loadFixture());
    assert.deepEqual(
      rows.map((r) => [r.traffic, r.requestsPerSecond, r.instances, r.usdPerMonth]),
      [
        ['minimum', 200, 1, 74.46],
        ['typical', 1600, 8, 595.68],
        ['maximum', 3000, 14, 1042.44],
      ],
    );
    assert.match(reasons[0]!.message, /typical = \(200 \+ 3000\) \/ 2 = 1600 rps/);
    assert.equal(HOURS_PER_MONTH, 730);
  });

  test('boundary: the fleet stays within Min and Max, and an unknown price is n/a', () => {
    const r = loadFixture();
    const tight = {
      ...r,
      policySet: { ...r.policySet, minCapacity: 2, maxCapacity: 10 },
      cost: { ...r.cost, pricePerInstanceHourUsd: null },
    };
    const { rows } = monthlyCosts(tight);
    assert.deepEqual(
      rows.map((row) => [row.instances, row.usdPerMonth]),
      [
        [2, null],
        [8, null],
        [10, null],
      ],
    );
  });
});

describe('policy table', () => {
  test('shows a concurrency policy (scale-out only) with its metric, target and cooldown', () => {
    const r = loadFixture();
    r.policySet.concurrencyTargetTracking = {
      targetValue: 1.29,
      scaleOutCooldownSeconds: 300,
      scaleInCooldownSeconds: 300,
      disableScaleIn: true,
    };
    assert.ok(
      policyTable(r).includes(
        '| target tracking (scale-out only) | SageMakerVariantConcurrentRequestsPerModelHighResolution (10 s) | 1.29 concurrent requests per instance | out 300 s |',
      ),
      policyTable(r).join('\n'),
    );
  });
});

describe('pull-request sections', () => {
  test('verdict, policy table, cost table and the four export commands', () => {
    const text = pullRequestSections(loadFixture(), 'out/run/recommendation.json').join('\n');
    assert.match(text, /## Verdict\n\n\*\*passed\*\*: \d+ invocations\/min reached of 180000 expected/);
    assert.match(
      text,
      /\| target tracking \| SageMakerVariantInvocationsPerInstance \| 12889 per instance per minute \| out 10 s, in 100 s \|/,
    );
    assert.match(text, /\| typical \| 1600 \| 8 \| 595.68 \|/);
    for (const format of ['cloudformation', 'terraform', 'cdk', 'cli'])
      assert.ok(
        text.includes(
          `npx scaleplan export --recommendation out/run/recommendation.json --endpoint YOUR-ENDPOINT --format ${format}`,
        ),
      );
  });

  test('scheduled actions get a row each', () => {
    const rows = policyTable(withScheduledActions()).filter((line) => line.startsWith('| scheduled'));
    assert.deepEqual(rows, [
      '| scheduled | cron(0 8 ? * MON-FRI *) Europe/Paris | Min 3, Max - | - |',
      '| scheduled | cron(0 20 ? * MON-FRI *) UTC | Min 1, Max 12 | - |',
    ]);
  });
});

describe('summary.md of a succeeded run', () => {
  test('ends with the pull-request sections when it knows where recommendation.json is', () => {
    const run = {
      status: 'SUCCEEDED' as const,
      error: null,
      states: ['NormalizeInput', 'Succeeded'],
      recommendation: loadFixture(),
      folder: 'out/run',
    };
    assert.doesNotMatch(renderRunSummary(run), /## Verdict/);
    const text = renderRunSummary({ ...run, recommendationPath: 'out/run/recommendation.json' });
    assert.match(text, /- states: 2 entered, last Succeeded\n\n## Verdict\n/);
    assert.match(text, /## Cost per month\n/);
    assert.match(
      text,
      /--recommendation out\/run\/recommendation.json --endpoint YOUR-ENDPOINT --format terraform/,
    );
  });
});
