import { describe, expect, test } from "vitest";
import { ConfigError } from "../../src/errors/ConfigError.js";
import { LifecycleError } from "../../src/errors/LifecycleError.js";
import type { Orchestrator } from "../../src/orchestrator/Orchestrator.js";
import type { ManualClock } from "../../src/testing/ManualClock.js";
import { never, scriptedAgent, setup } from "../helpers/orchestrator.js";

/**
 * shutdown.drainDelay, the AbortSignal of start() and shutdown(), and
 * Symbol.asyncDispose (docs/operations.md, "The shutdown sequence").
 */

/** A critical agent whose trigger fires every second, counting its runs. */
function everySecond() {
  const runs: number[] = [];
  const made = scriptedAgent("ticker", { onCron: (tick) => void runs.push(tick.scheduledAt) });
  return { ...made, runs };
}

async function probe(orch: Orchestrator, path: string): Promise<number> {
  return (await orch.fetch(new Request(`http://probe${path}`))).status;
}

/** Advance fake time in steps until `done()` holds (at most `limit` ms). */
async function advanceUntil(clock: ManualClock, done: () => boolean, step = 100, limit = 120_000): Promise<void> {
  for (let waited = 0; !done(); waited += step) {
    if (waited > limit) throw new Error("condition never held");
    await clock.advance(step);
  }
}

describe("shutdown.drainDelay", () => {
  test("readiness fails at once while agents and triggers keep running through the delay, then they stop", async () => {
    const ticker = everySecond();
    const { orch, clock, logger } = setup({
      agents: [{ name: "ticker", agent: ticker.Agent, group: "critical" }],
      config: { schedule: { ticker: { every: "1s" } }, shutdown: { drainDelay: "5s", timeout: "30s" } },
    });
    await orch.start();
    expect(await probe(orch, "/readyz")).toBe(200);
    await clock.advance(2_000);
    const before = ticker.runs.length;
    let done = false;
    const shutdown = orch.shutdown().then(() => void (done = true));
    await clock.advance(0);
    expect(await probe(orch, "/readyz")).toBe(503);
    expect(await probe(orch, "/healthz")).toBe(503);
    expect(await probe(orch, "/livez")).toBe(200);
    expect(orch.agent("ticker")?.state).toBe("running");
    expect(logger.entries.some((entry) => entry.level === "info" && entry.message?.startsWith("draining:"))).toBe(true);
    await clock.advance(4_900);
    expect(done).toBe(false);
    expect(orch.agent("ticker")?.state).toBe("running");
    expect(ticker.runs.length).toBeGreaterThanOrEqual(before + 4);
    await advanceUntil(clock, () => done);
    await shutdown;
    expect(orch.agent("ticker")?.state).toBe("stopped");
    expect(ticker.instances[0]?.signal.aborted).toBe(true);
  });

  test("a second shutdown() during the drain joins it; its signal cuts the drain short", async () => {
    const { orch, clock } = setup({ agents: [scriptedAgent("a").Agent], config: { shutdown: { drainDelay: "10s" } } });
    await orch.start();
    const first = orch.shutdown();
    await clock.advance(1_000);
    const controller = new AbortController();
    const second = orch.shutdown({ signal: controller.signal, timeout: "1s" });
    expect(second).toBe(first);
    expect(orch.agent("a")?.state).toBe("running");
    const abortedAt = clock.now();
    controller.abort();
    await clock.advance(0);
    await first;
    expect(orch.phase).toBe("stopped");
    expect(clock.now()).toBe(abortedAt);
  });

  test("shutdown({ drainDelay: 0 }) skips the configured drain", async () => {
    const { orch, clock } = setup({ agents: [scriptedAgent("a").Agent], config: { shutdown: { drainDelay: "10s" } } });
    await orch.start();
    const started = clock.now();
    await orch.shutdown({ drainDelay: 0 });
    expect(clock.now()).toBe(started);
    expect(orch.agent("a")?.state).toBe("stopped");
  });

  test("a shutdown({ timeout }) shorter than the configured drain stops without it and says so", async () => {
    const { orch, logger } = setup({ agents: [scriptedAgent("a").Agent], config: { shutdown: { drainDelay: "10s" } } });
    await orch.start();
    await orch.shutdown({ timeout: "2s" });
    expect(orch.phase).toBe("stopped");
    expect(logger.entries.find((entry) => entry.level === "warn")?.message).toBe(
      "shutdown.drainDelay (10s) is not shorter than this shutdown's timeout (2s): stopping without the drain",
    );
  });

  test("a shutdown before start() resolved, and after a fail-stop, does not drain", async () => {
    const slow = scriptedAgent("slow", { start: () => never() });
    const { orch, clock } = setup({ agents: [slow.Agent], config: { shutdown: { drainDelay: "10s" }, supervisor: { startTimeout: "1h" } } });
    const starting = orch.start().catch((error: unknown) => error);
    await clock.advance(0);
    const shutdownAt = clock.now();
    const shutdown = orch.shutdown();
    await advanceUntil(clock, () => orch.phase === "stopped", 500);
    await shutdown;
    // the stuck start() is abandoned after stopTimeout (5 s); a drain would have waited 10 s first
    expect(clock.now() - shutdownAt).toBeLessThan(10_000);
    expect(await starting).toBeInstanceOf(LifecycleError);
  });

  test("a drainDelay not shorter than shutdown.timeout is a ConfigError naming both", () => {
    const create = () => setup({ config: { shutdown: { drainDelay: "30s", timeout: "30s" } } });
    expect(create).toThrow(ConfigError);
    expect(create).toThrow("shutdown.drainDelay: expected a duration shorter than shutdown.timeout (30s), inside which it is counted, got 30s");
  });

  test("bad shutdown() options are refused by name, and nothing stops", async () => {
    const { orch } = setup({ agents: [scriptedAgent("a").Agent] });
    await orch.start();
    await expect(orch.shutdown({ drainDelay: "5s", timeout: "5s" })).rejects.toThrow("shutdown(): expected `drainDelay` to be shorter than `timeout` (5s)");
    await expect(orch.shutdown({ drainDelay: -1 })).rejects.toThrow("expected `drainDelay` to be a duration such as \"5s\", a number of ms, or 0 for no drain, got -1");
    // @ts-expect-error not a signal
    await expect(orch.shutdown({ signal: "stop" })).rejects.toThrow('shutdown(): expected `signal` to be an AbortSignal, got "stop"');
    await expect(orch.shutdown({ reason: "" })).rejects.toThrow("expected `reason` to be a non-empty string");
    expect(orch.phase).toBe("running");
    await orch.shutdown();
  });

  test("a drainDelay given alone is counted inside the config's timeout: one that does not fit is refused, and nothing stops", async () => {
    const { orch, clock } = setup({ agents: [scriptedAgent("a").Agent], config: { shutdown: { timeout: "2s" } } });
    await orch.start();
    await expect(orch.shutdown({ drainDelay: "60s" })).rejects.toThrow(
      "shutdown(): expected `drainDelay` to be shorter than the config's shutdown.timeout (2s), inside which it is counted, got \"60s\"",
    );
    expect(orch.phase).toBe("running");
    const startedAt = clock.now();
    const shutdown = orch.shutdown({ drainDelay: "1s" });
    await advanceUntil(clock, () => orch.phase === "stopped");
    await shutdown;
    expect(clock.now() - startedAt).toBeGreaterThanOrEqual(1_000);
    expect(clock.now() - startedAt).toBeLessThan(2_000);
  });

  test("a shutdown() call while one is under way joins it whatever its options say (a second SIGTERM handler's call never rejects)", async () => {
    const { orch, clock } = setup({ agents: [scriptedAgent("a").Agent], config: { shutdown: { drainDelay: "5s" } } });
    await orch.start();
    const startedAt = clock.now();
    const first = orch.shutdown();
    // @ts-expect-error an unknown key, as plain JavaScript may pass
    const second = orch.shutdown({ force: true, timeout: -1 });
    expect(second).toBe(first);
    const cut = new AbortController();
    expect(orch.shutdown({ signal: cut.signal, drainDelay: "1h" })).toBe(first);
    cut.abort();
    await advanceUntil(clock, () => orch.phase === "stopped");
    await second;
    // the third call's signal cut the 5 s drain short
    expect(clock.now() - startedAt).toBeLessThan(5_000);
  });
});

describe("shutdown({ signal })", () => {
  test("aborting stops waiting for an agent's stop(): the shutdown resolves before its deadline", async () => {
    const stuck = scriptedAgent("stuck", { stop: () => never() });
    const { orch, clock } = setup({ agents: [stuck.Agent], config: { supervisor: { stopTimeout: "20s" } } });
    await orch.start();
    const controller = new AbortController();
    let done = false;
    const shutdown = orch.shutdown({ signal: controller.signal }).then(() => void (done = true));
    await clock.advance(1_000);
    expect(done).toBe(false);
    const abortedAt = clock.now();
    controller.abort(new Error("host is in a hurry"));
    await shutdown;
    expect(clock.now()).toBe(abortedAt);
    expect(orch.phase).toBe("stopped");
  });

  test("an already-aborted signal shuts down without waiting for any deadline", async () => {
    const stuck = scriptedAgent("stuck", { stop: () => never() });
    const { orch, clock } = setup({ agents: [stuck.Agent], config: { shutdown: { drainDelay: "5s" } } });
    await orch.start();
    const at = clock.now();
    await orch.shutdown({ signal: AbortSignal.abort() });
    expect(clock.now()).toBe(at);
    expect(stuck.instances[0]?.signal.aborted).toBe(true);
  });
});

describe("start({ signal })", () => {
  test("aborting stops starting further agents, stops those started, and rejects ABORTED with the reason as cause", async () => {
    const first = scriptedAgent("first");
    const slow = scriptedAgent("slow", { start: () => never() });
    const last = scriptedAgent("last");
    const { orch, clock } = setup({ agents: [first.Agent, slow.Agent, last.Agent], config: { supervisor: { startTimeout: "1h" } } });
    const controller = new AbortController();
    const starting = orch.start({ signal: controller.signal }).catch((error: unknown) => error);
    await clock.advance(1_000);
    expect(orch.agent("first")?.state).toBe("running");
    const reason = new Error("deploy cancelled");
    controller.abort(reason);
    let error: unknown;
    void starting.then((value) => void (error = value));
    await advanceUntil(clock, () => error !== undefined, 500);
    expect(error).toBeInstanceOf(LifecycleError);
    expect((error as LifecycleError).code).toBe("ABORTED");
    expect((error as LifecycleError).cause).toBe(reason);
    expect((error as LifecycleError).message).toBe("start() was aborted: deploy cancelled; what it had started was stopped");
    expect(last.instances).toHaveLength(0);
    expect(orch.agent("first")?.state).toBe("stopped");
    expect(await orch.closed).toEqual({ reason: "start aborted: deploy cancelled", failed: false });
  });

  test("an already-aborted signal starts nothing and rejects ABORTED", async () => {
    const a = scriptedAgent("a");
    const { orch } = setup({ agents: [a.Agent] });
    const error = await orch.start({ signal: AbortSignal.abort("no") }).catch((caught: unknown) => caught);
    expect((error as LifecycleError).code).toBe("ABORTED");
    expect((error as LifecycleError).cause).toBe("no");
    expect(a.instances).toHaveLength(0);
    expect(orch.phase).toBe("stopped");
    expect(await probe(orch, "/startupz")).toBe(503);
  });

  test("a signal aborted after start() resolved changes nothing", async () => {
    const { orch } = setup({ agents: [scriptedAgent("a").Agent] });
    const controller = new AbortController();
    await orch.start({ signal: controller.signal });
    controller.abort();
    expect(orch.phase).toBe("running");
    await orch.shutdown();
  });

  test("a start() option that is not a signal is refused by name before anything starts", async () => {
    const { orch } = setup({ agents: [scriptedAgent("a").Agent] });
    // @ts-expect-error not a signal
    await expect(orch.start({ signal: 5 })).rejects.toThrow("start(): expected `signal` to be an AbortSignal, got 5");
    // @ts-expect-error unknown option
    await expect(orch.start({ timeout: 5 })).rejects.toThrow("start(): unknown option `timeout`");
    expect(orch.phase).toBe("idle");
  });
});

describe("/startupz", () => {
  test("503 before start() resolves, 200 from then on, through the drain and after the shutdown", async () => {
    const slow = scriptedAgent("slow", { start: (agent) => new Promise<void>((resolve) => agent.clock.setTimeout(resolve, 2_000)) });
    const { orch, clock } = setup({ agents: [slow.Agent], config: { shutdown: { drainDelay: "1s" } } });
    expect(await probe(orch, "/startupz")).toBe(503);
    const starting = orch.start();
    await clock.advance(1_000);
    const response = await orch.fetch(new Request("http://probe/ops/startupz"));
    expect([response.status, await response.text()]).toEqual([503, "not started: starting\n"]);
    await clock.advance(1_000);
    await starting;
    expect(await probe(orch, "/ops/startupz")).toBe(200);
    const shutdown = orch.shutdown();
    await clock.advance(0);
    expect(await probe(orch, "/startupz")).toBe(200);
    await advanceUntil(clock, () => orch.phase === "stopped");
    await shutdown;
    expect(await probe(orch, "/startupz")).toBe(200);
  });
});

describe("Symbol.asyncDispose", () => {
  test("orch[Symbol.asyncDispose]() shuts the orchestrator down, and is idempotent with shutdown()", async () => {
    const a = scriptedAgent("a");
    const { orch } = setup({ agents: [a.Agent] });
    await orch.start();
    const disposing = orch[Symbol.asyncDispose]();
    expect(orch.shutdown()).toBe(disposing);
    await disposing;
    expect(orch.phase).toBe("stopped");
    expect(a.instances[0]?.signal.aborted).toBe(true);
    await orch[Symbol.asyncDispose]();
  });

  test("the orchestrator's disposer sits under the runtime's own Symbol.asyncDispose (what `await using` calls on every Node.js)", () => {
    const { orch } = setup({ agents: [scriptedAgent("a").Agent] });
    // Node.js 20 and 22 define it as Symbol.for("nodejs.asyncDispose"); Node.js 24 takes V8's own symbol
    expect(Object.getOwnPropertySymbols(Object.getPrototypeOf(orch))).toContain(Symbol.asyncDispose);
  });
});

describe("ISO times beside the epoch numbers", () => {
  test("agents() carries nextTriggerAtIso, and the health JSON an agent's last crash and next restart", async () => {
    const flaky = scriptedAgent("flaky", { start: () => Promise.reject(new Error("nope")), onCron: () => undefined });
    const { orch, clock } = setup({ agents: [{ name: "flaky", agent: flaky.Agent, group: "data" }], config: { schedule: { flaky: { every: "1m" } } } });
    await orch.start();
    await clock.advance(10);
    const status = orch.agent("flaky");
    expect(status?.nextTriggerAt).toBe(Date.UTC(2026, 0, 5, 9, 1, 0));
    expect(status?.nextTriggerAtIso).toBe("2026-01-05T09:01:00.000Z");
    const response = await orch.fetch(new Request("http://probe/readyz", { headers: { accept: "application/health+json" } }));
    const document = (await response.json()) as { checks: Record<string, Array<Record<string, unknown>>> };
    expect(document.checks["agent:flaky"]?.[0]).toMatchObject({
      observedValue: "backoff",
      lastCrashAt: "2026-01-05T09:00:00.000Z",
      nextRestartAt: "2026-01-05T09:00:01.000Z",
    });
    await orch.shutdown();
  });
});
