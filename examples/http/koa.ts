/**
 * Health, liveness and metrics in a Koa 3 application.
 *
 *   npx tsx examples/http/koa.ts
 *   curl -i localhost:3000/readyz       # 200 ok (also /healthz, /livez, /startupz)
 *   curl localhost:3000/metrics         # Prometheus text
 *
 * PORT picks the port (default 3000); EXAMPLE_DURATION_MS stops it by itself.
 */
import Koa from "koa";
import { Agent, createOrchestrator, koaProbes } from "../../src/index.js";

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

const app = new Koa();
// /readyz, /healthz, /livez, /startupz and /metrics through Koa's own response; other paths go on.
// `koaProbes(orch, { prefix: "/ops" })` mounts them under /ops instead.
app.use(koaProbes(orch));
app.use((ctx) => {
  ctx.body = "hello from the host application\n";
});

const port = Number(process.env["PORT"] ?? 3000);
const server = app.listen(port, () => console.log(`listening on http://localhost:${port} (/readyz, /healthz, /livez, /startupz, /metrics)`));

async function stop(): Promise<void> {
  await orch.shutdown();
  server.close();
  server.closeAllConnections();
}
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());
if (process.env["EXAMPLE_DURATION_MS"] !== undefined) setTimeout(() => void stop(), Number(process.env["EXAMPLE_DURATION_MS"]));
