import type { ThreadGauge } from "./ThreadGauge.js";

/** How long a thread may leave the orchestrator's pings unanswered when `heartbeatTimeout` is unset (ms). */
export const DEFAULT_THREAD_PING_TIMEOUT = 10_000;

/**
 * What the supervisor knows of an agent with `isolation: thread`: where its
 * class comes from (a class object cannot move between threads: only a
 * module can be imported again in the agent's thread) and the thread's limits.
 */
export interface ThreadSpec {
  /** Absolute module specifier (a `file:` URL or a package name). */
  readonly module: string;
  /** Named export holding the class; the default export when undefined. */
  readonly export: string | undefined;
  /** `agents.<name>.config` as written: the thread validates it with the class's `configSchema` itself (a schema's output need not survive a structured clone). */
  readonly config: unknown;
  /** `resourceLimits.maxHeapMb`: the thread's old-generation heap limit in MiB; Node's default when undefined. */
  readonly maxHeapMb: number | undefined;
  /** ms the thread may leave pings unanswered before it is terminated as hung (`heartbeatTimeout`, else 10 s). */
  readonly pingTimeout: number;
  /** The thread's event-loop utilisation and heap, for the metrics (one per agent, across its incarnations). */
  readonly gauge: ThreadGauge;
}
