import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { Agent, createOrchestrator, type AgentContext } from "@acme/agent-orchestrator";

/** What the restart loop measured. */
export interface RestartLoopResult {
  readonly agents: number;
  /** Restarts in the measured part (after the warm-up). */
  readonly restarts: number;
  readonly seconds: number;
  /** `heapUsed` after forced GCs: after the warm-up, after the measured restarts, after as many again (bytes). */
  readonly heapBefore: number;
  readonly heapAfter: number;
  readonly heapAfterSecond: number;
}

/** heapUsed after two forced full collections. */
export function settledHeap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run with node --expose-gc (npm run soak does)");
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/**
 * `agents` agents on the real clock, each subscribing (one handler call that
 * never settles included), arming a long timer and publishing in `start()`.
 * In each round every agent crashes (`fail()`) and the supervisor restarts it
 * after a 1 ms back-off: a fresh instance, bus view and scoped clock. Two
 * warm-up rounds, then `restarts` restarts measured, then as many again: a
 * leak keeps growing from one part to the next, noise does not.
 *
 * (The real clock, not a ManualClock: a ManualClock keeps cleared timers, and
 * what their callbacks hold, until their due time, which would show here as growth.)
 */
export async function restartLoop(agents: number, restarts: number): Promise<RestartLoopResult> {
  const current = new Map<string, Agent>();

  class Restarting extends Agent {
    constructor(context: AgentContext) {
      super(context);
      current.set(this.name, this);
    }
    override start(): void {
      this.bus.subscribe(`work.${this.name}`, () => undefined);
      this.bus.subscribe("broadcast.*", () => new Promise<void>(() => undefined)); // released when the incarnation ends
      this.clock.setTimeout(() => undefined, 3_600_000);
      this.bus.publish(`work.${this.name}`, { hello: this.name }).catch(() => undefined);
    }
  }

  const names = Array.from({ length: agents }, (_, i) => `agent-${String(i).padStart(4, "0")}`);
  const orch = createOrchestrator({
    agents: names.map((name) => ({ name, agent: Restarting })),
    logger: false,
    keepAlive: false,
    config: {
      supervisor: { backoff: { initial: 1, max: 1, jitter: 0 }, resetAfter: "1h" },
      groups: { data: { crashLoop: { maxCrashes: 1_000_000_000, within: "1s" }, escalateAfter: 1_000_000_000 } },
    },
  });
  let restarted = 0;
  orch.on("agent:restart", () => void restarted++);
  await orch.start();
  const allRunning = (): boolean => orch.agents().every((status) => status.state === "running");

  const round = async (): Promise<void> => {
    await orch.bus.publish("broadcast.tick", 1);
    await sleep(0);
    for (const agent of current.values()) agent.fail(new Error("soak crash"));
    while (!allRunning()) await sleep(2);
  };
  const rounds = Math.ceil(restarts / agents);
  for (let i = 0; i < 2; i++) await round();
  const heapBefore = settledHeap();
  const started = performance.now();
  const restartsBefore = restarted;
  for (let i = 0; i < rounds; i++) await round();
  const measured = restarted - restartsBefore;
  const seconds = (performance.now() - started) / 1_000;
  const heapAfter = settledHeap();
  for (let i = 0; i < rounds; i++) await round();
  const heapAfterSecond = settledHeap();
  await orch.shutdown();
  return { agents, restarts: measured, seconds, heapBefore, heapAfter, heapAfterSecond };
}
