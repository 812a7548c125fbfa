/**
 * One crash storm in its own process (started by bench/agents.bench.ts):
 *
 *   node --expose-gc --import tsx bench/agents/crashStorm.ts <ours|bare> <agents>
 *
 * `ours`: `agents` agents, each with one subscription, in a group whose
 * back-off is 1 ms without jitter; every agent calls `this.fail()` in the same
 * tick and the supervisor restarts each after its back-off. `bare`: the same
 * count of plain objects, each "crashing" with a throw caught by a try/catch
 * that re-creates it (a fresh object and an eventemitter3 listener) after a
 * 1 ms setTimeout. The event-loop delay (monitorEventLoopDelay, 1 ms
 * resolution) is sampled from 20 ms before the storm until 100 ms after the
 * last agent runs again. Prints one JSON line.
 */
import { EventEmitter } from "eventemitter3";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { Agent, createOrchestrator, type AgentContext } from "@acme/agent-orchestrator";

/** The child's result line. */
export interface CrashStormResult {
  readonly mode: "ours" | "bare";
  readonly agents: number;
  /** Event-loop delay during the storm and the recovery, ms. */
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** The synchronous tick that crashed every agent, ms. */
  readonly crashTickMs: number;
  /** From the storm until every agent runs again, ms. */
  readonly recoveryMs: number;
}

/** Sampling interval of `monitorEventLoopDelay`, ms (its figures include it). */
export const RESOLUTION_MS = 1;
const LEAD_MS = 20;
const TAIL_MS = 100;

const [modeArg, countArg] = process.argv.slice(2);
const mode = modeArg as "ours" | "bare";
const count = Number(countArg ?? 1_000);
if ((mode !== "ours" && mode !== "bare") || !(count > 0)) throw new Error("usage: crashStorm.ts <ours|bare> <agents>");
const names = Array.from({ length: count }, (_, i) => `agent-${String(i).padStart(4, "0")}`);

/** Storm: `crashAll()` in one tick, then wait for `allRunning()`; sampled throughout. */
async function storm(crashAll: () => void, whenAllRunning: () => Promise<void>): Promise<Omit<CrashStormResult, "mode" | "agents">> {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  await sleep(LEAD_MS);
  const began = performance.now();
  crashAll();
  const crashTickMs = performance.now() - began;
  await whenAllRunning();
  const recoveryMs = performance.now() - began;
  await sleep(TAIL_MS);
  histogram.disable();
  const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
  return { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), crashTickMs, recoveryMs };
}

/** A promise and the function that settles it. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function ours(): Promise<Omit<CrashStormResult, "mode" | "agents">> {
  const current = new Map<string, Agent>();
  class Subscribed extends Agent {
    constructor(context: AgentContext) {
      super(context);
      current.set(this.name, this);
    }
    override start(): void {
      this.bus.subscribe(`work.${this.name}`, () => undefined);
    }
  }
  const orch = createOrchestrator({
    agents: names.map((name) => ({ name, agent: Subscribed })),
    logger: false, // keepAlive (the default) holds the process while the agents run, as in a host
    config: {
      supervisor: { backoff: { initial: 1, jitter: 0 } },
      groups: { data: { crashLoop: { maxCrashes: 1_000_000, within: "1s" }, escalateAfter: 1_000_000 } },
    },
  });
  await orch.start();
  await sleep(100);
  let running = count;
  let done = signal();
  orch.on("agent:state", ({ state, previous }) => {
    if (state === "running") running++;
    else if (previous === "running") running--;
    if (running === count) done.resolve();
  });
  done = signal();
  const figures = await storm(
    () => {
      for (const agent of current.values()) agent.fail(new Error("storm"));
    },
    () => done.promise,
  );
  await orch.shutdown();
  return figures;
}

async function bare(): Promise<Omit<CrashStormResult, "mode" | "agents">> {
  const emitter = new EventEmitter();
  let running = 0;
  let done = signal();
  const launch = (name: string): { name: string; onWork: () => void } => {
    const agent = { name, onWork: (): void => undefined };
    emitter.on(`work.${name}`, agent.onWork);
    running++;
    if (running === count) done.resolve();
    return agent;
  };
  const agents = names.map(launch);
  await sleep(100);
  done = signal();
  return storm(
    () => {
      for (const [i, agent] of agents.entries()) {
        try {
          throw new Error("storm");
        } catch {
          emitter.off(`work.${agent.name}`, agent.onWork);
          running--;
          setTimeout(() => (agents[i] = launch(agent.name)), 1);
        }
      }
    },
    () => done.promise,
  );
}

const figures = mode === "ours" ? await ours() : await bare();
const result: CrashStormResult = { mode, agents: count, ...figures };
console.log(JSON.stringify(result));
