import type { Duration } from "../duration.js";
import type { AtTriggerSpec } from "./kinds/at.js";
import type { CronTriggerSpec } from "./kinds/cron.js";
import type { DelayTriggerSpec } from "./kinds/delay.js";
import type { EveryTriggerSpec } from "./kinds/every.js";

export type { AtTriggerSpec, CronTriggerSpec, DelayTriggerSpec, EveryTriggerSpec };

/** What happens when a slot comes while the previous `onCron` of the same trigger still runs. */
export type OverlapPolicy = "skip" | "queue" | "allow";

/** Accepted `overlap` values (a type test keeps them equal to {@link OverlapPolicy}). */
export const OVERLAP_POLICIES = ["skip", "queue", "allow"] as const satisfies readonly OverlapPolicy[];

/** What happens to slots found later than `misfireGrace` (a stalled loop, a suspended machine). */
export type MisfirePolicy = "skip" | "once";

/** Accepted `misfire` values (a type test keeps them equal to {@link MisfirePolicy}). */
export const MISFIRE_POLICIES = ["skip", "once"] as const satisfies readonly MisfirePolicy[];

/** Which missed slots run after downtime: `latest` — the most recent once; `all` — every one in the window, oldest first. */
export type CatchupRuns = "latest" | "all";

/** Accepted `catchup.runs` values. */
export const CATCHUP_RUNS = ["latest", "all"] as const satisfies readonly CatchupRuns[];

/** What a trigger does about slots that fell while the orchestrator was down (needs a durable `TriggerStore`). */
export interface CatchupSpec {
  /** How far back from start to look for missed slots; slots before that are skipped (`downtime`). `0` runs none. @default 0 */
  window?: Duration;
  /** `latest`: run the most recent missed slot once; `all`: run every missed slot in the window, oldest first. @default "latest" */
  runs?: CatchupRuns;
}

/** {@link CatchupSpec} resolved: the window in ms. */
export interface CatchupPolicy {
  /** ms */
  readonly window: number;
  readonly runs: CatchupRuns;
}

/**
 * A slot whose run started and never ended (the host stopped mid-run):
 * `at-most-once` — counted `interrupted`, never run again; `at-least-once` —
 * run once more at start with the same key and `tick.attempt === 2`.
 */
export type DeliveryPolicy = "at-most-once" | "at-least-once";

/** Accepted `delivery` values. */
export const DELIVERY_POLICIES = ["at-most-once", "at-least-once"] as const satisfies readonly DeliveryPolicy[];

/** Options every trigger shape accepts. */
export interface TriggerOptions {
  /** Name of the trigger, part of each tick's `key`; by default derived from the spec (`cron:0 17 * * 1-5`, `every:15s`). */
  name?: string;
  /**
   * A slot that comes while this trigger's previous `onCron` still runs: `skip` it (counted), `queue` it
   * (it runs once the previous one ends; at most one waits, a newer slot replacing it), or `allow` it to
   * run beside the previous one.
   * @default "skip"
   */
  overlap?: OverlapPolicy;
  /**
   * A slot found later than `misfireGrace` (a stalled loop, a suspended machine): `skip` it (counted), or
   * run it `once` however many slots were missed.
   * @default "skip"
   */
  misfire?: MisfirePolicy;
  /** How late a slot may be found and still run as scheduled. @default "1s" */
  misfireGrace?: Duration;
  /** An `onCron` of this trigger running longer than this is hung (the agent crashes with reason `hung`). */
  timeout?: Duration;
  /**
   * Slots that fell while the orchestrator was down (needs a durable store, `state: { file }` or
   * NATS KV): how far back to look and which to run. For `cron`, `every` and `at` triggers, not
   * `delay`. Set here, it replaces `scheduler.catchup` as a whole; `{}` is window 0, runs latest.
   * @default `scheduler.catchup`, else none (window 0)
   */
  catchup?: CatchupSpec;
  /**
   * A slot whose run started and never ended (the host stopped mid-run): `at-most-once` counts it
   * `interrupted` and never runs it again; `at-least-once` runs it once more at start, same key,
   * `tick.attempt === 2`.
   * @default `scheduler.delivery`, else "at-most-once"
   */
  delivery?: DeliveryPolicy;
}

/** The keys of {@link TriggerOptions}: every trigger mapping may carry them, whatever its kind (`catchup` is refused on kinds it does not cover). */
export const TRIGGER_OPTION_KEYS = ["name", "overlap", "misfire", "misfireGrace", "timeout", "catchup", "delivery"] as const satisfies ReadonlyArray<keyof TriggerOptions>;

/**
 * One trigger, as written in YAML `schedule:` or passed to `orch.schedule()`; a
 * string is a cron expression. One shape per registered kind (`triggerKinds`;
 * a type test keeps this list equal to the table's).
 */
export type TriggerSpec = string | CronTriggerSpec | AtTriggerSpec | DelayTriggerSpec | EveryTriggerSpec;

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
  /** Catch-up after downtime; absent: none (window 0). */
  readonly catchup?: CatchupPolicy;
  /** What happens to a slot interrupted mid-run; absent: `at-most-once`. */
  readonly delivery?: DeliveryPolicy;
}

/**
 * A validated trigger, with durations in ms and instants in ms since the epoch:
 * the common options and the fields of its kind (written out for the API
 * documentation; a type test keeps them equal to the kinds registered in `triggerKinds`).
 */
export type ResolvedTrigger =
  | (ResolvedTriggerBase & { readonly kind: "cron"; readonly cron: string; readonly timezone?: string })
  | (ResolvedTriggerBase & { readonly kind: "at"; readonly at: number })
  | (ResolvedTriggerBase & { readonly kind: "delay"; readonly delay: number })
  | (ResolvedTriggerBase & { readonly kind: "every"; readonly every: number });

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
  /**
   * `<agent>:<trigger>:<scheduledAt ISO>`: unique per agent, trigger and slot, for de-duplication.
   * A run by `orch.trigger(agent, name).runNow()` is not a slot: its key ends with `:now`
   * (`<agent>:<trigger>:<scheduledAt ISO>:now`), so it never equals a slot's key.
   */
  readonly key: string;
  /** True for a slot run late on purpose: a catch-up after downtime or a backfill. Absent: false. */
  readonly catchup?: boolean;
  /** 1 for a slot's first run, 2 for its rerun after an interruption (`delivery: at-least-once`). Absent: 1. */
  readonly attempt?: number;
}

/**
 * What `onCron` receives for each slot: the {@link TickMessage}'s fields and
 * the run's `signal`. Built by one function for the orchestrator and for the
 * testing kit's `testAgent().tick()`.
 */
export interface CronTick extends TickMessage {
  /** True for a slot run late on purpose: a catch-up after downtime or a backfill (`scheduledAt` is the missed slot). */
  readonly catchup: boolean;
  /** 1 for a slot's first run, 2 for its rerun after an interruption (`delivery: at-least-once`). */
  readonly attempt: number;
  /**
   * Aborted when this run must end: past its trigger's `timeout` (the reason
   * is an `AGENT_HUNG` `AgentError`) or when the agent's incarnation ends.
   * Not enumerable: `JSON.stringify`, log lines and deep equality see the
   * message fields only (and `{ ...tick }` leaves it out).
   */
  readonly signal: AbortSignal;
}
