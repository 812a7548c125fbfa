import type { AgentBusView } from "./AgentBusView.js";
import type { Clock } from "../clock.js";
import type { LeaseView } from "../lease/LeaseStore.js";
import type { Logger } from "../logger.js";

/**
 * What the orchestrator hands an agent's constructor; the {@link Agent} base
 * class copies it onto the instance. A subclass that declares a constructor
 * takes this object and passes it on: `constructor(ctx: AgentContext) { super(ctx); }`.
 *
 * Everything here belongs to one incarnation of the agent: its bus view, its
 * timers and its signal end when the incarnation ends (stop, crash, hang).
 */
export interface AgentContext<Config = unknown> {
  /** The agent's registered name. */
  readonly name: string;
  /** This incarnation's view of the bus: subscriptions are owned by it, handler errors are its crashes. */
  readonly bus: AgentBusView;
  /** A logger whose entries carry `{ agent: name }`. */
  readonly log: Logger;
  /** Aborted when this incarnation stops, crashes or is abandoned. */
  readonly signal: AbortSignal;
  /** `agents.<name>.config` from the configuration. */
  readonly config: Config;
  /** The orchestrator's clock, scoped to this incarnation: its timers are cleared when it ends. */
  readonly clock: Clock;
  /**
   * For a singleton agent (`placement: singleton`), its lease while this
   * incarnation runs: the holder (this replica), the fencing token and when it
   * runs out unless renewed (the orchestrator renews it). Absent for other agents.
   */
  readonly lease?: LeaseView | undefined;
  /** Randomness in [0, 1) (the orchestrator's `random` option), for jitter. */
  readonly random?: () => number;
  /** Report liveness (see `heartbeatTimeout`). */
  heartbeat(): void;
  /** Report a crash: the supervisor handles it as if a handler had thrown `error`. */
  fail(error: unknown): void;
}
