import { describe, expect, test } from "vitest";
import { InProcessBus } from "../../src/bus/InProcessBus.js";
import { LifecycleError } from "../../src/errors/LifecycleError.js";
import { countedAgent, processSnapshot } from "../helpers/chaosBadInput.js";
import { never, scriptedAgent, setup } from "../helpers/orchestrator.js";
import { trackUnhandled } from "../helpers/noUnhandled.js";

// Calls made at the wrong time: each refused with a LifecycleError naming the call, the agent and
// why, and none leaving a timer, a subscription, a signal handler or a half-started agent behind.

const unhandled = trackUnhandled();

/** Call `fn`, expect a LifecycleError with `code` whose message matches `phrase`. */
function refused(fn: () => unknown, code: string, phrase: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(LifecycleError);
  expect(thrown).toMatchObject({ code });
  expect((thrown as Error).message).toMatch(phrase);
}

/** Nothing left: no timer on the clock, no subscription on the bus, no signal handler. */
function expectNothingLeft(orch: { bus: unknown }, clock: { pending: number }, signalsBefore: number): void {
  expect(clock.pending).toBe(0);
  if (orch.bus instanceof InProcessBus) expect(orch.bus.patterns()).toEqual([]);
  expect(processSnapshot().signals).toBe(signalsBefore);
}

describe("bad input: lifecycle calls at the wrong time", () => {
  test("shutdown() before start() resolves, settles closed, and a later start() rejects without starting anything", async () => {
    const before = processSnapshot().signals;
    const a = countedAgent("a");
    const { orch, clock } = setup({ agents: [a.Agent], handleSignals: true });
    await orch.shutdown();
    await expect(orch.closed).resolves.toEqual({ reason: "shutdown", failed: false });
    await expect(orch.start()).rejects.toMatchObject({ code: "SHUT_DOWN", message: expect.stringMatching(/start\(\) after shutdown/) as unknown });
    expect(a.built()).toBe(0);
    expect(orch.phase).toBe("stopped");
    expectNothingLeft(orch, clock, before);
  });

  test("start() while a first start() is still under way rejects with ALREADY_STARTED", async () => {
    const { Agent: Slow, instances } = scriptedAgent("slow", { start: (agent) => new Promise<void>((resolve) => agent.clock.setTimeout(resolve, 1_000)) });
    const { orch, clock } = setup({ agents: [Slow] });
    const first = orch.start();
    await expect(orch.start()).rejects.toMatchObject({ code: "ALREADY_STARTED" });
    await clock.advance(1_000);
    await first;
    expect(instances).toHaveLength(1);
    await orch.shutdown();
  });

  test("start() after shutdown rejects with SHUT_DOWN and starts nothing again", async () => {
    const before = processSnapshot().signals;
    const a = countedAgent("a");
    const { orch, clock } = setup({ agents: [a.Agent], handleSignals: true });
    await orch.start();
    expect(processSnapshot().signals).toBe(before + 2);
    await orch.shutdown();
    await expect(orch.start()).rejects.toMatchObject({ code: "SHUT_DOWN" });
    expect(a.built()).toBe(1);
    expectNothingLeft(orch, clock, before);
  });

  test("shutdown() while start() waits on an agent interrupts it: start() rejects, nothing is left", async () => {
    const before = processSnapshot().signals;
    const { Agent: Stuck, instances } = scriptedAgent("stuck", { start: never });
    const { Agent: Later, instances: later } = scriptedAgent("later");
    const { orch, clock } = setup({ agents: [Stuck, Later] });
    const starting = orch.start();
    let outcome: unknown;
    starting.catch((error: unknown) => void (outcome = error));
    await clock.advance(0);
    let done = false;
    void orch.shutdown().then(() => void (done = true));
    while (!done) await clock.advance(1_000);
    await clock.advance(0);
    expect(outcome).toMatchObject({ code: "SHUT_DOWN", message: expect.stringMatching(/interrupted by shutdown/) as unknown });
    expect(instances[0]?.signal.aborted).toBe(true);
    expect(later).toHaveLength(0);
    expectNothingLeft(orch, clock, before);
  });

  test.each([["enable"], ["disable"], ["restart"]] as const)("%s() after shutdown throws SHUT_DOWN naming the call and the agent", async (call) => {
    const { orch, clock } = setup({ agents: [countedAgent("a").Agent] });
    await orch.start();
    await orch.shutdown();
    refused(() => orch[call]("a"), "SHUT_DOWN", new RegExp(`${call}\\("a"\\) after shutdown`));
    expect(clock.pending).toBe(0);
  });

  test("schedule() and listen() after shutdown are refused; health, metrics and a second shutdown() still answer", async () => {
    const { orch, clock } = setup({ agents: [countedAgent("a").Agent] });
    await orch.start();
    await orch.shutdown();
    refused(() => orch.schedule("a", { every: "1s" }), "SHUT_DOWN", /schedule\("a"\) after shutdown/);
    await expect(orch.listen({ healthPort: 0, metricsPort: 0 })).rejects.toMatchObject({ code: "SHUT_DOWN", message: "listen() after shutdown" });
    expect(orch.health()).toMatchObject({ ok: false, status: 503 });
    await expect(orch.metrics()).resolves.toContain("agent_state");
    await expect(orch.shutdown()).resolves.toBeUndefined();
    expect(clock.pending).toBe(0);
  });

  test("operator calls during the shutdown itself are refused too", async () => {
    const { Agent: Slow } = scriptedAgent("a", { stop: (agent) => new Promise<void>((resolve) => agent.clock.setTimeout(resolve, 1_000)) });
    const { orch, clock } = setup({ agents: [Slow] });
    await orch.start();
    const done = orch.shutdown();
    await clock.advance(10);
    refused(() => orch.enable("a"), "SHUT_DOWN", /after shutdown/);
    refused(() => orch.restart("a"), "SHUT_DOWN", /after shutdown/);
    await clock.advance(1_000);
    await done;
  });

  test.each([["enable"], ["disable"], ["restart"]] as const)("%s() before start() throws NOT_STARTED", (call) => {
    const { orch, clock } = setup({ agents: [countedAgent("a").Agent] });
    refused(() => orch[call]("a"), "NOT_STARTED", new RegExp(`${call}\\("a"\\) before start\\(\\)`));
    expect(clock.pending).toBe(0);
  });

  test.each([["enable"], ["disable"], ["restart"], ["schedule"]] as const)("%s() of an agent that does not exist throws UNKNOWN_AGENT listing the known ones", async (call) => {
    const { orch } = setup({ agents: [countedAgent("a").Agent, countedAgent("b").Agent] });
    await orch.start();
    refused(() => (call === "schedule" ? orch.schedule("ghost", "* * * * *") : orch[call]("ghost")), "UNKNOWN_AGENT", /no agent named "ghost"; known agents: a, b/);
    refused(() => (call === "schedule" ? orch.schedule("__proto__", "* * * * *") : orch[call]("__proto__")), "UNKNOWN_AGENT", /"__proto__"/);
    expect(orch.agent("ghost")).toBeUndefined();
    expect(orch.agent("constructor")).toBeUndefined();
    await orch.shutdown();
  });

  test.each([[0], [-5], ["soon"], [Number.NaN]])("shutdown({ timeout: %j }) rejects with a ConfigError and does not begin the shutdown (INVALID_OPTION, at `timeout`)", async (timeout) => {
    const { orch } = setup({ agents: [countedAgent("a").Agent] });
    await orch.start();
    await expect(orch.shutdown({ timeout })).rejects.toMatchObject({ code: "INVALID_OPTION", path: "timeout", message: expect.stringMatching(/shutdown\(\): expected `timeout` to be a positive duration/) as unknown });
    expect(orch.phase).toBe("running");
    expect(orch.agent("a")?.state).toBe("running");
    await orch.shutdown({ timeout: "5s" });
    expect(orch.phase).toBe("stopped");
  });

  test("on() with a listener that is not a function throws a ConfigError (INVALID_OPTION) naming the event", () => {
    const { orch } = setup({ agents: [countedAgent("a").Agent] });
    expect(() => orch.on("agent:crash", "log" as never)).toThrow(
      expect.objectContaining({ code: "INVALID_OPTION", path: "listener", message: expect.stringMatching(/on\("agent:crash"\): expected `listener` to be a function, got "log"/) as unknown }),
    );
    expect(unhandled.errors).toEqual([]);
  });
});
