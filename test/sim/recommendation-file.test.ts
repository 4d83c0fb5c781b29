/**
 * `scaleplan simulate` and `search` read the recommendation.json scaleplan itself writes: the
 * real derivation (example benchmark of ml.c5.large, the AWS sample's expectations) assembled by
 * assembleRecommendation, serialized, then loaded and run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadRecommendation } from '../../cli/commands/simulate';
import type { BenchmarkSeries } from '../../shared/core/benchmark-file';
import { resolveInstancePricing } from '../../shared/core/instance-types';
import { derivePlan } from '../../shared/core/plan';
import { assembleRecommendation } from '../../shared/core/recommendation';
import { ScalingRequestSchema } from '../../shared/core/request';

const request = ScalingRequestSchema.parse({
  model: { kind: 'local', demo: true },
  instanceType: 'ml.c5.large',
  traffic: { minRps: 70, maxRps: 500, growthFactor: 1.2 },
  latencySlo: { percentile: 'P95', ms: 200 },
  goal: 50,
  evaluation: { allowedErrorRate: 0.01 },
});
const series = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'benchmark.c5-large.json'), 'utf8'),
) as BenchmarkSeries;
const plan = derivePlan(series, request);
const recommendation = assembleRecommendation({
  runId: 'run-1',
  request,
  target: { endpointName: 'ep', variantName: 'AllTraffic' },
  benchmark: plan.benchmark,
  thresholds: plan.thresholds,
  capacity: plan.capacity,
  history: [],
  final: {
    iteration: 1,
    policySet: plan.policySet,
    verdict: {
      passed: true,
      maxInvocationsPerMinute: 30000,
      targetInvocationsPerMinute: 30000,
      errorRate: 0,
      worstLatencyMs: 50,
      failures: [],
      reasons: [],
    },
  },
  pricing: resolveInstancePricing('ml.c5.large'),
});
const dir = mkdtempSync(join(tmpdir(), 'scaleplan-rec-'));
const file = join(dir, 'recommendation.json');
writeFileSync(file, JSON.stringify(recommendation, null, 2));
const trace = join(dir, 'trace.csv');
// 30 minutes at 60 rps then 30 at 480 rps: more than one instance serves (peak about 9068/min)
const rows = Array.from({ length: 60 }, (_, m) => {
  const time = `2024-01-01 ${String(10 + Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}:00`;
  return `${time},${m < 30 ? 3600 : 28800}`;
});
writeFileSync(trace, `period,count\n${rows.join('\n')}\n`);
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['bin/scaleplan.js', ...args], { encoding: 'utf8', timeout: 60_000 });

describe('the recommendation file scaleplan writes', () => {
  it('keeps the whole benchmark analysis, latency curve included', () => {
    assert.ok(recommendation.benchmark.latencyCurve.length >= 2);
    assert.equal(recommendation.formatVersion, 1);
    const loaded = loadRecommendation(file);
    assert.deepEqual(loaded.analysis, plan.benchmark);
    assert.deepEqual(loaded.policySet, plan.policySet);
    // the SLO and the expected peak come from the recommendation's expectations
    assert.equal(loaded.latencySloMs, 200);
    assert.equal(loaded.maxRps, 500);
    // and so does the error budget the evaluations were judged with (search judges candidates by it)
    assert.equal(recommendation.expectations.allowedErrorRate, 0.01);
    assert.equal(loaded.allowedErrorRate, 0.01);
  });

  it('scaleplan simulate runs it on a trace without --latency-slo-ms', () => {
    const r = cli('simulate', '--recommendation', file, '--trace', trace, '--no-series');
    assert.equal(r.status, 0, r.stderr);
    const json = JSON.parse(r.stdout);
    assert.equal(json.latencySloMs, 200);
    // the backlog of the first minutes at 480 rps drains on top of the traffic
    assert.ok(json.maxInvocationsPerMinute >= 28800, String(json.maxInvocationsPerMinute));
    assert.ok(json.scalingActivities.length >= 1, 'the step to 480 rps scales out');
    assert.equal(json.scalingActivities[0].fromCapacity, plan.policySet.minCapacity);
    assert.ok(json.instanceHours > 0);
  });

  it('scaleplan simulate --phases stops at maxRps x 60 from the expectations', () => {
    const r = cli(
      'simulate',
      '--recommendation',
      file,
      '--phases',
      '[{"InitialNumberOfUsers":1,"SpawnRate":1,"DurationInSeconds":7200}]',
      '--no-series',
    );
    assert.equal(r.status, 0, r.stderr);
    const json = JSON.parse(r.stdout);
    assert.ok(json.durationSeconds < 7200, `stopped early at ${json.durationSeconds} s`);
    assert.equal(json.stoppedEarly, true);
  });

  it('scaleplan search runs it', () => {
    const r = cli(
      'search',
      '--recommendation',
      file,
      '--trace',
      trace,
      '--targets',
      '0.5',
      '--scale-out-cooldowns',
      '60',
      '--scale-in-cooldowns',
      '300',
      '--format',
      'table',
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /baseline\s+AWS sample/);
  });
});
