/**
 * What happens at every period boundary of the scaled clock: the InService instances' CPU and
 * memory from /proc for the period that just ended, the fleet size, then the scaler's evaluation
 * and the update it asks for.
 */
import { cpuUtilizationPercent, type ProcessSample, sampleProcesses } from '../loadgen/proc-stats';
import type { LocalAutoScaling } from './autoscaling';
import { ENDPOINT_INSTANCE_NAMESPACE, LOCAL_FLEET_NAMESPACE } from './cloudwatch';
import { emit, type FleetContext, inServiceOf, updateInstanceCount } from './lifecycle';

/** Starts the boundaries; returns the function that stops them. */
export function startPeriodTicker(ctx: FleetContext, autoscaling: LocalAutoScaling): () => void {
  const { clock, cloudWatch, periodSeconds } = ctx;
  let previous: { samples: ProcessSample[]; realMs: number } | undefined;
  let nextBoundary = clock.startEpochSeconds + periodSeconds;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    // A timer may fire a millisecond before the wall clock reaches the boundary (timers and
    // Date.now round differently): a decision must not precede the boundary it is made at.
    if (clock.nowSeconds() < nextBoundary) return schedule();
    const boundary = nextBoundary;
    nextBoundary += periodSeconds;
    const periodAt = boundary - periodSeconds;
    const serving = inServiceOf(ctx);
    const samples = sampleProcesses(serving.map((instance) => instance.running?.pid ?? 0));
    const nowMs = Date.now();
    if (previous) {
      const wallSeconds = (nowMs - previous.realMs) / 1000;
      for (const sample of samples) {
        const used = cpuUtilizationPercent(previous.samples, [sample], wallSeconds);
        // Percent of the instance's quota, times its vCPUs: 0..100 x vCPUs as SageMaker reports.
        const cpu = (used / ctx.instanceCores) * ctx.vcpus;
        cloudWatch.put(ENDPOINT_INSTANCE_NAMESPACE, 'CPUUtilization', periodAt, cpu);
        const memory = (100 * (sample.rssBytes ?? 0)) / ctx.memoryBytes;
        cloudWatch.put(ENDPOINT_INSTANCE_NAMESPACE, 'MemoryUtilization', periodAt, memory);
      }
    }
    previous = { samples, realMs: nowMs };
    cloudWatch.put(LOCAL_FLEET_NAMESPACE, 'InServiceInstances', periodAt, serving.length);
    const inService = ctx.state.status === 'InService';
    const activity = autoscaling.evaluate(boundary, {
      desiredCapacity: ctx.state.desired,
      updating: !inService,
    });
    if (activity && inService) {
      ctx.activities.push(activity);
      const change = `${activity.fromCapacity} -> ${activity.toCapacity}`;
      emit(ctx, 'scaling', `${activity.cause}: ${change} (${activity.reason})`);
      updateInstanceCount(ctx, activity.toCapacity, activity.cause);
    }
    schedule();
  };
  const schedule = () => {
    if (ctx.abort.signal.aborted) return;
    timer = setTimeout(tick, Math.max(0, clock.realMs(nextBoundary - clock.nowSeconds())));
  };
  schedule();
  return () => {
    if (timer) clearTimeout(timer);
  };
}
