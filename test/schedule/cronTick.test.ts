// The tick an agent's onCron receives: the message published on cron.<agent>
// plus the run's signal, built in one place for the orchestrator and testAgent.
import { describe, expect, test } from "vitest";
import { Agent } from "../../src/agent/Agent.js";
import { AgentError } from "../../src/errors/AgentError.js";
import { abortTick, cronTick, tickKey } from "../../src/schedule/cronTick.js";
import type { CronTick, TickMessage } from "../../src/schedule/ScheduleSpec.js";
import { recordEvents, setup, T0 } from "../helpers/orchestrator.js";

/** An agent class recording the ticks it receives; `hold` makes each onCron wait for its signal. */
function ticking(name: string, hold = false) {
  const ticks: CronTick[] = [];
  class Ticking extends Agent {
    static readonly agentName = name;
    override onCron(tick: CronTick): Promise<void> | void {
      ticks.push(tick);
      if (!hold) return undefined;
      return new Promise((resolve) => tick.signal.addEventListener("abort", () => resolve()));
    }
  }
  return { Agent: Ticking, ticks };
}

describe("the tick onCron receives through the orchestrator", () => {
  test("carries the run's signal, aborted with AGENT_HUNG when the run outlives its trigger's timeout", async () => {
    const { Agent: Report, ticks } = ticking("report", true);
    const { orch, clock } = setup({ agents: [Report], config: { schedule: { report: { every: "1m", timeout: "10s" } } } });
    const events = recordEvents(orch);
    await orch.start();
    await clock.advance(60_000);
    expect(ticks).toHaveLength(1);
    const signal = ticks[0]?.signal;
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(signal?.aborted).toBe(false);
    await clock.advance(10_000);
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(AgentError);
    expect(signal?.reason).toMatchObject({ code: "AGENT_HUNG", agent: "report" });
    expect(events["agent:crash"]).toMatchObject([{ agent: "report", reason: "hung", error: signal?.reason as unknown }]);
    await orch.shutdown();
  });

  test("its signal is aborted when the incarnation ends (shutdown while onCron runs)", async () => {
    const { Agent: Report, ticks } = ticking("report", true);
    const { orch, clock } = setup({ agents: [Report], config: { schedule: { report: { every: "1m" } } } });
    await orch.start();
    await clock.advance(60_000);
    const signal = ticks[0]?.signal;
    expect(signal?.aborted).toBe(false);
    await orch.shutdown();
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toMatchObject({ name: "AbortError", message: "The agent's incarnation ended" });
  });

  test("each run has its own signal; subscribers of cron.<agent> see the message, without one", async () => {
    const { Agent: Feed, ticks } = ticking("feed");
    const { orch, clock } = setup({ agents: [Feed], config: { schedule: { feed: { every: "15s" } } } });
    const published: unknown[] = [];
    orch.bus.subscribe("cron.feed", (m) => void published.push(m.payload));
    await orch.start();
    await clock.advance(30_000);
    expect(ticks).toHaveLength(2);
    expect(ticks[0]?.signal).not.toBe(ticks[1]?.signal);
    expect(published).toEqual(ticks);
    expect(published.map((p) => Object.hasOwn(p as object, "signal"))).toEqual([false, false]);
    expect(JSON.stringify(ticks[0])).toBe(JSON.stringify(published[0]));
    await orch.shutdown();
  });
});

describe("cronTick()", () => {
  const message: TickMessage = { agent: "a", trigger: "t", scheduledAt: T0, firedAt: T0 + 5, key: tickKey("a", "t", T0) };

  test("copies the message's fields and gives the signal as a read-only property that is not its own", () => {
    const extra = { ...message, injected: true } as TickMessage;
    const tick = cronTick(extra);
    expect(tick).toEqual(message);
    expect(Object.keys(tick)).toEqual(["agent", "trigger", "scheduledAt", "firedAt", "key"]);
    expect(tick.signal).toBeInstanceOf(AbortSignal);
    expect(tick.signal).toBe(tick.signal);
    expect(Object.hasOwn(tick, "signal")).toBe(false);
    expect(() => {
      (tick as { signal: unknown }).signal = new AbortController().signal;
    }).toThrow(TypeError);
    expect({ ...tick }).toEqual(message);
    expect(JSON.parse(JSON.stringify(tick))).toEqual(message);
  });

  test("abortTick aborts the signal read before it, and the signal read after it, with the first reason", () => {
    const early = cronTick(message);
    const signal = early.signal;
    const reason = new Error("first");
    abortTick(early, reason);
    abortTick(early, new Error("second"));
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
    expect(early.signal).toBe(signal);

    const late = cronTick(message);
    abortTick(late, reason);
    abortTick(late, new Error("second"));
    expect(late.signal.aborted).toBe(true);
    expect(late.signal.reason).toBe(reason);

    const untouched = cronTick(message);
    expect(untouched.signal.aborted).toBe(false);
  });

  test("tickKey is <agent>:<trigger>:<scheduledAt ISO>, as the scheduler's keys", () => {
    expect(tickKey("report", "cron:0 17 * * 1-5", Date.UTC(2026, 2, 9, 21))).toBe("report:cron:0 17 * * 1-5:2026-03-09T21:00:00.000Z");
  });
});
