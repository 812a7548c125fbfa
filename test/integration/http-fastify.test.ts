import Fastify from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { fastifyProbes } from "../../src/index.js";
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

describe("fastifyProbes(): the probes as Fastify 5 routes", () => {
  it("answer health, liveness and metrics through a crash and a restart, with Fastify's hooks around every reply", async () => {
    const scenario = await startScenario();
    const { orch } = scenario;
    const app = Fastify();
    const requests: string[] = [];
    app.addHook("onRequest", async (request) => void requests.push(`${request.method} ${request.url}`));
    app.addHook("onSend", async (_request, reply, payload) => {
      void reply.header("x-seen-by", "onSend");
      return payload;
    });
    await app.register(fastifyProbes(orch));
    const base = await app.listen({ port: 0, host: "127.0.0.1" });
    cleanup = async () => {
      await orch.shutdown();
      await app.close();
    };
    const ready = await fetch(`${base}/readyz`);
    expect([ready.status, ready.headers.get("x-seen-by"), await ready.text()]).toEqual([200, "onSend", "ok\n"]);
    expect((await fetch(`${base}/startupz`)).status).toBe(200);
    expect((await fetch(`${base}/elsewhere`)).status).toBe(404);
    await runHttpScenario(base, scenario);
    expect(requests).toContain("GET /readyz");
    expect(requests).toContain("HEAD /healthz");
  });

  it("mounts under the prefix of app.register(), or its own", async () => {
    const { orch } = await startScenario();
    const app = Fastify();
    await app.register(fastifyProbes(orch), { prefix: "/ops" });
    await app.register(fastifyProbes(orch, { prefix: "/internal", paths: ["livez"] }));
    const base = await app.listen({ port: 0, host: "127.0.0.1" });
    cleanup = async () => {
      await orch.shutdown();
      await app.close();
    };
    expect((await fetch(`${base}/ops/readyz`)).status).toBe(200);
    const metrics = await fetch(`${base}/ops/metrics`);
    expect(metrics.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const head = await fetch(`${base}/ops/metrics`, { method: "HEAD" });
    expect([head.status, await head.text()]).toEqual([200, ""]);
    expect((await fetch(`${base}/internal/livez`)).status).toBe(200);
    expect((await fetch(`${base}/internal/readyz`)).status).toBe(404);
    expect((await fetch(`${base}/readyz`)).status).toBe(404);
  });

  it("refuses a bad prefix or path by name", () => {
    expect(() => fastifyProbes({ fetch: () => Promise.resolve(new Response()) }, { prefix: "ops/" })).toThrow(
      'fastifyProbes(): expected `prefix` to be "" or a path such as "/ops" (a leading slash, no trailing one), got "ops/"',
    );
    // @ts-expect-error not a probe path
    expect(() => fastifyProbes({ fetch: () => Promise.resolve(new Response()) }, { paths: ["status"] })).toThrow("fastifyProbes(): expected `paths` to be an array of");
  });
});
