import { serve } from "@hono/node-server";
import type { ServerType } from "@hono/node-server";
import { Hono } from "hono";
import { afterEach, describe, it } from "vitest";
import { runHttpScenario, startScenario } from "../helpers/observe/httpScenario.js";

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe("the fetch handler mounted in Hono (@hono/node-server)", () => {
  it("answers health, liveness and metrics through a crash and a restart of a critical agent", async () => {
    const scenario = await startScenario();
    const { orch } = scenario;
    const app = new Hono();
    // One route for all three: orch.fetch matches on the path's last segment, wherever it is mounted.
    app.all("/ops/*", (c) => orch.fetch(c.req.raw));
    let server: ServerType | undefined;
    const port = await new Promise<number>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => resolve(info.port));
    });
    cleanup = async () => {
      await orch.shutdown();
      await new Promise<void>((resolve) => server?.close(() => resolve()));
    };
    await runHttpScenario(`http://127.0.0.1:${port}/ops`, scenario);
  });
});
