/**
 * scaleplan's load generator: Inference Recommender's user model (closed-loop users in phases or
 * stairs) and an open-loop rate, keep-alive HTTP, HDR latency histograms, server CPU and memory
 * from /proc. `runLocalBenchmark` is the local Default job.
 */
export {
  type BenchmarkProgress,
  DEFAULT_MAX_DURATION_SECONDS,
  DEFAULT_MAX_REQUESTS,
  DEFAULT_PERIOD_SECONDS,
  DEFAULT_PROBE_SECONDS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_USERS_TO_REACH_PROBE_RATE,
  invocationsUrlOf,
  type LocalBenchmarkOptions,
  runLocalBenchmark,
  type StopReason,
  stillRisingAtEnd,
} from './benchmark';
export {
  DEFAULT_MAX_IN_FLIGHT,
  defaultLocalProfile,
  defaultStepCount,
  type LoadPhase,
  type LoadProfile,
  PACED_OFFER_OVER_PROBE,
  pacedUserRate,
  pacedUsersToReachProbeRate,
  profileDurationSeconds,
  rateAt,
  requestsDueBy,
  userRateOf,
  usersAt,
  validateLoadProfile,
} from '../../../core/load/profile';
export { defaultGeneratorCpus, pinThisProcess } from './pinning';
export {
  clockTicksPerSecond,
  cpuUtilizationPercent,
  memoryUtilizationPercent,
  type ProcessSample,
  parseStatTicks,
  sampleProcesses,
} from './proc-stats';
export {
  DEFAULT_STOP_RULE,
  decideStop,
  type PeriodOutcome,
  type StopDecision,
  type StopRule,
} from '../../../core/load/stop-rule';
export { createTransport, type SendResult, type Transport, type TransportKind } from './transport';
