import type { ResolvedTrigger, TickMessage } from "./ScheduleSpec.js";

/** What {@link TriggerSource.add} returns. */
export interface TriggerHandle {
  /** Remove the trigger: none of its slots fires afterwards. Idempotent. */
  cancel(): void;
}

/**
 * Where an agent's ticks come from. The orchestrator knows triggers only
 * through this interface: it adds each agent's triggers, starts the source
 * once every agent has started, stops it at shutdown, and reads the next
 * fire time for `agents()`. The source hands each tick to the `fire` sink it
 * was created with; the orchestrator publishes it on the agent's reserved
 * topic (`cron.<agent>`), through the cluster coordinator when there is one.
 *
 * The scheduler is the source of every time-based kind (cron, at, delay,
 * every); a trigger kind that is not time-based brings its own source and is
 * registered beside the time kinds, without a change to the orchestrator.
 */
export interface TriggerSource {
  /** Add one resolved trigger of `agent`; it fires once the source has started. */
  add(agent: string, trigger: ResolvedTrigger): TriggerHandle;
  /** Start firing (idempotent). */
  start(): void;
  /** Stop firing and release every timer (idempotent; the source cannot start again). */
  stop(): void;
  /** The next instant (ms since the epoch) a trigger of `agent` fires, if any. */
  nextFireAt(agent: string): number | undefined;
  /** Names of the triggers `agent` has now (to refuse a duplicate name). */
  triggerNames(agent: string): string[];
  /** The trigger of `agent` named `name`, while it is registered. */
  trigger(agent: string, name: string): ResolvedTrigger | undefined;
}

/** Receives each tick a {@link TriggerSource} fires; called synchronously, errors it throws are logged. */
export type TickSink = (tick: TickMessage) => void;
