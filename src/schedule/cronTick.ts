import type { CronTick, TickMessage } from "./ScheduleSpec.js";

/**
 * The constant part of a trigger's tick keys: `<agent>:<trigger>:`. A tick's
 * key is this prefix followed by its slot as ISO 8601 (see {@link tickKey}).
 */
export function tickKeyPrefix(agent: string, trigger: string): string {
  return `${agent}:${trigger}:`;
}

/**
 * The key of the tick of `agent`'s `trigger` for the slot `scheduledAt`:
 * `<agent>:<trigger>:<scheduledAt ISO>`, unique per agent, trigger and slot
 * (decision 20).
 *
 * @example
 * ```ts
 * tickKey("report", "daily", Date.UTC(2026, 2, 9, 21)); // "report:daily:2026-03-09T21:00:00.000Z"
 * ```
 */
export function tickKey(agent: string, trigger: string, scheduledAt: number): string {
  return tickKeyPrefix(agent, trigger) + new Date(scheduledAt).toISOString();
}

/** Marks a run not aborted (`undefined` is a valid abort reason). */
const RUNNING: unique symbol = Symbol("running");

let abortRun: (tick: RunTick, reason: unknown) => void;

/**
 * The tick of one run: the message's fields as own enumerable properties,
 * and `signal` as a getter of the class (not an own property: JSON, log
 * lines, `{ ...tick }` and deep equality see the message fields only). The
 * run's AbortController is created on the first read of `signal`; a run
 * aborted before that read gets a signal already aborted with the reason.
 */
class RunTick implements CronTick {
  readonly agent: string;
  readonly trigger: string;
  readonly scheduledAt: number;
  readonly firedAt: number;
  readonly key: string;
  /** `false` on the prototype; an own property only on a catch-up or backfill tick, so an ordinary tick serialises as its message. */
  declare readonly catchup: boolean;
  /** `1` on the prototype; an own property only on a rerun. */
  declare readonly attempt: number;
  #controller: AbortController | undefined = undefined;
  #reason: unknown = RUNNING;

  static {
    abortRun = (tick, reason) => {
      if (tick.#reason !== RUNNING) return;
      tick.#reason = reason;
      tick.#controller?.abort(reason);
    };
    Object.defineProperty(RunTick.prototype, "catchup", { value: false, writable: false, enumerable: false });
    Object.defineProperty(RunTick.prototype, "attempt", { value: 1, writable: false, enumerable: false });
  }

  constructor(agent: string, trigger: string, scheduledAt: number, firedAt: number, key: string, catchup: boolean, attempt: number) {
    this.agent = agent;
    this.trigger = trigger;
    this.scheduledAt = scheduledAt;
    this.firedAt = firedAt;
    this.key = key;
    if (catchup) Object.defineProperty(this, "catchup", { value: true, enumerable: true });
    if (attempt !== 1) Object.defineProperty(this, "attempt", { value: attempt, enumerable: true });
  }

  get signal(): AbortSignal {
    let controller = this.#controller;
    if (controller === undefined) {
      controller = this.#controller = new AbortController();
      if (this.#reason !== RUNNING) controller.abort(this.#reason);
    }
    return controller.signal;
  }
}

/**
 * Build the {@link CronTick} an agent's `onCron` receives for one run of
 * `message`. The one place a tick is made: the orchestrator's cron runner and
 * the testing kit's `testAgent().tick()` both call it, so the two never
 * differ. Copies the message's fields (not whatever else a payload from the
 * bus may hold); `tick.signal` is read-only and not an own property, so the
 * tick serialises, logs and compares as the message it came from. End the run
 * with {@link abortTick}: its signal is created on first read (a run whose
 * signal nobody reads costs no AbortController), aborted already when read
 * after the run was aborted.
 *
 * @param message - the tick as published on `cron.<agent>`
 */
export function cronTick(message: TickMessage): CronTick {
  return new RunTick(message.agent, message.trigger, message.scheduledAt, message.firedAt, message.key, message.catchup === true, runAttempt(message.attempt));
}

/** A message's attempt: a positive integer, 1 when absent or malformed (a tick from elsewhere on the bus). */
function runAttempt(attempt: unknown): number {
  return typeof attempt === "number" && Number.isInteger(attempt) && attempt > 1 ? attempt : 1;
}

/**
 * {@link cronTick} from the fields of a slot, for a tick that was never a
 * message (handed to the agent directly by the scheduler): the same class,
 * the same fields (`catchup` and `attempt` own properties only when not
 * `false` and `1`).
 */
export function slotTick(agent: string, trigger: string, scheduledAt: number, firedAt: number, key: string, catchup = false, attempt = 1): CronTick {
  return new RunTick(agent, trigger, scheduledAt, firedAt, key, catchup, attempt);
}

/**
 * Abort the run of `tick` (made by {@link cronTick}) with `reason`: its
 * signal, read before or after this call, is aborted with it. The first
 * reason wins; ticks made elsewhere are left alone.
 */
export function abortTick(tick: CronTick, reason: unknown): void {
  if (tick instanceof RunTick) abortRun(tick, reason);
}
