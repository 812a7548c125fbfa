import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { existsSync, readdirSync } from "node:fs";
import { AgentError } from "../../src/errors/AgentError.js";
import { BusError } from "../../src/errors/BusError.js";
import { threadAgent, waitFor } from "./threadHarness.js";

/** OS threads of this process (Linux): each worker thread is one. */
function osThreads(): number | undefined {
  return existsSync("/proc/self/task") ? readdirSync("/proc/self/task").length : undefined;
}

const running: Array<ReturnType<typeof threadAgent>> = [];
function started(options: Parameters<typeof threadAgent>[0] = {}) {
  const harness = threadAgent(options);
  running.push(harness);
  return harness;
}
afterEach(async () => {
  for (const harness of running.splice(0)) await harness.supervisor.stop("stopped");
});

describe("an agent with isolation: thread", () => {
  // one thread for the tests that leave it running (spawning one costs a few hundred ms)
  let shared: ReturnType<typeof threadAgent>;
  beforeAll(async () => {
    shared = threadAgent({ config: { prefix: "p-" } });
    await shared.supervisor.startInTurn(true);
  });
  afterAll(async () => {
    await shared.supervisor.stop("stopped");
    expect(shared.gauge.alive).toBe(0);
    expect(shared.crashes).toEqual([]);
  });

  test("starts in a worker thread: its subscriptions receive what the main thread publishes, its publishes reach the main thread", async () => {
    const { supervisor, bus, seen, gauge } = shared;
    const out = seen("echo.out");
    expect(supervisor.state).toBe("running");
    expect(gauge.running).toBe(true);
    await bus.publish("echo.in", { n: 1 });
    await bus.publish("echo.in", { n: 2 });
    await waitFor(() => out.length === 2);
    expect(out).toEqual([
      { seen: { n: 1 }, prefix: "p-", source: null },
      { seen: { n: 2 }, prefix: "p-", source: null },
    ]);
  });

  test("answers a request from the main thread, and its own request is answered by a main-thread subscriber", async () => {
    const { bus, seen } = shared;
    expect(await bus.request("svc.double", 21)).toBe(42);
    bus.subscribe("main.svc", (message) => `main says ${String(message.payload)}`);
    const answers = seen("ask.answer");
    await bus.publish("ask.main", "hi");
    await waitFor(() => answers.length === 1);
    expect(answers).toEqual(["main says hi"]);
  });

  test("a request's signal aborted in the thread rejects it with REQUEST_ABORTED, its reason as the cause", async () => {
    const { bus, seen } = shared;
    bus.subscribe("main.slow", () => new Promise(() => undefined));
    const aborted = seen("ask.aborted");
    await bus.publish("ask.abort", 1);
    await waitFor(() => aborted.length === 1);
    expect(aborted).toEqual([{ code: "REQUEST_ABORTED", cause: "changed my mind" }]);
  });

  test("a payload that cannot be copied is refused: at the thread's publish, and at a main-thread publish to it", async () => {
    const { bus, seen } = shared;
    const refused = seen("bad.refused");
    await bus.publish("bad.publish", 1);
    await waitFor(() => refused.length === 1);
    expect(refused[0]).toMatchObject({ code: "PAYLOAD_INVALID", message: expect.stringContaining('"bad.out"') });
    // refused at publish, naming the thread agent it could not reach: nothing is queued for anyone
    const outcome = await bus.publish("echo.in", { f: () => 1 }).then(() => "accepted", (error: unknown) => error);
    expect(outcome).toBeInstanceOf(BusError);
    expect((outcome as BusError).code).toBe("PAYLOAD_INVALID");
    expect((outcome as BusError).message).toMatch(/agent "echo" \(isolation: thread\) subscribes to "echo\.in".*"echo\.in".*cannot be copied/);
    expect(shared.crashes).toEqual([]);
  });

  test("the thread keeps a subscription's concurrency while many deliveries are in flight", async () => {
    const { bus, seen } = shared;
    const done = seen("slow.done");
    for (let i = 0; i < 6; i++) await bus.publish(`slow.${i}`, i);
    await waitFor(() => done.length === 6);
    expect(done).toEqual([0, 1, 2, 3, 4, 5]);
    // all six were in flight to the thread at once: the thread ran exactly two handlers at a time
    expect(await bus.request("slow-max.get", 0)).toBe(2);
  });

  test("a subscription's own onError runs in the thread: no crash", async () => {
    const { bus, seen, crashes } = shared;
    const handled = seen("handled.seen");
    await bus.publish("handled.error", 1);
    await waitFor(() => handled.length === 1);
    expect(handled).toEqual(["handled in the thread"]);
    expect(crashes).toEqual([]);
  });

  test("log entries reach the agent's logger; heartbeats count", async () => {
    const { supervisor, bus, logger } = shared;
    const before = supervisor.incarnation?.lastBeat ?? 0;
    await bus.publish("do.log", 1);
    await waitFor(() => logger.entries.find((entry) => entry.message === "hello from the thread"));
    const entry = logger.entries.find((e) => e.message === "hello from the thread");
    expect(entry).toMatchObject({ level: "info", fields: { n: 1, agent: "echo" } });
    // a later beat reads a later time
    await waitFor(() => Date.now() > before);
    await bus.publish("do.beat", 1);
    await waitFor(() => (supervisor.incarnation?.lastBeat ?? 0) > before);
  });

  test("an error logged in the thread keeps its class, code and topic on the main side", async () => {
    const { bus, logger } = shared;
    await bus.publish("do.logerr", 1);
    const entry = await waitFor(() => logger.entries.find((e) => e.message === "it failed"));
    expect(entry).toMatchObject({ level: "error", fields: { n: 2, agent: "echo" } });
    const err = (entry.fields as { err?: unknown }).err;
    expect(err).toBeInstanceOf(BusError);
    expect(err).toMatchObject({ code: "QUEUE_FULL", topic: "a.b", message: "the queue is full" });
  });

  test("onCron runs in the thread with the tick's fields; the tick's signal is forwarded", async () => {
    const { supervisor, seen } = shared;
    const ran = seen("cron.ran");
    const instance = supervisor.instance;
    if (instance === undefined) throw new Error("not running");
    const controller = new AbortController();
    const tick = { agent: "echo", trigger: "wait", scheduledAt: 1, firedAt: 2, key: "echo:wait:x", catchup: true, attempt: 2, signal: controller.signal };
    const run = instance.onCron(tick);
    const aborted = seen("cron.aborted");
    await waitFor(() => ran.length === 1);
    expect(ran).toEqual([{ key: "echo:wait:x", trigger: "wait", attempt: 2, catchup: true, aborted: false }]);
    controller.abort(new Error("past its timeout"));
    await run;
    await waitFor(() => aborted.length === 1);
    expect(aborted).toEqual(["past its timeout"]);
  });

});

describe("stopping a thread agent", () => {
  test("stop() aborts the agent's signal, runs its stop() in the thread, then terminates the thread", async () => {
    const { supervisor, seen, gauge } = started();
    await supervisor.startInTurn(true);
    const stopped = seen("echo.stopped");
    await supervisor.stop("stopped");
    expect(stopped).toEqual([true]);
    expect(gauge.running).toBe(false);
    expect(gauge.workers).toHaveLength(1);
    expect(gauge.alive).toBe(0);
  });

  test("a stop while start() is pending in the thread runs the agent's stop() there, then terminates the thread", async () => {
    const threads = osThreads();
    const { supervisor, seen, crashes } = started({ export: "SlowStart" });
    const starting = seen("slow-start.starting");
    const stopped = seen("slow-start.stopped");
    const start = supervisor.startInTurn(true);
    await waitFor(() => starting.length === 1, 8_000, "the agent's start() to begin in its thread");
    await supervisor.stop("stopped");
    await start;
    expect(stopped).toEqual([true]);
    expect(crashes).toEqual([]);
    if (threads !== undefined) await waitFor(() => (osThreads() as number) <= threads, 5_000, "the thread to be terminated");
  });

  test("a stop() that never settles is abandoned at the stop deadline and its thread is terminated", async () => {
    const threads = osThreads();
    const { supervisor, seen, logger } = started({ export: "NeverStops", stopTimeout: 200 });
    await supervisor.startInTurn(true);
    const stopping = seen("never-stops.stopping");
    await supervisor.stop("stopped");
    expect(stopping).toEqual([true]);
    expect(logger.entries.some((entry) => (entry.fields as { err?: { code?: string } }).err?.code === "AGENT_STOP_TIMEOUT")).toBe(true);
    if (threads !== undefined) await waitFor(() => (osThreads() as number) <= threads, 5_000, "the thread to be terminated");
  });
});

describe("crashes of a thread agent", () => {
  test("a hang during stop() fails the stop with AGENT_HUNG, its real cause, and the thread is terminated", async () => {
    const threads = osThreads();
    const { supervisor, gauge, logger } = started({ export: "SpinStop", pingTimeout: 200 });
    await supervisor.startInTurn(true);
    await waitFor(() => gauge.pongs > 0, 2_000, "a first answer to a ping");
    await supervisor.stop("stopped");
    const failure = logger.entries.find((entry) => entry.message?.includes("stop() failed"));
    expect(failure?.fields).toMatchObject({ err: { code: "AGENT_HUNG" } });
    expect(failure?.message).toMatch(/did not answer the orchestrator's pings/);
    if (threads !== undefined) await waitFor(() => (osThreads() as number) <= threads, 5_000, "the thread to be terminated");
  });

  test("fail() in the thread is a crash with the rebuilt error", async () => {
    const { supervisor, bus, crashes, gauge } = started();
    await supervisor.startInTurn(true);
    await bus.publish("do.fail", 1);
    await waitFor(() => crashes.length === 1);
    expect(crashes[0]).toMatchObject({ reason: "fail", error: { message: "asked to fail" } });
    await waitFor(() => gauge.alive === 0);
  });

  test("a handler that throws is a crash (reason error) with the error's class name and message", async () => {
    const { supervisor, bus, crashes } = started();
    await supervisor.startInTurn(true);
    await bus.publish("do.throw", 1);
    await waitFor(() => crashes.length === 1);
    expect(crashes[0]?.reason).toBe("error");
    expect(crashes[0]?.error).toMatchObject({ name: "TypeError", message: "handler threw" });
  });

  test("an uncaught exception in the thread is a crash with that exception", async () => {
    const { supervisor, bus, crashes, gauge } = started();
    await supervisor.startInTurn(true);
    await bus.publish("do.uncaught", 1);
    await waitFor(() => crashes.length === 1);
    expect(crashes[0]?.reason).toBe("error");
    expect((crashes[0]?.error as Error).message).toBe("uncaught in the thread");
    await waitFor(() => gauge.alive === 0);
  });

  test("an uncaught library error in the thread is a crash with that error rebuilt: its class and code kept", async () => {
    const { supervisor, bus, crashes } = started();
    await supervisor.startInTurn(true);
    await bus.publish("do.unhandled", 1);
    await waitFor(() => crashes.length === 1);
    expect(crashes[0]?.reason).toBe("error");
    expect(crashes[0]?.error).toBeInstanceOf(BusError);
    expect(crashes[0]?.error).toMatchObject({ code: "NO_RESPONDERS", topic: "nobody.answers" });
  });

  test("an exit of the thread is a crash with AGENT_THREAD_EXIT naming the code", async () => {
    const { supervisor, bus, crashes } = started();
    await supervisor.startInTurn(true);
    await bus.publish("do.exit", 1);
    await waitFor(() => crashes.length === 1);
    expect(crashes[0]?.error).toBeInstanceOf(AgentError);
    expect((crashes[0]?.error as AgentError).code).toBe("AGENT_THREAD_EXIT");
    expect((crashes[0]?.error as AgentError).message).toContain("code 3");
  });

  test("a handler that never returns is a hung crash; the thread is terminated", async () => {
    const { supervisor, bus, crashes, gauge } = started({ pingTimeout: 200 });
    await supervisor.startInTurn(true);
    await waitFor(() => gauge.heapUsed > 0, 2_000, "a pong reporting the thread's heap");
    await bus.publish("do.spin", 1);
    await waitFor(() => crashes.length === 1);
    expect(crashes[0]?.reason).toBe("hung");
    expect((crashes[0]?.error as AgentError).code).toBe("AGENT_HUNG");
    expect((crashes[0]?.error as AgentError).message).toMatch(/did not answer the orchestrator's pings .*heartbeatTimeout.*terminated/);
    await waitFor(() => gauge.alive === 0, 2_000, "the spinning thread to be terminated");
  });

  test("a stall of the main thread longer than the ping timeout is not blamed on an idle, healthy thread", async () => {
    const { supervisor, crashes, gauge } = started({ pingTimeout: 200 });
    await supervisor.startInTurn(true);
    await waitFor(() => gauge.pongs > 0, 2_000, "a first answer to a ping");
    const until = performance.now() + 300;
    while (performance.now() < until) {
      // the main thread is busy (a large JSON.parse, a synchronous agent): no ping is sent meanwhile
    }
    const after = gauge.pongs;
    // two more answers: the checks after the stall have run
    await waitFor(() => gauge.pongs >= after + 2 || crashes.length > 0, 4_000, "two more answers to pings");
    expect(crashes).toEqual([]);
    expect(supervisor.state).toBe("running");
  });

  test("a heap limit reached is an AGENT_HEAP_LIMIT crash of that agent; the process goes on", async () => {
    const { supervisor, bus, crashes, gauge } = started({ maxHeapMb: 32 });
    await supervisor.startInTurn(true);
    await bus.publish("do.grow", 1);
    await waitFor(() => crashes.length === 1, 15_000);
    expect((crashes[0]?.error as AgentError).code).toBe("AGENT_HEAP_LIMIT");
    expect((crashes[0]?.error as AgentError).message).toContain("resourceLimits.maxHeapMb: 32 MB");
    await waitFor(() => gauge.alive === 0);
    expect(supervisor.state).toBe("backoff");
  });

  test("a start() that throws in the thread is a start crash with that error; the thread is gone", async () => {
    const { supervisor, crashes, gauge } = started({ export: "BadStart" });
    await supervisor.startInTurn(true);
    await waitFor(() => crashes.length === 1);
    expect(crashes[0]).toMatchObject({ reason: "start", error: { name: "RangeError", message: "cannot start here" } });
    expect(gauge.workers).toHaveLength(0);
  });

  test("an export that is not an agent class fails the start with a ConfigError naming it", async () => {
    const { supervisor, crashes } = started({ export: "notAnAgent" });
    await supervisor.startInTurn(true);
    await waitFor(() => crashes.length === 1);
    expect(crashes[0]?.reason).toBe("start");
    expect(crashes[0]?.error).toMatchObject({ name: "ConfigError", code: "CONFIG_INVALID" });
    expect((crashes[0]?.error as Error).message).toContain('export "notAnAgent"');
  });
});
