import { createServer } from "node:http";
import express from "express";
import { afterEach, describe, it } from "vitest";
import { closeServer, listenOnLoopback, runHttpScenario, startScenario } from "../helpers/observe/httpScenario.js";

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe("handlers mounted in Express 5", () => {
  it("answer health, liveness and metrics through a crash and a restart of a critical agent", async () => {
    const scenario = await startScenario();
    const { orch } = scenario;
    const app = express();
    // `all`, so that other methods reach the handlers and get their 405.
    app.all("/healthz", orch.healthHandler);
    app.all("/livez", orch.livenessHandler);
    app.all("/metrics", orch.metricsHandler);
    const server = createServer(app);
    const base = await listenOnLoopback(server);
    cleanup = async () => {
      await orch.shutdown();
      await closeServer(server);
    };
    await runHttpScenario(base, scenario);
  });
});
