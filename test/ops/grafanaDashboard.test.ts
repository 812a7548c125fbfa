// The shipped Grafana dashboard (ops/grafana-dashboard.json) as a file: importable shape, one row per
// area, only the library's metric names. test/integration/prometheusDashboard.test.ts runs its queries.
import { describe, expect, test } from "vitest";
import { createObservability } from "../../src/observe/index.js";
import { NetworkedFakeSource } from "../helpers/observe/FakeSource.js";
import { dashboardQueries, loadDashboard, metricNamesOf } from "../helpers/prometheus/dashboard.js";

/** Series Prometheus keeps for every scrape target: the /metrics endpoint as Prometheus sees it. */
const SCRAPE_SERIES = ["up", "scrape_duration_seconds", "scrape_samples_scraped"];

/** Every metric name an orchestrator can register: every option on, a networked bus, paused triggers counted, singletons. */
function everyMetricName(): readonly string[] {
  const source = Object.assign(new NetworkedFakeSource(), { pausedTriggers: () => 0, leases: () => [] });
  return createObservability(source, { agentSeries: "full", agentStatus: true }).metricNames;
}

describe("the shipped Grafana dashboard", () => {
  const dashboard = loadDashboard();
  const rows = dashboard.panels.filter((panel) => panel.type === "row");
  const panels = dashboard.panels.filter((panel) => panel.type !== "row");

  test("is importable: a DS_PROMETHEUS datasource input, a schema version, a uid, and every panel and variable on that datasource", () => {
    expect(dashboard.__inputs).toEqual([expect.objectContaining({ name: "DS_PROMETHEUS", type: "datasource", pluginId: "prometheus" })]);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.uid).toMatch(/^[\w-]{1,40}$/);
    for (const panel of panels) {
      expect(panel.datasource, panel.title).toEqual({ type: "prometheus", uid: "${DS_PROMETHEUS}" });
      for (const target of panel.targets ?? []) expect(target.datasource?.uid, panel.title).toBe("${DS_PROMETHEUS}");
    }
    for (const variable of dashboard.templating.list) expect(variable.datasource.uid).toBe("${DS_PROMETHEUS}");
  });

  test("has one row per area, each with panels, and panels that neither share an id nor overlap", () => {
    expect(rows.map((row) => row.title)).toEqual(["Agents", "Supervision", "Singletons", "Triggers", "Bus", "HTTP endpoints and readiness"]);
    const order = dashboard.panels.map((panel) => panel.type);
    for (let i = 0; i < order.length; i++) if (order[i] === "row") expect(order[i + 1], `row at ${i}`).not.toBe("row");
    expect(new Set(dashboard.panels.map((panel) => panel.id)).size).toBe(dashboard.panels.length);
    const cells = new Map<string, string>();
    for (const panel of dashboard.panels) {
      const { x, y, w, h } = panel.gridPos;
      expect(x + w, panel.title).toBeLessThanOrEqual(24);
      for (let row = y; row < y + h; row++) {
        for (let column = x; column < x + w; column++) {
          const key = `${column},${row}`;
          expect(cells.get(key), `${panel.title} overlaps ${cells.get(key) ?? ""}`).toBeUndefined();
          cells.set(key, panel.title);
        }
      }
    }
    for (const panel of panels) {
      expect(panel.targets?.length ?? 0, panel.title).toBeGreaterThan(0);
      expect(panel.description ?? "", panel.title).not.toBe("");
    }
  });

  test("is templated on job, instance and agent, and filters every per-agent query by agent", () => {
    expect(dashboard.templating.list.map((variable) => variable.name)).toEqual(["job", "instance", "agent"]);
    const perAgent = new Set(everyMetricName().filter((name) => name.startsWith("agent_")));
    for (const query of dashboardQueries(dashboard)) {
      if (query.label !== undefined) continue;
      expect(query.expr, query.where).toContain('job=~"$job"');
      if (metricNamesOf(query.expr).some((name) => perAgent.has(name))) expect(query.expr, query.where).toContain('agent=~"$agent"');
    }
  });

  test("uses only the library's metric names, unprefixed, and Prometheus's own scrape series", () => {
    const known = new Set([...everyMetricName(), ...SCRAPE_SERIES]);
    const used = new Set(dashboardQueries(dashboard).flatMap((query) => metricNamesOf(query.expr)));
    expect([...used].filter((name) => !known.has(name))).toEqual([]);
    // every area's headline metrics are on it
    for (const name of ["agent_state", "agent_status", "agent_disabled", "agent_restarts_total", "agent_crashes_total", "agent_escalations_total"]) expect(used).toContain(name);
    for (const name of ["agent_lease_held", "agent_lease_acquisitions_total", "agent_lease_losses_total"]) expect(used).toContain(name);
    for (const name of ["cron_triggers_fired_total", "cron_triggers_skipped_total", "cron_triggers_paused", "cron_lateness_seconds"]) expect(used).toContain(name);
    for (const name of ["bus_messages_published_total", "bus_messages_delivered_total", "bus_messages_dropped_total", "bus_messages_pending", "bus_handler_errors_total", "bus_connected"]) {
      expect(used).toContain(name);
    }
    for (const name of ["orchestrator_healthy", "orchestrator_phase", "orchestrator_up", "up"]) expect(used).toContain(name);
  });
});
