/**
 * Health, liveness and metrics on a plain node:http server.
 *
 *   npx tsx examples/http/node-http.ts
 *   curl -i localhost:3000/healthz      # 200 ok
 *   curl -i localhost:3000/livez        # 200 ok
 *   curl localhost:3000/metrics         # Prometheus text, agent_state{agent="ticker"} 1
 *   curl -H 'Accept: application/health+json' localhost:3000/healthz
 *
 * PORT picks the port (default 3000); EXAMPLE_DURATION_MS stops it by itself.
 */
import { createServer } from "node:http";
import { Agent, createOrchestrator } from "../../src/index.js";

/** A tiny agent: counts the slots of its `every: 5s` trigger. */
class Ticker extends Agent {
  #ticks = 0;

  override onCron(): void {
    this.#ticks++;
    this.log.info({ ticks: this.#ticks }, "tick");
  }
}

// One critical agent: /healthz answers 200 only while it runs.
const orch = createOrchestrator({
  agents: [{ name: "ticker", agent: Ticker, group: "critical" }],
  config: { schedule: { ticker: { every: "5s" } } },
});
await orch.start();

// The handlers are plain (req, res) functions: route to them by path.
const routes = new Map([
  ["/healthz", orch.healthHandler],
  ["/livez", orch.livenessHandler],
  ["/metrics", orch.metricsHandler],
]);
const server = createServer((req, res) => {
  const handler = routes.get(new URL(req.url ?? "/", "http://localhost").pathname);
  if (handler !== undefined) handler(req, res);
  else res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
});

const port = Number(process.env["PORT"] ?? 3000);
server.listen(port, () => console.log(`listening on http://localhost:${port} (/healthz, /livez, /metrics)`));

async function stop(): Promise<void> {
  await orch.shutdown();
  server.close();
  server.closeAllConnections();
}
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());
if (process.env["EXAMPLE_DURATION_MS"] !== undefined) setTimeout(() => void stop(), Number(process.env["EXAMPLE_DURATION_MS"]));
