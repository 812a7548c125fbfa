import Fastify from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import type { HttpHandler } from "../../src/observe/index.js";
import { runHttpScenario, startScenario } from "../helpers/observe/httpScenario.js";

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe("handlers mounted in Fastify 5", () => {
  it("answer health, liveness and metrics through a crash and a restart of a critical agent", async () => {
    const scenario = await startScenario();
    const { orch } = scenario;
    const app = Fastify();
    // The handlers write the raw response: hijack the reply so Fastify leaves it alone.
    const mount = (handler: HttpHandler) => (request: { raw: Parameters<HttpHandler>[0] }, reply: { hijack(): void; raw: Parameters<HttpHandler>[1] }) => {
      reply.hijack();
      handler(request.raw, reply.raw);
    };
    app.all("/healthz", mount(orch.healthHandler));
    app.all("/livez", mount(orch.livenessHandler));
    app.all("/metrics", mount(orch.metricsHandler));
    const address = await app.listen({ port: 0, host: "127.0.0.1" });
    expect(address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    cleanup = async () => {
      await orch.shutdown();
      await app.close();
    };
    await runHttpScenario(address, scenario);
  });
});
