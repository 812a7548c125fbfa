import { createServer } from "node:http";
import { afterEach, describe, it } from "vitest";
import { closeServer, listenOnLoopback, runHttpScenario, startScenario } from "../helpers/observe/httpScenario.js";
import type { Scenario } from "../helpers/observe/httpScenario.js";

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe("handlers mounted in node:http", () => {
  it("answer health, liveness and metrics through a crash and a restart of a critical agent", async () => {
    const scenario: Scenario = await startScenario();
    const { orch } = scenario;
    const routes: Record<string, typeof orch.healthHandler> = {
      "/healthz": orch.healthHandler,
      "/livez": orch.livenessHandler,
      "/metrics": orch.metricsHandler,
    };
    const server = createServer((req, res) => {
      const handler = routes[new URL(req.url ?? "/", "http://localhost").pathname];
      if (handler !== undefined) handler(req, res);
      else res.writeHead(404).end();
    });
    const base = await listenOnLoopback(server);
    cleanup = async () => {
      await orch.shutdown();
      await closeServer(server);
    };
    await runHttpScenario(base, scenario);
  });
});
