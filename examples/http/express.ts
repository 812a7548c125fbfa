/**
 * Health, liveness and metrics in an Express 5 application.
 *
 *   npx tsx examples/http/express.ts
 *   curl -i localhost:3000/healthz      # 200 ok
 *   curl localhost:3000/metrics         # Prometheus text
 *
 * PORT picks the port (default 3000); EXAMPLE_DURATION_MS stops it by itself.
 */
import express from "express";
import { Agent, createOrchestrator } from "../../src/index.js";

/** A tiny agent: counts the slots of its `every: 5s` trigger. */
class Ticker extends Agent {
  #ticks = 0;

  override onCron(): void {
    this.#ticks++;
    this.log.info({ ticks: this.#ticks }, "tick");
  }
}

const orch = createOrchestrator({
  agents: [{ name: "ticker", agent: Ticker, group: "critical" }],
  config: { schedule: { ticker: { every: "5s" } } },
});
await orch.start();

const app = express();
// The handlers are bound (req, res) functions: mount them as they are. `app.all`
// lets other methods reach them, so they answer 405 with `Allow: GET, HEAD`
// (with `app.get` Express would answer 404 instead).
app.all("/healthz", orch.healthHandler);
app.all("/livez", orch.livenessHandler);
app.all("/metrics", orch.metricsHandler);
app.get("/", (_req, res) => {
  res.send("hello from the host application\n");
});

const port = Number(process.env["PORT"] ?? 3000);
const server = app.listen(port, () => console.log(`listening on http://localhost:${port} (/healthz, /livez, /metrics)`));

async function stop(): Promise<void> {
  await orch.shutdown();
  server.close();
  server.closeAllConnections();
}
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());
if (process.env["EXAMPLE_DURATION_MS"] !== undefined) setTimeout(() => void stop(), Number(process.env["EXAMPLE_DURATION_MS"]));
