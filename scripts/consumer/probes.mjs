// the probes, the drain delay, start/shutdown signals and asyncDispose work from the tarball on the system clock
import { Agent, LifecycleError, createOrchestrator } from "@acme/agent-orchestrator";

const status = async (orch, path) => (await orch.fetch(new Request(`http://localhost${path}`))).status;
const check = (what, actual, expected) => {
  if (actual !== expected) throw new Error(`${what}: expected ${expected}, got ${actual}`);
};

class Slow extends Agent {
  static agentName = "slow";
  start() {
    return new Promise((resolve) => this.clock.setTimeout(resolve, 100));
  }
}
class Worker extends Agent {
  static agentName = "worker";
}

// /startupz 503 while start() runs, 200 once it resolved; shutdown drains 300 ms with /readyz 503 while agents run
const orch = createOrchestrator({ agents: [Slow, Worker], config: { shutdown: { drainDelay: 300, timeout: "5s" } }, logger: false });
const starting = orch.start();
check("/startupz while starting", await status(orch, "/startupz"), 503);
await starting;
check("/startupz after start()", await status(orch, "/startupz"), 200);
check("/readyz when running", await status(orch, "/readyz"), 200);
const began = Date.now();
const shutdown = orch.shutdown();
await new Promise((resolve) => setTimeout(resolve, 50));
check("/readyz while draining", await status(orch, "/readyz"), 503);
check("/healthz while draining", await status(orch, "/healthz"), 503);
check("worker while draining", orch.agent("worker")?.state, "running");
await shutdown;
check("worker after the drain", orch.agent("worker")?.state, "stopped");
if (Date.now() - began < 280) throw new Error(`the drain of 300 ms took ${Date.now() - began} ms`);

// an aborted start() signal stops what started and rejects ABORTED
const aborted = createOrchestrator({ agents: [Worker, Slow], logger: false });
const controller = new AbortController();
const abortedStart = aborted.start({ signal: controller.signal }).then(
  () => new Error("start() resolved"),
  (error) => error,
);
setTimeout(() => controller.abort(new Error("cancelled")), 20);
const error = await abortedStart;
if (!(error instanceof LifecycleError) || error.code !== "ABORTED") throw new Error(`expected LifecycleError ABORTED, got ${error}`);
check("agent started before the abort", aborted.agent("worker")?.state, "stopped");

// a shutdown signal cuts a long drain short; the shutdown still resolves
const cut = createOrchestrator({ agents: [Worker], config: { shutdown: { drainDelay: "20s" } }, logger: false });
await cut.start();
const cutAt = Date.now();
const hurry = new AbortController();
setTimeout(() => hurry.abort(), 50);
await cut.shutdown({ signal: hurry.signal });
if (Date.now() - cutAt > 1_000) throw new Error("the aborted shutdown kept waiting for its drain");

// `await using` where this Node parses it, else the direct call
let disposed;
try {
  const block = new Function("make", "return (async () => { await using orch = make(); await orch.start(); return orch; })();");
  disposed = await block(() => createOrchestrator({ agents: [Worker], logger: false }));
} catch (syntax) {
  if (!(syntax instanceof SyntaxError)) throw syntax;
  disposed = createOrchestrator({ agents: [Worker], logger: false });
  await disposed.start();
  await disposed[Symbol.asyncDispose]();
}
check("phase after disposal", disposed.phase, "stopped");
console.log("probes ok");
