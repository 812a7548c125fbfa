import { createServer } from "node:http";
import Koa from "koa";
import { afterEach, describe, it } from "vitest";
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
