import { OptionCheck } from "../check.js";
import { MAX_TIMEOUT_MS, systemClock, type Clock } from "../clock.js";
import { ConfigError } from "../errors/ConfigError.js";
import { consoleLogger, type Logger } from "../logger.js";
import type { AgentCounters } from "../stats/AgentCounters.js";
import type { HistogramData } from "../stats/HistogramData.js";
import type { ResolvedTrigger, TickMessage } from "./ScheduleSpec.js";
import { TimeZone } from "./TimeZone.js";
import type { TriggerTarget } from "./TriggerTarget.js";

/** The longest the scheduler's timer waits before it re-reads the wall clock, in ms. */
export const DEFAULT_MAX_WAIT_MS = 30_000;

/** Options of a {@link Scheduler} (and of any trigger source built beside it). */
export interface SchedulerOptions {
  /**
   * Source of time and timers. The wall clock (`now()`) is re-read on every wake-up.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * Where warnings go: an `at` already past, slots found late, a `fire` that threw.
   * @default consoleLogger
   */
  logger?: Logger;
  /**
   * The counters of an agent, where fired and skipped slots are counted. Asked
   * once per trigger (at its first slot) and kept: return the same object for an agent.
   */
  counters: (agent: string) => AgentCounters;
  /**
   * Receives, for each fired tick, the seconds between its slot and its firing.
   * @default none
   */
  lateness?: HistogramData;
  /**
   * Whether an agent can take a tick now. A slot of an inactive agent is not
   * fired and counts as skipped (`agent-down`); it never waits for a restart.
   * @default every agent is active
   */
  isActive?: (agent: string) => boolean;
  /**
   * Called synchronously with each tick to deliver (the message published on
   * `cron.<agent>`) and the trigger it is for; errors it throws are logged.
   */
  fire: (tick: TickMessage, trigger?: ResolvedTrigger) => void;
  /**
   * Where an agent's ticks go without a lookup per tick: asked once per
   * trigger (at its first slot) and kept on it. When it answers, the
   * target's `counters`, `isActive()` and `deliver()` are used for that
   * trigger instead of `counters`, `isActive` and `fire`; when it answers
   * `undefined` (or throws, logged), those are used for the slot.
   * @default none: every slot goes through `counters`, `isActive` and `fire`
   */
  target?: (agent: string) => TriggerTarget | undefined;
  /**
   * Told of slots dealt with without running, so a trigger store remembers
   * them: `slot` and every earlier slot of the trigger were skipped (agent
   * down, misfire). Called synchronously; errors it throws are logged.
   * @default none
   */
  passed?: (agent: string, trigger: string, slot: number) => void;
  /**
   * Whether catch-up runs the slot of an `at` trigger found already past when
   * armed: such a trigger is spent without being counted `past` or warned about.
   * @default none: every `at` already past is skipped (`past`)
   */
  caughtUp?: (agent: string, trigger: string) => boolean;
  /**
   * Whether the scheduler counts each slot it hands over as fired. `false`
   * when the receiving side counts it once a trigger store has accepted its
   * start (a slot the store refuses is not fired).
   * @default true
   */
  countFired?: boolean;
  /**
   * Longest single wait of the timer, in ms: far slots are reached in steps, so
   * a wall-clock jump or a suspended machine is noticed within this time.
   * @default 30000
   */
  maxWait?: number;
  /**
   * Time zone of cron triggers that name none.
   * @default the host's zone
   */
  timezone?: string;
}

/** {@link SchedulerOptions} checked, with defaults filled in. */
export interface SettledSchedulerOptions {
  /** {@link SchedulerOptions.clock}, or `systemClock`. */
  readonly clock: Clock;
  /** {@link SchedulerOptions.logger}, or `consoleLogger`. */
  readonly logger: Logger;
  /** {@link SchedulerOptions.counters}. */
  readonly counters: (agent: string) => AgentCounters;
  /** {@link SchedulerOptions.lateness}, when given. */
  readonly lateness: HistogramData | undefined;
  /** {@link SchedulerOptions.isActive}, when given. */
  readonly isActive: ((agent: string) => boolean) | undefined;
  /** {@link SchedulerOptions.fire}: the tick sink. */
  readonly fire: (tick: TickMessage, trigger?: ResolvedTrigger) => void;
  /** {@link SchedulerOptions.target}, when given. */
  readonly target: ((agent: string) => TriggerTarget | undefined) | undefined;
  /** {@link SchedulerOptions.passed}, when given. */
  readonly passed: ((agent: string, trigger: string, slot: number) => void) | undefined;
  /** {@link SchedulerOptions.caughtUp}, when given. */
  readonly caughtUp: ((agent: string, trigger: string) => boolean) | undefined;
  /** {@link SchedulerOptions.countFired}: 1 when the scheduler counts fired slots, 0 when the receiving side does. */
  readonly firedIncrement: 0 | 1;
  /** {@link SchedulerOptions.maxWait}, or {@link DEFAULT_MAX_WAIT_MS}. */
  readonly maxWait: number;
  /** The zone of {@link SchedulerOptions.timezone} (or the host's), read. */
  readonly zone: TimeZone;
}

const check = new OptionCheck("Scheduler", (message, _option, value) => new ConfigError(message, { code: "INVALID_OPTION", value }));

/**
 * Check a scheduler's options and fill in the defaults.
 *
 * @throws ConfigError `INVALID_OPTION` naming the option, for a missing `fire`
 *   or `counters`, a `maxWait` outside (0, 2^31 − 1] ms, an unknown `timezone`
 *   or a `clock` that is not one.
 */
export function settleSchedulerOptions(options: SchedulerOptions): SettledSchedulerOptions {
  const given = check.object<SchedulerOptions>(options);
  if (typeof given.fire !== "function") throw check.error("fire", "a function", given.fire);
  if (typeof given.counters !== "function") throw check.error("counters", "a function", given.counters);
  const maxWait = given.maxWait ?? DEFAULT_MAX_WAIT_MS;
  if (typeof maxWait !== "number" || !(maxWait > 0 && maxWait <= MAX_TIMEOUT_MS)) {
    throw check.error("maxWait", `a number of ms in (0, ${MAX_TIMEOUT_MS}]`, maxWait);
  }
  const name = given.timezone ?? new Intl.DateTimeFormat().resolvedOptions().timeZone;
  let zone: TimeZone;
  try {
    zone = new TimeZone(name);
  } catch (error) {
    throw new ConfigError(check.error("timezone", "an IANA time zone name", name).message, { code: "INVALID_OPTION", value: name, cause: error });
  }
  return {
    clock: check.optionalClock(given.clock) ?? systemClock,
    logger: given.logger ?? consoleLogger,
    counters: given.counters,
    lateness: given.lateness,
    isActive: check.optionalFunction(given.isActive, "isActive"),
    fire: given.fire,
    target: check.optionalFunction(given.target, "target"),
    passed: check.optionalFunction(given.passed, "passed"),
    caughtUp: check.optionalFunction(given.caughtUp, "caughtUp"),
    firedIncrement: check.optionalBoolean(given.countFired, "countFired") === false ? 0 : 1,
    maxWait,
    zone,
  };
}
