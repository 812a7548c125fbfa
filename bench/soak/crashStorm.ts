import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { Agent, createOrchestrator, type AgentContext } from "@acme/agent-orchestrator";

/** Sampling interval of `monitorEventLoopDelay`, ms: its figures include it. */
export const RESOLUTION_MS = 1;

/** Event-loop delay in ms (from `monitorEventLoopDelay`, sampling every {@link RESOLUTION_MS} ms). */
export interface DelayFigures {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface CrashStormResult {
  readonly agents: number;
  /** With every agent running, heartbeating and publishing, before any storm. */
  readonly idle: DelayFigures;
  /** Each storm: every agent crashes at once and is restarted after its back-off (sampled until 500 ms after the last restart). */
  readonly storms: DelayFigures[];
  /** Longest time from a storm to every agent running again, ms. */
  readonly recoveryMs: number;
  /** Longest synchronous tick that crashed every agent (the crash handling of all of them), ms. */
  readonly crashTickMs: number;
}

function figures(histogram: ReturnType<typeof monitorEventLoopDelay>): DelayFigures {
  const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
  return { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) };
}

/**
 * `agents` agents on the real clock, each beating its heartbeat and
 * publishing to a neighbour every 500 ms. Then `storms` times: every agent
 * crashes in the same tick, and the supervisor restarts all of them after
 * their back-off (1 s with 20 % jitter: the restarts bunch within 200 ms). The
 * event-loop delay is sampled while idle and during the storms.
 */
export async function crashStorm(agents: number, storms: number): Promise<CrashStormResult> {
  const current = new Map<string, Agent>();
  const names = Array.from({ length: agents }, (_, i) => `agent-${String(i).padStart(4, "0")}`);

  class Busy extends Agent {
    constructor(context: AgentContext) {
      super(context);
      current.set(this.name, this);
    }
    override start(): void {
      const neighbour = names[(names.indexOf(this.name) + 1) % names.length] as string;
      this.bus.subscribe(`chat.${this.name}`, () => undefined);
      const beat = (): void => {
        this.heartbeat();
        this.bus.publish(`chat.${neighbour}`, { from: this.name }).catch(() => undefined);
        this.clock.setTimeout(beat, 500);
      };
      this.clock.setTimeout(beat, Math.floor(Math.random() * 500));
    }
  }

  const orch = createOrchestrator({
    agents: names.map((name) => ({ name, agent: Busy })),
    logger: false,
    keepAlive: false,
    config: {
      agents: Object.fromEntries(names.map((name) => [name, { heartbeatTimeout: "10s" }])),
      supervisor: { resetAfter: "2s" },
      groups: { data: { crashLoop: { maxCrashes: 1_000, within: "5m" }, escalateAfter: 1_000 } },
    },
  });
  await orch.start();
  const running = (): number => orch.agents().filter((status) => status.state === "running").length;

  const idle = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  idle.enable();
  await sleep(2_000);
  idle.disable();

  // a histogram per storm: one re-enabled after a pause would count the pause as delay
  const perStorm: DelayFigures[] = [];
  let recoveryMs = 0;
  let crashTickMs = 0;
  for (let i = 0; i < storms; i++) {
    const sample = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    sample.enable();
    await sleep(50); // let the sampler run first, so that it sees the crash tick itself
    const began = performance.now();
    for (const agent of current.values()) agent.fail(new Error("storm"));
    crashTickMs = Math.max(crashTickMs, performance.now() - began);
    while (running() < agents) await sleep(10);
    recoveryMs = Math.max(recoveryMs, performance.now() - began);
    await sleep(500);
    sample.disable();
    perStorm.push(figures(sample));
    await sleep(2_500); // a stable run: the back-off resets before the next storm
  }
  await orch.shutdown();
  return { agents, storms: perStorm, idle: figures(idle), recoveryMs: Math.round(recoveryMs), crashTickMs: Math.round(crashTickMs * 10) / 10 };
}
