/**
 * CPU pinning of the load generator itself, so that it and the server it measures do not share a
 * core. Uses util-linux `taskset` on every thread of this process and puts the old mask back after.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/**
 * The cores left to the generator once the server has `serverCpus`; undefined when nothing is left
 * (one core) or the server is not pinned.
 *
 * @example
 * defaultGeneratorCpus([0], 2); // [1]
 * defaultGeneratorCpus([0], 1); // undefined
 */
export function defaultGeneratorCpus(
  serverCpus: number[] | undefined,
  cpuCount = availableParallelism(),
): number[] | undefined {
  if (!serverCpus || serverCpus.length === 0) return undefined;
  const rest = Array.from({ length: cpuCount }, (_, cpu) => cpu).filter((cpu) => !serverCpus.includes(cpu));
  return rest.length > 0 ? rest : undefined;
}

/**
 * Pins every thread of this process to `cpus` and returns a function that restores the previous
 * affinity. Returns a no-op (and the reason) when taskset is missing or refuses.
 */
export function pinThisProcess(cpus: number[]): { restore: () => void; pinned: boolean; note?: string } {
  const pid = String(process.pid);
  try {
    const current = execFileSync('taskset', ['-p', pid], { encoding: 'utf8' });
    const mask = current.trim().split(':').at(-1)?.trim();
    execFileSync('taskset', ['-a', '-p', '-c', cpus.join(','), pid], { stdio: 'ignore' });
    return {
      pinned: true,
      restore: () => {
        if (!mask) return;
        try {
          execFileSync('taskset', ['-a', '-p', mask, pid], { stdio: 'ignore' });
        } catch {
          // The process keeps the generator's cores; harmless, and nothing better can be done.
        }
      },
    };
  } catch (error) {
    return { pinned: false, restore: () => {}, note: `generator not pinned: ${(error as Error).message}` };
  }
}
