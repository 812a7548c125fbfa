import { afterEach, describe, expect, it } from "vitest";
import { Agent, createOrchestrator } from "../../src/index.js";
import type { Orchestrator } from "../../src/index.js";
import { ManualClock } from "../../src/testing/ManualClock.js";

class Feed extends Agent {}

/** A critical agent under the built-in fail-stop policy; crashes when told to. */
class Risk extends Agent {
  static current: Risk | undefined;

  override start(): void {
    Risk.current = this;
  }
}

const HOST = "127.0.0.1";
let orch: Orchestrator | undefined;
afterEach(async () => {
  await orch?.shutdown();
  orch = undefined;
});

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://${HOST}:${port}${path}`);
  return { status: response.status, body: await response.text() };
}

describe("built-in listeners of a real orchestrator (orch.listen)", () => {
  it("keep answering 503 after a fail-stop until shutdown() closes them", async () => {
    const clock = new ManualClock(new Date("2026-03-02T09:00:00Z"));
    orch = createOrchestrator({
      agents: [
        { name: "feed", agent: Feed, group: "data" },
        { name: "risk", agent: Risk, group: "critical" },
      ],
      clock,
      logger: false,
      keepAlive: false,
    });
    await orch.start();
    const { healthPort, metricsPort } = await orch.listen({ healthPort: 0, metricsPort: 0, host: HOST });
    expect(await get(healthPort, "/healthz")).toEqual({ status: 200, body: "ok\n" });
    expect((await get(healthPort, "/livez")).status).toBe(200);
    expect((await get(metricsPort, "/metrics")).body).toContain('agent_state{agent="risk"} 1');

    Risk.current?.fail(new Error("secret-password"));
    const closed = await orch.closed;
    expect(closed.failed).toBe(true);
    expect(closed.reason).toContain("risk");

    const health = await get(healthPort, "/healthz");
    expect(health).toEqual({ status: 503, body: "unavailable: failed\n" });
    // The orchestrator's loop still runs until shutdown: alive, but not ready.
    expect(await get(healthPort, "/livez")).toEqual({ status: 200, body: "ok\n" });
    const metrics = (await get(metricsPort, "/metrics")).body;
    expect(metrics).toContain('agent_state{agent="risk"} 0');
    expect(metrics).toContain('orchestrator_phase{phase="failed"} 1');
    expect(metrics).toContain("orchestrator_up 0");
    expect(metrics).not.toContain("secret-password");

    await orch.shutdown();
    await expect(get(healthPort, "/healthz")).rejects.toThrow();
    await expect(get(metricsPort, "/metrics")).rejects.toThrow();
  });

  it("reject with LISTEN_FAILED naming the port when it is taken", async () => {
    orch = createOrchestrator({ agents: [{ name: "feed", agent: Feed }], logger: false, keepAlive: false });
    const first = await orch.listen({ healthPort: 0, metricsPort: 0, host: HOST });
    const second = createOrchestrator({ agents: [{ name: "feed", agent: Feed }], logger: false, keepAlive: false });
    try {
      await expect(second.listen({ healthPort: first.healthPort, metricsPort: 0, host: HOST })).rejects.toMatchObject({
        code: "LISTEN_FAILED",
        port: first.healthPort,
        message: expect.stringContaining(String(first.healthPort)),
      });
    } finally {
      await second.shutdown();
    }
  });
});
