// @acme/agent-orchestrator/grafana-dashboard.json and /prometheus-alerts.yml: shipped, resolvable, readable as a user loads them
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import dashboard from "@acme/agent-orchestrator/grafana-dashboard.json" with { type: "json" };

const require = createRequire(import.meta.url);
if (JSON.stringify(require("@acme/agent-orchestrator/grafana-dashboard.json")) !== JSON.stringify(dashboard)) {
  throw new Error("require() and import give different dashboards");
}
if (dashboard.__inputs?.[0]?.name !== "DS_PROMETHEUS") throw new Error("the dashboard has no DS_PROMETHEUS input");
if (!dashboard.templating?.list?.some((variable) => variable.name === "agent")) throw new Error("the dashboard has no agent variable");
const rows = dashboard.panels.filter((panel) => panel.type === "row").map((panel) => panel.title);
const expectedRows = ["Agents", "Supervision", "Singletons", "Triggers", "Bus", "HTTP endpoints and readiness"];
if (rows.join("|") !== expectedRows.join("|")) throw new Error(`expected the rows ${expectedRows.join(", ")}, got ${rows.join(", ")}`);

// a YAML file has no import form: resolve its path (what a Prometheus config or a copy step needs) and read it
const alertsPath = fileURLToPath(import.meta.resolve("@acme/agent-orchestrator/prometheus-alerts.yml"));
if (require.resolve("@acme/agent-orchestrator/prometheus-alerts.yml") !== alertsPath) throw new Error("require.resolve and import.meta.resolve disagree");
const alerts = readFileSync(alertsPath, "utf8");
if (!alerts.includes("alert: OrchestratorUnhealthy")) throw new Error("the alert rules lack OrchestratorUnhealthy");
// the example scrape configuration sits beside the rules it loads
const scrapeConfig = readFileSync(join(dirname(alertsPath), "prometheus.yml"), "utf8");
if (!scrapeConfig.includes("prometheus-alerts.yml")) throw new Error("prometheus.yml does not load prometheus-alerts.yml");
console.log(`ops files ok: ${rows.join(", ")}`);
