import { collectDefaultMetrics } from "prom-client";
import { describeThrown } from "../errors/describeThrown.js";
import { orchestratorMetricDefinitions } from "./metricDefinitions.js";
import type { AgentSeries } from "./metricDefinitions.js";
import { ObservabilityError } from "./ObservabilityError.js";
import type { ObservedSource } from "./ObservedSource.js";
import { Pacer, SLICE_SAMPLES } from "./Pacer.js";
import { ScrapeMetric } from "./ScrapeMetric.js";
import type { MetricsRegistry } from "./ScrapeMetric.js";

/** Where and how the orchestrator's metrics are registered. */
export interface MetricsRegistration {
  /** The registry to register into. */
  readonly registry: MetricsRegistry;
  /** Prepended to every metric name (already validated). */
  readonly prefix: string;
  /** Also register prom-client's default process metrics (with the same prefix). */
  readonly defaultMetrics: boolean;
  /** Which per-agent series to expose. */
  readonly agentSeries: AgentSeries;
  /** Also expose `agent_status{agent,state}`. */
  readonly agentStatus: boolean;
}

/** The metrics registered by {@link registerOrchestratorMetrics}. */
export interface RegisteredMetrics {
  /** Every metric name registered, prefix included (default process metrics too). */
  readonly names: readonly string[];
  /** The orchestrator's own metrics, in registration order (default process metrics not included). */
  readonly metrics: readonly ScrapeMetric[];
  /** Remove every one of them from the registry. Idempotent. */
  unregister(): void;
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

/** Names of the metrics in `registry`. */
function namesIn(registry: MetricsRegistry): string[] {
  return registry.getMetricsAsArray().map((metric) => metric.name);
}

/** Collect prom-client's default process metrics into `registry`; on a clash, remove what was added and throw `METRICS_CONFLICT`. */
function registerDefaultMetrics(registry: MetricsRegistry, prefix: string, before: ReadonlySet<string>): void {
  try {
    collectDefaultMetrics({ register: registry, prefix });
  } catch (error) {
    for (const name of namesIn(registry)) {
      if (!before.has(name)) registry.removeSingleMetric(name);
    }
    const match = ALREADY_REGISTERED.exec(describeThrown(error));
    if (match === null) throw error;
    const name = match[1] ?? "";
    throw new ObservabilityError(
      "METRICS_CONFLICT",
      `A metric named "${name}" is already registered in the metrics registry: it is one of prom-client's default process ` +
        "metrics, asked for by `metrics.defaultMetrics`. If the host already collects them into this registry, leave " +
        "`metrics.defaultMetrics` off; otherwise set a distinct `metrics.prefix`.",
      { metric: name, cause: error },
    );
  }
}

/**
 * Register every orchestrator metric into `registration.registry`. All values
 * are read from `source` at scrape time. All or nothing: on a name clash
 * nothing is registered and a `METRICS_CONFLICT` {@link ObservabilityError}
 * names the metric.
 */
export function registerOrchestratorMetrics(source: ObservedSource, registration: MetricsRegistration): RegisteredMetrics {
  const { registry, prefix } = registration;
  const definitions = orchestratorMetricDefinitions(source, prefix, registration);
  for (const definition of definitions) {
    if (registry.getSingleMetric(definition.name) !== undefined) throw conflict(definition.name, prefix);
  }
  const before = new Set(namesIn(registry));
  if (registration.defaultMetrics) registerDefaultMetrics(registry, prefix, before);
  const pacer = new Pacer(SLICE_SAMPLES);
  const metrics = definitions.map((definition) => new ScrapeMetric({ ...definition, pacer }));
  for (const metric of metrics) metric.register(registry);
  const added = namesIn(registry).filter((name) => !before.has(name));
  let registered = true;
  return {
    names: added,
    metrics,
    unregister(): void {
      if (!registered) return;
      registered = false;
      for (const name of added) registry.removeSingleMetric(name);
    },
  };
}
