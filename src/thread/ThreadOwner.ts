import type { CrashReason } from "../stats/AgentCounters.js";

/**
 * What a {@link ThreadAgent} needs from the incarnation it serves: its number
 * (for the thread's log fields), a way to crash it (a hung thread, a heap
 * limit, an uncaught exception, an unexpected exit) and a way to release the
 * thread with the incarnation's other resources. `Incarnation` satisfies it.
 */
export interface ThreadOwner {
  /** The incarnation's number (1 for the first). */
  readonly number: number;
  /** Report a crash of the incarnation (ignored once it has ended). */
  crash(reason: CrashReason, error: unknown): void;
  /** Run `cleanup` when the incarnation is disposed (after stop, at a crash, at abandonment). */
  own(cleanup: () => void | Promise<void>): void;
}
