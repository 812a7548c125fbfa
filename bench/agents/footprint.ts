/**
 * One footprint measurement in its own process (started by bench/agents.bench.ts):
 *
 *   node --expose-gc --import tsx bench/agents/footprint.ts <variant> <agents>
 *
 * Variants: `bare` (a plain object + an eventemitter3 listener + a setTimeout
 * per agent), `agent` (an idle agent), `subscription` (one `this.bus.subscribe`
 * in `start()`), `trigger` (that and one hourly trigger). Measures `heapUsed`
 * after `gc()` before and after `await orch.start()`, divided by the count, and
 * the time of `await orch.start()` and `await orch.shutdown()`. Prints one JSON line.
 */
import { EventEmitter } from "eventemitter3";
import { performance } from "node:perf_hooks";
import { Agent, createOrchestrator, type CronTick } from "@acme/agent-orchestrator";

/** The variants measured. */
export const VARIANTS = ["bare", "agent", "subscription", "trigger"] as const;
/** One variant. */
export type Variant = (typeof VARIANTS)[number];

/** The child's result line. */
export interface FootprintResult {
  readonly variant: Variant;
  readonly agents: number;
  /** Heap per agent, bytes. */
  readonly heapPerAgent: number;
  /** `await orch.start()` (bare: creating the objects, listeners and timers), ms. */
  readonly startMs: number;
  /** `await orch.shutdown()` (bare: removing the listeners, clearing the timers), ms. */
  readonly shutdownMs: number;
}

const [variantArg, countArg] = process.argv.slice(2);
const variant = variantArg as Variant;
const count = Number(countArg ?? 10_000);
if (!VARIANTS.includes(variant) || !(count > 0)) throw new Error(`usage: footprint.ts <${VARIANTS.join("|")}> <agents>`);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --expose-gc");

function settledHeap(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

class Idle extends Agent {}
class Subscribed extends Agent {
  override start(): void {
    this.bus.subscribe(`work.${this.name}`, () => undefined);
  }
}
class Triggered extends Subscribed {
  override onCron(_tick: CronTick): void {}
}

async function bare(names: readonly string[]): Promise<Omit<FootprintResult, "variant" | "agents">> {
  const emitter = new EventEmitter();
  const before = settledHeap();
  const began = performance.now();
  const agents = names.map((name) => {
    const agent = { name, state: "running", timer: undefined as ReturnType<typeof setTimeout> | undefined, onWork: (_payload: unknown): void => undefined };
    emitter.on(`work.${name}`, agent.onWork);
    agent.timer = setTimeout(() => undefined, 3_600_000);
    agent.timer.unref();
    return agent;
  });
  const startMs = performance.now() - began;
  const heapPerAgent = (settledHeap() - before) / names.length;
  const stopped = performance.now();
  for (const agent of agents) {
    emitter.off(`work.${agent.name}`, agent.onWork);
    clearTimeout(agent.timer);
    agent.state = "stopped";
  }
  return { heapPerAgent, startMs, shutdownMs: performance.now() - stopped };
}

async function ours(names: readonly string[]): Promise<Omit<FootprintResult, "variant" | "agents">> {
  const agentClass = variant === "agent" ? Idle : variant === "subscription" ? Subscribed : Triggered;
  const before = settledHeap();
  const orch = createOrchestrator({
    agents: names.map((name) => ({ name, agent: agentClass })),
    logger: false,
    keepAlive: false,
    ...(variant === "trigger" ? { config: { schedule: Object.fromEntries(names.map((name) => [name, "0 * * * *"])) } } : {}),
  });
  const began = performance.now();
  await orch.start();
  const startMs = performance.now() - began;
  const heapPerAgent = (settledHeap() - before) / names.length;
  const stopped = performance.now();
  await orch.shutdown();
  return { heapPerAgent, startMs, shutdownMs: performance.now() - stopped };
}

const names = Array.from({ length: count }, (_, i) => `agent-${String(i).padStart(5, "0")}`);
const figures = variant === "bare" ? await bare(names) : await ours(names);
const result: FootprintResult = { variant, agents: count, ...figures };
console.log(JSON.stringify(result));
