import type { Duration } from "../duration.js";
import type { KindTrigger, SpecOf } from "./TriggerKind.js";
import type { TriggerKinds } from "./triggerKinds.js";

export type { AtTriggerSpec } from "./kinds/at.js";
export type { CronTriggerSpec } from "./kinds/cron.js";
export type { DelayTriggerSpec } from "./kinds/delay.js";
export type { EveryTriggerSpec } from "./kinds/every.js";

/** Accepted `overlap` values. */
export const OVERLAP_POLICIES = ["skip", "queue", "allow"] as const;

/** What happens when a slot comes while the previous `onCron` of the same trigger still runs. */
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/** Accepted `misfire` values. */
export const MISFIRE_POLICIES = ["skip", "once"] as const;

/** What happens to slots found later than `misfireGrace` (a stalled loop, a suspended machine). */
export type MisfirePolicy = (typeof MISFIRE_POLICIES)[number];

/** Options every trigger shape accepts. */
export interface TriggerOptions {
  /** Name of the trigger, part of each tick's `key`; by default derived from the spec (`cron:0 17 * * 1-5`, `every:15s`). */
  name?: string;
  /** @default "skip" */
  overlap?: OverlapPolicy;
  /** @default "skip" */
  misfire?: MisfirePolicy;
  /** How late a slot may be found and still run as scheduled. @default "1s" */
  misfireGrace?: Duration;
  /** An `onCron` of this trigger running longer than this is hung (the agent crashes with reason `hung`). */
  timeout?: Duration;
}

/** The keys of {@link TriggerOptions}: every trigger mapping may carry them, whatever its kind. */
export const TRIGGER_OPTION_KEYS = ["name", "overlap", "misfire", "misfireGrace", "timeout"] as const satisfies ReadonlyArray<keyof TriggerOptions>;

/**
 * One trigger, as written in YAML `schedule:` or passed to `orch.schedule()`; a
 * string is a cron expression. One shape per registered kind (see `triggerKinds`).
 */
export type TriggerSpec = string | SpecOf<TriggerKinds[keyof TriggerKinds]>;

/** The value of `schedule.<agent>`: one trigger or several. */
export type ScheduleSpec = TriggerSpec | TriggerSpec[];

/** Common part of a validated trigger. */
export interface ResolvedTriggerBase {
  /** Unique among the agent's triggers. */
  readonly name: string;
  readonly overlap: OverlapPolicy;
  readonly misfire: MisfirePolicy;
  /** ms */
  readonly misfireGrace: number;
  /** ms; absent when no timeout is set. */
  readonly timeout?: number;
}

/**
 * A validated trigger, with durations in ms and instants in ms since the epoch:
 * the common options and the fields of its kind (`{ kind: "cron", cron, timezone? }`,
 * `{ kind: "at", at }`, `{ kind: "delay", delay }`, `{ kind: "every", every }`).
 */
export type ResolvedTrigger = KindTrigger<TriggerKinds[keyof TriggerKinds]>;

/**
 * One tick as it travels: the payload published on `cron.<agent>` for each
 * slot. Plain data (it crosses a networked bus as JSON), so it carries no
 * signal; the agent's `onCron` receives it as a {@link CronTick}.
 */
export interface TickMessage {
  /** The agent the tick is for. */
  readonly agent: string;
  /** The trigger's name. */
  readonly trigger: string;
  /** The slot's instant, ms since the epoch. */
  readonly scheduledAt: number;
  /** When the tick was actually fired, ms since the epoch. */
  readonly firedAt: number;
  /** `<agent>:<trigger>:<scheduledAt ISO>`: unique per agent, trigger and slot, for de-duplication. */
  readonly key: string;
}

/**
 * What `onCron` receives for each slot: the {@link TickMessage}'s fields and
 * the run's `signal`. Built by one function for the orchestrator and for the
 * testing kit's `testAgent().tick()`.
 */
export interface CronTick extends TickMessage {
  /**
   * Aborted when this run must end: past its trigger's `timeout` (the reason
   * is an `AGENT_HUNG` `AgentError`) or when the agent's incarnation ends.
   * Not enumerable: `JSON.stringify`, log lines and deep equality see the
   * message fields only (and `{ ...tick }` leaves it out).
   */
  readonly signal: AbortSignal;
}
