import { describe, expect, it } from "vitest";
import { createObservability, evaluateHealth } from "../../src/observe/index.js";
import type { OrchestratorPhase } from "../../src/observe/index.js";
import { FakeSource, NetworkedFakeSource } from "../helpers/observe/FakeSource.js";

function critical(): FakeSource {
  const source = new FakeSource();
  source.add("feed");
  source.add("risk", { group: "critical", critical: true });
  return source;
}

describe("health()", () => {
  it("passes with 200 when running and every critical agent is running", () => {
    const observability = createObservability(critical());
    expect(observability.health()).toEqual({
      ok: true,
      status: 200,
      agents: {
        feed: { state: "running", up: true, critical: false, group: "data", path: ["data"] },
        risk: { state: "running", up: true, critical: true, group: "critical", path: ["critical"] },
      },
    });
  });

  it.each<OrchestratorPhase>(["idle", "starting", "stopping", "stopped", "failed"])(
    "fails with 503 while the orchestrator is %s, even with every agent up",
    (phase) => {
      const source = critical();
      source.currentPhase = phase;
      const report = createObservability(source).health();
      expect(report.ok).toBe(false);
      expect(report.status).toBe(503);
    },
  );

  it("fails when a critical agent is in backoff and passes again once it runs", () => {
    const source = critical();
    const observability = createObservability(source);
    source.agent("risk").state = "backoff";
    expect(observability.health()).toMatchObject({ ok: false, status: 503, agents: { risk: { state: "backoff", up: false } } });
    source.agent("risk").state = "starting";
    expect(observability.health().ok).toBe(false);
    source.agent("risk").state = "running";
    expect(observability.health()).toMatchObject({ ok: true, status: 200 });
  });

  it.each(["disabled", "failed", "stopped", "stopping"] as const)("counts a critical agent that is %s as down", (state) => {
    const source = critical();
    source.agent("risk").state = state;
    expect(createObservability(source).health().status).toBe(503);
  });

  it("ignores non-critical agents that are down", () => {
    const source = critical();
    source.agent("feed").state = "disabled";
    const report = createObservability(source).health();
    expect(report).toMatchObject({ ok: true, status: 200, agents: { feed: { state: "disabled", up: false, critical: false } } });
  });

  it("passes with no agents at all once running", () => {
    expect(createObservability(new FakeSource()).health()).toEqual({ ok: true, status: 200, agents: {} });
  });

  it("fails while a required bus connection is down, not while an optional one is", () => {
    const source = new NetworkedFakeSource();
    source.add("feed");
    const observability = createObservability(source);
    expect(observability.health().ok).toBe(true);
    source.connection = { connected: false, reconnects: 1, required: true };
    expect(observability.health().status).toBe(503);
    source.connection = { connected: false, reconnects: 1, required: false };
    expect(observability.health().status).toBe(200);
  });

  it("never carries an agent's last error", () => {
    const source = critical();
    source.agent("risk").lastError = "secret-password";
    source.agent("risk").state = "backoff";
    expect(JSON.stringify(createObservability(source).health())).not.toContain("secret-password");
  });
});

describe("evaluateHealth", () => {
  it("names why health fails, most basic cause first", () => {
    const source = new NetworkedFakeSource();
    source.add("risk", { critical: true, state: "backoff" });
    source.connection = { connected: false, reconnects: 0, required: true };
    source.currentPhase = "idle";
    expect(evaluateHealth(source).reason).toBe("not started");
    source.currentPhase = "failed";
    expect(evaluateHealth(source).reason).toBe("failed");
    source.currentPhase = "running";
    expect(evaluateHealth(source).reason).toBe("critical agent down");
    source.agent("risk").state = "running";
    expect(evaluateHealth(source).reason).toBe("bus disconnected");
    source.connection = { connected: true, reconnects: 1, required: true };
    expect(evaluateHealth(source).reason).toBeUndefined();
  });

  it("stamps the evaluation with the source's clock", async () => {
    const source = new FakeSource(Date.UTC(2026, 5, 1));
    await source.clock.advance(1_500);
    expect(evaluateHealth(source).time).toBe(Date.UTC(2026, 5, 1) + 1_500);
  });
});
