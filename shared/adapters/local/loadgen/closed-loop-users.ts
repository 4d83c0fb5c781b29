/**
 * The closed-loop driver: Inference Recommender's users. Each user sends a request, waits for the
 * answer, then sends the next; how many users run follows the profile (phases or stairs, asked
 * every 100 ms). A paced user (the profile's `userRequestsPerSecond`) keeps a schedule between
 * requests instead of sending back to back.
 */
import { performance } from 'node:perf_hooks';
import { type LoadProfile, userRateOf, usersAt } from '../../../core/load/profile';
import type { DriverContext, LoadDriver } from './drivers';

/** Milliseconds between two looks at the profile's users. */
const USERS_TICK_MS = 100;
/** How far behind its schedule a paced user may catch up by sending back to back, milliseconds. */
const MAX_CATCH_UP_MS = 50;

/**
 * Paced users' pauses, woken on stop: a pause may last a whole pacing interval (20 s at
 * 0.05 requests/s), and a pending timer would keep the process alive that long after the run.
 */
class Pauses {
  private readonly sleepers = new Set<() => void>();

  /** Resolves after `ms`, or at once on {@link wakeAll}. */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  wakeAll(): void {
    for (const wake of [...this.sleepers]) wake();
  }
}

export class ClosedLoopUsers implements LoadDriver {
  /** Users whose loop is running. */
  private activeUsers = 0;
  /** Users the profile wants; user `index` runs while index < targetUsers. */
  private targetUsers = 0;
  /** A paced user's interval between requests, milliseconds (0: unpaced). */
  private readonly intervalMs: number;
  private readonly pauses = new Pauses();
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly load: LoadProfile,
    private readonly context: DriverContext,
  ) {
    const userRate = userRateOf(load);
    this.intervalMs = userRate ? 1000 / userRate : 0;
  }

  get users(): number {
    return this.targetUsers;
  }

  start(): void {
    this.adjustUsers();
    this.ticker = setInterval(() => this.adjustUsers(), USERS_TICK_MS);
  }

  stop(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
    this.targetUsers = 0;
    this.pauses.wakeAll();
  }

  private adjustUsers(): void {
    const wanted = usersAt(this.load, this.context.elapsedSeconds());
    // Users above the target finish their request and leave; new ones start above those still running.
    const spawnFrom = Math.max(this.targetUsers, this.activeUsers);
    this.targetUsers = wanted;
    this.context.onUsersWanted(wanted);
    for (let index = spawnFrom; index < wanted; index++) void this.runUser(index);
  }

  private running(index: number): boolean {
    return !this.context.isStopped() && index < this.targetUsers;
  }

  private async runUser(index: number): Promise<void> {
    const { sender } = this.context;
    this.activeUsers += 1;
    // A paced user keeps a schedule (not a pause after each answer), so timer jitter does not
    // lower its rate: when a timer fires late (timers have ~1 ms granularity, a fast server's
    // interval may be 0.1 ms) it sends back to back until on schedule again. Behind by more than
    // MAX_CATCH_UP_MS (a saturated server), it starts a new schedule instead of bursting.
    const intervalMs = this.intervalMs;
    let nextSendMs = performance.now() + Math.random() * intervalMs;
    try {
      while (this.running(index) && !sender.exhausted) {
        if (intervalMs > 0) {
          const waitMs = nextSendMs - performance.now();
          if (waitMs > 0) await this.pauses.sleep(waitMs);
          else if (waitMs < -Math.max(intervalMs, MAX_CATCH_UP_MS)) nextSendMs = performance.now();
          nextSendMs += intervalMs;
          if (!this.running(index)) break;
        }
        await sender.send();
      }
    } finally {
      this.activeUsers -= 1;
    }
  }
}
