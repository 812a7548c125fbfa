import type { Aggregator } from "prom-client";
import type { PassSnapshot } from "./PassSnapshot.js";
import type { LabelCache } from "./LabelCache.js";
import type { ObservedAgent } from "./ObservedSource.js";
import { NO_LABELS, histogramNames, pushHistogram } from "./ScrapeMetric.js";
import type { HistogramValues, LabelSet, SampleReader, ScrapeMetricKind } from "./ScrapeMetric.js";

/** One metric of the table: everything but the registry and pacer it is registered with. */
export interface MetricDefinition {
  /** The full name, prefix included. */
  readonly name: string;
  readonly kind: ScrapeMetricKind;
  readonly help: string;
  readonly aggregator: Aggregator;
  readonly read: SampleReader;
}

/**
 * The orchestrator's metrics as a list, in exposition order, with the shapes
 * they come in (one series, one per agent, one per agent and reason, a
 * histogram per agent): each shape reads the agents' snapshot of the pass and
 * labels its samples with cached label sets.
 *
 * @example
 * ```ts
 * const table = new MetricTable("trading_", snapshot, new LabelCache());
 * table.perAgent("agent_restarts_total", "counter", "Restarts.", "sum", (a) => a.counters.restarts);
 * table.definitions; // [{ name: "trading_agent_restarts_total", ... }]
 * ```
 */
export class MetricTable {
  readonly #prefix: string;
  readonly #snapshot: PassSnapshot<ReadonlyArray<ObservedAgent>>;
  readonly #labels: LabelCache;
  readonly #definitions: MetricDefinition[] = [];

  /** @param snapshot the agents, read once per scrape */
  constructor(prefix: string, snapshot: PassSnapshot<ReadonlyArray<ObservedAgent>>, labels: LabelCache) {
    this.#prefix = prefix;
    this.#snapshot = snapshot;
    this.#labels = labels;
  }

  /** The metrics defined so far, in order. */
  get definitions(): readonly MetricDefinition[] {
    return this.#definitions;
  }

  /** The agents of the scrape under way. */
  agents(): ReadonlyArray<ObservedAgent> {
    return this.#snapshot.get();
  }

  /** A metric read by `read`. */
  define(name: string, kind: ScrapeMetricKind, help: string, aggregator: Aggregator, read: SampleReader): void {
    this.#definitions.push({ name: this.#prefix + name, kind, help, aggregator, read });
  }

  /** A series without labels; none while `value` returns undefined. */
  single(name: string, kind: ScrapeMetricKind, help: string, aggregator: Aggregator, value: () => number | undefined): void {
    this.define(name, kind, help, aggregator, (out) => {
      const v = value();
      if (v !== undefined) out.add(v, NO_LABELS);
    });
  }

  /** A series per agent (label `agent`) from one number of each agent. */
  perAgent(name: string, kind: ScrapeMetricKind, help: string, aggregator: Aggregator, value: (agent: ObservedAgent) => number): void {
    /** The label set of the agent at each position last time: reused without a lookup while the agent is the same. */
    const cached: LabelSet[] = [];
    this.define(name, kind, help, aggregator, (out) => {
      const agents = this.agents();
      for (let i = 0; i < agents.length; i++) {
        const agent = agents[i] as ObservedAgent;
        const agentName = agent.status.name;
        let labels = cached[i];
        if (labels === undefined || labels["agent"] !== agentName) {
          labels = this.#labels.agent(agentName);
          cached[i] = labels;
        }
        out.add(value(agent), labels);
      }
      cached.length = agents.length;
    });
  }

  /**
   * A counter per agent and reason (labels `agent`, `reason`) from a record of
   * counts of each agent, every agent's record with the same reasons in the
   * same order (as `AgentCounters` keeps them).
   */
  perReason(name: string, help: string, record: (agent: ObservedAgent) => Readonly<Record<string, number>>): void {
    /** Each agent's label sets, in the order of the reasons (kept here: each is used by this metric only), by position. */
    const cached: Array<readonly LabelSet[]> = [];
    let reasons: readonly string[] | undefined;
    this.define(name, "counter", help, "sum", (out) => {
      const agents = this.agents();
      for (let a = 0; a < agents.length; a++) {
        const agent = agents[a] as ObservedAgent;
        const agentName = agent.status.name;
        const counts = record(agent);
        reasons ??= Object.keys(counts);
        let sets = cached[a];
        if (sets === undefined || sets[0]?.["agent"] !== agentName) {
          sets = reasons.map((reason) => Object.freeze({ agent: agentName, reason }));
          cached[a] = sets;
        }
        for (let i = 0; i < reasons.length; i++) out.add(counts[reasons[i] as string] as number, sets[i] as LabelSet);
      }
      cached.length = agents.length;
    });
  }

  /**
   * A gauge per agent and value of `label` (labels `agent`, `label`), one
   * series for each of `values`: 1 for the agent's `current` value, 0 for the
   * others (the kube-state-metrics shape: `agent_status{agent,state}`).
   */
  oneHot(name: string, help: string, label: string, values: readonly string[], current: (agent: ObservedAgent) => string): void {
    /** Each agent's label sets, in the order of `values`, by position (reused while the agent there is the same). */
    const cached: Array<readonly LabelSet[]> = [];
    this.define(name, "gauge", help, "max", (out) => {
      const agents = this.agents();
      for (let a = 0; a < agents.length; a++) {
        const agent = agents[a] as ObservedAgent;
        const agentName = agent.status.name;
        let sets = cached[a];
        if (sets === undefined || sets[0]?.["agent"] !== agentName) {
          sets = values.map((value) => Object.freeze({ agent: agentName, [label]: value }));
          cached[a] = sets;
        }
        const now = current(agent);
        for (let i = 0; i < values.length; i++) out.add(values[i] === now ? 1 : 0, sets[i] as LabelSet);
      }
      cached.length = agents.length;
    });
  }

  /** A histogram per agent (label `agent`) from a kept histogram of each agent. */
  histogramPerAgent(name: string, help: string, histogram: (agent: ObservedAgent) => HistogramValues): void {
    const names = histogramNames(this.#prefix + name);
    this.define(name, "histogram", help, "sum", (out) => {
      for (const agent of this.agents()) {
        const data = histogram(agent);
        pushHistogram(out, names, data, this.#labels.buckets(data.bounds, this.#labels.agent(agent.status.name)));
      }
    });
  }

  /** One histogram without labels. */
  histogram(name: string, help: string, data: HistogramValues): void {
    const names = histogramNames(this.#prefix + name);
    this.define(name, "histogram", help, "sum", (out) => {
      pushHistogram(out, names, data, this.#labels.buckets(data.bounds, NO_LABELS));
    });
  }

  /** Per-agent label sets (for a shape of its own). */
  get labels(): LabelCache {
    return this.#labels;
  }
}
