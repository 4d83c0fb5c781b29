/**
 * CPU and memory of a set of processes from the kernel's own accounting (Linux /proc), the local
 * equivalent of the CPUUtilization and MemoryUtilization that SageMaker publishes per instance.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';

function getconf(name: string, fallback: number): number {
  try {
    const value = Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim());
    return Number.isFinite(value) && value > 0 ? value : fallback;
  } catch {
    return fallback;
  }
}

let clockTicks: number | undefined;
let pageBytes: number | undefined;
/** Kernel clock ticks per second (USER_HZ, the unit of utime/stime; 100 on Linux). */
export function clockTicksPerSecond(): number {
  clockTicks ??= getconf('CLK_TCK', 100);
  return clockTicks;
}
function pageSizeBytes(): number {
  pageBytes ??= getconf('PAGESIZE', 4096);
  return pageBytes;
}

/** A reading of one process: CPU seconds used so far (user + system) and resident memory. */
export interface ProcessSample {
  pid: number;
  /** utime + stime, seconds since the process started; undefined when the process is gone. */
  cpuSeconds?: number;
  /** Resident set size, bytes; undefined when the process is gone. */
  rssBytes?: number;
}

/**
 * utime + stime of a /proc/<pid>/stat line, in clock ticks. The command name (field 2) may hold
 * spaces and parentheses, so fields are counted after the last ')': utime and stime are fields 14
 * and 15 of the line, i.e. 12th and 13th after the name.
 *
 * @example
 * parseStatTicks('42 (node server) S 1 42 42 0 -1 4194560 900 0 0 0 250 50 0 0 20 0 7 0'); // 300
 */
export function parseStatTicks(statLine: string): number {
  const after = statLine.slice(statLine.lastIndexOf(')') + 2).split(' ');
  const utime = Number(after[11]);
  const stime = Number(after[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime))
    throw new Error(`unexpected /proc stat line: ${statLine}`);
  return utime + stime;
}

/** Reads CPU time and RSS of each pid (a gone process gives undefined fields, not an error). */
export function sampleProcesses(pids: number[]): ProcessSample[] {
  return pids.map((pid) => {
    try {
      const ticks = parseStatTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      const residentPages = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
      return { pid, cpuSeconds: ticks / clockTicksPerSecond(), rssBytes: residentPages * pageSizeBytes() };
    } catch {
      return { pid };
    }
  });
}

/**
 * CPUUtilization between two samples, summed over cores as SageMaker reports it (0..100 x cores):
 * 100 x (CPU seconds used by every pid) / wall seconds. A process gone in between counts 0.
 *
 * @example
 * // one pid used 4.5 CPU seconds in a 5-second period: 90% of one core
 * cpuUtilizationPercent([{ pid: 1, cpuSeconds: 10 }], [{ pid: 1, cpuSeconds: 14.5 }], 5); // 90
 */
export function cpuUtilizationPercent(
  before: ProcessSample[],
  after: ProcessSample[],
  wallSeconds: number,
): number {
  if (!(wallSeconds > 0)) return 0;
  let usedSeconds = 0;
  for (const sample of after) {
    const earlier = before.find((b) => b.pid === sample.pid);
    if (sample.cpuSeconds === undefined || earlier?.cpuSeconds === undefined) continue;
    usedSeconds += Math.max(0, sample.cpuSeconds - earlier.cpuSeconds);
  }
  return (100 * usedSeconds) / wallSeconds;
}

/**
 * MemoryUtilization: resident memory of every pid as a percent of the machine's memory (0..100).
 *
 * @example
 * memoryUtilizationPercent([{ pid: 1, rssBytes: 1024 ** 3 }], 16 * 1024 ** 3); // 6.25
 */
export function memoryUtilizationPercent(samples: ProcessSample[], totalBytes = totalmem()): number {
  const rss = samples.reduce((sum, sample) => sum + (sample.rssBytes ?? 0), 0);
  return Math.min(100, (100 * rss) / totalBytes);
}
