import type { LeaseView } from "../lease/LeaseStore.js";
import type { BusStats, QueueDepth } from "../bus/Bus.js";
import type { Clock } from "../clock.js";
import type { HealthReport } from "../observe/Health.js";
import type { OrchestratorPhase } from "../orchestrator/OrchestratorPhase.js";
import type { ResolvedTrigger } from "../schedule/ScheduleSpec.js";
import type { RunOutcome } from "../state/TriggerStore.js";
import type { SkipReason } from "../stats/AgentCounters.js";
import type { AgentStatus } from "../supervisor/AgentStatus.js";

/** One agent as the status page reads it. */
export interface StatusAgent {
  /** Its snapshot (`lastError` is shown only with `status.showErrors`). */
  readonly status: AgentStatus;
  /** Whether it belongs to a critical group. */
  readonly critical: boolean;
  /** When its current incarnation's `start()` resolved (ms since the epoch), while it runs. */
  readonly runningSince?: number;
  /** When its current incarnation last called `heartbeat()` (or started), while one exists. */
  readonly lastHeartbeatAt?: number;
  /** Its `heartbeatTimeout` in ms, when it has one. */
  readonly heartbeatTimeout?: number;
  /** A singleton's lease as this replica sees it, and this replica's name (to tell whether it holds it). */
  readonly lease?: { readonly view: LeaseView; readonly replica: string };
}

/** One trigger as the status page reads it. */
export interface TriggerView {
  /** The trigger's name (unique per agent). */
  readonly name: string;
  /** `cron`, `every`, `at` or `delay`. */
  readonly kind: ResolvedTrigger["kind"];
  /** What fires it, as configured: the cron expression, `every 15s`, the `at` instant, `delay 30s`. */
  readonly expression: string;
  /** The cron time zone, when the trigger has one. */
  readonly timezone?: string;
  /** Whether it is paused now. */
  readonly paused: boolean;
  /** When its next slot is due (ms since the epoch), when it has one. */
  readonly nextRunAt?: number;
  /** Its last run in this process (or from the store): the slot, when it started, how it ended and how long it took (absent while running). */
  readonly lastRun?: { readonly slot: number; readonly startedAt: number; readonly outcome?: RunOutcome; readonly durationMs?: number };
  /** Slots of this trigger not run, by reason (only reasons with a count). */
  readonly skipped: Readonly<Partial<Record<SkipReason, number>>>;
}

/** An operator action the status page can ask for. */
export type StatusAction =
  | { readonly target: "agent"; readonly agent: string; readonly action: "restart" | "disable" | "enable" }
  | { readonly target: "trigger"; readonly agent: string; readonly trigger: string; readonly action: "pause" | "resume" | "run-now" };

/**
 * What the status page reads from the orchestrator and how it acts on it.
 * Every member is read when the page (or its JSON) is asked for.
 */
export interface StatusSource {
  /** The orchestrator's clock (the page's times and countdowns). */
  readonly clock: Clock;
  /** The orchestrator's phase. */
  phase(): OrchestratorPhase;
  /** Readiness, as `/readyz` answers it. */
  health(): HealthReport;
  /** Every registered agent, in registration order. */
  agents(): readonly StatusAgent[];
  /** The triggers of one agent, in the order they were added. */
  triggers(agent: string): readonly TriggerView[];
  /** The bus's counters (the page turns them into rates), when it keeps them. */
  busStats(): BusStats | undefined;
  /** The deepest subscription queues, when the bus can tell. */
  queues(limit: number): readonly QueueDepth[];
  /**
   * Carry out an operator action; `actor` is who acted (from the host's
   * `authorize` hook) and goes into the action's log line and events.
   * Throws (or rejects) a `LifecycleError` when the action does not fit
   * (`UNKNOWN_AGENT`, `NOT_STARTED`, `SHUT_DOWN`, `AGENT_DOWN`). Resolves
   * `"started"` when the action goes on after the answer (a run now still
   * running after the page's wait); otherwise it is done when it settles.
   */
  act(action: StatusAction, actor: string): void | Promise<void | "started">;
}
