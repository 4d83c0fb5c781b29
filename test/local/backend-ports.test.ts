import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  createLocalPorts,
  LOCAL_EVALUATION_REASON_CODE,
  type RunLocalBenchmark,
  withLocalEvaluationReason,
} from '../../shared/adapters/local';
import { runLocalBenchmark } from '../../shared/adapters/local/loadgen';
import { DEMO_PAYLOAD_PATH } from '../../shared/adapters/local/model-server';
import { buildEvaluationInput, initialIteration } from '../../shared/contract/state';
import { analyzeBenchmark } from '../../shared/core/benchmark';
import type { BenchmarkSeries } from '../../shared/core/benchmark-file';
import { runNames } from '../../shared/core/naming';
import { buildScalingRequests, withAlarmAction } from '../../shared/core/policies';
import type { EvaluationInput } from '../../shared/core/ports';
import { type ScalingRequest, ScalingRequestSchema } from '../../shared/core/request';
import type { PolicySet } from '../../shared/core/types';

const request: ScalingRequest = ScalingRequestSchema.parse({
  name: 'unit',
  model: { kind: 'local', demo: true },
  instanceType: 'ml.c5.large',
  traffic: { minRps: 10, maxRps: 100 },
  latencySlo: { ms: 50 },
});

const series: BenchmarkSeries = {
  instanceType: 'ml.c5.large',
  vcpus: 1,
  periodSeconds: 10,
  points: [
    {
      timestamp: '2026-01-01T00:00:10.000Z',
      invocations: 100,
      modelLatencyAvgUs: 900,
      cpuUtilizationPercent: 20,
      invocation4xxErrors: 0,
      invocation5xxErrors: 0,
    },
    {
      timestamp: '2026-01-01T00:00:20.000Z',
      invocations: 200,
      modelLatencyAvgUs: 900,
      cpuUtilizationPercent: 40,
      invocation4xxErrors: 0,
      invocation5xxErrors: 0,
    },
    {
      timestamp: '2026-01-01T00:10:00.000Z',
      invocations: 999,
      modelLatencyAvgUs: 900,
      cpuUtilizationPercent: 90,
      invocation4xxErrors: 0,
      invocation5xxErrors: 0,
    },
  ],
};

const policySet: PolicySet = {
  minCapacity: 1,
  maxCapacity: 4,
  invocationsTargetTracking: {
    targetValue: 600,
    scaleOutCooldownSeconds: 10,
    scaleInCooldownSeconds: 100,
    disableScaleIn: false,
  },
  stepScaling: {
    alarmThresholdInvocationsPerInstance: 600,
    steps: [
      { lower: 0, upper: 30, adjustment: 1 },
      { lower: 30, upper: null, adjustment: 3 },
    ],
    cooldownSeconds: 10,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
  },
  scheduledActions: [],
};

function setUp(runBenchmark: RunLocalBenchmark = async () => series) {
  const runDir = mkdtempSync(join(tmpdir(), 'scaleplan-ports-'));
  const times = ['2026-01-01T00:00:00.000Z', '2026-01-01T00:05:00.000Z'];
  let tick = 0;
  const local = createLocalPorts({
    runDir,
    runBenchmark,
    now: () => new Date(times[Math.min(tick++, times.length - 1)] ?? times[0]!),
  });
  return { ...local, runDir };
}

async function settle(benchmarks: Map<string, Promise<BenchmarkSeries>>) {
  await Promise.allSettled([...benchmarks.values()]);
}

/** A server on the SageMaker contract on 127.0.0.1 that only counts the invocations it answers. */
async function countingServer() {
  let invocations = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/invocations') invocations += 1;
      res.writeHead(200, { 'content-type': 'text/csv' }).end('0.5\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    count: () => invocations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('local backend ports', () => {
  it('runs the Default job in the background and answers its window like GetMetricData', async () => {
    const { ports, benchmarks } = setUp();
    const { modelPackageArn } = await ports.registry.ensureModelPackage(request, 'r1');
    await ports.jobs.startDefaultJob({ jobName: 'job-1', modelPackageArn, instanceType: 'ml.c5.large' });
    await settle(benchmarks);
    const described = await ports.jobs.describeJob('job-1');
    assert.equal(described.status, 'COMPLETED');
    assert.ok(described.benchmarkWindow);
    const read = await ports.metrics.getBenchmarkSeries({
      window: described.benchmarkWindow,
      instanceType: 'ml.c5.large',
      vcpus: 1,
      periodSeconds: 60,
    });
    // The window is 00:00:00..00:05:00: the point at 00:10:00 is outside it (end exclusive).
    assert.deepEqual(
      read.points.map((p) => p.invocations),
      [100, 200],
    );
  });

  it('reports a failed benchmark as a FAILED job with its reason', async () => {
    const { ports, benchmarks } = setUp(async () => {
      throw new Error('connection refused on 127.0.0.1:9');
    });
    const { modelPackageArn } = await ports.registry.ensureModelPackage(request, 'r2');
    await ports.jobs.startDefaultJob({ jobName: 'job-2', modelPackageArn, instanceType: 'ml.c5.large' });
    await settle(benchmarks);
    const described = await ports.jobs.describeJob('job-2');
    assert.equal(described.status, 'FAILED');
    assert.match(described.failureReason ?? '', /connection refused/);
  });

  const reusedNames = [
    { name: 'while the first job runs', settleFirst: false, firstStatus: 'IN_PROGRESS' },
    { name: 'after the first job completed', settleFirst: true, firstStatus: 'COMPLETED' },
  ];
  for (const c of reusedNames) {
    it(`refuses a job name already in use (ResourceInUse), ${c.name}`, async () => {
      const signals: AbortSignal[] = [];
      const { ports, benchmarks } = setUp((_job, signal) => {
        signals.push(signal);
        if (c.settleFirst) return Promise.resolve(series);
        return new Promise((resolve) => signal.addEventListener('abort', () => resolve(series)));
      });
      const { modelPackageArn } = await ports.registry.ensureModelPackage(request, 'r-dup');
      const input = { jobName: 'job-dup', modelPackageArn, instanceType: 'ml.c5.large' };
      await ports.jobs.startDefaultJob(input);
      if (c.settleFirst) await settle(benchmarks);
      await assert.rejects(ports.jobs.startDefaultJob(input), {
        name: 'AwsRequestError',
        message: new RegExp(`ResourceInUse: a job named job-dup already exists \\(${c.firstStatus}\\)`),
      });
      assert.equal(signals.length, 1, 'no second load was started');
      assert.equal((await ports.jobs.describeJob('job-dup')).status, c.firstStatus);
      // The first job is still the one the name reaches: stopping it aborts its load.
      await ports.jobs.stopJob('job-dup');
      await settle(benchmarks);
      assert.equal(signals[0]!.aborted, true);
    });
  }

  it('refuses what Application Auto Scaling would refuse', async () => {
    const { ports } = setUp();
    const target = { endpointName: 'ep', variantName: 'AllTraffic' };
    const requests = buildScalingRequests(target, policySet);
    await assert.rejects(ports.scaling.registerScalableTarget(requests.registerScalableTarget), {
      name: 'InvalidInputError',
      message: /endpoint ep does not exist/,
    });
    await ports.hosting.createEndpoint({
      endpointName: 'ep',
      modelPackageArn: 'arn:aws:sagemaker:local:000000000000:model-package/x/1',
      instanceType: 'ml.c5.large',
      variantName: 'AllTraffic',
      initialInstanceCount: 1,
    });
    await assert.rejects(
      ports.scaling.registerScalableTarget({
        ...requests.registerScalableTarget,
        MinCapacity: 5,
        MaxCapacity: 2,
      }),
      { name: 'InvalidInputError', message: /MaxCapacity 2 must be an integer >= MinCapacity 5/ },
    );
    await ports.scaling.registerScalableTarget(requests.registerScalableTarget);
    assert.ok(requests.stepAlarm);
    await assert.rejects(ports.scaling.putMetricAlarm(withAlarmAction(requests.stepAlarm, 'arn:unknown')), {
      name: 'InvalidInputError',
      message: /unknown scaling policy/,
    });
    let stepArn = '';
    for (const policy of requests.putScalingPolicies) {
      const { policyArn } = await ports.scaling.putScalingPolicy(policy);
      if (policy.PolicyName === requests.stepPolicyName) stepArn = policyArn;
    }
    await ports.scaling.putMetricAlarm(withAlarmAction(requests.stepAlarm, stepArn));
  });

  it('cleans up exactly what exists, and a second clean-up finds nothing', async () => {
    const { ports, runDir } = setUp();
    const { created } = await ports.registry.ensureModelPackage(request, 'r3');
    const endpointRefs = await ports.hosting.createEndpoint({
      endpointName: 'ep3',
      modelPackageArn: created[1]?.arn ?? '',
      instanceType: 'ml.c5.large',
      variantName: 'AllTraffic',
      initialInstanceCount: 1,
    });
    const ledger = [...created, ...endpointRefs];
    const first = await Promise.all([...ledger].reverse().map((ref) => ports.cleanup.deleteResource(ref)));
    assert.deepEqual(first, ['deleted', 'deleted', 'deleted', 'deleted', 'deleted']);
    const second = await Promise.all(ledger.map((ref) => ports.cleanup.deleteResource(ref)));
    assert.deepEqual(second, ['notFound', 'notFound', 'notFound', 'notFound', 'notFound']);
    const state = JSON.parse(readFileSync(join(runDir, 'state.json'), 'utf8'));
    assert.deepEqual(state.endpoints, {});
    assert.deepEqual(state.modelPackages, {});
    assert.deepEqual(state.models, []);
  });

  it('shows a Default job IN_PROGRESS until its benchmark settles, as DescribeInferenceRecommendationsJob', async () => {
    let finishBenchmark!: (result: BenchmarkSeries) => void;
    const { ports, benchmarks } = setUp(
      () =>
        new Promise<BenchmarkSeries>((resolve) => {
          finishBenchmark = resolve;
        }),
    );
    const { modelPackageArn } = await ports.registry.ensureModelPackage(request, 'r4');
    await ports.jobs.startDefaultJob({ jobName: 'job-4', modelPackageArn, instanceType: 'ml.c5.large' });
    const polls = [await ports.jobs.describeJob('job-4'), await ports.jobs.describeJob('job-4')];
    assert.deepEqual(
      polls.map((p) => [p.status, p.benchmarkWindow]),
      [
        ['IN_PROGRESS', undefined],
        ['IN_PROGRESS', undefined],
      ],
    );
    finishBenchmark(series);
    await settle(benchmarks);
    const done = await ports.jobs.describeJob('job-4');
    assert.equal(done.status, 'COMPLETED');
    assert.equal(done.benchmarkWindow?.startTime, '2026-01-01T00:00:00.000Z');
  });

  type Local = ReturnType<typeof setUp>;
  const stopJob = (local: Local, jobName: string) => local.ports.jobs.stopJob(jobName);
  const cleanUpJob = async (local: Local, jobName: string) => {
    assert.equal(
      await local.ports.cleanup.deleteResource({ kind: 'recommenderJob', name: jobName }),
      'deleted',
    );
  };
  // What the run does when the workflow failed before its clean-up.
  const stopAll = async (local: Local) => local.stopAllJobs();
  const stopCases = [
    { name: 'StopJob during the load', stop: stopJob, when: 'load', periodsRecorded: 'some' },
    {
      name: 'the clean-up of the job during the load',
      stop: cleanUpJob,
      when: 'load',
      periodsRecorded: 'some',
    },
    { name: 'StopJob during the probe', stop: stopJob, when: 'probe', periodsRecorded: 'none' },
    { name: 'the end of a failed run (stopAllJobs)', stop: stopAll, when: 'load', periodsRecorded: 'some' },
  ] as const;
  for (const c of stopCases) {
    it(`stops the real load of a running Default job on ${c.name}, and the job stays STOPPED`, async () => {
      // Prepare: a real benchmark of up to 60 s (a 2 s probe, 1 s periods) against a counting server.
      const server = await countingServer();
      let benchmarkSignal: AbortSignal | undefined;
      let periodsReported = 0;
      try {
        const local = setUp((_job, signal) => {
          benchmarkSignal = signal;
          return runLocalBenchmark({
            url: server.url,
            payload: '1,2,3\n',
            periodSeconds: 1,
            maxDurationSeconds: 60,
            probeSeconds: 2,
            onPeriod: () => {
              periodsReported += 1;
            },
            signal,
          });
        });
        const { ports, benchmarks, runDir } = local;
        const { modelPackageArn } = await ports.registry.ensureModelPackage(request, 'r5');
        await ports.jobs.startDefaultJob({ jobName: 'job-5', modelPackageArn, instanceType: 'ml.c5.large' });
        const loadSeenBy = Date.now() + 10_000;
        const started = () => (c.when === 'load' ? periodsReported >= 1 : server.count() >= 50);
        while (!started() && Date.now() < loadSeenBy) await sleep(10);
        assert.ok(started(), `the ${c.when} reached the server (${server.count()} invocations)`);
        if (c.when === 'probe') assert.equal(periodsReported, 0, 'still in the probe');

        // Act
        const stoppedAt = Date.now();
        await c.stop(local, 'job-5');
        const [outcome] = await Promise.allSettled([...benchmarks.values()]);
        const settledAfterMs = Date.now() - stoppedAt;
        const countAtSettle = server.count();
        await sleep(300);

        // Assess
        assert.equal(benchmarkSignal?.aborted, true);
        assert.ok(settledAfterMs < 2_000, `the benchmark ended ${settledAfterMs} ms after the stop`);
        assert.equal(server.count(), countAtSettle, 'no request after the benchmark ended');
        assert.equal(outcome?.status, 'fulfilled', String(outcome?.status === 'rejected' && outcome.reason));
        const result = outcome?.status === 'fulfilled' ? outcome.value : undefined;
        assert.equal(result?.source?.stopReason, 'aborted');
        if (c.periodsRecorded === 'none') assert.equal(result?.points.length, 0);
        else assert.ok((result?.points.length ?? 0) >= 1);
        assert.equal((await ports.jobs.describeJob('job-5')).status, 'STOPPED');
        assert.equal(existsSync(join(runDir, 'benchmark.json')), false, 'no benchmark of a stopped job');
        const saved = JSON.parse(readFileSync(join(runDir, 'state.json'), 'utf8'));
        assert.equal(saved.jobs['job-5'].status, 'STOPPED');
      } finally {
        await server.close();
      }
    });
  }

  it('declares that it runs local models only, the capability NormalizeInput checks', () => {
    const { ports } = setUp();
    assert.deepEqual(ports.registry.modelKinds, ['local']);
  });

  it("records the package's local server and sample payload, and the Default job benchmarks them", async () => {
    // Prepare
    const jobs: Parameters<RunLocalBenchmark>[0][] = [];
    const { ports, benchmarks, state } = setUp(async (job) => {
      jobs.push(job);
      return series;
    });

    // Act
    const { modelPackageArn } = await ports.registry.ensureModelPackage({ ...request, vcpus: 2 }, 'r7');
    await ports.jobs.startDefaultJob({ jobName: 'job-7', modelPackageArn, instanceType: 'ml.c5.large' });
    await settle(benchmarks);

    // Assess
    assert.deepEqual(state.modelPackages[modelPackageArn]?.model, request.model);
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0]?.jobName, 'job-7');
    assert.equal(jobs[0]?.instanceType, 'ml.c5.large');
    assert.equal(jobs[0]?.vcpus, 2);
    assert.deepEqual(jobs[0]?.model, request.model);
    assert.deepEqual(jobs[0]?.payload, readFileSync(DEMO_PAYLOAD_PATH));
  });

  it('refuses an unreadable model.payloadFile at CreateModelPackage, before anything exists', async () => {
    const { ports, runDir } = setUp();
    const missing = join(runDir, 'no-such-payload.csv');
    await assert.rejects(
      ports.registry.ensureModelPackage(
        { ...request, model: { kind: 'local', demo: true, contentType: 'text/csv', payloadFile: missing } },
        'r8',
      ),
      { name: 'InvalidInputError', message: /^model\.payloadFile .*no-such-payload\.csv cannot be read: / },
    );
    assert.equal(existsSync(join(runDir, 'state.json')), false, 'no model package group was created');
  });

  // The input RunEvaluation builds (the endpoint is the run's), with or without the analysis.
  const names = runNames('unit', 'r9');
  const evaluationInput = (benchmark?: EvaluationInput['benchmark']): EvaluationInput =>
    buildEvaluationInput({
      request,
      names,
      ledger: [
        { kind: 'modelPackage', name: 'x/1', arn: 'arn:aws:sagemaker:local:000000000000:model-package/x/1' },
      ],
      iteration: initialIteration(),
      policySet,
      ...(benchmark ? { benchmark } : {}),
    });
  const createEvaluationEndpoint = (local: ReturnType<typeof setUp>) =>
    local.ports.hosting.createEndpoint({
      endpointName: names.endpointName,
      modelPackageArn: 'arn:aws:sagemaker:local:000000000000:model-package/x/1',
      instanceType: 'ml.c5.large',
      variantName: 'AllTraffic',
      initialInstanceCount: 1,
    });

  it('evaluates in the twin against the benchmark analysis its input carries', async () => {
    // Prepare
    const local = setUp();
    await createEvaluationEndpoint(local);
    const benchmarkFile = JSON.parse(
      readFileSync('examples/benchmark.c5-large.json', 'utf8'),
    ) as BenchmarkSeries;
    const analysis = analyzeBenchmark(benchmarkFile, { latencySlo: request.latencySlo });
    const input = evaluationInput(analysis);

    // Act
    const started = await local.ports.evaluation.start(input);
    const described = await local.ports.evaluation.describe(started.name);
    const metrics = await local.ports.evaluation.collectMetrics(started.name, input);

    // Assess
    assert.equal(described.status, 'COMPLETED', described.failureReason);
    assert.equal(metrics.periodSeconds, 60);
    assert.ok(metrics.points.length >= 1, `${metrics.points.length} minutes simulated`);
    assert.ok(metrics.points.some((point) => point.invocations > 0));
  });

  it('fails an evaluation whose input has no benchmark analysis, with the reason', async () => {
    const local = setUp();
    await createEvaluationEndpoint(local);
    const started = await local.ports.evaluation.start(evaluationInput());
    const described = await local.ports.evaluation.describe(started.name);
    assert.equal(described.status, 'FAILED');
    assert.match(described.failureReason ?? '', /no benchmark analysis/);
  });

  it('stores a recommendation with a reason saying the evaluation was the digital twin on the local backend', async () => {
    const { ports, runDir, storedRecommendation } = setUp();
    assert.equal(storedRecommendation(), undefined);
    const recommendation = {
      iterations: [
        { iteration: 1, prediction: {} },
        { iteration: 2, verdict: { passed: false } },
        { iteration: 3, verdict: { passed: true } },
      ],
      reasons: [{ code: 'passed', message: 'iteration 3 passed after 2 paid evaluation(s)' }],
    };
    const { uri } = await ports.artifacts.putRecommendation('r6', recommendation);
    const stored = JSON.parse(readFileSync(uri, 'utf8'));
    assert.equal(uri, join(runDir, 'recommendation.json'));
    assert.deepEqual(
      stored.reasons.map((r: { code: string }) => r.code),
      ['passed', LOCAL_EVALUATION_REASON_CODE],
    );
    assert.match(
      stored.reasons[1].message,
      /^the 2 evaluation\(s\) above were done by the digital twin on the local backend/,
    );
    assert.equal(recommendation.reasons.length, 1, "the caller's object is not changed");
    assert.deepEqual(storedRecommendation(), stored, 'the run reads the recommendation as stored');
    // Once only, and nothing but a recommendation is touched.
    assert.equal(withLocalEvaluationReason(stored).reasons.length, 2);
    assert.equal(withLocalEvaluationReason(null), null);
    assert.deepEqual(withLocalEvaluationReason({ status: 'x' }), { status: 'x' });
  });
});
