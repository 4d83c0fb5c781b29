/**
 * Series assembly: the periods of a finished run and what produced them, written as the benchmark
 * file (docs/benchmark-file.md) and validated against its schema.
 */
import { type BenchmarkSeries, BenchmarkSeriesSchema } from '../../../core/benchmark-file';
import type { LoadProfile } from '../../../core/load/profile';
import type { RunClock } from './clock';
import type { ProbeRecord } from './load-choice';
import type { RunSettings } from './options';
import type { PeriodRecorder } from './period-recorder';
import { roundTo } from './rounding';
import type { RunEnd } from './run';
import type { RequestSender } from './sender';

/** Everything a finished run hands to the file. */
export interface FinishedRun {
  settings: RunSettings;
  load: LoadProfile;
  probe?: ProbeRecord;
  end: RunEnd;
  clock: RunClock;
  recorder: PeriodRecorder;
  sender: RequestSender;
  /** The pinning of the generator, when asked for. */
  pin?: { pinned: boolean; note?: string };
  /** As given by the caller. */
  instanceType?: string;
  serverCpus?: number[];
  generatorCpus?: number[];
}

const CPU_NOTE =
  'CPU and memory cannot be measured for a remote server: no server pids given, 0 recorded. Pass the pids of a local server (--server-pid) to measure them.';

/** The benchmark file of a finished run; throws when it does not match the schema (a bug). */
export function assembleSeries(run: FinishedRun): BenchmarkSeries {
  const { settings, recorder, sender, pin } = run;
  const { periodSeconds, serverPids } = settings;
  const errorSamples = recorder.errorSampleCounts();
  const series: BenchmarkSeries = {
    formatVersion: 1,
    instanceType: run.instanceType ?? 'local',
    vcpus: settings.vcpus,
    periodSeconds,
    // Every period carries coveredSeconds, so the analysis tells partial periods by coverage, not
    // by the edge rule: paced stairs double the load from the first period to the second, which
    // the edge rule (< 50 % of the neighbour) would take for a partial start. A full period is
    // written as covering its whole length: its measured coverage differs only by timer lateness.
    points: recorder.points.map((p) => ({ ...p, coveredSeconds: p.coveredSeconds ?? periodSeconds })),
    source: {
      tool: 'scaleplan-loadgen',
      url: settings.invocationsUrl,
      contentType: settings.contentType,
      payloadBytes: settings.payload.length,
      transport: settings.transport,
      load: run.load,
      ...(run.probe ? { probe: run.probe } : {}),
      stopReason: run.end.reason,
      stopMessage: run.end.message,
      ...(run.end.stillRising ? { stillRising: run.end.stillRising } : {}),
      startedAt: new Date(run.clock.startedAtMs).toISOString(),
      durationSeconds: roundTo(run.clock.elapsedSeconds(), 3),
      requestsSent: sender.sent,
      ...(sender.skipped ? { requestsSkippedOverMaxInFlight: sender.skipped } : {}),
      invocationsPerMinute: recorder.invocationsPerMinute,
      peakInvocationsPerMinute: recorder.peakInvocationsPerMinute(),
      overallLatencyUs: recorder.overallLatencyUs(),
      latencyMeasuredAt: 'client, over keep-alive HTTP (the equivalent of ModelLatency plus loopback time)',
      serverPids,
      ...(run.serverCpus ? { serverCpus: run.serverCpus } : {}),
      ...(pin?.pinned ? { generatorCpus: run.generatorCpus } : {}),
      ...(pin?.note ? { pinningNote: pin.note } : {}),
      cpuMeasured: serverPids.length > 0,
      ...(serverPids.length ? {} : { cpuNote: CPU_NOTE }),
      ...(errorSamples ? { errorSamples } : {}),
    },
  };
  return BenchmarkSeriesSchema.parse(series);
}
