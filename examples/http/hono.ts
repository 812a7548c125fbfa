/**
 * Health, liveness and metrics in a Hono application, through the Fetch API
 * handler `orch.fetch` (the same handler serves Bun.serve and Deno.serve).
 *
 *   npx tsx examples/http/hono.ts
 *   curl -i localhost:3000/healthz      # 200 ok
 *   curl -i localhost:3000/ops/healthz  # the same, mounted under /ops
 *   curl localhost:3000/metrics         # Prometheus text
 *
 * PORT picks the port (default 3000); EXAMPLE_DURATION_MS stops it by itself.
 */
import { serve } from "@hono/node-server";
import { Hono } from "hono";
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

const app = new Hono();
// orch.fetch answers any path whose last segment is healthz, livez or metrics
// (404 otherwise), so it can be mounted per path or under a prefix.
app.all("/healthz", (c) => orch.fetch(c.req.raw));
app.all("/livez", (c) => orch.fetch(c.req.raw));
app.all("/metrics", (c) => orch.fetch(c.req.raw));
app.all("/ops/*", (c) => orch.fetch(c.req.raw));
app.get("/", (c) => c.text("hello from the host application\n"));

const port = Number(process.env["PORT"] ?? 3000);
const server = serve({ fetch: app.fetch, port }, () => console.log(`listening on http://localhost:${port} (/healthz, /livez, /metrics)`));

async function stop(): Promise<void> {
  await orch.shutdown();
  server.close();
}
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());
if (process.env["EXAMPLE_DURATION_MS"] !== undefined) setTimeout(() => void stop(), Number(process.env["EXAMPLE_DURATION_MS"]));
