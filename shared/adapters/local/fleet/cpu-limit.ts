/**
 * How an instance's capacity is limited, chosen once per run:
 * - 'cgroup-v1' / 'cgroup-v2': a CPU quota per instance process (cpu.cfs_quota_us over
 *   cpu.cfs_period_us, or cpu.max), so the instance saturates on CPU like a real instance and its
 *   CPUUtilization relative to its vCPUs is measured, not modelled. Needs root on Linux.
 * - 'concurrency': elsewhere, the router admits at most `concurrencyLimit` requests per instance at
 *   a time and holds each answer for at least `serviceTimeFloorMs`, so one instance serves at most
 *   limit x 1000 / floor requests per second whatever the machine. CPUUtilization is then still
 *   read from /proc but is not bounded by a quota.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type CpuLimitMode = 'cgroup-v1' | 'cgroup-v2' | 'concurrency';

/**
 * CFS period of the quota, microseconds: 10 ms, not the kernel's default 100 ms, so a throttled
 * instance waits at most ~10 ms for its next slice instead of up to 100 ms (a 0.5-core quota at
 * 100 ms added up to 50 ms to single requests of the demo model).
 */
export const CFS_PERIOD_US = 10_000;

const V1_ROOT = '/sys/fs/cgroup/cpu';
const V2_ROOTS = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup'];

export interface CpuLimiter {
  mode: CpuLimitMode;
  /** Why this mode (e.g. "cgroup v1 cpu controller at /sys/fs/cgroup/cpu"). */
  note: string;
  /** Creates the group of one instance with a quota of `cores`; returns its cgroup.procs path. */
  create(name: string, cores: number): string | undefined;
  /** Removes the group (after its processes exited). Never throws. */
  remove(name: string): void;
}

function writable(path: string): boolean {
  try {
    const probe = join(path, `scaleplan-probe-${process.pid}`);
    mkdirSync(probe);
    rmdirSync(probe);
    return true;
  } catch {
    return false;
  }
}

function v2Root(): string | undefined {
  for (const root of V2_ROOTS) {
    try {
      const controllers = readFileSync(join(root, 'cgroup.controllers'), 'utf8');
      if (controllers.split(/\s+/).includes('cpu') && writable(root)) return root;
      // A v2 hierarchy without the cpu controller enabled in its subtree gives no cpu.max.
      if (existsSync(join(root, 'cgroup.subtree_control'))) {
        writeFileSync(join(root, 'cgroup.subtree_control'), '+cpu');
        if (writable(root)) return root;
      }
    } catch {
      // not this root
    }
  }
  return undefined;
}

function directoryOf(root: string, name: string): string {
  return join(root, `scaleplan-${name}`);
}

/**
 * Detects the best mode on this machine, or the one asked for ('concurrency' always works).
 *
 * @example
 * detectCpuLimiter().mode; // 'cgroup-v1' as root on a cgroup v1 host, else 'cgroup-v2' or 'concurrency'
 */
export function detectCpuLimiter(preferred?: CpuLimitMode): CpuLimiter {
  const concurrency: CpuLimiter = {
    mode: 'concurrency',
    note: 'no writable cgroup cpu controller (needs root on Linux): concurrency limit with a service-time floor',
    create: () => undefined,
    remove: () => {},
  };
  if (preferred === 'concurrency' || process.platform !== 'linux') return concurrency;
  if (preferred !== 'cgroup-v2' && existsSync(join(V1_ROOT, 'cpu.cfs_quota_us')) && writable(V1_ROOT))
    return {
      mode: 'cgroup-v1',
      note: `cgroup v1 cpu controller at ${V1_ROOT} (cpu.cfs_quota_us per instance)`,
      create(name, cores) {
        const dir = directoryOf(V1_ROOT, name);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
        writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(Math.round(cores * CFS_PERIOD_US)));
        return join(dir, 'cgroup.procs');
      },
      remove: (name) => removeGroup(directoryOf(V1_ROOT, name)),
    };
  const root = preferred === 'cgroup-v1' ? undefined : v2Root();
  if (root)
    return {
      mode: 'cgroup-v2',
      note: `cgroup v2 at ${root} (cpu.max per instance)`,
      create(name, cores) {
        const dir = directoryOf(root, name);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'cpu.max'), `${Math.round(cores * CFS_PERIOD_US)} ${CFS_PERIOD_US}`);
        return join(dir, 'cgroup.procs');
      },
      remove: (name) => removeGroup(directoryOf(root, name)),
    };
  return concurrency;
}

function removeGroup(dir: string): void {
  // rmdir of a cgroup fails while a process is still in it; the caller removes after the exit,
  // and a few retries cover the kernel's lag in emptying the group.
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      if (!existsSync(dir)) return;
      rmdirSync(dir);
      return;
    } catch {
      const until = Date.now() + 10;
      while (Date.now() < until) {
        // brief spin: this runs on the exit path, where awaiting is not always possible
      }
    }
  }
}
