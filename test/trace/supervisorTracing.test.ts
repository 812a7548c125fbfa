import { context, SpanStatusCode, trace } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import { Agent } from "../../src/agent/Agent.js";
import { createBus } from "../../src/bus/createBus.js";
import { scriptedAgent, setup } from "../helpers/orchestrator.js";
import { registerTracing, type RegisteredTracing } from "../helpers/tracing.js";

let tracing: RegisteredTracing | undefined;

afterEach(async () => {
  await tracing?.dispose();
  tracing = undefined;
});

describe("supervisor events as spans", () => {
  it("records a crash (with its error), the restart, then the disabling and the escalation, with no listener registered", async () => {
    tracing = registerTracing();
    const fragile = scriptedAgent("fragile");
    const { orch, clock } = setup({
      agents: [{ name: "fragile", agent: fragile.Agent, group: "fragile" }],
      config: { groups: { fragile: { restart: { max: 1 } } } },
    });
    await orch.start();
    fragile.instances[0]?.fail(new Error("feed lost"));
    await clock.advance(0);
    const crash = tracing.span("agent crash");
    expect(crash.attributes).toMatchObject({ "ao.agent": "fragile", "ao.reason": "fail", "ao.crashes": 1 });
    expect(crash.status.code).toBe(SpanStatusCode.ERROR);
    expect(crash.events[0]?.attributes?.["exception.message"]).toBe("feed lost");
    expect(tracing.span("agent restart").attributes).toMatchObject({ "ao.agent": "fragile", "ao.reason": "crash", "ao.restart.attempt": 1 });
    await clock.advance(60_000);
    fragile.instances[1]?.fail(new Error("feed lost again"));
    await clock.advance(0);
    expect(tracing.span("agent disabled").attributes).toEqual({ "ao.agent": "fragile", "ao.group": "fragile", "ao.reason": "restart-limit" });
    expect(tracing.span("agent escalation").attributes).toMatchObject({ "ao.agent": "fragile", "ao.reason": "restart-limit", "ao.escalation.disabled": true, "ao.crashes": 2 });
    await orch.shutdown();
  });

  it("records a fail-stop when a critical agent crashes", async () => {
    tracing = registerTracing();
    const risk = scriptedAgent("risk");
    const { orch, clock } = setup({ agents: [{ name: "risk", agent: risk.Agent, group: "critical" }] });
    await orch.start();
    risk.instances[0]?.fail(new Error("limits breached"));
    await clock.advance(0);
    expect(tracing.span("orchestrator fail-stop").attributes).toEqual({ "ao.agent": "risk", "ao.group": "critical" });
    await orch.shutdown();
  });

  it("names the agent whose handler runs on the handler's span", async () => {
    tracing = registerTracing();
    class Strategy extends Agent {
      static readonly agentName = "strategy";
      override start(): void {
        this.bus.subscribe("prices.>", () => this.bus.publish("orders.new", 1));
      }
    }
    const { orch } = setup({ agents: [Strategy] });
    await orch.start();
    await orch.bus.publish("prices.AAPL", 1);
    await orch.bus.flush();
    await orch.bus.flush();
    expect(tracing.span("process prices.>").attributes["ao.agent"]).toBe("strategy");
    expect(tracing.span("publish orders.new").attributes["ao.agent"]).toBe("strategy");
    await orch.shutdown();
  });

  it("names the agent on no other span: not the host's span active around a publish on an untraced bus", async () => {
    tracing = registerTracing();
    const got: unknown[] = [];
    class Sink extends Agent {
      static readonly agentName = "sink";
      override start(): void {
        this.bus.subscribe("t", (message) => void got.push(message.payload));
      }
    }
    const { orch } = setup({ agents: [Sink], bus: createBus({ tracing: false }) });
    await orch.start();
    const host = trace.getTracer("host").startSpan("host request");
    await context.with(trace.setSpan(context.active(), host), async () => {
      await orch.bus.publish("t", 1, { headers: { "x-user": "u1" } });
      await orch.bus.flush();
    });
    host.end();
    expect(got).toEqual([1]);
    expect(tracing.span("host request").attributes).toEqual({});
    await orch.shutdown();
  });
});
