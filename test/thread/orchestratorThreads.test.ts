import { existsSync, readdirSync } from "node:fs";
import { afterEach, describe, expect, test } from "vitest";
import { Agent } from "../../src/agent/Agent.js";
import type { Message } from "../../src/bus/Bus.js";
import { AgentError } from "../../src/errors/AgentError.js";
import { BusError } from "../../src/errors/BusError.js";
import { createOrchestrator } from "../../src/orchestrator/createOrchestrator.js";
import type { Orchestrator } from "../../src/orchestrator/Orchestrator.js";
import type { OrchestratorEvents } from "../../src/supervisor/events.js";
import { ManualClock } from "../../src/testing/ManualClock.js";
import { waitFor } from "./threadHarness.js";

// Thread agents through createOrchestrator, in real worker threads on the system clock: the
// orchestrator pings the thread, terminates it when it hangs or runs out of heap, and the
// agents in process keep answering meanwhile (decision 34).

const DESK = new URL("./fixtures/desk.ts", import.meta.url);

/** An agent in process that answers risk checks at once. */
class Risk extends Agent {
  override start(): void {
    this.bus.subscribe("risk.check", (message: Message) => ({ ok: true, n: message.payload }));
  }
}

const open: Orchestrator[] = [];
afterEach(async () => {
  for (const orch of open.splice(0)) await orch.shutdown({ timeout: "5s" });
});

function desk(pricer: Record<string, unknown> = {}): { orch: Orchestrator; crashes: Array<OrchestratorEvents["agent:crash"]> } {
  const orch = createOrchestrator({
    agents: [{ name: "risk", agent: Risk }, { name: "pricer", module: DESK, export: "Pricer", isolation: "thread" }],
    config: { agents: { pricer: { heartbeatTimeout: "400ms", config: { spread: 0.5 }, ...pricer } }, supervisor: { backoff: { initial: "10ms", max: "10ms", jitter: 0 } } },
    logger: false,
    keepAlive: false,
  });
  open.push(orch);
  const crashes: Array<OrchestratorEvents["agent:crash"]> = [];
  orch.on("agent:crash", (event) => void crashes.push(event));
  return { orch, crashes };
}

/**
 * Sequential risk checks, on until `until()` holds, each counted in `checks.answered` as it is
 * answered. Each check waits for the next turn of the event loop first, as one arriving from a
 * socket would: an in-process request resolves in microtasks, and a loop of them alone would
 * keep timers and the threads' messages from ever running.
 */
/**
 * Sequential risk checks until `until()` holds and at least `atLeast` were answered, each after
 * a turn of the event loop (as a request arriving from a socket would: in-process requests
 * resolve in microtasks, and a loop of them alone would starve timers and the threads' messages).
 * Counts the answers in `checks` and returns each check's latency in ms.
 */
async function riskChecks(orch: Orchestrator, until: () => boolean, checks: { answered: number }, atLeast = 0): Promise<number[]> {
  const latencies: number[] = [];
  const deadline = Date.now() + 15_000;
  while (latencies.length < atLeast || !until()) {
    await new Promise((resolve) => setImmediate(resolve));
    const started = performance.now();
    expect(await orch.bus.request("risk.check", checks.answered)).toEqual({ ok: true, n: checks.answered });
    latencies.push(performance.now() - started);
    checks.answered++;
    if (Date.now() > deadline) throw new Error("the condition did not hold within 15 s");
  }
  return latencies;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** OS threads of this process (Linux): each worker thread is one. */
function osThreads(): number | undefined {
  return existsSync("/proc/self/task") ? readdirSync("/proc/self/task").length : undefined;
}

describe("thread agents in an orchestrator", () => {
  test("a thread agent registered by module runs beside agents in process: requests cross to it, its config arrives, its thread shows in metrics", async () => {
    const { orch } = desk();
    await orch.start();
    expect(orch.agent("pricer")?.state).toBe("running");
    expect(await orch.bus.request("pricer.quote", 100)).toBe(100.5);
    // the heap arrives with the first answer to a ping (every heartbeatTimeout / 4)
    let metrics = "";
    const deadline = Date.now() + 5_000;
    while (!/agent_thread_heap_used_bytes\{agent="pricer"\} [1-9]/.test(metrics)) {
      if (Date.now() > deadline) throw new Error(`no heap figure for the pricer's thread in:\n${metrics}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      metrics = await orch.metrics();
    }
    expect(metrics).toMatch(/agent_thread_event_loop_utilization\{agent="pricer"\} (0|0\.\d+|1|\d\.\d+e-\d+)\n/);
    expect(metrics).not.toMatch(/agent_thread_heap_used_bytes\{agent="risk"\}/);
  });

  test("a payload that cannot be copied to the thread is refused at publish, naming the thread agent; nothing is delivered", async () => {
    const { orch, crashes } = desk();
    await orch.start();
    const refused = await orch.bus.publish("pricer.sink", { price: 1, format: () => "1.00" }).then(() => undefined, (error: unknown) => error);
    expect(refused).toBeInstanceOf(BusError);
    expect(refused).toMatchObject({ code: "PAYLOAD_INVALID", message: expect.stringContaining('agent "pricer" (isolation: thread)') });
    expect(crashes).toEqual([]);
  });

  test("a thread agent stuck in while (true) {} is terminated as hung and restarted, while an agent in process keeps its request/reply latency", async () => {
    const { orch, crashes } = desk();
    await orch.start();
    const baseline = median(await riskChecks(orch, () => true, { answered: 0 }, 1_000));
    const checks = { answered: 0 };
    let back = false;
    let answeredAtCrash = -1;
    orch.on("agent:crash", () => void (answeredAtCrash = checks.answered));
    orch.on("agent:state", ({ agent, state }) => {
      if (agent === "pricer" && state === "running") back = true;
    });
    await orch.bus.publish("pricer.hang", 1);
    const during = await riskChecks(orch, () => back, checks);
    expect(crashes).toHaveLength(1);
    expect(crashes[0]).toMatchObject({ agent: "pricer", reason: "hung" });
    expect(crashes[0]?.error).toBeInstanceOf(AgentError);
    expect((crashes[0]?.error as AgentError).code).toBe("AGENT_HUNG");
    // the agent in process answered one check per turn all through the 400 ms the hang took to detect
    expect(answeredAtCrash).toBeGreaterThan(50);
    // and at its usual latency, through the hang, the kill and the new thread's start: p50 within 2× its baseline + 1 ms
    expect(median(during)).toBeLessThanOrEqual(2 * baseline + 1);
    expect(orch.agent("pricer")).toMatchObject({ state: "running", restarts: 1 });
    expect(await orch.bus.request("pricer.quote", 1)).toBe(1.5);
  });

  test("a thread agent allocating past its heap limit crashes alone (AGENT_HEAP_LIMIT); the process and the agent in process go on", async () => {
    // a heartbeatTimeout far above the time the leak takes, so that a thread slowed by collections near its limit is not judged hung first
    const { orch, crashes } = desk({ resourceLimits: { maxHeapMb: 32 }, heartbeatTimeout: "20s" });
    await orch.start();
    await orch.bus.publish("pricer.hog", 1);
    await waitFor(() => crashes.length > 0, 20_000, "the heap-limit crash");
    expect(crashes[0]).toMatchObject({ agent: "pricer", reason: "error" });
    expect((crashes[0]?.error as AgentError).code).toBe("AGENT_HEAP_LIMIT");
    expect((crashes[0]?.error as AgentError).message).toContain("resourceLimits.maxHeapMb: 32 MB");
    expect(await orch.bus.request("risk.check", 7)).toEqual({ ok: true, n: 7 });
    expect(orch.agent("risk")?.state).toBe("running");
    await waitFor(() => orch.agent("pricer")?.state === "running", 10_000, "the pricer restarted");
  });

  test("a ManualClock advance far past heartbeatTimeout does not crash a healthy thread agent: its pings run in real time", async () => {
    const clock = new ManualClock();
    const orch = createOrchestrator({
      agents: [{ name: "pricer", module: DESK, export: "Pricer", isolation: "thread" }],
      config: { agents: { pricer: { config: { spread: 0.5 } } } },
      logger: false,
      keepAlive: false,
      clock,
    });
    open.push(orch);
    const crashes: Array<OrchestratorEvents["agent:crash"]> = [];
    orch.on("agent:crash", (event) => void crashes.push(event));
    await orch.start();
    expect(await orch.bus.request("pricer.quote", 1)).toBe(1.5);
    // each advance passes 10 s of manual time (the default heartbeatTimeout) many times over
    for (let i = 0; i < 5; i++) await clock.advance(60_000);
    expect(crashes).toEqual([]);
    expect(orch.agent("pricer")).toMatchObject({ state: "running", restarts: 0 });
    expect(await orch.bus.request("pricer.quote", 2)).toBe(2.5);
  });

  test("restarts of a thread agent leave no thread behind", async () => {
    const { orch } = desk();
    await orch.start();
    const threads = osThreads();
    for (let i = 0; i < 5; i++) {
      orch.restart("pricer");
      await waitFor(() => orch.agent("pricer")?.restarts === i + 1 && orch.agent("pricer")?.state === "running", 10_000, `restart ${i + 1}`);
    }
    expect(await orch.bus.request("pricer.quote", 2)).toBe(2.5);
    if (threads !== undefined) await waitFor(() => osThreads() === threads, 5_000, `the thread count back at ${threads} (now ${osThreads()})`);
    await orch.shutdown();
    if (threads !== undefined) await waitFor(() => (osThreads() as number) < threads, 5_000, "the last thread gone after shutdown");
  });
});
