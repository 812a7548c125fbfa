import { ASYNC_DISPOSE } from "../disposeSymbols.js";
import type { Bus } from "../bus/Bus.js";
import { createBus } from "../bus/createBus.js";
import type { ResolvedConfig } from "../config/ResolvedConfig.js";
import { resolveConfig } from "../config/resolveConfig.js";
import { describeThrown } from "../errors/describeThrown.js";
import { LifecycleError } from "../errors/LifecycleError.js";
import type { HealthReport } from "../observe/Health.js";
import type { HttpHandler } from "../observe/HttpReply.js";
import type { StatusHandler } from "../status/StatusRequest.js";
import type { TriggerStoreStatus } from "../observe/ObservedSource.js";
import type { ListenOptions, Listening } from "../observe/Listeners.js";
import { createObservability, type Observability } from "../observe/Observability.js";
import type { ScheduleSpec } from "../schedule/ScheduleSpec.js";
import { DURATION_BUCKETS, HistogramData } from "../stats/HistogramData.js";
import { AgentSupervisor } from "../supervisor/AgentSupervisor.js";
import type { AgentStatus } from "../supervisor/AgentStatus.js";
import type { OrchestratorEventName } from "../supervisor/events.js";
import { supervisesGroup } from "../supervisor/tree/GroupSupervisor.js";
import { AgentConfigs } from "./AgentConfigs.js";
import { OrchestratorTriggers } from "./OrchestratorTriggers.js";
import { resolveGroup } from "./agentChecks.js";
import { AgentRoster } from "./AgentRoster.js";
import { EventHub, type EventListener } from "./EventHub.js";
import { KeepAlive } from "./KeepAlive.js";
import { Lifecycle } from "./Lifecycle.js";
import { failStopCause } from "./failStopCause.js";
import { checkShutdownOptions, drainFor, joiningSignal, onAbortUntil, type ShutdownOptions, type StartOptions } from "./lifecycleOptions.js";
import { LivenessLoop } from "./LivenessLoop.js";
import { OperatorActions } from "./OperatorActions.js";
import { OrchestratorHost } from "./OrchestratorHost.js";
import { orchestratorSource } from "./orchestratorSource.js";
import { orchestratorStatusPage } from "./statusSource.js";
import type { TriggerControl } from "./TriggerControl.js";
import type { ClosedInfo, Orchestrator, ScheduleHandle } from "./Orchestrator.js";
import type { OrchestratorOptions } from "./OrchestratorOptions.js";
import type { OrchestratorPhase } from "./OrchestratorPhase.js";
import { ModuleAgents, type AgentToAdd } from "./ModuleAgents.js";
import { OrchestratorLeases, singletonNames } from "./OrchestratorLeases.js";
import { normalizeRegistrations, type AgentRegistration, type RegisteredAgents } from "./registry.js";
import { resolveOptions, type ResolvedOptions } from "./resolveOptions.js";
import { ShutdownSequence } from "./ShutdownSequence.js";
import { SignalHandlers } from "./SignalHandlers.js";
import { StartSequence } from "./StartSequence.js";
import type { BackfillOptions, BackfillResult } from "./Backfill.js";
// supervision tree and orch.group(name)
import type { GroupControl } from "./GroupControl.js";
import { OrchestratorGroups } from "./OrchestratorGroups.js";

/**
 * Create an orchestrator. Everything it can check without I/O (options,
 * registrations, configuration, schedules, each registered agent's config
 * against its class's `configSchema`) is checked here and throws a
 * `ConfigError`; module loading (and an asynchronous schema) happens in `start()`.
 * A registered class whose `configSchema` output does not fit its `Config`
 * type parameter does not compile here.
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
export function createOrchestrator<A extends AgentRegistration[] = AgentRegistration[]>(options: OrchestratorOptions & RegisteredAgents<A> = {}): Orchestrator {
  return new OrchestratorRuntime(options);
}

/**
 * The orchestrator as a façade: it composes the lifecycle, the agents'
 * supervisors, the trigger wiring, escalation delivery, the stop sequence,
 * observability, the liveness loop, keep-alive and signal handlers, and holds
 * no lifecycle state of its own besides {@link Lifecycle}.
 */
class OrchestratorRuntime implements Orchestrator {
  readonly bus: Bus;
  readonly closed: Promise<ClosedInfo>;
  readonly healthHandler: HttpHandler;
  readonly readinessHandler: HttpHandler;
  readonly livenessHandler: HttpHandler;
  readonly startupHandler: HttpHandler;
  readonly metricsHandler: HttpHandler;
  readonly statusHandler: StatusHandler;
  readonly fetch: (request: Request) => Promise<Response>;
  readonly #options: ResolvedOptions;
  readonly #config: ResolvedConfig;
  readonly #lifecycle = new Lifecycle();
  readonly #roster = new AgentRoster((agent) => this.#config.agents[agent]?.dependsOn);
  readonly #agentConfigs = new AgentConfigs();
  readonly #events: EventHub;
  readonly #operator: OperatorActions;
  readonly #triggers: OrchestratorTriggers;
  readonly #shutdownSequence: ShutdownSequence;
  readonly #startSequence: StartSequence;
  readonly #loop: LivenessLoop;
  readonly #keepAlive = new KeepAlive();
  readonly #lateness = new HistogramData(DURATION_BUCKETS);
  readonly #observability: Observability;
  readonly #host: OrchestratorHost;
  /** The supervision tree and `orch.group(name)`. */
  readonly #groups: OrchestratorGroups;
  readonly #modules: ModuleAgents;
  /** Singleton placement: the lease keeper, when some agent is a singleton. */
  readonly #leases: OrchestratorLeases | undefined;
  #resolveClosed!: (info: ClosedInfo) => void;
  /** What `shutdown()` returned first: every later call returns it too. */
  #shutdownCall: Promise<void> | undefined;
  #signals: SignalHandlers | undefined;

  constructor(options: OrchestratorOptions) {
    const resolved = (this.#options = resolveOptions(options));
    const registrations = normalizeRegistrations(options.agents);
    this.#config = resolveConfig(options.config ?? {}, { registered: registrations });
    this.#modules = new ModuleAgents(this.#config, registrations);
    this.bus = resolved.bus ?? this.#createBus();
    this.closed = new Promise<ClosedInfo>((resolve) => (this.#resolveClosed = resolve));
    this.#events = new EventHub(resolved.logger);
    this.#leases = OrchestratorLeases.create(singletonNames(this.#config, registrations), this.#config, resolved.coordinator, {
      clock: resolved.clock,
      logger: resolved.logger,
      stopTimeout: this.#config.supervisor.stopTimeout,
      stopping: () => this.#lifecycle.stopping,
      listens: (event) => this.#events.listens(event),
      emit: (event, payload) => this.#events.emit(event, payload),
    }, options.config);
    this.#loop = new LivenessLoop(resolved.clock, () => this.#lifecycle.loopAlive);
    this.#operator = new OperatorActions({ lifecycle: this.#lifecycle, roster: this.#roster, logger: resolved.logger, loadsModule: (name) => this.#loadsModule(name) });
    this.#triggers = new OrchestratorTriggers({ options: resolved, config: this.#config, bus: this.bus, roster: this.#roster, lifecycle: this.#lifecycle, lateness: this.#lateness, events: this.#events });
    this.#shutdownSequence = this.#createShutdownSequence();
    this.#startSequence = this.#createStartSequence();
    this.#host = this.#createHost();
    this.#groups = new OrchestratorGroups({ config: this.#config, lifecycle: this.#lifecycle, logger: resolved.logger, clock: resolved.clock, stopping: () => this.#lifecycle.stopping, supervisors: () => this.#roster.inStartOrder });
    for (const agent of ModuleAgents.classAgents(registrations)) this.#addSupervisor(agent);
    this.#triggers.addConfigured();
    const status = orchestratorStatusPage({ lifecycle: this.#lifecycle, roster: this.#roster, bus: this.bus, clock: resolved.clock, logger: resolved.logger, operator: this.#operator, triggers: this.#triggers, health: () => this.health(), heartbeatTimeout: (agent) => this.#config.agents[agent]?.heartbeatTimeout, ...(this.#leases === undefined ? {} : { lease: (agent: string) => this.#leases?.statusLease(agent) }) }, resolved.status);
    this.#observability = createObservability(orchestratorSource({ lifecycle: this.#lifecycle, roster: this.#roster, bus: this.bus, lateness: this.#lateness, loop: this.#loop, clock: resolved.clock, pausedTriggers: () => this.#triggers.pausedCount(), ...this.#triggerStoreStatus(), ...(this.#modules.anyThread ? { threads: () => this.#modules.gauges } : {}), ...(this.#leases === undefined ? {} : { leases: () => this.#leases?.figures() ?? [] }), ...(Object.values(this.#config.groups).some(supervisesGroup) ? { groups: () => this.#groups.supervised() } : {}) }), { ...resolved.metrics, logger: resolved.logger, status });
    this.statusHandler = status.handler;
    this.healthHandler = this.#observability.healthHandler;
    this.readinessHandler = this.#observability.readinessHandler;
    this.livenessHandler = this.#observability.livenessHandler;
    this.startupHandler = this.#observability.startupHandler;
    this.metricsHandler = this.#observability.metricsHandler;
    this.fetch = this.#observability.fetch;
  }

  get phase(): OrchestratorPhase {
    return this.#lifecycle.phase;
  }

  start(options?: StartOptions): Promise<void> {
    return this.#startSequence.run(options);
  }

  shutdown(options?: ShutdownOptions): Promise<void> {
    if (this.#shutdownCall !== undefined) {
      // a later call joins the shutdown under way whatever its options say (only its signal counts)
      const signal = joiningSignal(options);
      if (signal !== undefined) onAbortUntil(signal, this.#shutdownCall, () => this.#shutdownSequence.cut());
      return this.#shutdownCall;
    }
    let checked: ReturnType<typeof checkShutdownOptions>;
    try {
      checked = checkShutdownOptions(options, this.#config.shutdown.timeout);
    } catch (error) {
      const refused: Error = error as Error; // the check throws only its ConfigError
      return Promise.reject(refused);
    }
    const timeout = checked.timeout ?? this.#config.shutdown.timeout;
    this.#shutdownCall = this.#shutdown(checked.reason, timeout, checked.drainDelay);
    // the signal handlers stay until the shutdown has finished: a repeated signal is logged and ignored meanwhile
    void this.#shutdownCall.then(() => this.#removeSignalHandlers());
    if (checked.signal !== undefined) onAbortUntil(checked.signal, this.#shutdownCall, () => this.#shutdownSequence.cut());
    return this.#shutdownCall;
  }

  [ASYNC_DISPOSE](): Promise<void> {
    return this.shutdown();
  }

  health(): HealthReport {
    return this.#observability.health();
  }

  metrics(): Promise<string> {
    return this.#observability.metrics();
  }

  listen(options: ListenOptions = {}): Promise<Listening> {
    if (!this.#lifecycle.listenable) return Promise.reject(new LifecycleError("SHUT_DOWN", "listen() after shutdown"));
    const http = this.#config.http;
    return this.#observability.listen({
      keepAlive: this.#options.keepAlive,
      healthPort: http.healthPort,
      metricsPort: http.metricsPort,
      ...(http.host === undefined ? {} : { host: http.host }),
      ...options,
    });
  }

  agents(): AgentStatus[] {
    return this.#roster.names.map((name) => this.#status(name));
  }

  agent(name: string): AgentStatus | undefined {
    return this.#roster.has(name) ? this.#status(name) : undefined;
  }

  enable(name: string): void {
    this.#operator.act(name, "enable");
  }

  restart(name: string): void {
    this.#operator.act(name, "restart");
  }

  disable(name: string): void {
    this.#operator.act(name, "disable");
  }

  group(name: string): GroupControl {
    return this.#groups.control(name);
  }

  schedule(name: string, spec: ScheduleSpec): ScheduleHandle {
    return this.#triggers.schedule(name, spec);
  }

  backfill(agent: string, trigger: string, options: BackfillOptions): Promise<BackfillResult> {
    return this.#triggers.backfill(agent, trigger, options);
  }

  trigger(agent: string, trigger: string): TriggerControl {
    return this.#triggers.control(agent, trigger);
  }

  on<E extends OrchestratorEventName>(event: E, listener: EventListener<E>): () => void {
    return this.#events.on(event, listener);
  }

  // ---- composition ---------------------------------------------------------

  #createBus(): Bus {
    const { clock, random, logger } = this.#options;
    return createBus({ clock, random, onError: (error) => logger.error({ err: error }, `bus handler failed: ${describeThrown(error)}`) });
  }

  #createShutdownSequence(): ShutdownSequence {
    const { clock, logger, coordinator } = this.#options;
    return new ShutdownSequence({
      clock,
      logger,
      bus: this.bus,
      ownsBus: this.#options.bus === undefined,
      coordinator,
      stopTimeout: this.#config.supervisor.stopTimeout,
      supervisors: () => this.#roster.inStartOrder,
      stopTriggers: () => this.#triggers.stop(),
      leaveCluster: () => this.#leases?.leaving(),
      closeLeases: () => this.#leases?.close() ?? Promise.resolve(),
      closeState: () => this.#triggers.close(),
      stopTimers: () => {
        this.#host.stopTimers();
        this.#loop.stop();
        this.#keepAlive.release();
      },
      finish: (info) => this.#finish(info),
    });
  }

  #createStartSequence(): StartSequence {
    return new StartSequence({
      lifecycle: this.#lifecycle,
      logger: this.#options.logger,
      loadModules: () => this.#loadModules(),
      beginRunning: () => {
        // a shutdown() during the loading may have finished already: nothing must outlive it
        if (this.#options.keepAlive && !this.#lifecycle.stopping) this.#keepAlive.hold();
        if (this.#options.handleSignals) this.#installSignalHandlers();
        this.#loop.start();
      },
      supervisors: () => this.#roster.inStartOrder,
      enabledInConfig: (agent) => this.#config.agents[agent]?.enabled !== false,
      armTriggers: () => this.#triggers.arm(),
      stopping: () => this.#shutdownSequence.running,
      shutdown: (reason) => this.shutdown({ reason }),
      finish: (info) => this.#finish(info),
    });
  }

  #createHost(): OrchestratorHost {
    return new OrchestratorHost({
      options: this.#options,
      bus: this.bus,
      settings: this.#config.supervisor,
      lifecycle: this.#lifecycle,
      events: this.#events,
      chief: () => this.#chief(),
      failStop: (agent, error, group) => this.#failStop(agent, error, group),
      attachTriggers: (agent, incarnation, instance) => this.#triggers.attach(agent, incarnation, instance),
      placement: this.#leases?.keeper,
      replica: () => this.#leases?.replica,
    });
  }

  #addSupervisor({ name, agentClass, codeGroup, thread }: AgentToAdd): void {
    const group = resolveGroup(this.#config, name, codeGroup);
    const leases = this.#leases;
    const singleton = leases?.has(name) === true;
    const supervisor = new AgentSupervisor(this.#agentConfigs.supervised(this.#config, name, agentClass, group, thread, singleton), this.#host.host);
    this.#roster.add(supervisor);
    if (singleton) leases?.add(supervisor);
  }

  // ---- lifecycle -----------------------------------------------------------

  async #loadModules(): Promise<void> {
    // the trigger store is read first: a store that cannot be read stops the start before any module loads
    const reading = this.#triggers.load();
    if (reading !== undefined) await reading;
    const loading = this.#modules.load((agent) => this.#addSupervisor(agent), (name) => this.#roster.has(name));
    if (loading !== undefined) await loading;
    const validating = this.#agentConfigs.settled(this.#options.clock, this.#config.supervisor.startTimeout);
    if (validating !== undefined) await validating;
    // every agent is known and none has started: the supervision tree and the dependsOn gate
    this.#groups.build(this.#host.host);
    this.#operator.applyAwaiting();
    // singletons: the lease store opens before any agent starts (a store that cannot open stops the start)
    if (this.#leases !== undefined) await this.#leases.open();
  }

  async #shutdown(reason: string, timeout: number, drainDelay: number | undefined): Promise<void> {
    const stateBefore = this.#lifecycle.state;
    try {
      if (this.#lifecycle.shutdown() && stateBefore !== "failed") {
        // listeners opened before start() (the recommended order) close here too
        if (stateBefore === "idle") return await this.#closeAndFinish({ reason, failed: false });
        // only a running orchestrator drains: before, readiness never passed, so nobody routes to it yet
        void this.#shutdownSequence.run(reason, false, { timeout, drain: stateBefore === "running" ? drainFor(timeout, drainDelay, this.#config.shutdown.drainDelay, this.#options.logger) : 0 });
      }
      // a start() that failed before any agent started has settled `closed` already
      await this.#shutdownSequence.running;
      await this.#closeListeners();
      this.#lifecycle.finished();
    } catch (error) {
      this.#options.logger.error({ err: error }, `shutdown failed: ${describeThrown(error)}`);
      this.#lifecycle.finished();
      this.#resolveClosed({ reason, failed: true });
    }
  }

  async #closeAndFinish(info: ClosedInfo): Promise<void> {
    await this.#closeListeners();
    await this.#triggers.close();
    this.#finish(info);
  }

  #failStop(agent: string, error: unknown, group?: string): void {
    if (!this.#lifecycle.failStop(group === undefined ? { agent, error } : { agent, error, group })) return;
    const reason = `fail-stop: ${failStopCause({ agent, error, group })}`;
    this.#options.logger.error({ agent, ...(group === undefined ? {} : { group }), err: error }, reason);
    // readiness already fails: no drain
    void this.#shutdownSequence.run(reason, true, { timeout: this.#config.shutdown.timeout, drain: 0 });
  }

  /** Emit `shutdown` and settle `closed` (a second settle is ignored). */
  #finish(info: ClosedInfo): void {
    // a start that failed before the stop sequence ran: the store it may have opened is closed too (closing twice is harmless)
    void this.#triggers.close();
    this.#events.emit("shutdown", info);
    this.#resolveClosed(info);
  }

  async #closeListeners(): Promise<void> {
    await this.#observability.close();
    // a host registry outlives us: leave it as we found it, so a new orchestrator can register again
    if (this.#options.metrics.registry !== undefined) this.#observability.unregister();
  }

  #installSignalHandlers(): void {
    if (this.#lifecycle.stopping) return;
    this.#signals = new SignalHandlers({ logger: this.#options.logger, timeout: this.#config.shutdown.timeout, shutdown: (signal) => this.shutdown({ reason: signal }) });
    this.#signals.install();
  }

  #removeSignalHandlers(): void {
    this.#signals?.remove();
    this.#signals = undefined;
  }

  // ---- reading -------------------------------------------------------------

  #status(name: string): AgentStatus {
    const status = this.#roster.get(name).status(this.#triggers.nextFireAt(name));
    const lease = this.#leases?.snapshot(name);
    return lease === undefined ? status : { ...status, lease };
  }

  #triggerStoreStatus(): { triggerStore?: () => TriggerStoreStatus } {
    const state = this.#triggers.state;
    return state.ledger === undefined ? {} : { triggerStore: () => state.status() as TriggerStoreStatus };
  }

  #chief(): AgentSupervisor | undefined {
    return this.#config.chief === undefined ? undefined : this.#roster.find(this.#config.chief);
  }

  #loadsModule(name: string): boolean {
    return this.#modules.has(name);
  }
}

