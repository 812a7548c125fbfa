import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The shipped dashboard's path. */
export const DASHBOARD_PATH = fileURLToPath(new URL("../../../ops/grafana-dashboard.json", import.meta.url));
/** The shipped alert rules' path. */
export const ALERTS_PATH = fileURLToPath(new URL("../../../ops/prometheus-alerts.yml", import.meta.url));

/** The parts of a Grafana dashboard these tests read. */
export interface Dashboard {
  readonly __inputs: ReadonlyArray<{ readonly name: string; readonly type: string; readonly pluginId: string }>;
  readonly schemaVersion: number;
  readonly uid: string;
  readonly title: string;
  readonly templating: { readonly list: readonly Variable[] };
  readonly panels: readonly Panel[];
}

/** A template variable: its query is `label_values(selector, label)`. */
export interface Variable {
  readonly name: string;
  readonly type: string;
  readonly datasource: { readonly type: string; readonly uid: string };
  readonly query: string | { readonly query: string };
}

/** A panel or a row. */
export interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly description?: string;
  readonly gridPos: { readonly h: number; readonly w: number; readonly x: number; readonly y: number };
  readonly datasource?: { readonly type: string; readonly uid: string };
  readonly targets?: ReadonlyArray<{ readonly refId: string; readonly expr: string; readonly datasource?: { readonly uid: string } }>;
}

/** One PromQL expression of the dashboard, where it comes from, and (for a variable) the label it lists. */
export interface DashboardQuery {
  readonly where: string;
  /** As written, with Grafana's variables. */
  readonly expr: string;
  /** Runnable by Prometheus: every `$variable` replaced (`$__rate_interval` by `rateInterval`, the others by `.*`). */
  readonly promql: string;
  /** For a template variable: the label whose values it lists. */
  readonly label?: string;
}

/** The shipped dashboard, parsed. */
export function loadDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_PATH, "utf8")) as Dashboard;
}

const LABEL_VALUES = /^label_values\((.+),\s*(\w+)\)$/s;

function runnable(expr: string, rateInterval: string): string {
  return expr.replaceAll("$__rate_interval", rateInterval).replaceAll(/\$\w+/g, ".*");
}

/**
 * Every PromQL expression of `dashboard`: each panel target's `expr`, and each
 * template variable's selector (`label_values(selector, label)` is Grafana's;
 * its selector is the PromQL Prometheus answers).
 */
export function dashboardQueries(dashboard: Dashboard, rateInterval = "15s"): DashboardQuery[] {
  const queries: DashboardQuery[] = [];
  for (const panel of dashboard.panels) {
    for (const target of panel.targets ?? []) {
      queries.push({ where: `panel "${panel.title}" ${target.refId}`, expr: target.expr, promql: runnable(target.expr, rateInterval) });
    }
  }
  for (const variable of dashboard.templating.list) {
    const query = typeof variable.query === "string" ? variable.query : variable.query.query;
    const match = LABEL_VALUES.exec(query);
    if (match === null) throw new Error(`variable ${variable.name}: expected label_values(selector, label), got ${query}`);
    queries.push({ where: `variable $${variable.name}`, expr: query, promql: runnable(match[1] as string, rateInterval), label: match[2] as string });
  }
  return queries;
}

/** The metric names an expression selects (`name{...}`), a histogram's `_bucket` series named by its metric. */
export function metricNamesOf(expr: string): string[] {
  return [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((match) => (match[1] as string).replace(/_bucket$/, ""));
}
