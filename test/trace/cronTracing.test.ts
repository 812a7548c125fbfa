import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import { never, scriptedAgent, setup, T0 } from "../helpers/orchestrator.js";
import { contextOf, parentOf, registerTracing, type RegisteredTracing } from "../helpers/tracing.js";

let tracing: RegisteredTracing | undefined;

afterEach(async () => {
  await tracing?.dispose();
  tracing = undefined;
});

const MINUTE = 60_000;

describe("onCron runs as spans", () => {
  it("makes each run a span with its trigger, slot, key and outcome, the agent's own spans nested under it", async () => {
    tracing = registerTracing();
    let runs = 0;
    const recon = scriptedAgent("recon", {
      onCron() {
        runs++;
        trace.getTracer("host").startSpan("host query").end();
        if (runs === 2) throw new Error("ledger unreachable");
      },
    });
    const { orch, clock } = setup({ agents: [recon.Agent], config: { schedule: { recon: { every: "1m", name: "m" } } } });
    await orch.start();
    await clock.advance(MINUTE);
    await clock.advance(MINUTE);
    const [first, second] = tracing.spans().filter((span) => span.name === "onCron recon:m");
    expect(first?.kind).toBe(SpanKind.INTERNAL);
    const slot = new Date(T0 + MINUTE).toISOString();
    expect(first?.attributes).toEqual({
      "ao.agent": "recon",
      "ao.trigger": "m",
      "ao.trigger.slot": slot,
      "ao.trigger.key": `recon:m:${slot}`,
      "ao.trigger.catchup": false,
      "ao.trigger.attempt": 1,
      "ao.outcome": "ok",
    });
    expect(first?.status.code).toBe(SpanStatusCode.UNSET);
    expect(second?.attributes["ao.outcome"]).toBe("error");
    expect(second?.status.code).toBe(SpanStatusCode.ERROR);
    expect(second?.events[0]?.attributes?.["exception.message"]).toBe("ledger unreachable");
    const hostSpans = tracing.spans().filter((span) => span.name === "host query");
    expect(hostSpans.map(parentOf)).toEqual([contextOf(first as never).spanId, contextOf(second as never).spanId]);
    // a run started by the scheduler's timer is a root: it does not inherit whatever context armed the timer
    expect(parentOf(first as never)).toBeUndefined();
    await orch.shutdown();
  });

  it("ends a run that outlives its timeout with outcome hung, marked failed with the agent's AGENT_HUNG error", async () => {
    tracing = registerTracing();
    const slow = scriptedAgent("slow", { onCron: () => never() });
    const { orch, clock } = setup({
      agents: [slow.Agent],
      config: { schedule: { slow: { every: "1m", name: "m", timeout: "10s" } } },
    });
    await orch.start();
    await clock.advance(MINUTE);
    await clock.advance(10_000);
    const hung = tracing.span("onCron slow:m");
    expect(hung.attributes["ao.outcome"]).toBe("hung");
    expect(hung.attributes["error.type"]).toBe("AGENT_HUNG");
    expect(hung.status.code).toBe(SpanStatusCode.ERROR);
    await orch.shutdown();
  });

  it("ends a run still going when the agent stops with outcome aborted", async () => {
    tracing = registerTracing();
    const slow = scriptedAgent("slow", { onCron: () => never() });
    const { orch, clock } = setup({ agents: [slow.Agent], config: { schedule: { slow: { every: "1m", name: "m" } } } });
    await orch.start();
    await clock.advance(MINUTE);
    expect(tracing.spans().filter((span) => span.name.startsWith("onCron"))).toEqual([]);
    await orch.shutdown();
    const aborted = tracing.span("onCron slow:m");
    expect(aborted.attributes["ao.outcome"]).toBe("aborted");
    expect(aborted.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("nests a run asked for by a caller under the caller's span", async () => {
    tracing = registerTracing();
    const recon = scriptedAgent("recon", { onCron: () => undefined });
    const { orch } = setup({ agents: [recon.Agent], config: { schedule: { recon: { every: "1h", name: "h" } } } });
    await orch.start();
    const tracer = trace.getTracer("host");
    await tracer.startActiveSpan("operator", async (outer) => {
      await orch.backfill("recon", "h", { from: T0 - 3_600_000, to: T0 - 1 });
      outer.end();
    });
    const run = tracing.span("onCron recon:h");
    expect(run.attributes["ao.trigger.catchup"]).toBe(true);
    expect(parentOf(run)).toBe(contextOf(tracing.span("operator")).spanId);
    await orch.shutdown();
  });
});
