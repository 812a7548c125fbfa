import { EventEmitter } from "eventemitter3";
import { handlesCron, type Agent, type AgentClass } from "../agent/Agent.js";
import type { Bus } from "../bus/Bus.js";
import { createBus } from "../bus/createBus.js";
import { systemClock, type Clock } from "../clock.js";
import type { ResolvedConfig, ResolvedGroup } from "../config/ResolvedConfig.js";
import { configErrorAt } from "../config/ConfigSource.js";
import { resolveConfig } from "../config/resolveConfig.js";
import { resolveSchedule } from "../config/resolveTrigger.js";
import { formatDuration, toMilliseconds } from "../duration.js";
import { didYouMean } from "../config/didYouMean.js";
import { ConfigError } from "../errors/ConfigError.js";
import { OrchestratorError } from "../errors/OrchestratorError.js";
import { LifecycleError } from "../errors/LifecycleError.js";
import { consoleLogger, guardLogger, silentLogger, type Logger } from "../logger.js";
import type { HealthReport } from "../observe/Health.js";
import type { HttpHandler } from "../observe/HttpReply.js";
import type { ListenOptions, Listening } from "../observe/Listeners.js";
import { createObservability, type Observability } from "../observe/Observability.js";
import type { ObservedSource, OrchestratorPhase } from "../observe/ObservedSource.js";
import { CronRunner } from "../schedule/CronRunner.js";
import { Scheduler } from "../schedule/Scheduler.js";
import type { ScheduleSpec, TickMessage } from "../schedule/ScheduleSpec.js";
import { DURATION_BUCKETS, HistogramData } from "../stats/HistogramData.js";
import { AgentSupervisor } from "../supervisor/AgentSupervisor.js";
import { describeThrown } from "../errors/describeThrown.js";
import type { AgentStatus } from "../supervisor/AgentStatus.js";
import type { Escalation } from "../supervisor/Escalation.js";
import type { OrchestratorEventName, OrchestratorEvents } from "../supervisor/events.js";
import type { Incarnation } from "../supervisor/Incarnation.js";
import type { ClosedInfo, Orchestrator, OrchestratorOptions } from "./Orchestrator.js";
import { loadAgentModule, normalizeRegistrations, type NormalizedRegistration } from "./registry.js";
import { SignalHandlers } from "./SignalHandlers.js";
import type { TriggerCoordinator } from "./TriggerCoordinator.js";

/** How often the orchestrator's own loop ticks (liveness). */
export const LOOP_INTERVAL_MS = 5_000;
/** Topic escalations are published on. */
export const ESCALATION_TOPIC = "orchestrator.escalation";
type OperatorAction = "enable" | "disable" | "restart";

const EVENT_NAMES: readonly OrchestratorEventName[] = ["agent:state", "agent:crash", "agent:restart", "agent:disabled", "agent:stop-timeout", "escalation", "shutdown"];
const METRICS_KEYS = ["registry", "prefix", "defaultMetrics"];
const OPTION_KEYS = new Set(["agents", "config", "bus", "clock", "logger", "random", "metrics", "keepAlive", "handleSignals", "coordinator"]);

/**
 * Create an orchestrator. Everything it can check without I/O (registrations,
 * configuration, schedules) is checked here and throws a `ConfigError`; module
 * loading happens in `start()`.
 *
 * @example
 * ```ts
 * import { createOrchestrator, loadConfig } from "@acme/agent-orchestrator";
 * const orch = createOrchestrator({ agents: [MarketData, Strategy, Risk], config: await loadConfig("orchestrator.yaml") });
 * await orch.start();
 * app.get("/healthz", orch.healthHandler);
 * process.on("SIGTERM", () => void orch.shutdown());
 * ```
 */
export function createOrchestrator(options: OrchestratorOptions = {}): Orchestrator {
  return new OrchestratorRuntime(options);
}

class OrchestratorRuntime implements Orchestrator {
  readonly bus: Bus;
  readonly closed: Promise<ClosedInfo>;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #logger: Logger;
  readonly #config: ResolvedConfig;
  readonly #registrations: NormalizedRegistration[];
  readonly #supervisors = new Map<string, AgentSupervisor>();
  readonly #order: string[] = [];
  /** Operator actions on agents whose module `start()` had not loaded yet. */
  readonly #actionsAwaitingModules: Array<{ name: string; action: OperatorAction }> = [];
  readonly #events = new EventEmitter();
  readonly #scheduler: Scheduler;
  readonly #lateness = new HistogramData(DURATION_BUCKETS);
  readonly #ownsBus: boolean;
  readonly #keepAlive: boolean;
  readonly #handleSignals: boolean;
  readonly #coordinator: TriggerCoordinator | undefined;
  readonly #chief: string | undefined;
  readonly #observability: Observability;
  readonly #sharedRegistry: boolean;
  /** `GET`/`HEAD` /healthz handler (bound: mount it as it is). */
  readonly healthHandler: HttpHandler;
  /** `GET`/`HEAD` /livez handler (bound). */
  readonly livenessHandler: HttpHandler;
  /** `GET` /metrics handler (bound). */
  readonly metricsHandler: HttpHandler;
  /** Fetch API handler for the health, liveness and metrics paths (bound). */
  readonly fetch: (request: Request) => Promise<Response>;
  #phase: OrchestratorPhase = "idle";
  #resolveClosed!: (info: ClosedInfo) => void;
  #stopping: Promise<void> | undefined;
  #shutdown: Promise<void> | undefined;
  #keepAliveTimer: ReturnType<typeof setInterval> | undefined;
  #loopTimer: unknown;
  #lastLoopAt = 0;
  #signals: SignalHandlers | undefined;
  #failure: { agent: string; error: unknown } | undefined;

  constructor(options: OrchestratorOptions) {
    if (typeof options !== "object" || options === null) {
      throw new ConfigError(`expected createOrchestrator() options to be an object, got ${String(options)}`);
    }
    for (const key of Object.keys(options)) {
      if (!OPTION_KEYS.has(key)) throw new ConfigError(`unknown option \`${key}\`; expected one of ${[...OPTION_KEYS].join(", ")}`, { path: key });
    }
    this.#clock = checkClock(options.clock);
    this.#random = checkFunction(options.random, "random") ?? Math.random;
    this.#logger = options.logger === false ? silentLogger : guardLogger(checkLogger(options.logger) ?? consoleLogger);
    this.#keepAlive = checkBoolean(options.keepAlive, "keepAlive") ?? true;
    this.#handleSignals = checkBoolean(options.handleSignals, "handleSignals") ?? false;
    this.#coordinator = checkCoordinator(options.coordinator);
    checkMetricsOption(options.metrics);
    this.#registrations = normalizeRegistrations(options.agents);
    this.#config = resolveConfig(options.config ?? {}, { registered: this.#registrations });
    this.#chief = this.#config.chief;

    if (options.bus !== undefined) {
      checkBus(options.bus);
      this.bus = options.bus;
      this.#ownsBus = false;
    } else {
      this.bus = createBus({ clock: this.#clock, random: this.#random, onError: (error) => this.#logger.error({ err: error }, `bus handler failed: ${describeThrown(error)}`) });
      this.#ownsBus = true;
    }
    this.closed = new Promise<ClosedInfo>((resolve) => {
      this.#resolveClosed = resolve;
    });

    this.#scheduler = new Scheduler({
      clock: this.#clock,
      logger: this.#logger,
      counters: (agent) => this.#supervisor(agent).counters,
      lateness: this.#lateness,
      isActive: (agent) => this.#supervisors.get(agent)?.state === "running",
      fire: (tick) => this.#fire(tick),
    });

    for (const registration of this.#registrations) {
      this.#addSupervisor(registration.name, registration.agentClass, registration.group);
    }
    for (const [agent, triggers] of Object.entries(this.#config.schedule)) {
      const supervisor = this.#supervisors.get(agent);
      if (supervisor !== undefined) this.#checkCronHandler(agent, supervisor.agentClass, `schedule.${agent}`);
      for (const trigger of triggers) this.#scheduler.add(agent, trigger);
    }

    const source: ObservedSource = {
      phase: () => this.#phase,
      agents: () =>
        this.#order.map((name) => {
          const supervisor = this.#supervisor(name);
          return { status: this.#status(name), critical: supervisor.group.critical, counters: supervisor.counters };
        }),
      busStats: () => this.bus.stats?.(),
      cronLateness: this.#lateness,
      loop: () => ({ lastTickAt: this.#lastLoopAt, intervalMs: LOOP_INTERVAL_MS }),
      clock: this.#clock,
    };
    const connection = this.bus.connection?.bind(this.bus);
    if (connection !== undefined) source.busConnection = connection;
    this.#observability = createObservability(source, { ...options.metrics, logger: this.#logger });
    this.#sharedRegistry = options.metrics?.registry !== undefined;
    this.healthHandler = this.#observability.healthHandler;
    this.livenessHandler = this.#observability.livenessHandler;
    this.metricsHandler = this.#observability.metricsHandler;
    this.fetch = this.#observability.fetch;
  }

  get phase(): OrchestratorPhase {
    return this.#phase;
  }

  async start(): Promise<void> {
    if (this.#phase !== "idle") {
      throw this.#shutdown !== undefined || this.#phase === "stopped" || this.#phase === "failed"
        ? new LifecycleError("SHUT_DOWN", "start() after shutdown: an orchestrator runs once; create a new one")
        : new LifecycleError("ALREADY_STARTED", "start() called twice");
    }
    this.#phase = "starting";
    try {
      await this.#loadModules();
    } catch (error) {
      this.#phase = "stopped";
      const reason = `start failed: ${describeThrown(error)}`;
      this.#emit("shutdown", { reason, failed: true });
      this.#settle({ reason, failed: true });
      throw error;
    }
    if (this.#keepAlive) this.#keepAliveTimer = setInterval(() => undefined, 1 << 30);
    if (this.#handleSignals) this.#installSignalHandlers();
    this.#tickLoop();

    for (const name of this.#order) {
      if (this.#phase !== "starting") break;
      // an operator's enable(), restart() or disable() since start() began applies to this pending start
      await this.#supervisor(name).startInTurn(this.#config.agents[name]?.enabled !== false);
    }
    if (this.#failure !== undefined) {
      await this.#stopping;
      throw new LifecycleError("FAIL_STOP", `start() failed: critical agent "${this.#failure.agent}" crashed: ${describeThrown(this.#failure.error)}`, {
        cause: this.#failure.error,
      });
    }
    if (this.#phase !== "starting") {
      await this.#stopping;
      throw new LifecycleError("SHUT_DOWN", "start() was interrupted by shutdown()");
    }
    this.#scheduler.start();
    this.#phase = "running";
    this.#logger.info({ agents: this.#order.length }, "orchestrator running");
  }

  shutdown(options: { timeout?: number | string; reason?: string } = {}): Promise<void> {
    if (this.#shutdown !== undefined) return this.#shutdown;
    const timeout = options.timeout === undefined ? this.#config.shutdown.timeout : toMilliseconds(options.timeout);
    if (timeout === undefined || timeout <= 0) {
      return Promise.reject(new ConfigError(`expected \`timeout\` to be a positive duration such as "30s" or a number of ms, got ${JSON.stringify(options.timeout)}`, { path: "shutdown.timeout", value: options.timeout }));
    }
    const reason = options.reason ?? "shutdown";
    this.#shutdown = (async () => {
      try {
        // listeners opened before start() (the recommended order) close here too
        if (this.#phase === "idle") {
          this.#phase = "stopped";
          await this.#closeListeners();
          this.#emit("shutdown", { reason, failed: false });
          this.#settle({ reason, failed: false });
          return;
        }
        // a start() that failed before any agent started has settled `closed` already
        if (this.#phase === "stopped") {
          await this.#closeListeners();
          return;
        }
        if (this.#stopping === undefined) {
          this.#phase = "stopping";
          this.#stopping = this.#stopAll(reason, false, timeout);
        }
        await this.#stopping;
        await this.#closeListeners();
        this.#phase = "stopped";
      } catch (error) {
        this.#logger.error({ err: error }, `shutdown failed: ${describeThrown(error)}`);
        this.#phase = "stopped";
        this.#settle({ reason, failed: true });
      }
    })();
    // the signal handlers stay until the shutdown has finished: a repeated signal is logged and ignored meanwhile
    void this.#shutdown.then(() => this.#removeSignalHandlers());
    return this.#shutdown;
  }

  health(): HealthReport {
    return this.#observability.health();
  }

  metrics(): Promise<string> {
    return this.#observability.metrics();
  }

  listen(options: ListenOptions = {}): Promise<Listening> {
    if (this.#shutdown !== undefined || this.#phase === "stopped") {
      return Promise.reject(new LifecycleError("SHUT_DOWN", "listen() after shutdown"));
    }
    const http = this.#config.http;
    return this.#observability.listen({
      keepAlive: this.#keepAlive,
      healthPort: http.healthPort,
      metricsPort: http.metricsPort,
      ...(http.host === undefined ? {} : { host: http.host }),
      ...options,
    });
  }

  agents(): AgentStatus[] {
    return this.#order.map((name) => this.#status(name));
  }

  agent(name: string): AgentStatus | undefined {
    return this.#supervisors.has(name) ? this.#status(name) : undefined;
  }

  enable(name: string): void {
    this.#act(name, "enable");
  }

  restart(name: string): void {
    this.#act(name, "restart");
  }

  disable(name: string): void {
    this.#act(name, "disable");
  }

  schedule(name: string, spec: ScheduleSpec): { cancel(): void } {
    if (this.#isStopping()) throw new LifecycleError("SHUT_DOWN", `schedule("${name}") after shutdown`);
    if (!this.#supervisors.has(name)) throw new LifecycleError("UNKNOWN_AGENT", `schedule(): no agent named "${name}"; known agents: ${this.#order.join(", ") || "(none)"}`);
    const triggers = resolveSchedule(name, spec, { path: `schedule.${name}`, taken: this.#scheduler.triggerNames(name) });
    const supervisor = this.#supervisors.get(name);
    if (supervisor !== undefined) this.#checkCronHandler(name, supervisor.agentClass, `schedule.${name}`);
    const handles = triggers.map((trigger) => this.#scheduler.add(name, trigger));
    return { cancel: () => handles.forEach((handle) => handle.cancel()) };
  }

  on<E extends OrchestratorEventName>(event: E, listener: (payload: OrchestratorEvents[E]) => void): () => void {
    if (!EVENT_NAMES.includes(event)) {
      throw new OrchestratorError("UNKNOWN_EVENT", `on(${JSON.stringify(event)}): unknown event${didYouMean(String(event), EVENT_NAMES)}; expected one of ${EVENT_NAMES.join(", ")}`);
    }
    if (typeof listener !== "function") throw new OrchestratorError("INVALID_ARGUMENT", `on("${event}"): expected \`listener\` to be a function, got ${typeof listener}`);
    this.#events.on(event, listener);
    return () => {
      this.#events.off(event, listener);
    };
  }

  // ---- internals -----------------------------------------------------------

  #addSupervisor(name: string, agentClass: NormalizedRegistration["agentClass"], codeGroup: string | undefined): void {
    const entry = this.#config.agents[name];
    const groupName = entry?.group ?? codeGroup ?? "data";
    const group = this.#config.groups[groupName];
    if (group === undefined) {
      throw new ConfigError(`agent "${name}": unknown group "${groupName}"; expected one of ${Object.keys(this.#config.groups).join(", ")}`, {
        path: `agents.${name}.group`,
        value: groupName,
      });
    }
    const supervisor = new AgentSupervisor(
      { name, agentClass, group, config: entry?.config, heartbeatTimeout: entry?.heartbeatTimeout },
      {
        clock: this.#clock,
        bus: this.bus,
        random: this.#random,
        logger: this.#logger,
        settings: this.#config.supervisor,
        stopping: () => this.#isStopping(),
        emit: (event, payload) => this.#emit(event, payload),
        escalate: (event) => this.#escalate(event),
        failStop: (agent, error) => this.#failStop(agent, error),
        attachTriggers: (agent, incarnation, instance) => this.#attachTriggers(agent, incarnation, instance),
      },
    );
    this.#supervisors.set(name, supervisor);
    this.#order.push(name);
  }

  /** A trigger for an agent whose class has no `onCron` would fire and run nothing: refuse it (decision 32). */
  #checkCronHandler(agent: string, agentClass: AgentClass, path: string): void {
    if (handlesCron(agentClass)) return;
    throw configErrorAt(
      this.#config,
      path,
      `agent "${agent}" has a trigger, but its class ${agentClass.name || "(anonymous)"} defines no onCron(tick): every slot would fire and run nothing; define onCron or remove the trigger`,
    );
  }

  async #loadModules(): Promise<void> {
    for (const [name, entry] of Object.entries(this.#config.agents)) {
      if (entry.module === undefined || this.#supervisors.has(name)) continue;
      const agentClass = await loadAgentModule(name, entry.module, entry.export, this.#config);
      if (Object.hasOwn(this.#config.schedule, name)) this.#checkCronHandler(name, agentClass, `schedule.${name}`);
      this.#addSupervisor(name, agentClass, undefined);
    }
    // operator actions taken while the modules loaded, in the order they were taken
    const actions = this.#actionsAwaitingModules.splice(0);
    if (!this.#isStopping()) for (const { name, action } of actions) this.#act(name, action);
  }

  #supervisor(name: string): AgentSupervisor {
    const supervisor = this.#supervisors.get(name);
    if (supervisor === undefined) throw new LifecycleError("UNKNOWN_AGENT", `no agent named "${name}"`);
    return supervisor;
  }

  #status(name: string): AgentStatus {
    return this.#supervisor(name).status(this.#scheduler.nextFireAt(name));
  }

  /**
   * An operator action. Refused after shutdown and before `start()`; for an
   * agent whose module `start()` is still loading, kept and applied once it has
   * loaded (to its pending start, see {@link AgentSupervisor.startInTurn}).
   */
  #act(name: string, action: OperatorAction): void {
    if (this.#isStopping()) throw new LifecycleError("SHUT_DOWN", `${action}("${name}") after shutdown`);
    if (this.#phase === "idle") throw new LifecycleError("NOT_STARTED", `${action}("${name}") before start()`);
    const supervisor = this.#supervisors.get(name);
    if (supervisor === undefined) {
      if (this.#phase === "starting" && Object.hasOwn(this.#config.agents, name) && this.#config.agents[name]?.module !== undefined) {
        this.#logger.info({ agent: name, action }, `operator: ${action} "${name}" (applied once start() has loaded its module)`);
        this.#actionsAwaitingModules.push({ name, action });
        return;
      }
      throw new LifecycleError("UNKNOWN_AGENT", `${action}(): no agent named "${name}"; known agents: ${this.#order.join(", ") || "(none)"}`);
    }
    this.#logger.info({ agent: name, action }, `operator: ${action} "${name}"`);
    supervisor[action]().catch((error: unknown) => this.#logger.error({ agent: name, err: error }, `operator ${action}("${name}") failed: ${describeThrown(error)}`));
  }

  #isStopping(): boolean {
    return this.#stopping !== undefined || this.#phase === "stopping" || this.#phase === "stopped" || this.#phase === "failed";
  }

  #attachTriggers(agent: string, incarnation: Incarnation, instance: Agent): void {
    const supervisor = this.#supervisor(agent);
    const counters = supervisor.counters;
    const runner = new CronRunner({
      clock: incarnation.clock,
      counters,
      lookup: (trigger) => this.#scheduler.trigger(agent, trigger),
      // tick: the CronTick of this run, built by cronTick(); tick.signal is aborted on the trigger's timeout and when the incarnation ends
      run: async (tick) => {
        const started = performance.now();
        try {
          await instance.onCron(tick);
        } finally {
          counters.handlerDuration.observe((performance.now() - started) / 1_000);
        }
      },
      onHung: (_tick, error) => supervisor.crashCurrent(incarnation, "hung", error),
      onError: (_tick, error) => {
        counters.handlerErrors++;
        supervisor.crashCurrent(incarnation, "error", error);
      },
    });
    incarnation.own(() => runner.dispose());
    incarnation.own(this.bus.subscribe(`cron.${agent}`, (message) => runner.receive(message.payload as TickMessage), { queue: agent }));
  }

  #fire(tick: TickMessage): void {
    const publish = (): void => {
      this.bus.publish(`cron.${tick.agent}`, tick, { source: "orchestrator" }).catch((error: unknown) => {
        this.#logger.warn({ agent: tick.agent, key: tick.key, err: error }, `trigger ${tick.key} could not be published: ${describeThrown(error)}`);
      });
    };
    if (this.#coordinator === undefined) return publish();
    this.#coordinator.claim(tick).then(
      (mine) => {
        if (mine) publish();
      },
      (error: unknown) => this.#logger.warn({ key: tick.key, err: error }, `trigger ${tick.key}: the coordinator failed: ${describeThrown(error)}`),
    );
  }

  #escalate(event: Escalation): void {
    this.#logger.warn({ agent: event.agent, reason: event.reason, disabled: event.disabled }, `escalation: agent "${event.agent}" ${event.reason}${event.disabled ? " (disabled)" : ""}`);
    this.#emit("escalation", event);
    this.bus.publish(ESCALATION_TOPIC, event, { source: "orchestrator" }).catch((error: unknown) => {
      this.#logger.warn({ err: error }, `escalation could not be published: ${describeThrown(error)}`);
    });
    const chief = this.#chief === undefined ? undefined : this.#supervisors.get(this.#chief);
    const incarnation = chief?.incarnation;
    const instance = chief?.instance;
    if (chief === undefined || incarnation === undefined || instance === undefined || chief.state !== "running") return;
    const crash = (error: unknown): void => {
      chief.counters.handlerErrors++;
      chief.crashCurrent(incarnation, "error", error);
    };
    try {
      const result = instance.onEscalation(event);
      if (result instanceof Promise) result.catch(crash);
    } catch (error) {
      crash(error);
    }
  }

  #failStop(agent: string, error: unknown): void {
    if (this.#stopping !== undefined) return;
    this.#failure = { agent, error };
    const reason = `fail-stop: critical agent "${agent}" crashed: ${describeThrown(error)}`;
    this.#logger.error({ agent, err: error }, reason);
    this.#phase = "failed";
    this.#stopping = this.#stopAll(reason, true, this.#config.shutdown.timeout);
  }

  async #stopAll(reason: string, failed: boolean, timeout: number): Promise<void> {
    await Promise.resolve();
    const clock = this.#clock;
    const deadline = clock.now() + timeout;
    const remaining = (): number => Math.max(0, deadline - clock.now());
    this.#scheduler.stop();
    for (const supervisor of this.#supervisors.values()) supervisor.cancelRestart();

    // Deliver what is queued. Handler calls already running get at most one
    // stopTimeout to finish here: one that waits for its agent's signal (a long
    // poll) must not eat the budget of the stops that would end it. Messages
    // still queued when an agent stops are dropped and counted.
    await this.#flush(Math.min(this.#config.supervisor.stopTimeout, remaining()));
    for (const name of [...this.#order].reverse()) {
      const supervisor = this.#supervisor(name);
      const budget = Math.min(this.#config.supervisor.stopTimeout, remaining());
      await supervisor.stop(supervisor.state === "disabled" ? "disabled" : "stopped", budget);
    }
    // messages published by stop(): flush until quiet, within the deadline
    await this.#flush(remaining());
    if (this.#ownsBus) await this.#within(this.bus.close(), remaining());
    if (this.#coordinator?.close !== undefined) await this.#within(this.#coordinator.close(), remaining());

    if (clock.now() >= deadline) this.#logger.warn({ timeout }, `shutdown took its whole budget of ${formatDuration(timeout)}`);
    this.#clock.clearTimeout(this.#loopTimer);
    if (this.#keepAliveTimer !== undefined) clearInterval(this.#keepAliveTimer);
    this.#emit("shutdown", { reason, failed });
    this.#settle({ reason, failed });
  }

  async #flush(budget: number): Promise<void> {
    const stats = (): number => this.bus.stats?.().published ?? -1;
    for (let round = 0; round < 5; round++) {
      const before = stats();
      const done = await this.#within(this.bus.flush(), budget);
      if (!done || stats() === before) return;
    }
  }

  /** Wait for `promise` at most `ms` on the clock; true when it settled in time. */
  async #within(promise: Promise<unknown>, ms: number): Promise<boolean> {
    let timer: unknown;
    const timeout = new Promise<false>((resolve) => {
      timer = this.#clock.setTimeout(() => resolve(false), ms);
    });
    try {
      return await Promise.race([promise.then(() => true, (error: unknown) => {
        this.#logger.warn({ err: error }, `during shutdown: ${describeThrown(error)}`);
        return true;
      }), timeout]);
    } finally {
      this.#clock.clearTimeout(timer);
    }
  }

  async #closeListeners(): Promise<void> {
    await this.#observability.close();
    // a host registry outlives us: leave it as we found it, so a new orchestrator can register again
    if (this.#sharedRegistry) this.#observability.unregister();
  }

  #settle(info: ClosedInfo): void {
    this.#resolveClosed(info);
  }

  #tickLoop(): void {
    const tick = (): void => {
      this.#lastLoopAt = this.#clock.now();
      if (!this.#isStopping() || this.#phase === "failed") this.#loopTimer = this.#clock.setTimeout(tick, LOOP_INTERVAL_MS);
    };
    tick();
  }

  #installSignalHandlers(): void {
    if (this.#shutdown !== undefined || this.#stopping !== undefined) return;
    this.#signals = new SignalHandlers({ logger: this.#logger, timeout: this.#config.shutdown.timeout, shutdown: (signal) => this.shutdown({ reason: signal }) });
    this.#signals.install();
  }

  #removeSignalHandlers(): void {
    this.#signals?.remove();
    this.#signals = undefined;
  }

  #emit<E extends OrchestratorEventName>(event: E, payload: OrchestratorEvents[E]): void {
    for (const listener of this.#events.listeners(event)) {
      try {
        (listener as (payload: OrchestratorEvents[E]) => void)(payload);
      } catch (error) {
        this.#logger.error({ event, err: error }, `a listener of "${event}" threw: ${describeThrown(error)}`);
      }
    }
  }

  /** For the observability wiring: the group of each agent. */
  groupOf(name: string): ResolvedGroup | undefined {
    return this.#supervisors.get(name)?.group;
  }
}

/** True when `value` is an object with a function under each of `methods`. */
function hasMethods(value: unknown, methods: readonly string[]): boolean {
  return typeof value === "object" && value !== null && methods.every((m) => typeof (value as Record<string, unknown>)[m] === "function");
}

function checkClock(clock: unknown): Clock {
  if (clock === undefined) return systemClock;
  if (!hasMethods(clock, ["now", "setTimeout", "clearTimeout"])) {
    throw new ConfigError("expected `clock` to be a Clock: an object with now(), setTimeout(fn, ms) and clearTimeout(handle)", { path: "clock" });
  }
  return clock as Clock;
}

function checkLogger(logger: unknown): Logger | undefined {
  if (logger === undefined) return undefined;
  if (!hasMethods(logger, ["debug", "info", "warn", "error"])) {
    throw new ConfigError("expected `logger` to be false or an object with debug/info/warn/error(fields, message) methods", { path: "logger" });
  }
  return logger as Logger;
}

function checkBus(bus: unknown): void {
  if (!hasMethods(bus, ["publish", "subscribe", "request", "flush", "close"])) {
    throw new ConfigError("expected `bus` to implement Bus: publish, subscribe, request, flush and close", { path: "bus" });
  }
}

function checkMetricsOption(metrics: unknown): void {
  if (metrics === undefined) return;
  if (typeof metrics !== "object" || metrics === null || Array.isArray(metrics)) {
    throw new ConfigError(`expected \`metrics\` to be an object { registry?, prefix?, defaultMetrics? }, got ${JSON.stringify(metrics)}`, { path: "metrics", value: metrics });
  }
  for (const key of Object.keys(metrics)) {
    if (!METRICS_KEYS.includes(key)) {
      throw new ConfigError(`unknown key "${key}" in \`metrics\`${didYouMean(key, METRICS_KEYS)}; expected ${METRICS_KEYS.join(", ")}`, { path: `metrics.${key}`, value: key });
    }
  }
}

function checkCoordinator(coordinator: unknown): TriggerCoordinator | undefined {
  if (coordinator === undefined) return undefined;
  if (!hasMethods(coordinator, ["claim"])) {
    throw new ConfigError("expected `coordinator` to be a TriggerCoordinator: an object with claim(tick) (see createNatsCoordinator)", { path: "coordinator" });
  }
  return coordinator as TriggerCoordinator;
}

function checkFunction<T>(value: T | undefined, name: string): T | undefined {
  if (value !== undefined && typeof value !== "function") throw new ConfigError(`expected \`${name}\` to be a function, got ${typeof value}`, { path: name });
  return value;
}

function checkBoolean(value: unknown, name: string): boolean | undefined {
  if (value !== undefined && typeof value !== "boolean") throw new ConfigError(`expected \`${name}\` to be a boolean, got ${JSON.stringify(value)}`, { path: name });
  return value;
}
