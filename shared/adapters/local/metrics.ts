/** The local CloudWatch: a finished Default job's benchmark series over its window. */
import { ResourceNotFoundError } from '../../core/errors';
import type { MetricsPort } from '../../core/ports';
import { benchmarkEndpointName } from './jobs';
import type { LocalStateStore } from './state-store';

export function createLocalMetrics(store: LocalStateStore): MetricsPort {
  return {
    async getBenchmarkSeries(input) {
      const jobName = Object.keys(store.state.jobs).find(
        (name) => input.window.endpointName === benchmarkEndpointName(name),
      );
      const found = jobName ? store.series.get(jobName) : undefined;
      if (!found)
        throw new ResourceNotFoundError(`no benchmark metrics for endpoint ${input.window.endpointName}`);
      // Like GetMetricData: StartTime inclusive, EndTime exclusive. Local periods stay as measured
      // (shorter than a minute); the series carries its periodSeconds and the core works per minute.
      const start = Date.parse(input.window.startTime);
      const end = Date.parse(input.window.endTime);
      const points = found.points.filter((point) => {
        const at = Date.parse(point.timestamp);
        return at >= start && at < end;
      });
      return { ...found, points };
    },
  };
}
