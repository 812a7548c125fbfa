import { createServer } from "node:http";
import Koa from "koa";
import { afterEach, describe, expect, it } from "vitest";
import { koaProbes } from "../../src/index.js";
import type { HttpHandler } from "../../src/observe/index.js";
import { closeServer, listenOnLoopback, runHttpScenario, startScenario } from "../helpers/observe/httpScenario.js";

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe("handlers mounted in Koa 3", () => {
  it("answer health, liveness and metrics through a crash and a restart of a critical agent", async () => {
    const scenario = await startScenario();
    const { orch } = scenario;
    const routes = new Map<string, HttpHandler>([
      ["/healthz", orch.healthHandler],
      ["/livez", orch.livenessHandler],
      ["/metrics", orch.metricsHandler],
    ]);
    const app = new Koa();
    app.use(async (ctx, next) => {
      const handler = routes.get(ctx.path);
      if (handler === undefined) {
        await next();
        return;
      }
      // The handler writes ctx.res itself: tell Koa not to respond.
      ctx.respond = false;
      handler(ctx.req, ctx.res);
    });
    const callback = app.callback();
    const server = createServer((req, res) => void callback(req, res));
    const base = await listenOnLoopback(server);
    cleanup = async () => {
      await orch.shutdown();
      await closeServer(server);
    };
    await runHttpScenario(base, scenario);
  });
});

describe("koaProbes(): the probes as Koa 3 middleware", () => {
  it("answer health, liveness and metrics through a crash and a restart, seen by the middleware around them", async () => {
    const scenario = await startScenario();
    const { orch } = scenario;
    const app = new Koa();
    const seen: string[] = [];
    app.use(async (ctx, next) => {
      await next();
      seen.push(`${ctx.method} ${ctx.path} ${ctx.status}`);
      ctx.set("x-seen-by", "outer");
    });
    app.use(koaProbes(orch));
    app.use((ctx) => {
      ctx.body = "the host's own route\n";
    });
    const callback = app.callback();
    const server = createServer((req, res) => void callback(req, res));
    const base = await listenOnLoopback(server);
    cleanup = async () => {
      await orch.shutdown();
      await closeServer(server);
    };
    const ready = await fetch(`${base}/readyz`);
    expect([ready.status, ready.headers.get("x-seen-by"), await ready.text()]).toEqual([200, "outer", "ok\n"]);
    expect(await (await fetch(`${base}/elsewhere`)).text()).toBe("the host's own route\n");
    await runHttpScenario(base, scenario);
    expect(seen).toContain("GET /readyz 200");
    expect(seen).toContain("HEAD /healthz 200");
    expect(seen).toContain("POST /metrics 405");
  });

  it("mounts under a prefix, serving only the paths asked for; 404 elsewhere without a host route", async () => {
    const { orch } = await startScenario();
    const app = new Koa();
    app.use(koaProbes(orch, { prefix: "/ops", paths: ["readyz", "metrics"] }));
    const callback = app.callback();
    const server = createServer((req, res) => void callback(req, res));
    const base = await listenOnLoopback(server);
    cleanup = async () => {
      await orch.shutdown();
      await closeServer(server);
    };
    expect((await fetch(`${base}/ops/readyz`)).status).toBe(200);
    const metrics = await fetch(`${base}/ops/metrics`);
    expect(metrics.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(await metrics.text()).toContain('agent_state{agent="risk"} 1');
    const head = await fetch(`${base}/ops/readyz`, { method: "HEAD" });
    expect([head.status, head.headers.get("content-length"), await head.text()]).toEqual([200, "3", ""]);
    expect((await fetch(`${base}/ops/livez`)).status).toBe(404);
    expect((await fetch(`${base}/readyz`)).status).toBe(404);
  });
});
