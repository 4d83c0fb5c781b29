import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** True while a process with this pid exists (signal 0 checks without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The repository root, where `bin/scaleplan.js` runs from. */
export const REPO_ROOT = join(import.meta.dirname, '..', '..');

/** What a finished CLI run printed and its exit code. */
export interface FinishedCli {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/scaleplan.js ...args` to its end; kills it and rejects after `timeoutMs`. */
export function runCli(args: string[], timeoutMs: number): Promise<FinishedCli> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/scaleplan.js', ...args], { cwd: REPO_ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`scaleplan ${JSON.stringify(args)} still running after ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
