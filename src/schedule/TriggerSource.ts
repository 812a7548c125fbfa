import type { ResolvedTrigger, TickMessage } from "./ScheduleSpec.js";
import type { TriggerActivity } from "./TriggerActivity.js";

/** What {@link TriggerSource.add} returns. */
export interface TriggerHandle {
  /** Remove the trigger: none of its slots fires afterwards. Idempotent. */
  cancel(): void;
}

/**
 * Where an agent's ticks come from. The orchestrator knows triggers only
 * through this interface: it adds each agent's triggers, starts the source
 * once every agent has started, stops it at shutdown, and reads the next
 * fire time for `agents()`. The source hands each tick to the {@link TickSink}
 * it was created with (its `fire` option); the orchestrator publishes it on
 * the agent's reserved topic (`cron.<agent>`), through the cluster coordinator
 * when there is one, and the agent's `CronRunner` applies the trigger's
 * `overlap` and `timeout` (looked up with {@link TriggerSource.trigger}).
 *
 * The `Scheduler` is the source of every time-based kind (cron, at, delay,
 * every). A kind that is not time-based registers a `source` factory beside
 * the time kinds in `triggerKinds`; `createTriggerSource` builds one source per
 * such kind and puts them behind one (`TriggerSources`), so the orchestrator
 * does not change.
 */
export interface TriggerSource {
  /**
   * Add one resolved trigger of `agent`; it fires once the source has started.
   *
   * @throws ConfigError for a malformed trigger, or a name the agent already uses for a live trigger.
   * @throws LifecycleError `SHUT_DOWN` after {@link TriggerSource.stop}.
   */
  add(agent: string, trigger: ResolvedTrigger): TriggerHandle;
  /**
   * Start firing. `at` is the arming instant (slots strictly after it fire),
   * `clock.now()` when absent: the orchestrator passes the instant it planned
   * catch-up at, so no slot falls between the two.
   *
   * @throws LifecycleError `ALREADY_STARTED` when started, `SHUT_DOWN` after {@link TriggerSource.stop}.
   */
  start(at?: number): void;
  /** Stop firing and release every timer (idempotent; the source cannot start again). */
  stop(): void;
  /** The next instant (ms since the epoch) a trigger of `agent` fires, if known. */
  nextFireAt(agent: string): number | undefined;
  /** Names of the triggers `agent` has now, still to fire (to refuse a duplicate name). */
  triggerNames(agent: string): string[];
  /** The trigger of `agent` named `name`, while it is registered. */
  trigger(agent: string, name: string): ResolvedTrigger | undefined;
  /**
   * The activity of the trigger of `agent` named `name` (paused, skipped
   * slots, last run), while it is registered; a source that keeps none
   * answers `undefined` (its triggers cannot be paused).
   */
  activity?(agent: string, name: string): TriggerActivity | undefined;
  /** The activity of every trigger of `agent` registered now (spent one-shot triggers included), in the order they were added. */
  activities?(agent: string): TriggerActivity[];
}

/**
 * Receives each tick a {@link TriggerSource} fires; called synchronously, errors it throws are logged.
 * `trigger` is the trigger the tick is for, when the source has it at hand (the
 * scheduler does): the receiving side need not look it up.
 */
export type TickSink = (tick: TickMessage, trigger?: ResolvedTrigger) => void;
