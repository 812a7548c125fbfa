import { afterEach, describe, expect, it } from "vitest";
import { Agent, createOrchestrator } from "../../src/index.js";
import { ManualClock } from "../../src/testing/ManualClock.js";

const HOST = "127.0.0.1";
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

class Feed extends Agent {}

describe("the probe set on the built-in listener", () => {
  it("serves /readyz, /healthz, /livez and /startupz on the health port, and readiness fails at once when the drain begins", async () => {
    const clock = new ManualClock(new Date("2026-03-02T09:00:00Z"));
    const orch = createOrchestrator({
      agents: [{ name: "feed", agent: Feed, group: "critical" }],
      config: { shutdown: { drainDelay: "5s" } },
      clock,
      logger: false,
      keepAlive: false,
    });
    const listening = await orch.listen({ healthPort: 0, metricsPort: 0, host: HOST });
    cleanups.push(() => orch.shutdown({ drainDelay: 0 }));
    const get = async (path: string, port = listening.healthPort) => {
      const response = await fetch(`http://${HOST}:${port}${path}`);
      return `${response.status} ${await response.text()}`;
    };
    expect(await get("/startupz")).toBe("503 not started: idle\n");
    expect(await get("/readyz")).toBe("503 unavailable: not started\n");
    await orch.start();
    for (const path of ["/readyz", "/healthz", "/livez", "/startupz"]) expect(await get(path)).toBe("200 ok\n");
    expect(await get("/readyz", listening.metricsPort)).toBe("404 not found\n");
    const shutdown = orch.shutdown();
    await clock.advance(0);
    expect(await get("/readyz")).toBe("503 unavailable: stopping\n");
    expect(await get("/healthz")).toBe("503 unavailable: stopping\n");
    expect(await get("/startupz")).toBe("200 ok\n");
    expect(orch.agent("feed")?.state).toBe("running");
    await clock.advance(5_000);
    await shutdown;
    expect(orch.agent("feed")?.state).toBe("stopped");
  });

  it("the listeners close through Symbol.asyncDispose", async () => {
    const orch = createOrchestrator({ agents: [{ name: "feed", agent: Feed }], logger: false, keepAlive: false });
    cleanups.push(() => orch.shutdown());
    const listening = await orch.listen({ healthPort: 0, metricsPort: 0, host: HOST });
    expect((await fetch(`http://${HOST}:${listening.healthPort}/livez`)).status).toBe(200);
    await listening[Symbol.asyncDispose]();
    await expect(fetch(`http://${HOST}:${listening.healthPort}/livez`)).rejects.toThrow();
    await expect(fetch(`http://${HOST}:${listening.metricsPort}/metrics`)).rejects.toThrow();
  });
});
