import type { Bus } from "../bus/Bus.js";
import { describeValue, OptionCheck } from "../check.js";
import { systemClock, type Clock } from "../clock.js";
import { ConfigError } from "../errors/ConfigError.js";
import { consoleLogger, guardLogger, silentLogger, type Logger } from "../logger.js";
import type { TriggerStore } from "../state/TriggerStore.js";
import type { StatusOptions } from "../status/StatusOptions.js";
import { METRICS_OPTION_KEYS, ORCHESTRATOR_OPTION_KEYS, STATUS_OPTION_KEYS, type OrchestratorMetricsOptions, type OrchestratorOptions } from "./OrchestratorOptions.js";
import type { TriggerCoordinator } from "./TriggerCoordinator.js";

/** {@link OrchestratorOptions} checked, with their defaults filled (`agents` and `config` are resolved apart). */
export interface ResolvedOptions {
  readonly clock: Clock;
  readonly random: () => number;
  /** The host's logger guarded (`guardLogger`), or the silent one. */
  readonly logger: Logger;
  readonly keepAlive: boolean;
  readonly handleSignals: boolean;
  readonly coordinator: TriggerCoordinator | undefined;
  /** The host's bus, or `undefined` when the orchestrator creates (and owns) its own. */
  readonly bus: Bus | undefined;
  readonly metrics: OrchestratorMetricsOptions;
  /**
   * The host's trigger store, checked; `undefined` when none was given (then
   * the config's `state: { file }` makes a file store, else a memory store).
   */
  readonly store: TriggerStore | undefined;
  /** The status page's options, checked; `undefined` when not given (then the built-in listener does not serve `/statusz`). */
  readonly status: StatusOptions | undefined;
}

const BUS_METHODS = ["publish", "subscribe", "request", "flush", "close"] as const;
const STORE_METHODS = ["load", "apply", "get", "close"] as const;
const STORE_EXPECTATION = "a TriggerStore (an object with load, apply, get and close methods, a string description and a boolean shared; see MemoryTriggerStore and FileTriggerStore)";
const LOGGER_METHODS = ["debug", "info", "warn", "error"] as const;

/**
 * The checks of options the orchestrator is given in code, by `where` (the
 * call: `createOrchestrator()`, `shutdown()`): each throws a `ConfigError` with
 * code `INVALID_OPTION` whose `path` is the option.
 */
export function orchestratorOptionCheck(where: string): OptionCheck {
  return new OptionCheck(where, (message, option, value) => new ConfigError(message, { code: "INVALID_OPTION", path: option, value }));
}

const check = orchestratorOptionCheck("createOrchestrator()");

/**
 * Check `createOrchestrator()`'s own options (not the content of `config`, nor
 * the `agents` registrations: those are configuration, `CONFIG_INVALID`) and
 * fill their defaults, in this one place.
 */
export function resolveOptions(options: OrchestratorOptions): ResolvedOptions {
  check.object(options);
  check.knownKeys(options, ORCHESTRATOR_OPTION_KEYS);
  const clock = check.optionalClock(options.clock) ?? systemClock;
  const random = check.optionalFunction(options.random, "random") ?? Math.random;
  const logger = options.logger === false ? silentLogger : guardLogger(checkLogger(options.logger) ?? consoleLogger);
  return {
    clock,
    random,
    logger,
    keepAlive: check.optionalBoolean(options.keepAlive, "keepAlive") ?? true,
    handleSignals: check.optionalBoolean(options.handleSignals, "handleSignals") ?? false,
    coordinator: check.optionalShape<TriggerCoordinator>(options.coordinator, "coordinator", ["claim"], "a TriggerCoordinator (an object with claim(tick); see createNatsCoordinator)"),
    metrics: checkMetrics(options.metrics),
    bus: check.optionalShape<Bus>(options.bus, "bus", BUS_METHODS, "a Bus (an object with publish, subscribe, request, flush and close)"),
    store: checkStore(options.store, options.config),
    status: checkStatus(options.status),
  };
}

/**
 * `store`, when given: a {@link TriggerStore} by its shape, and not beside the
 * config's `state:` (two answers to where trigger state lives).
 */
function checkStore(store: unknown, config: unknown): TriggerStore | undefined {
  const checked = check.optionalShape<TriggerStore>(store, "store", STORE_METHODS, STORE_EXPECTATION);
  if (checked === undefined) return undefined;
  if (typeof checked.description !== "string" || typeof checked.shared !== "boolean") throw check.error("store", STORE_EXPECTATION, store);
  const state = typeof config === "object" && config !== null ? (config as { state?: unknown }).state : undefined;
  if (state !== undefined && state !== null) {
    throw new ConfigError(
      `createOrchestrator(): both \`store\` (${checked.description}) and the config's \`state\` (${describeValue(state)}) say where trigger state lives: pass one`,
      { code: "INVALID_OPTION", path: "store", value: store },
    );
  }
  return checked;
}

/** `status`: an object of known keys, `authorize` a function, `showErrors` a boolean. */
function checkStatus(status: StatusOptions | undefined): StatusOptions | undefined {
  if (status === undefined) return undefined;
  if (typeof status !== "object" || status === null || Array.isArray(status)) {
    throw check.error("status", `an object { ${STATUS_OPTION_KEYS.map((key) => `${key}?`).join(", ")} }`, status);
  }
  check.knownKeys(status, STATUS_OPTION_KEYS, "status.");
  const authorize: unknown = status.authorize;
  if (authorize !== undefined && typeof authorize !== "function") {
    throw check.error("status.authorize", "a function (request) => the name of who acts, or false to refuse (or a promise of one)", authorize);
  }
  const showErrors = check.optionalBoolean(status.showErrors, "status.showErrors");
  return { ...(status.authorize === undefined ? {} : { authorize: status.authorize }), ...(showErrors === undefined ? {} : { showErrors }) };
}

function checkLogger(logger: unknown): Logger | undefined {
  return check.optionalShape<Logger>(logger, "logger", LOGGER_METHODS, "false or an object with debug/info/warn/error(fields, message) methods");
}

/** The shape and keys of `metrics`; its values are checked by the observability module that uses them. */
function checkMetrics(metrics: OrchestratorMetricsOptions | undefined): OrchestratorMetricsOptions {
  if (metrics === undefined) return {};
  if (typeof metrics !== "object" || metrics === null || Array.isArray(metrics)) {
    throw check.error("metrics", `an object { ${METRICS_OPTION_KEYS.map((key) => `${key}?`).join(", ")} }`, metrics);
  }
  check.knownKeys(metrics, METRICS_OPTION_KEYS, "metrics.");
  return metrics;
}
