import { tickKeyPrefix } from "./cronTick.js";
import type { AgentCounters } from "../stats/AgentCounters.js";
import type { ResolvedTrigger } from "./ScheduleSpec.js";
import type { Series } from "./Series.js";
import type { TimeKind } from "./TriggerKind.js";
import type { TriggerTarget } from "./TriggerTarget.js";
import type { TriggerActivity } from "./TriggerActivity.js";
import { RUN_OUTCOMES, type RunOutcome } from "../state/TriggerStore.js";
import type { SkipReason } from "../stats/AgentCounters.js";

/**
 * Where a trigger is in its life: `waiting` — added, the scheduler not started
 * yet; `armed` — in a series, waiting for slots; `spent` — a one-shot trigger
 * that fired or was skipped; `cancelled` — removed by `cancel()` or `stop()`.
 */
export type TriggerState = "waiting" | "armed" | "spent" | "cancelled";

/**
 * One trigger of one agent, as the scheduler tracks it; also its
 * {@link TriggerActivity} (paused, skipped slots, last run), kept here so a
 * trigger costs no second object.
 */
export class ScheduledTrigger implements TriggerActivity {
  readonly agent: string;
  readonly trigger: ResolvedTrigger;
  /** How the trigger's kind is served. */
  readonly kind: TimeKind<ResolvedTrigger>;
  /** What the kind derived when the trigger was added (a parsed cron pattern). */
  readonly prepared: unknown;
  /** The agent's counters, asked for at the first slot and kept. */
  counters: AgentCounters | undefined = undefined;
  /** Where the ticks go, when the scheduler's `target` option answered for the agent (asked at the first slot). */
  target: TriggerTarget | undefined = undefined;
  state: TriggerState = "waiting";
  /** The series serving this trigger while armed. */
  series: Series | undefined = undefined;
  /** Position in `series.triggers`. */
  index = -1;
  /** Slots at or before this instant are not for this trigger: its arming instant, then its latest slot. */
  after = -Infinity;
  /** The slot of the last run that reached `onCron`, `NaN` when none did. */
  lastSlot = NaN;
  /**
   * The operator's pause and the skipped slots by reason, made on the first
   * pause or skip: one field where two would cost every trigger 8 bytes more.
   */
  #marks: { paused: boolean; skipped: Partial<Record<SkipReason, number>> | undefined } | undefined = undefined;
  /** The last run's start, as ms after its slot (a small integer: unboxed, where an instant is a boxed number). */
  #lastLate = 0;
  /**
   * The last run's end as one small integer: -1 while it runs (or none ran),
   * else `durationMs * 8 + ` the index of its outcome in {@link RUN_OUTCOMES}
   * (one unboxed field for two, for the heap target of 10,000 triggers).
   */
  #lastEnd = -1;

  constructor(agent: string, trigger: ResolvedTrigger, kind: TimeKind<ResolvedTrigger>, prepared: unknown) {
    this.agent = agent;
    this.trigger = trigger;
    this.kind = kind;
    this.prepared = prepared;
  }

  /** `<agent>:<trigger>:`, the constant part of each tick's key: built per slot (a string kept per trigger would cost every trigger ~48 bytes of heap for what a slot makes in a few nanoseconds). */
  get keyPrefix(): string {
    return tickKeyPrefix(this.agent, this.trigger.name);
  }

  get paused(): boolean {
    return this.#marks?.paused === true;
  }

  set paused(paused: boolean) {
    if (this.#marks === undefined) this.#marks = { paused, skipped: undefined };
    else this.#marks.paused = paused;
  }

  get skipped(): Partial<Record<SkipReason, number>> | undefined {
    return this.#marks?.skipped;
  }

  set skipped(skipped: Partial<Record<SkipReason, number>> | undefined) {
    if (this.#marks === undefined) this.#marks = { paused: false, skipped };
    else this.#marks.skipped = skipped;
  }

  get lastStartedAt(): number {
    return this.lastSlot + this.#lastLate;
  }

  /** Set after {@link ScheduledTrigger.lastSlot}. */
  set lastStartedAt(at: number) {
    this.#lastLate = at - this.lastSlot;
  }

  get lastOutcome(): RunOutcome | undefined {
    return this.#lastEnd < 0 ? undefined : RUN_OUTCOMES[this.#lastEnd % 8];
  }

  get lastDurationMs(): number {
    return this.#lastEnd < 0 ? NaN : Math.floor(this.#lastEnd / 8);
  }

  /** The last run ended with `outcome` after `durationMs`; `undefined`: a run has started. */
  endLastRun(outcome: RunOutcome | undefined, durationMs: number): void {
    this.#lastEnd = outcome === undefined ? -1 : Math.max(0, Math.round(durationMs)) * 8 + RUN_OUTCOMES.indexOf(outcome);
  }

  /** When its next slot is due: its series' next instant while armed. */
  get nextRunAt(): number | undefined {
    const at = this.state === "armed" ? this.series?.at : undefined;
    return at === undefined || at === Infinity ? undefined : at;
  }
}
