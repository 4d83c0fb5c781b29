/**
 * `npm run bench:search-map`: SearchPolicies, the Distributed Map of the state machine, executed
 * on this machine: the real states PlanSearch -> SearchPolicies (bridged by the local runner's
 * Distributed Map bridge, batches of 48 as ItemBatcher makes them) -> PickRobustPolicySet, with
 * the real handlers over the local run data, on a 14-day per-minute history with the default
 * candidate set (the derived policy set and the default grid).
 *
 * History: WorldCup98 (per-minute counts, read from ../shared/traces next to the repository,
 * never copied into it), 1998-06-20 to 1998-07-04 UTC, rescaled to a 500 rps peak. The plan is
 * derived from examples/benchmark.c5-large.json (the AWS sample's ml.c5.large) for 70..500 rps,
 * P95 within 100 ms. Prints the wall time, the twin runs, the batches and the search's cost line.
 * Node runs the batches on one thread: on Step Functions they run 16 at a time.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { handlerFactories } from '../functions/index';
import { createLocalRunData } from '../shared/adapters/local/run-data';
import { readTraceFile, sharedTracePath } from '../shared/adapters/local/traces';
import { localLambdaContext } from '../shared/contract/handler';
import { BenchmarkSeriesSchema } from '../shared/core/benchmark-file';
import { historySeriesOf, storedHistoryOf } from '../shared/core/history';
import { resolveInstancePricing } from '../shared/core/instance-types';
import { derivePlan } from '../shared/core/plan';
import type { WorkflowPorts } from '../shared/core/ports';
import { ScalingRequestSchema } from '../shared/core/request';
import type { SearchSummary } from '../shared/core/sim/search-map';
import { rescaleTraffic, windowTraffic } from '../shared/core/sim/traffic';
import { loadDefinition, taskFunctionKeys } from '../shared/workflow/definition';
import { bridgeDistributedMaps, type DistributedMapRun } from '../shared/workflow/distributed-map';
import '../shared/workflow/polyfills';

type Json = Parameters<StateMachine['run']>[0];
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIRST_DAY = '1998-06-20T00:00:00Z';
const DAYS = 14;

async function main() {
  const runDir = mkdtempSync(join(tmpdir(), 'scaleplan-search-map-'));
  const runData = createLocalRunData(runDir);
  const ports = { runData } as unknown as WorkflowPorts;
  const request = ScalingRequestSchema.parse({
    name: 'bench',
    model: { kind: 'local', demo: true },
    instanceType: 'ml.c5.large',
    vcpus: 2,
    traffic: { minRps: 70, maxRps: 500 },
    latencySlo: { percentile: 'P95', ms: 100 },
  });
  const series = BenchmarkSeriesSchema.parse(
    JSON.parse(readFileSync(join(REPO_ROOT, 'examples', 'benchmark.c5-large.json'), 'utf8')),
  );
  const derived = derivePlan(series, request);
  const plan = { ...derived, pricing: resolveInstancePricing(request.instanceType, undefined) };
  const trace = rescaleTraffic(readTraceFile(sharedTracePath(REPO_ROOT, 'worldcup98-per-minute.csv')), 500);
  const days = windowTraffic(trace, {
    startEpochSeconds: Date.parse(FIRST_DAY) / 1000,
    durationSeconds: DAYS * 86400,
  });
  const stored = storedHistoryOf(historySeriesOf(days), `WorldCup98 ${DAYS} days from ${FIRST_DAY}`);
  const { key: historyKey } = await runData.put('bench', 'history.json', stored);

  // The three states of the real definition, the reducer's Next replaced by the end.
  const full = loadDefinition() as StateMachineDefinition;
  const states = full.States as unknown as Record<string, Record<string, unknown>>;
  const picked = ['PlanSearch', 'SearchPolicies', 'PickRobustPolicySet'];
  const fragment = {
    StartAt: 'PlanSearch',
    States: Object.fromEntries(
      picked.map((name) => {
        const { Catch: _, ...state } = states[name]!;
        return [name, name === 'PickRobustPolicySet' ? { ...state, Next: undefined, End: true } : state];
      }),
    ),
  } as unknown as StateMachineDefinition;
  const keys = taskFunctionKeys();
  const handlers: Record<string, (input: Json) => Promise<Json>> = {};
  for (const name of ['PlanSearch', 'EvaluateCandidateBatch', 'PickRobustPolicySet']) {
    const key = keys[name] as keyof typeof handlerFactories;
    const handler = handlerFactories[key](ports);
    handlers[name] = async (input) => (await handler(input, localLambdaContext(key))) as Json;
  }
  const runs: DistributedMapRun[] = [];
  const overrides = { taskResourceLocalHandlers: handlers };
  const bridged = bridgeDistributedMaps(fragment, () => ({ overrides }), { onRun: (run) => runs.push(run) });
  Object.assign(handlers, bridged.handlers);
  const machine = new StateMachine(bridged.definition, { validationOptions: { noValidate: true } });
  const input = {
    request,
    names: {
      runId: 'bench',
      base: 'bench',
      jobName: 'bench',
      endpointName: 'bench',
      modelPackageGroupName: 'bench',
    },
    plan,
    history: { ref: { key: historyKey }, reasons: [] },
  };
  const started = performance.now();
  const output = (await machine.run(input as unknown as Json, { overrides }).result) as unknown as {
    plan: { search: SearchSummary };
  };
  const wallSeconds = (performance.now() - started) / 1000;
  const search = output.plan.search;
  console.log(`history: ${stored.source}, ${stored.invocationsPerMinute.length} minutes, peak 500 rps`);
  console.log(
    `candidates ${search.candidates} (derived + default grid), ${runs[0]?.childExecutions} batches of up to 48`,
  );
  console.log(`wall time ${wallSeconds.toFixed(1)} s, twin runs ${search.cost.twinRuns}`);
  console.log(
    `pick: ${search.picked?.label ?? 'none'}; derived meets the history: ${search.derivedMeetsHistory}`,
  );
  for (const reason of search.reasons.slice(-3)) console.log(`${reason.code}: ${reason.message}`);
  rmSync(runDir, { recursive: true, force: true });
}

await main();
