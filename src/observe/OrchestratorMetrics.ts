import { collectDefaultMetrics } from "prom-client";
import type { Aggregator } from "prom-client";
import { describeThrown } from "../errors/describeThrown.js";
import { evaluateHealth } from "./Health.js";
import { LabelCache } from "./LabelCache.js";
import { ObservabilityError } from "./ObservabilityError.js";
import { ORCHESTRATOR_PHASES } from "./ObservedSource.js";
import { Pacer, SLICE_SAMPLES } from "./Pacer.js";
import type { ObservedAgent, ObservedSource } from "./ObservedSource.js";
import {
  NO_LABELS,
  ScrapeCounter,
  ScrapeGauge,
  ScrapeHistogram,
  histogramNames,
  pushHistogram,
} from "./ScrapeMetric.js";
import type { LabelSet, MetricsRegistry, SampleReader, ScrapeMetricConfig } from "./ScrapeMetric.js";

/** Where and how the orchestrator's metrics are registered. */
export interface MetricsRegistration {
  /** The registry to register into. */
  readonly registry: MetricsRegistry;
  /** Prepended to every metric name (already validated). */
  readonly prefix: string;
  /** Also register prom-client's default process metrics (with the same prefix). */
  readonly defaultMetrics: boolean;
}

/** The metrics registered by {@link registerOrchestratorMetrics}. */
export interface RegisteredMetrics {
  /** Every metric name registered, prefix included (default process metrics too). */
  readonly names: readonly string[];
  /** Remove every one of them from the registry. Idempotent. */
  unregister(): void;
}

type MetricKind = "gauge" | "counter" | "histogram";

interface MetricDefinition {
  readonly name: string;
  readonly kind: MetricKind;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly aggregator: Aggregator;
  readonly read: SampleReader;
}

/**
 * Reads `source.agents()` once per scrape: prom-client asks every metric for
 * its samples in one synchronous pass, so the first reader takes the snapshot
 * and a microtask drops it.
 */
class AgentSnapshot {
  readonly #source: ObservedSource;
  #agents: ReadonlyArray<ObservedAgent> | undefined;

  constructor(source: ObservedSource) {
    this.#source = source;
  }

  get(): ReadonlyArray<ObservedAgent> {
    let agents = this.#agents;
    if (agents === undefined) {
      agents = this.#source.agents();
      this.#agents = agents;
      queueMicrotask(() => {
        this.#agents = undefined;
      });
    }
    return agents;
  }
}

function definitions(source: ObservedSource, prefix: string): MetricDefinition[] {
  const snapshot = new AgentSnapshot(source);
  const labels = new LabelCache();
  const phaseLabels = new Map<string, LabelSet>(ORCHESTRATOR_PHASES.map((phase) => [phase, Object.freeze({ phase })]));
  const defs: MetricDefinition[] = [];
  const define = (
    name: string,
    kind: MetricKind,
    help: string,
    labelNames: readonly string[],
    aggregator: Aggregator,
    read: SampleReader,
  ): void => {
    defs.push({ name: prefix + name, kind, help, labelNames, aggregator, read });
  };
  /** A per-agent series from one number of each agent. */
  const perAgent = (name: string, kind: MetricKind, help: string, aggregator: Aggregator, value: (agent: ObservedAgent) => number) =>
    define(name, kind, help, ["agent"], aggregator, (out) => {
      for (const agent of snapshot.get()) {
        out.push({ value: value(agent), labels: NO_LABELS, sharedLabels: labels.agent(agent.status.name) });
      }
    });
  /** A per-agent, per-reason series from a record of counts of each agent. */
  const perReason = (name: string, help: string, record: (agent: ObservedAgent) => Readonly<Record<string, number>>) =>
    define(name, "counter", help, ["agent", "reason"], "sum", (out) => {
      for (const agent of snapshot.get()) {
        const agentName = agent.status.name;
        for (const [reason, value] of Object.entries(record(agent))) {
          out.push({ value, labels: NO_LABELS, sharedLabels: labels.agentWith(agentName, "reason", reason) });
        }
      }
    });
  /** A series without labels. */
  const single = (name: string, kind: MetricKind, help: string, aggregator: Aggregator, value: () => number | undefined) =>
    define(name, kind, help, [], aggregator, (out) => {
      const v = value();
      if (v !== undefined) out.push({ value: v, labels: NO_LABELS, sharedLabels: NO_LABELS });
    });

  // The orchestrator itself.
  single("orchestrator_up", "gauge", "1 while the orchestrator is running (started and not failed or stopping), else 0.", "min", () =>
    source.phase() === "running" ? 1 : 0,
  );
  define("orchestrator_phase", "gauge", "1 for the orchestrator's current phase, 0 for the others.", ["phase"], "max", (out) => {
    const current = source.phase();
    for (const [phase, set] of phaseLabels) out.push({ value: phase === current ? 1 : 0, labels: NO_LABELS, sharedLabels: set });
  });
  single("orchestrator_healthy", "gauge", "1 while /healthz passes (running, every critical agent up), else 0.", "min", () =>
    evaluateHealth(source, snapshot.get()).report.ok ? 1 : 0,
  );

  // Agents.
  define("agent_info", "gauge", "Always 1; the agent's group and whether it is critical, as labels.", ["agent", "group", "critical"], "max", (out) => {
    for (const { status, critical } of snapshot.get()) {
      out.push({ value: 1, labels: NO_LABELS, sharedLabels: labels.agentInfo(status.name, status.group, critical) });
    }
  });
  perAgent("agent_state", "gauge", "1 while the agent is running, 0 in every other state.", "max", (a) => (a.status.state === "running" ? 1 : 0));
  perAgent("agent_disabled", "gauge", "1 while the agent is disabled (by a rule or an operator), else 0.", "max", (a) =>
    a.status.state === "disabled" ? 1 : 0,
  );
  perAgent("agent_restarts_total", "counter", "Restarts of the agent (incarnations after the first).", "sum", (a) => a.counters.restarts);
  perReason("agent_crashes_total", "Crashes of the agent by reason: start, error, fail or hung.", (a) => a.counters.crashes);
  perReason(
    "agent_escalations_total",
    "Escalations raised for the agent by reason: consecutive-failures, crash-loop or restart-limit.",
    (a) => a.counters.escalations,
  );
  perAgent("agent_handler_errors_total", "counter", "Handler and onCron calls of the agent that threw or rejected.", "sum", (a) =>
    a.counters.handlerErrors,
  );
  perAgent("agent_stop_failures_total", "counter", "Errors and timeouts of the agent's stop().", "sum", (a) => a.counters.stopFailures);
  const durationNames = histogramNames(prefix + "agent_handler_duration_seconds");
  define("agent_handler_duration_seconds", "histogram", "Duration of the agent's handler and onCron calls, in seconds.", ["agent"], "sum", (out) => {
    for (const agent of snapshot.get()) pushHistogram(out, durationNames, agent.counters.handlerDuration, labels.agent(agent.status.name));
  });

  // Triggers.
  perAgent("cron_triggers_fired_total", "counter", "Trigger slots (cron, every, at, delay) that reached the agent.", "sum", (a) =>
    a.counters.triggersFired,
  );
  perReason(
    "cron_triggers_skipped_total",
    "Trigger slots not run, by reason: overlap, agent-down, misfire or past.",
    (a) => a.counters.triggersSkipped,
  );
  const latenessNames = histogramNames(prefix + "cron_lateness_seconds");
  define("cron_lateness_seconds", "histogram", "How late trigger slots reached their agent, in seconds.", [], "sum", (out) => {
    pushHistogram(out, latenessNames, source.cronLateness, NO_LABELS);
  });

  // The bus.
  single("bus_messages_published_total", "counter", "Messages accepted by the bus (on a networked bus: confirmed by the server).", "sum", () => source.busStats()?.published);
  single("bus_messages_delivered_total", "counter", "Handler calls completed by the bus (successfully or not).", "sum", () =>
    source.busStats()?.delivered,
  );
  single("bus_messages_dropped_total", "counter", "Deliveries dropped: queue overflow, unsubscribed with messages pending, bus closed.", "sum", () =>
    source.busStats()?.dropped,
  );
  single("bus_messages_pending", "gauge", "Deliveries waiting in subscription queues.", "sum", () => source.busStats()?.pending);
  single("bus_handler_errors_total", "counter", "Bus handler calls that threw or rejected.", "sum", () => source.busStats()?.handlerErrors);
  const busConnection = source.busConnection?.bind(source);
  if (busConnection !== undefined) {
    single(
      "bus_messages_lost_total",
      "counter",
      "Networked bus: publishes rejected because the connection to the broker was lost before the server confirmed them.",
      "sum",
      () => source.busStats()?.lostOnDisconnect,
    );
    single("bus_connected", "gauge", "1 while the networked bus is connected to its broker, else 0.", "min", () => {
      const connection = busConnection();
      return connection === undefined ? undefined : connection.connected ? 1 : 0;
    });
    single("bus_reconnects_total", "counter", "Reconnections of the networked bus to its broker.", "sum", () => busConnection()?.reconnects);
  }
  return defs;
}

function conflict(name: string, prefix: string): ObservabilityError {
  const hint =
    prefix === ""
      ? 'Set `metrics.prefix` (e.g. "orders_") so the names differ, or give this orchestrator a registry of its own.'
      : `Choose a \`metrics.prefix\` other than "${prefix}", or give this orchestrator a registry of its own.`;
  return new ObservabilityError(
    "METRICS_CONFLICT",
    `A metric named "${name}" is already registered in the metrics registry (another orchestrator, or the host, registered it). ${hint}`,
    { metric: name },
  );
}

const ALREADY_REGISTERED = /A metric with the name (\S+) has already been registered/;

/**
 * Register every orchestrator metric into `registration.registry`. All values
 * are read from `source` at scrape time. All or nothing: on a name clash
 * nothing is registered and a `METRICS_CONFLICT` {@link ObservabilityError}
 * names the metric.
 */
export function registerOrchestratorMetrics(source: ObservedSource, registration: MetricsRegistration): RegisteredMetrics {
  const { registry, prefix } = registration;
  const defs = definitions(source, prefix);
  for (const def of defs) {
    if (registry.getSingleMetric(def.name) !== undefined) throw conflict(def.name, prefix);
  }
  const before = new Set(registry.getMetricsAsArray().map((metric) => metric.name));
  const added: string[] = [];
  const removeAdded = (): void => {
    for (const name of registry.getMetricsAsArray().map((metric) => metric.name)) {
      if (!before.has(name)) registry.removeSingleMetric(name);
    }
  };
  if (registration.defaultMetrics) {
    try {
      collectDefaultMetrics({ register: registry, prefix });
    } catch (error) {
      removeAdded();
      const match = ALREADY_REGISTERED.exec(describeThrown(error));
      if (match !== null) {
        const name = match[1] ?? "";
        throw new ObservabilityError(
          "METRICS_CONFLICT",
          `A metric named "${name}" is already registered in the metrics registry: it is one of prom-client's default process ` +
            "metrics, asked for by `metrics.defaultMetrics`. If the host already collects them into this registry, leave " +
            "`metrics.defaultMetrics` off; otherwise set a distinct `metrics.prefix`.",
          { metric: name, cause: error },
        );
      }
      throw error;
    }
  }
  const pacer = new Pacer(SLICE_SAMPLES);
  for (const def of defs) {
    const config: ScrapeMetricConfig = { ...def, registry, pacer };
    if (def.kind === "gauge") new ScrapeGauge(config);
    else if (def.kind === "counter") new ScrapeCounter(config);
    else new ScrapeHistogram(config);
  }
  for (const name of registry.getMetricsAsArray().map((metric) => metric.name)) {
    if (!before.has(name)) added.push(name);
  }
  let registered = true;
  return {
    names: added,
    unregister(): void {
      if (!registered) return;
      registered = false;
      for (const name of added) registry.removeSingleMetric(name);
    },
  };
}
