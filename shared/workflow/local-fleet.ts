/**
 * The local run on the local endpoint (docs/local-endpoint.md): the Default job benchmarks ONE
 * instance of the fleet (the same server command, the same CPU quota, behind the same router) and
 * reports its series on the scaled clock, so the thresholds the core derives fit the fleet; the
 * Advanced job is a real load test of a fleet of such instances that executes exactly what
 * RegisterPolicies registered, measured by the local CloudWatch.
 */
import { availableParallelism } from 'node:os';
import type { LocalBenchmarkJob, LocalEvaluationDriverFactory, LocalModelSource } from '../adapters/local';
import { LOCAL_ENDPOINT_REASON_CODE } from '../adapters/local';
import {
  createFleetEvaluationDriver,
  createLocalEndpoint,
  DEFAULT_RESERVED_CORES,
  defaultInstanceCores,
  detectCpuLimiter,
  type FleetProgress,
  type RoutingStrategy,
  type ServerCommand,
} from '../adapters/local/fleet';
import { type BenchmarkProgress, runLocalBenchmark } from '../adapters/local/loadgen';
import { receivedScalingRequests } from '../adapters/local/scaling';
import type { BenchmarkSeries } from '../core/benchmark-file';
import { ConfigurationError, InvalidInputError } from '../core/errors';
import type { SimSettings } from '../core/sim/settings';

/** AWS seconds per real second on the local endpoint: one AWS minute lasts one real second. */
export const DEFAULT_TIME_SCALE = 60;
/** Instances of the local endpoint at most, by default: each gets (cores - 0.5) / this of a core. */
export const DEFAULT_LOCAL_MAX_INSTANCES = 5;
/**
 * How long the fleet is kept after the load, AWS seconds, so the scale-in is measured: target
 * tracking's low alarm needs 15 datapoints of a minute, then the scale-in cooldown (300 s by
 * default) between steps; it ends sooner once the fleet is back at MinCapacity.
 */
export const DEFAULT_AFTER_LOAD_SECONDS = 2_700;

export interface LocalFleetOptions {
  /** AWS seconds per real second. Default {@link DEFAULT_TIME_SCALE}. */
  timeScale?: number;
  /** CPU quota of one instance, cores. Default: {@link DEFAULT_LOCAL_MAX_INSTANCES} fit with 0.5 cores left. */
  instanceCores?: number;
  /** SageMaker's routing strategy of the router. Default RANDOM. */
  routingStrategy?: RoutingStrategy;
  /** Kept after the load to measure the scale-in, AWS seconds. Default {@link DEFAULT_AFTER_LOAD_SECONDS}. */
  afterLoadSeconds?: number;
  /** AWS behaviour shared with the twin (start-up time, publication delay, timeout). */
  settings?: Partial<SimSettings>;
  /** Once per period of the scaled clock during an evaluation: the fleet and its last period. */
  onFleetProgress?: (progress: FleetProgress) => void;
}

/** The fleet's settings as resolved for this machine, named in every output. */
export interface ResolvedFleet {
  timeScale: number;
  instanceCores: number;
  /** How many instances fit at most with 0.5 cores left for the router and the load. */
  maxInstances: number;
  capacityMode: string;
  capacityNote: string;
  routingStrategy: RoutingStrategy;
  afterLoadSeconds: number;
  settings?: Partial<SimSettings>;
}

export function resolveFleet(options: LocalFleetOptions): ResolvedFleet {
  const timeScale = options.timeScale ?? DEFAULT_TIME_SCALE;
  if (!(Number.isFinite(timeScale) && timeScale >= 1 && timeScale <= 3600))
    throw new InvalidInputError(
      `the time scale is from 1 to 3600 AWS seconds per real second, got ${timeScale}`,
    );
  const instanceCores = options.instanceCores ?? defaultInstanceCores(DEFAULT_LOCAL_MAX_INSTANCES);
  const free = availableParallelism() - DEFAULT_RESERVED_CORES;
  if (!(instanceCores >= 0.05 && instanceCores <= free))
    throw new InvalidInputError(
      `an instance of the local endpoint has from 0.05 to ${free} cores (${availableParallelism()} cores, ${DEFAULT_RESERVED_CORES} kept for the router and the load), got ${instanceCores}`,
    );
  const limiter = detectCpuLimiter();
  return {
    timeScale,
    instanceCores,
    maxInstances: Math.floor(free / instanceCores + 1e-9),
    capacityMode: limiter.mode,
    capacityNote: limiter.note,
    routingStrategy: options.routingStrategy ?? 'RANDOM',
    afterLoadSeconds: options.afterLoadSeconds ?? DEFAULT_AFTER_LOAD_SECONDS,
    ...(options.settings ? { settings: options.settings } : {}),
  };
}

/** The local endpoint in one line, for the summary and the progress display. */
export function describeResolvedFleet(fleet: ResolvedFleet): string {
  const limit =
    fleet.capacityMode === 'concurrency'
      ? 'a concurrency limit per instance (no cgroup CPU controller here)'
      : `${fleet.instanceCores} cores per instance by a ${fleet.capacityMode} CPU quota`;
  return `local endpoint: real model-server processes, ${limit}, at most ${fleet.maxInstances} instances, ${fleet.routingStrategy} routing, time scale ${fleet.timeScale} (one AWS minute = ${(60 / fleet.timeScale).toFixed(2)} real s; every per-minute figure is per minute of the scaled clock)`;
}

/** What an instance runs for a local model: the demo server, or the user's command. */
export function serverCommandOf(model: LocalModelSource): ServerCommand {
  if (model.command) return { kind: 'command', argv: model.command };
  if (model.demo) return { kind: 'demo' };
  throw new ConfigurationError(
    `model.url ${model.url} is one running server: the local endpoint starts its instances itself, so give model.command (argv with {port}) or model.demo, or evaluate with the twin (--evaluation twin)`,
  );
}

/**
 * The benchmark's series on the scaled clock and in the fleet's CPU units: the same counts per
 * period, each period `timeScale` times longer, and CPU as a share of the instance's quota times
 * its vCPUs (what the fleet's CloudWatch publishes), so the thresholds derived from it are the
 * fleet's.
 *
 * @example
 * onFleetClock(series /* 10 s periods, 30 % of a core *\/, { timeScale: 60, instanceCores: 0.3, vcpus: 1 });
 * // periodSeconds 600, cpuUtilizationPercent 100
 */
export function onFleetClock(
  series: BenchmarkSeries,
  fleet: { timeScale: number; instanceCores: number; vcpus: number },
): BenchmarkSeries {
  const startMs = Date.parse(series.points[0]?.timestamp ?? '1970-01-01T00:00:00Z');
  const periodSeconds = series.periodSeconds * fleet.timeScale;
  const cpuFactor = fleet.vcpus / series.vcpus / fleet.instanceCores;
  return {
    ...series,
    vcpus: fleet.vcpus,
    periodSeconds,
    timeScale: fleet.timeScale,
    points: series.points.map((point, i) => ({
      ...point,
      timestamp: new Date(startMs + i * periodSeconds * 1000).toISOString(),
      cpuUtilizationPercent: point.cpuUtilizationPercent * cpuFactor,
      ...(point.coveredSeconds === undefined
        ? {}
        : { coveredSeconds: point.coveredSeconds * fleet.timeScale }),
    })),
    source: {
      ...series.source,
      instanceCores: fleet.instanceCores,
      realPeriodSeconds: series.periodSeconds,
    },
  };
}

/**
 * The Default job on the fleet's terms: one instance of the local endpoint (the same command and
 * quota) benchmarked through its router by the local load generator, on the scaled clock.
 */
export function fleetBenchmarkRunner(
  fleet: ResolvedFleet,
  lengths: { benchmarkSeconds: number; periodSeconds: number },
  events: {
    onBenchmarkPeriod?: (progress: BenchmarkProgress) => void;
    onServerStarted?: (server: { url: string; pids: number[] }) => void;
  },
): (job: LocalBenchmarkJob, signal: AbortSignal) => Promise<BenchmarkSeries> {
  return async (job, signal) => {
    const vcpus = job.vcpus ?? 1;
    const endpoint = await createLocalEndpoint({
      endpointName: `${job.jobName}-bench`.slice(0, 63),
      command: serverCommandOf(job.model),
      initialInstanceCount: 1,
      maxInstances: 1,
      timeScale: fleet.timeScale,
      instanceCores: fleet.instanceCores,
      vcpusPerInstance: vcpus,
      ...(fleet.settings ? { settings: fleet.settings } : {}),
    });
    try {
      await endpoint.waitInService(30_000);
      const pids = endpoint.inServiceInstances().map((instance) => instance.pid);
      events.onServerStarted?.({ url: endpoint.invocationsUrl, pids });
      const series = await runLocalBenchmark({
        signal,
        url: endpoint.invocationsUrl,
        payload: job.payload,
        contentType: job.model.contentType,
        serverPids: pids,
        vcpus: 1,
        instanceType: job.instanceType,
        periodSeconds: lengths.periodSeconds,
        maxDurationSeconds: lengths.benchmarkSeconds,
        ...(events.onBenchmarkPeriod ? { onPeriod: events.onBenchmarkPeriod } : {}),
      });
      return onFleetClock(
        {
          ...series,
          source: { ...series.source, jobName: job.jobName, capacityMode: endpoint.capacityMode.mode },
        },
        { timeScale: fleet.timeScale, instanceCores: fleet.instanceCores, vcpus },
      );
    } finally {
      await endpoint.stop();
    }
  };
}

/**
 * The local Advanced job on the fleet: the model package's sample and server, the policies as
 * RegisterPolicies registered them, the fleet's size and clock.
 */
export function fleetEvaluationFactory(
  fleet: ResolvedFleet,
  options: LocalFleetOptions,
): LocalEvaluationDriverFactory {
  return (store) =>
    createFleetEvaluationDriver({
      endpoint: {
        command: { kind: 'demo' },
        timeScale: fleet.timeScale,
        instanceCores: fleet.instanceCores,
        routingStrategy: fleet.routingStrategy,
        ...(fleet.settings ? { settings: fleet.settings } : {}),
      },
      endpointFor: (input) => {
        const modelPackage = store.state.modelPackages[input.modelPackageArn];
        if (!modelPackage?.model)
          throw new ConfigurationError(`model package ${input.modelPackageArn} names no local server`);
        if (input.policySet.maxCapacity > fleet.maxInstances)
          throw new ConfigurationError(
            `MaxCapacity ${input.policySet.maxCapacity} instances of ${fleet.instanceCores} cores do not fit on this machine (at most ${fleet.maxInstances}): lower maxInstancesLimit, or give --instance-cores`,
          );
        return {
          command: serverCommandOf(modelPackage.model),
          vcpusPerInstance: modelPackage.vcpus ?? 1,
        };
      },
      sample: (input) => {
        const payload = store.payloads.get(input.modelPackageArn);
        const model = store.state.modelPackages[input.modelPackageArn]?.model;
        if (!payload || !model)
          throw new ConfigurationError(`model package ${input.modelPackageArn} has no local sample payload`);
        return { payload, contentType: model.contentType };
      },
      scalingRequestsOf: (input) =>
        receivedScalingRequests(store.state, `endpoint/${input.endpointName}/variant/${input.variantName}`),
      afterLoadSeconds: fleet.afterLoadSeconds,
      ...(options.onFleetProgress ? { onProgress: options.onFleetProgress } : {}),
    });
}

/** The reason the local backend adds to a recommendation measured on the local endpoint. */
export function fleetEvaluationReason(fleet: ResolvedFleet): { code: string; message: string } {
  return {
    code: LOCAL_ENDPOINT_REASON_CODE,
    message: `the evaluations above were measured on the ${describeResolvedFleet(fleet)}: a real load test of a fleet that scaled by the registered policies, not a SageMaker endpoint; nothing was deployed or paid. Each iteration shows the twin's prediction next to the measurement`,
  };
}
