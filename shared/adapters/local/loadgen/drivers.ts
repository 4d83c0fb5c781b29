/**
 * The drivers of the load: closed-loop users (Inference Recommender's model, in phases or stairs,
 * unpaced or paced) or an open-loop rate. A driver starts the requests the profile asks for and
 * stops when told; the run records the answers and decides when to stop. This file holds what a
 * driver is; the run (run.ts) picks one for its profile.
 */
import type { RequestSender } from './sender';

export interface LoadDriver {
  /** Starts the load (its ticker). */
  start(): void;
  /** Starts nothing more, wakes every pause; idempotent. Requests in flight finish on their own. */
  stop(): void;
  /** Closed-loop users wanted now (0 in open loop). */
  readonly users: number;
}

/** What a driver reads from the run. */
export interface DriverContext {
  sender: RequestSender;
  /** Seconds since the start of the load. */
  elapsedSeconds(): number;
  /** True once the run has stopped: nothing more is sent. */
  isStopped(): boolean;
  /** Closed loop: the users the profile wants now (the period records the most). */
  onUsersWanted(users: number): void;
}
