/**
 * Health, liveness and metrics in a Fastify 5 application.
 *
 *   npx tsx examples/http/fastify.ts
 *   curl -i localhost:3000/healthz      # 200 ok
 *   curl localhost:3000/metrics         # Prometheus text
 *
 * PORT picks the port (default 3000); EXAMPLE_DURATION_MS stops it by itself.
 */
import Fastify from "fastify";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Agent, createOrchestrator } from "../../src/index.js";
import type { HttpHandler } from "../../src/observe/index.js";

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

/**
 * The small adapter Fastify needs: the handlers write the raw node:http
 * response, so hijack the reply (Fastify then leaves the response alone) and
 * pass the raw request and response.
 */
function raw(handler: HttpHandler) {
  return (request: FastifyRequest, reply: FastifyReply): void => {
    reply.hijack();
    handler(request.raw, reply.raw);
  };
}

const app = Fastify();
// `all` so that other methods get the handlers' 405 (and HEAD works).
app.all("/healthz", raw(orch.healthHandler));
app.all("/livez", raw(orch.livenessHandler));
app.all("/metrics", raw(orch.metricsHandler));

const port = Number(process.env["PORT"] ?? 3000);
await app.listen({ port, host: "0.0.0.0" });
console.log(`listening on http://localhost:${port} (/healthz, /livez, /metrics)`);

async function stop(): Promise<void> {
  await orch.shutdown();
  await app.close();
}
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());
if (process.env["EXAMPLE_DURATION_MS"] !== undefined) setTimeout(() => void stop(), Number(process.env["EXAMPLE_DURATION_MS"]));
