import type { Worker } from "node:worker_threads";
import { createBus } from "../../src/bus/createBus.js";
import { systemClock } from "../../src/clock.js";
import type { ResolvedGroup } from "../../src/config/ResolvedConfig.js";
import { AgentSupervisor } from "../../src/supervisor/AgentSupervisor.js";
import type { OrchestratorEvents } from "../../src/supervisor/events.js";
import type { SupervisorHost } from "../../src/supervisor/SupervisorHost.js";
import { ThreadGauge } from "../../src/thread/ThreadGauge.js";
import { memoryLogger } from "../helpers/orchestrator.js";
import { Echo } from "./fixtures/agents.js";

/** The module the thread agents of these tests come from. */
export const FIXTURES = new URL("./fixtures/agents.ts", import.meta.url).href;

/** A gauge that remembers every worker attached to it, to check none is left running. */
export class RecordingGauge extends ThreadGauge {
  readonly workers: Worker[] = [];
  /** Heap figures reported so far: one per answered ping. */
  pongs = 0;
  override heap(worker: Worker, bytes: number): void {
    this.pongs++;
    super.heap(worker, bytes);
  }
  override attach(worker: Worker): void {
    this.workers.push(worker);
    super.attach(worker);
  }
  /** Workers whose thread still runs (a terminated worker's `threadId` is -1). */
  get alive(): number {
    return this.workers.filter((worker) => worker.threadId !== -1).length;
  }
}

/** One thread agent under a supervisor of its own, on the real clock and an in-process bus. */
export function threadAgent(options: { export?: string; config?: unknown; maxHeapMb?: number; pingTimeout?: number; heartbeatTimeout?: number; module?: string; stopTimeout?: number } = {}) {
  const bus = createBus();
  const logger = memoryLogger();
  const crashes: Array<OrchestratorEvents["agent:crash"]> = [];
  const host: SupervisorHost = {
    clock: systemClock,
    bus,
    random: () => 0,
    logger,
    settings: { backoff: { initial: 60_000, max: 60_000, factor: 2, jitter: 0 }, resetAfter: 60_000, startTimeout: 15_000, stopTimeout: options.stopTimeout ?? 5_000 },
    stopping: () => false,
    listens: (event) => event === "agent:crash",
    emit: (event, payload) => {
      if (event === "agent:crash") crashes.push(payload as OrchestratorEvents["agent:crash"]);
    },
    escalate: () => undefined,
    failStop: () => undefined,
    attachTriggers: () => undefined,
    setBackoff: (elapsed, delay) => systemClock.setTimeout(elapsed, delay),
    clearBackoff: (handle) => systemClock.clearTimeout(handle),
    paced: (restart) => restart(),
  };
  const group: ResolvedGroup = { name: "data", path: ["data"], strategy: "one_for_one", restart: { kind: "always" }, crashLoop: { maxCrashes: 1_000, within: 300_000 }, escalateAfter: 1_000, critical: false };
  const gauge = new RecordingGauge();
  const thread = { module: options.module ?? FIXTURES, export: options.export ?? "Echo", maxHeapMb: options.maxHeapMb, pingTimeout: options.pingTimeout ?? 10_000, gauge, config: options.config };
  const supervisor = new AgentSupervisor({ name: "echo", agentClass: Echo, group, config: options.config, heartbeatTimeout: options.heartbeatTimeout, thread }, host);
  /** Messages published on `pattern`, as they arrive. */
  const seen = (pattern: string): unknown[] => {
    const payloads: unknown[] = [];
    bus.subscribe(pattern, (message) => void payloads.push(message.payload));
    return payloads;
  };
  return { supervisor, bus, logger, crashes, gauge, seen };
}

/** Poll `check` until it gives something truthy, failing after `timeout` ms. */
export async function waitFor<T>(check: () => T | undefined | null | false, timeout = 8_000, what = "the condition"): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
