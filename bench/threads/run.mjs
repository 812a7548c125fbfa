/**
 * One run of the threads benchmark in its own process (started by bench/threads.bench.ts):
 *
 *   node --expose-gc bench/threads/run.mjs traffic
 *   node --expose-gc bench/threads/run.mjs restart <cycles>
 *   node --expose-gc bench/threads/run.mjs leak <cycles>
 *
 * Plain JavaScript run by plain `node`, unlike the other benchmarks' children:
 * a worker thread inherits its parent's `execArgv`, so a parent started with
 * `--import tsx` would load the TypeScript loader into every thread (the
 * agent's and the bare ones alike) and add its cost to each thread's start.
 * Without it the threads start as they do in a host running the built package.
 *
 * Every scenario drives one agent registered by module with `isolation:
 * "thread"` (`bench/threads/agent.mjs`, class `Sink`) through the built
 * package, beside bare `worker_threads` in the same process (`bench/threads/bareWorker.mjs`):
 *
 * - `traffic`: delivery main → thread (messages/s; `orch.bus.publish` of
 *   DELIVERY messages, then `await orch.bus.flush()`, which settles once the
 *   thread's handler has run for each) against a bare worker counting the
 *   same number of `postMessage` calls, best of ROUNDS interleaved rounds;
 *   then a diagnostic round counting the `message` events the thread sees
 *   (posts) and the frames they carry; then sequential request/reply
 *   (`orch.bus.request`) against a bare worker ping-pong, REQUESTS each
 *   after a warm-up, p50 and p99 latency: ours while the agent's thread is the
 *   only other thread, bare after the orchestrator has stopped (each with one
 *   thread beside the main one, so that neither depends on which pair of
 *   three threads shares a core).
 * - `restart`: the agent calls `this.fail()` on a message; the time from the
 *   `agent:crash` event to the next `agent:state` → running (back-off 1 ms,
 *   no jitter), against a bare `new Worker` importing the package and the
 *   agent module until it posts "ready", interleaved, medians of `cycles`.
 * - `leak`: `cycles` crash→running cycles of the agent, then, with the agent
 *   running, the OS threads of the process (`/proc/self/task`) beside those
 *   before the orchestrator started, the active handles, the `process`
 *   listeners and `heapUsed` after `gc()` beside the same after a warm-up.
 *
 * Prints one JSON line (times in ms, latencies in µs, rates in messages/s).
 */
import { readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { clearInterval, setInterval } from "node:timers";
import { setTimeout as sleep } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import { createOrchestrator } from "@acme/agent-orchestrator";

/** Messages per delivery round. */
const DELIVERY = 50_000;
/** Delivery rounds per design (the best is kept). */
const ROUNDS = 3;
/** Requests measured per design (after WARM_REQUESTS). */
const REQUESTS = 5_000;
const WARM_REQUESTS = 2_000;
/** Crash cycles before the measured ones. */
const WARM_CYCLES = 3;

const PAYLOAD = { symbol: "AAPL", px: 187.25 };
const AGENT = "sink";
const agentModule = new URL("./agent.mjs", import.meta.url);
const bareModule = new URL("./bareWorker.mjs", import.meta.url);

function orchestrator() {
  return createOrchestrator({
    agents: [{ name: AGENT, module: agentModule, export: "Sink", isolation: "thread" }],
    logger: false,
    keepAlive: false,
    config: {
      supervisor: { backoff: { initial: 1, max: 1, jitter: 0 } },
      groups: { data: { crashLoop: { maxCrashes: 1_000_000, within: "1s" }, escalateAfter: 1_000_000 } },
    },
  });
}

function sorted(values) {
  return [...values].sort((a, b) => a - b);
}

function at(values, p) {
  const s = sorted(values);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
}

function gc() {
  const collect = globalThis.gc;
  if (collect === undefined) throw new Error("run with --expose-gc");
  collect();
  collect();
}

function bareWorker(role, total = 0) {
  return new Worker(bareModule, { workerData: { role, total } });
}

/** A bare worker counting DELIVERY messages: one round, messages/s. */
async function bareDelivery(worker) {
  const done = new Promise((resolve) => worker.once("message", resolve));
  const start = performance.now();
  for (let i = 0; i < DELIVERY; i++) worker.postMessage(PAYLOAD);
  const count = await done;
  const elapsed = performance.now() - start;
  if (count !== DELIVERY) throw new Error(`bare worker counted ${String(count)}`);
  return DELIVERY / (elapsed / 1_000);
}

/** The agent handles DELIVERY messages: one round, messages/s. */
async function ourDelivery(orch) {
  const before = (await orch.bus.request("bench.diag", null)).ticks;
  const start = performance.now();
  for (let i = 0; i < DELIVERY; i++) void orch.bus.publish("bench.tick", PAYLOAD);
  await orch.bus.flush();
  const elapsed = performance.now() - start;
  const after = (await orch.bus.request("bench.diag", null)).ticks;
  if (after - before !== DELIVERY) throw new Error(`the agent counted ${after - before} of ${DELIVERY}`);
  return DELIVERY / (elapsed / 1_000);
}

async function traffic() {
  const orch = orchestrator();
  await orch.start();
  const counter = bareWorker("count", DELIVERY);
  await new Promise((resolve) => counter.once("online", resolve));
  // warm-up of both, then interleaved rounds
  await ourDelivery(orch);
  await bareDelivery(counter);
  let deliveryOurs = 0;
  let deliveryBare = 0;
  for (let round = 0; round < ROUNDS; round++) {
    deliveryBare = Math.max(deliveryBare, await bareDelivery(counter));
    deliveryOurs = Math.max(deliveryOurs, await ourDelivery(orch));
  }
  await counter.terminate();

  // diagnostic round: how many posts the thread sees for DELIVERY messages
  await orch.bus.request("bench.diag", true);
  await ourDelivery(orch);
  const diag = await orch.bus.request("bench.diag", false);

  // Request/reply: ours while the agent's thread is the only other thread, then bare once the
  // orchestrator has stopped and the echo worker is the only one. With three threads on two
  // cores, which pair shares a core decides a round trip (a few µs against 35-40 µs to wake a
  // thread on an idle core), so both are measured with the same number of threads.
  const ours = [];
  const bare = [];
  const block = async (request, count, into) => {
    for (let i = 0; i < count; i++) {
      const start = performance.now();
      if ((await request(i)) !== i) throw new Error(`request ${i}: wrong reply`);
      into?.push((performance.now() - start) * 1_000);
    }
  };
  const ourRequest = (n) => orch.bus.request("bench.echo", n);
  await block(ourRequest, WARM_REQUESTS, undefined);
  await block(ourRequest, REQUESTS, ours);
  await orch.shutdown();

  const echo = bareWorker("echo");
  let answer;
  echo.on("message", (value) => answer?.(value));
  const bareRequest = (n) =>
    new Promise((resolve) => {
      answer = resolve;
      echo.postMessage(n);
    });
  await block(bareRequest, WARM_REQUESTS, undefined);
  await block(bareRequest, REQUESTS, bare);
  await echo.terminate();
  return {
    delivery: DELIVERY,
    requests: REQUESTS,
    deliveryOurs,
    deliveryBare,
    posts: diag.events,
    frames: diag.frames,
    requestOursP50: at(ours, 0.5),
    requestOursP99: at(ours, 0.99),
    requestBareP50: at(bare, 0.5),
    requestBareP99: at(bare, 0.99),
  };
}

/** Crash the agent and resolve with (crash → running, crash → restart event) in ms. */
function crashCycle(orch) {
  return new Promise((resolve) => {
    let crashedAt = Number.NaN;
    let restartAt = Number.NaN;
    const offCrash = orch.on("agent:crash", ({ agent }) => {
      if (agent === AGENT) crashedAt = performance.now();
    });
    const offRestart = orch.on("agent:restart", ({ agent }) => {
      if (agent === AGENT) restartAt = performance.now();
    });
    const offState = orch.on("agent:state", ({ agent, state }) => {
      if (agent !== AGENT || state !== "running" || Number.isNaN(crashedAt)) return;
      const now = performance.now();
      offCrash();
      offRestart();
      offState();
      resolve({ total: now - crashedAt, toRestart: restartAt - crashedAt });
    });
    void orch.bus.publish("bench.crash", null);
  });
}

/** A bare worker importing the package and the agent module: `new Worker` → "ready" and → `online`, ms. */
async function bareStart() {
  const start = performance.now();
  const worker = bareWorker("ready");
  let online = Number.NaN;
  worker.once("online", () => (online = performance.now() - start));
  await new Promise((resolve) => worker.once("message", resolve));
  const ready = performance.now() - start;
  await worker.terminate();
  return { ready, online };
}

function median(values) {
  return at(values, 0.5);
}

async function restart(cycles) {
  const orch = orchestrator();
  await orch.start();
  for (let i = 0; i < WARM_CYCLES; i++) {
    await crashCycle(orch);
    await bareStart();
  }
  const ours = [];
  const toRestart = [];
  const bare = [];
  const online = [];
  for (let i = 0; i < cycles; i++) {
    await sleep(20); // the previous thread's exit settles before the next crash
    const cycle = await crashCycle(orch);
    ours.push(cycle.total);
    toRestart.push(cycle.toRestart);
    await sleep(20);
    const started = await bareStart();
    bare.push(started.ready);
    online.push(started.online);
  }
  await orch.shutdown();
  return { ours: median(ours), crashToRestartEvent: median(toRestart), bare: median(bare), bareOnline: median(online) };
}

function tasks() {
  return readdirSync("/proc/self/task").length;
}

function processListeners() {
  return process.eventNames().reduce((sum, name) => sum + process.listenerCount(name), 0);
}

function activeHandles() {
  return process._getActiveHandles().length;
}

async function leak(cycles) {
  await readFile(new URL(import.meta.url)); // the libuv pool's threads exist before the first count
  await sleep(50);
  const threadsBefore = tasks();
  const orch = orchestrator();
  await orch.start();
  for (let i = 0; i < WARM_CYCLES; i++) await crashCycle(orch);
  await sleep(200);
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = process.memoryUsage().rss;
  const handlesBefore = activeHandles();
  const resourcesBefore = process.getActiveResourcesInfo().length;
  const listenersBefore = processListeners();
  const times = [];
  for (let i = 0; i < cycles; i++) times.push((await crashCycle(orch)).total);
  // the last terminated threads finish exiting, as they did before the first count
  await sleep(200);
  gc();
  await sleep(50);
  gc();
  const result = {
    cycles,
    threadsAlive: tasks() - threadsBefore,
    handlesDelta: activeHandles() - handlesBefore,
    resourcesDelta: process.getActiveResourcesInfo().length - resourcesBefore,
    processListenersDelta: processListeners() - listenersBefore,
    heapGrowth: process.memoryUsage().heapUsed - heapBefore,
    rssGrowth: process.memoryUsage().rss - rssBefore,
    restartMedian: median(times),
    restartP99: at(times, 0.99),
    resources: process.getActiveResourcesInfo(),
  };
  if (orch.agent(AGENT)?.state !== "running") throw new Error(`the agent is ${orch.agent(AGENT)?.state} after the loop`);
  await orch.shutdown();
  return result;
}

// keepAlive is off (no port, no signal handlers): this timer holds the process while the back-off
// timers (unref'd) are the only thing pending between a crash and the restart
const hold = setInterval(() => undefined, 60_000);
const [mode, countArg] = process.argv.slice(2);
const count = Number(countArg ?? 20);
let result;
if (mode === "traffic") result = await traffic();
else if (mode === "restart") result = await restart(count);
else if (mode === "leak") result = await leak(count);
else throw new Error("usage: run.ts <traffic | restart <cycles> | leak <cycles>>");
clearInterval(hold);
console.log(JSON.stringify(result));
