/**
 * Stops the fleet's processes on every way out of this process: a normal exit, an uncaught
 * error, SIGINT (Ctrl-C) and SIGTERM. The kill is synchronous (process groups, SIGKILL) since an
 * 'exit' listener cannot wait. A signal is re-raised after the kill only when nobody else listens
 * for it, so a command that handles Ctrl-C itself keeps doing so.
 */

const guards = new Set<() => void>();
let installed = false;

function runAll(): void {
  for (const guard of [...guards]) {
    try {
      guard();
    } catch {
      // keep killing the others
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  runAll();
  if (process.listenerCount(signal) === 1) {
    process.removeListener(signal, onSignal);
    process.kill(process.pid, signal);
  }
}

/**
 * Registers `killNow` (synchronous) to run on the way out; returns the function that unregisters it.
 *
 * @example
 * const release = guardExit(() => process.kill(-pid, 'SIGKILL'));
 * // ... later, after a clean stop:
 * release();
 */
export function guardExit(killNow: () => void): () => void {
  guards.add(killNow);
  if (!installed) {
    installed = true;
    process.on('exit', runAll);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  return () => {
    guards.delete(killNow);
    if (guards.size === 0 && installed) {
      installed = false;
      process.removeListener('exit', runAll);
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
  };
}
