import type { Duration } from "../duration.js";
import { isAbortSignal } from "../check.js";
import { formatDuration } from "../duration.js";
import type { Logger } from "../logger.js";
import { orchestratorOptionCheck } from "./resolveOptions.js";

/** Options of `orch.start()`. */
export interface StartOptions {
  /**
   * Aborting it stops the start: no further agent starts, those already started are stopped (the
   * orchestrator shuts down, `closed` settles), and `start()` rejects with a `LifecycleError`
   * `ABORTED` whose `cause` is the signal's reason. An already-aborted signal starts nothing.
   * @default none
   */
  signal?: AbortSignal;
}

/** Options of `orch.shutdown()`. */
export interface ShutdownOptions {
  /**
   * Bounds the whole shutdown, drain delay included.
   * @default the config's `shutdown.timeout` (30 s)
   */
  timeout?: Duration;
  /**
   * How long readiness fails before the agents stop (0: no drain). Counted inside `timeout`.
   * @default the config's `shutdown.drainDelay` (0)
   */
  drainDelay?: Duration;
  /**
   * Why: the `reason` of `closed` and of the `shutdown` event.
   * @default "shutdown"
   */
  reason?: string;
  /**
   * Aborting it stops waiting for the remaining deadlines (the drain, the bus flush, each agent's
   * `stop()`): agents still running are abandoned, and the shutdown still resolves.
   * @default none
   */
  signal?: AbortSignal;
}

/** The keys of {@link ShutdownOptions}. */
const SHUTDOWN_KEYS = ["timeout", "drainDelay", "reason", "signal"] as const;

/** {@link ShutdownOptions} checked; the durations in ms, `undefined` where the config decides. */
export interface CheckedShutdownOptions {
  readonly timeout: number | undefined;
  readonly drainDelay: number | undefined;
  readonly reason: string;
  readonly signal: AbortSignal | undefined;
}

const startCheck = orchestratorOptionCheck("start()");
const shutdownCheck = orchestratorOptionCheck("shutdown()");

/** Check `start()`'s options; returns its signal. Throws a `ConfigError` `INVALID_OPTION`. */
export function checkStartOptions(options: StartOptions | undefined): AbortSignal | undefined {
  const checked = startCheck.object(options);
  startCheck.knownKeys(checked, ["signal"]);
  const signal: unknown = checked.signal;
  if (signal !== undefined && !isAbortSignal(signal)) throw startCheck.error("signal", "an AbortSignal", signal);
  return signal;
}

/**
 * Check `shutdown()`'s options. Throws a `ConfigError` `INVALID_OPTION` naming the option.
 * @param configTimeout - the config's `shutdown.timeout`: the budget a `drainDelay` given without `timeout` is counted in
 */
export function checkShutdownOptions(options: ShutdownOptions | undefined, configTimeout: number): CheckedShutdownOptions {
  const checked = shutdownCheck.object(options);
  shutdownCheck.knownKeys(checked, SHUTDOWN_KEYS);
  const timeout = shutdownCheck.optionalDuration(checked.timeout, "timeout", 'a positive duration such as "30s" or a number of ms');
  const drainDelay = shutdownCheck.optionalDuration(checked.drainDelay, "drainDelay", 'a duration such as "5s", a number of ms, or 0 for no drain', 0);
  if (drainDelay !== undefined && drainDelay > 0 && drainDelay >= (timeout ?? configTimeout)) {
    const budget = timeout === undefined ? `the config's shutdown.timeout (${formatDuration(configTimeout)})` : `\`timeout\` (${formatDuration(timeout)})`;
    throw shutdownCheck.error("drainDelay", `shorter than ${budget}, inside which it is counted`, checked.drainDelay);
  }
  const reason: unknown = checked.reason;
  if (reason !== undefined && (typeof reason !== "string" || reason === "")) throw shutdownCheck.error("reason", "a non-empty string", reason);
  const signal: unknown = checked.signal;
  if (signal !== undefined && !isAbortSignal(signal)) throw shutdownCheck.error("signal", "an AbortSignal", signal);
  return { timeout, drainDelay, reason: reason ?? "shutdown", signal };
}

/**
 * The drain of a shutdown whose budget is `timeout`, in ms: the call's own
 * `drainDelay` (checked shorter than a timeout given with it), else the
 * config's. When the config's delay does not fit a `shutdown({ timeout })`
 * call's shorter budget, the drain is skipped with a warning: a drain that
 * eats the whole budget would leave the agents no time to stop.
 */
export function drainFor(timeout: number, callDelay: number | undefined, configDelay: number, logger: Logger): number {
  if (callDelay !== undefined) return callDelay;
  if (configDelay < timeout) return configDelay;
  logger.warn(
    { timeout, drainDelay: configDelay },
    `shutdown.drainDelay (${formatDuration(configDelay)}) is not shorter than this shutdown's timeout (${formatDuration(timeout)}): stopping without the drain`,
  );
  return 0;
}

/**
 * The signal of a `shutdown()` call that joins a shutdown under way: that
 * call's other options no longer matter, and it must not reject (a second
 * SIGTERM handler's call, say), so only a valid `signal` is read.
 */
export function joiningSignal(options: ShutdownOptions | undefined): AbortSignal | undefined {
  if (typeof options !== "object" || options === null) return undefined;
  const signal: unknown = (options as { signal?: unknown }).signal;
  return isAbortSignal(signal) ? signal : undefined;
}

/**
 * A shutdown's `signal`: call `cut` when it aborts (at once when it already
 * has), until `call` has settled; the listener is removed then.
 */
export function onAbortUntil(signal: AbortSignal, call: Promise<void>, cut: () => void): void {
  if (signal.aborted) return cut();
  signal.addEventListener("abort", cut, { once: true });
  void call.then(() => signal.removeEventListener("abort", cut));
}
