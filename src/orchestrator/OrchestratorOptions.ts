import type { Bus } from "../bus/Bus.js";
import type { Clock } from "../clock.js";
import type { OrchestratorConfig } from "../config/OrchestratorConfig.js";
import type { Logger } from "../logger.js";
import type { OrchestratorMetricsOptions } from "../observe/Observability.js";
import type { TriggerStore } from "../state/TriggerStore.js";
import type { StatusOptions } from "../status/StatusOptions.js";
import { keysOf } from "./keysOf.js";
import type { AgentRegistration } from "./registry.js";
import type { TriggerCoordinator } from "./TriggerCoordinator.js";

export type { OrchestratorMetricsOptions };

/** Options of {@link createOrchestrator}. */
export interface OrchestratorOptions {
  /** Agents registered in code: classes with a static `agentName`, or `{ name, agent, group?, chief? }`. */
  agents?: AgentRegistration[];
  /** The configuration: the YAML shape as an object, or what `loadConfig()` returns. */
  config?: OrchestratorConfig;
  /**
   * The bus agents talk over, typed with any topic map (`Bus<Topics>` is invariant in its map, and the
   * orchestrator reads the bus untyped). @default a new in-process bus (`createBus()`), closed at shutdown
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a bus of every topic map is accepted (see above)
  bus?: Bus<any>;
  /** Time source of everything: back-off, heartbeats, triggers, request timeouts. @default systemClock */
  clock?: Clock;
  /** Where the orchestrator logs; `false` silences it. @default info, warnings and errors to the console (debug dropped) */
  logger?: Logger | false;
  /** Randomness in [0, 1) for jitter and queue-group choice, injectable to replay a run. @default Math.random */
  random?: () => number;
  /** Metrics registry settings. @default a registry of its own, no prefix, no default metrics, `livenessMissedTicks: 3` */
  metrics?: OrchestratorMetricsOptions;
  /** Keep the process alive while the orchestrator runs. @default true */
  keepAlive?: boolean;
  /** Install SIGTERM/SIGINT handlers that call `shutdown()`. @default false */
  handleSignals?: boolean;
  /** Decides which instance fires a trigger slot when several share a schedule. @default none: every slot fires here */
  coordinator?: TriggerCoordinator;
  /**
   * Where trigger state lives: the slots that ran, a run cut short, paused triggers. A durable store
   * lets catch-up (`catchup`) and `delivery: at-least-once` work across restarts; a shared one (NATS
   * JetStream KV) also makes one instance of a cluster run each slot. The orchestrator loads it at
   * `start()` and closes it at shutdown. Not together with the config's `state: { file }` (which
   * makes a file store): pass one.
   *
   * @default the config's `state: { file }` as a file store, else none: nothing is remembered beyond the process (no catch-up, no interrupted slots; a backfill runs every slot)
   * @example
   * ```ts
   * createOrchestrator({ agents, store: new FileTriggerStore("./var/orchestrator-state.json") });
   * ```
   */
  store?: TriggerStore;
  /**
   * The status page (`orch.statusHandler`, `/statusz` in `orch.fetch`): given
   * (even `{}`), the built-in health listener serves it at `/statusz` too.
   * `authorize` turns on its operator actions (off without it: the page is
   * read-only); `showErrors` shows the last error's message.
   *
   * @default undefined: the handlers serve a read-only page, the built-in listener does not serve it
   * @example
   * ```ts
   * createOrchestrator({ agents, status: { authorize: (request) => request.headers.get("x-forwarded-user") ?? false } });
   * ```
   */
  status?: StatusOptions;
}

/** Every key of {@link OrchestratorOptions}; a key added to the interface and not here does not compile. */
export const ORCHESTRATOR_OPTION_KEYS = keysOf<OrchestratorOptions>({
  agents: true,
  config: true,
  bus: true,
  clock: true,
  logger: true,
  random: true,
  metrics: true,
  keepAlive: true,
  handleSignals: true,
  coordinator: true,
  store: true,
  status: true,
});

/** Every key of {@link StatusOptions}; checked against the type like {@link ORCHESTRATOR_OPTION_KEYS}. */
export const STATUS_OPTION_KEYS = keysOf<StatusOptions>({
  authorize: true,
  showErrors: true,
});

/** Every key of {@link OrchestratorMetricsOptions}; checked against the type like {@link ORCHESTRATOR_OPTION_KEYS}. */
export const METRICS_OPTION_KEYS = keysOf<OrchestratorMetricsOptions>({
  registry: true,
  prefix: true,
  defaultMetrics: true,
  livenessMissedTicks: true,
  agentSeries: true,
  agentStatus: true,
});
