import { evaluateHealth } from "./Health.js";
import { LabelCache } from "./LabelCache.js";
import { MetricTable } from "./MetricTable.js";
import type { MetricDefinition } from "./MetricTable.js";
import { ORCHESTRATOR_PHASES } from "./ObservedSource.js";
import { PassSnapshot } from "./PassSnapshot.js";
import { AGENT_STATES } from "../supervisor/AgentStatus.js";
import type { ObservedSource } from "./ObservedSource.js";
import type { LabelSet } from "./ScrapeMetric.js";

function orchestratorMetrics(table: MetricTable, source: ObservedSource): void {
  const phaseLabels = new Map<string, LabelSet>(ORCHESTRATOR_PHASES.map((phase) => [phase, Object.freeze({ phase })]));
  table.single("orchestrator_up", "gauge", "1 while the orchestrator is running (started and not failed or stopping), else 0.", "min", () =>
    source.phase() === "running" ? 1 : 0,
  );
  table.define("orchestrator_phase", "gauge", "1 for the orchestrator's current phase, 0 for the others.", "max", (out) => {
    const current = source.phase();
    for (const [phase, labels] of phaseLabels) out.add(phase === current ? 1 : 0, labels);
  });
  table.single("orchestrator_healthy", "gauge", "1 while /healthz passes (running, every critical agent up), else 0.", "min", () =>
    evaluateHealth(source, table.agents()).report.ok ? 1 : 0,
  );
}

/**
 * The per-agent series an orchestrator exposes: `essential` — what an operator
 * alerts and pages on (state, disabled, group and criticality, restarts,
 * crashes and escalations by reason, trigger slots skipped by reason: 18
 * series per agent); `full` — also handler errors, stop failures, the
 * handler-duration histogram and trigger slots fired (38 series per agent).
 */
export type AgentSeries = "essential" | "full";

/** Every {@link AgentSeries} value. */
export const AGENT_SERIES = ["essential", "full"] as const satisfies readonly AgentSeries[];

/** Which series an orchestrator exposes beyond the orchestrator-wide ones. */
export interface SeriesChoice {
  /** Which per-agent series to expose. */
  readonly agentSeries: AgentSeries;
  /** Also expose `agent_status{agent,state}` (one series per agent and state). */
  readonly agentStatus: boolean;
}

function essentialAgentMetrics(table: MetricTable, agentStatus: boolean): void {
  table.define("agent_info", "gauge", "Always 1; the agent's group, whether it is critical, and its path of groups (top-level first, joined by /), as labels.", "max", (out) => {
    for (const { status, critical } of table.agents()) out.add(1, table.labels.agentInfo(status.name, status.group, status.path, critical));
  });
  table.perAgent("agent_state", "gauge", "1 while the agent is running, 0 in every other state.", "max", (a) => (a.status.state === "running" ? 1 : 0));
  if (agentStatus) {
    table.oneHot("agent_status", "1 for the agent's current state, 0 for every other state.", "state", AGENT_STATES, (a) => a.status.state);
  }
  table.perAgent("agent_disabled", "gauge", "1 while the agent is disabled (by a rule or an operator), else 0.", "max", (a) =>
    a.status.state === "disabled" ? 1 : 0,
  );
  table.perAgent("agent_restarts_total", "counter", "Restarts of the agent (incarnations after the first).", "sum", (a) => a.counters.restarts);
  table.perReason("agent_crashes_total", "Crashes of the agent by reason: start, error, fail or hung.", (a) => a.counters.crashes);
  table.perReason(
    "agent_escalations_total",
    "Escalations raised for the agent by reason: consecutive-failures, crash-loop or restart-limit.",
    (a) => a.counters.escalations,
  );
}

/** `group_failures_total{group}`: one series per group that has a supervisor (none for a configuration without strategies or intensities). */
function groupMetrics(table: MetricTable, source: ObservedSource): void {
  const groups = source.groups?.bind(source);
  if (groups === undefined) return;
  const labels = new Map<string, LabelSet>();
  table.define("group_failures_total", "counter", "Failures of the group as a whole (over its restart intensity, or as the parent of a child group that failed), by group.", "sum", (out) => {
    for (const { name, failures } of groups()) {
      let set = labels.get(name);
      if (set === undefined) {
        set = Object.freeze({ group: name });
        labels.set(name, set);
      }
      out.add(failures, set);
    }
  });
}

function detailedAgentMetrics(table: MetricTable): void {
  table.perAgent("agent_handler_errors_total", "counter", "Handler and onCron calls of the agent that threw or rejected.", "sum", (a) =>
    a.counters.handlerErrors,
  );
  table.perAgent("agent_stop_failures_total", "counter", "Errors and timeouts of the agent's stop().", "sum", (a) => a.counters.stopFailures);
  table.histogramPerAgent(
    "agent_handler_duration_seconds",
    "Duration of the agent's handler and onCron calls, in seconds.",
    (a) => a.counters.handlerDuration,
  );
}

function triggerMetrics(table: MetricTable, source: ObservedSource, agentSeries: AgentSeries): void {
  if (agentSeries === "full") {
    table.perAgent("cron_triggers_fired_total", "counter", "Trigger slots (cron, every, at, delay) that reached the agent.", "sum", (a) =>
      a.counters.triggersFired,
    );
  }
  table.perReason(
    "cron_triggers_skipped_total",
    "Trigger slots not run, by reason: overlap, agent-down, misfire, past, paused, downtime or interrupted.",
    (a) => a.counters.triggersSkipped,
  );
  const pausedTriggers = source.pausedTriggers?.bind(source);
  if (pausedTriggers !== undefined) {
    table.single("cron_triggers_paused", "gauge", "Triggers paused now by an operator (orch.trigger(agent, name).pause()); they skip their slots with reason paused.", "sum", () => pausedTriggers());
  }
  table.histogram("cron_lateness_seconds", "How late trigger slots reached their agent, in seconds.", source.cronLateness);
}

/** `agent_lease_held`, `agent_lease_acquisitions_total`, `agent_lease_losses_total`: one series each per singleton agent (none without singletons). */
function leaseMetrics(table: MetricTable, source: ObservedSource): void {
  const leases = source.leases?.bind(source);
  if (leases === undefined) return;
  table.define("agent_lease_held", "gauge", "Singleton agents (placement: singleton): 1 while this replica holds the agent's lease, else 0. Summed over the replicas it is 1 in a healthy cluster.", "sum", (out) => {
    for (const { agent, held } of leases()) out.add(held ? 1 : 0, table.labels.agent(agent));
  });
  table.define("agent_lease_acquisitions_total", "counter", "Singleton agents: leases this replica acquired (the agent started here).", "sum", (out) => {
    for (const { agent, acquisitions } of leases()) out.add(acquisitions, table.labels.agent(agent));
  });
  table.define("agent_lease_losses_total", "counter", "Singleton agents: leases this replica lost without giving them up (not renewed in time, or taken); the agent was stopped here.", "sum", (out) => {
    for (const { agent, losses } of leases()) out.add(losses, table.labels.agent(agent));
  });
}

function threadMetrics(table: MetricTable, source: ObservedSource): void {
  const threads = source.threads?.bind(source);
  if (threads === undefined) return;
  table.define(
    "agent_thread_event_loop_utilization",
    "gauge",
    "Agents with isolation: thread: share of the time the agent's thread was busy since the previous scrape (0 to 1); absent while the thread is down.",
    "max",
    (out) => {
      for (const { agent, gauge } of threads()) if (gauge.running) out.add(gauge.utilization(), table.labels.agent(agent));
    },
  );
  table.define(
    "agent_thread_heap_used_bytes",
    "gauge",
    "Agents with isolation: thread: heap in use in the agent's thread, in bytes, as last reported (with each answer to the orchestrator's pings); absent while the thread is down.",
    "sum",
    (out) => {
      for (const { agent, gauge } of threads()) if (gauge.running) out.add(gauge.heapUsed, table.labels.agent(agent));
    },
  );
}

function busMetrics(table: MetricTable, source: ObservedSource): void {
  const busStats = new PassSnapshot(() => source.busStats());
  const stats = () => busStats.get();
  table.single("bus_messages_published_total", "counter", "Messages accepted by the bus (on a networked bus: confirmed by the server).", "sum", () => stats()?.published);
  table.single("bus_messages_delivered_total", "counter", "Handler calls completed by the bus (successfully or not).", "sum", () => stats()?.delivered);
  table.single("bus_messages_dropped_total", "counter", "Deliveries dropped: queue overflow, unsubscribed with messages pending, bus closed.", "sum", () =>
    stats()?.dropped,
  );
  table.single("bus_messages_pending", "gauge", "Deliveries waiting in subscription queues.", "sum", () => stats()?.pending);
  table.single("bus_handler_errors_total", "counter", "Bus handler calls that threw or rejected.", "sum", () => stats()?.handlerErrors);
  const busConnection = source.busConnection?.bind(source);
  if (busConnection === undefined) return;
  table.single(
    "bus_messages_lost_total",
    "counter",
    "Networked bus: publishes rejected because the connection to the broker was lost before the server confirmed them.",
    "sum",
    () => stats()?.lostOnDisconnect,
  );
  table.single("bus_connected", "gauge", "1 while the networked bus is connected to its broker, else 0.", "min", () => {
    const connection = busConnection();
    return connection === undefined ? undefined : connection.connected ? 1 : 0;
  });
  table.single("bus_reconnects_total", "counter", "Reconnections of the networked bus to its broker.", "sum", () => busConnection()?.reconnects);
}

/**
 * Every metric of an orchestrator, in exposition order, each read from
 * `source` at scrape time (`source.agents()` once per scrape) and named with
 * `prefix`; the per-agent ones as `series` says.
 */
export function orchestratorMetricDefinitions(source: ObservedSource, prefix: string, series: SeriesChoice): readonly MetricDefinition[] {
  const { agentSeries, agentStatus } = series;
  const table = new MetricTable(prefix, new PassSnapshot(() => source.agents()), new LabelCache());
  orchestratorMetrics(table, source);
  essentialAgentMetrics(table, agentStatus);
  groupMetrics(table, source);
  if (agentSeries === "full") detailedAgentMetrics(table);
  triggerMetrics(table, source, agentSeries);
  threadMetrics(table, source);
  leaseMetrics(table, source);
  busMetrics(table, source);
  return table.definitions;
}
