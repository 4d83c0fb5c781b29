/**
 * scaleplan's load generator: Inference Recommender's user model (closed-loop users in phases or
 * stairs) and an open-loop rate, keep-alive HTTP, HDR latency histograms, server CPU and memory
 * from /proc. `runLocalBenchmark` is the local Default job. The pure parts (the load profile, the
 * phases, the stop rule) live in shared/core/load/ and are re-exported here for the callers of
 * the generator.
 */
export {
  DEFAULT_MAX_IN_FLIGHT,
  defaultLocalProfile,
  defaultStepCount,
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
export {
  DEFAULT_STOP_RULE,
  decideStop,
  type PeriodOutcome,
  type StopDecision,
  type StopReason,
  type StopRule,
  stillRisingAtEnd,
} from '../../../core/load/stop-rule';
export { runLocalBenchmark } from './benchmark';
export { invocationsUrlOf } from './endpoint';
export {
  DEFAULT_PROBE_SECONDS,
  DEFAULT_PROBE_USERS,
  DEFAULT_USERS_TO_REACH_PROBE_RATE,
} from './load-choice';
export {
  type BenchmarkProgress,
  DEFAULT_MAX_DURATION_SECONDS,
  DEFAULT_MAX_REQUESTS,
  DEFAULT_PERIOD_SECONDS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type LocalBenchmarkOptions,
} from './options';
export { defaultGeneratorCpus, pinThisProcess } from './pinning';
export {
  clockTicksPerSecond,
  cpuUtilizationPercent,
  memoryUtilizationPercent,
  type ProcessSample,
  parseStatTicks,
  sampleProcesses,
} from './proc-stats';
export { createTransport, type SendResult, type Transport, type TransportKind } from './transport';
