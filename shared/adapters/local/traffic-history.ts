/**
 * TrafficHistoryPort on this machine: `traffic.history.file`, any trace `simulate --trace` reads
 * (the JSON `scaleplan traffic` writes, a per-minute `period,count` CSV, per-request timestamps),
 * summed per minute. A relative path is read from the working directory.
 */
import { resolve } from 'node:path';
import { InvalidInputError } from '../../core/errors';
import { historySeriesOf } from '../../core/history';
import type { TrafficHistoryPort } from '../../core/ports';
import { readTraceFile } from './traces';

export function createLocalTrafficHistory(options: { cwd?: string } = {}): TrafficHistoryPort {
  return {
    sources: ['file'],
    async read(source) {
      if (!('file' in source))
        throw new InvalidInputError(
          'traffic.history: the local backend reads a trace file ({ "file": "trace.json" }), not CloudWatch or S3',
        );
      const path = resolve(options.cwd ?? process.cwd(), source.file);
      return { series: historySeriesOf(readTraceFile(path), source.file), source: source.file };
    },
  };
}
