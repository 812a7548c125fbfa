/**
 * Health, liveness and metrics in a Fastify 5 application.
 *
 *   npx tsx examples/http/fastify.ts
 *   curl -i localhost:3000/readyz       # 200 ok (also /healthz, /livez, /startupz)
 *   curl localhost:3000/metrics         # Prometheus text
 *
 * PORT picks the port (default 3000); EXAMPLE_DURATION_MS stops it by itself.
 */
import Fastify from "fastify";
import { Agent, createOrchestrator, fastifyProbes } from "../../src/index.js";

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

const app = Fastify();
// Ordinary Fastify routes: /readyz, /healthz, /livez, /startupz and /metrics (its hooks and logging run).
// `app.register(fastifyProbes(orch), { prefix: "/ops" })` mounts them under /ops instead.
await app.register(fastifyProbes(orch));

const port = Number(process.env["PORT"] ?? 3000);
await app.listen({ port, host: "0.0.0.0" });
console.log(`listening on http://localhost:${port} (/readyz, /healthz, /livez, /startupz, /metrics)`);

async function stop(): Promise<void> {
  await orch.shutdown();
  await app.close();
}
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());
if (process.env["EXAMPLE_DURATION_MS"] !== undefined) setTimeout(() => void stop(), Number(process.env["EXAMPLE_DURATION_MS"]));
