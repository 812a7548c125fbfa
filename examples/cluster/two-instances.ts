/**
 * Two orchestrators sharing one schedule through NATS: every slot of the
 * `report` agent's `every: 1s` trigger is handled by exactly one of them.
 *
 *   NATS_URL=nats://127.0.0.1:4222 npx tsx examples/cluster/two-instances.ts
 *   npx tsx examples/cluster/two-instances.ts   # starts a nats-server -js of its own if one is on the PATH
 *
 * In production each instance is its own process on its own host; here both
 * live in one process but each has its own NATS connection, so the server
 * sees two independent clients, exactly as it would across hosts. The server
 * needs JetStream (`nats-server -js`) for the coordinator's key-value bucket.
 * EXAMPLE_DURATION_MS sets how long it runs (default 5000).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, createOrchestrator } from "../../src/index.js";
import type { AgentClass, CronTick, Orchestrator } from "../../src/index.js";
import { createNatsBus, createNatsCoordinator } from "../../src/nats/index.js";
import type { NatsBus } from "../../src/nats/index.js";

const DURATION_MS = Number(process.env["EXAMPLE_DURATION_MS"] ?? 5_000);

/** Which instance handled each slot (both instances live in this process, so one map sees them all). */
const handledBy = new Map<string, string[]>();

/** The scheduled agent of one instance (a class per instance, so it knows which one it runs in). */
function reportAgent(instance: string): AgentClass {
  return class Report extends Agent {
    static readonly agentName = "report";

    override onCron(tick: CronTick): void {
      const slot = new Date(tick.scheduledAt).toISOString().slice(11, 19);
      console.log(`${slot}  ${tick.agent} handled by instance ${instance} (${tick.firedAt - tick.scheduledAt} ms after the slot)`);
      handledBy.set(tick.key, [...(handledBy.get(tick.key) ?? []), instance]);
    }
  };
}

const local = process.env["NATS_URL"] === undefined ? await startLocalServer() : undefined;
const server = process.env["NATS_URL"] ?? local?.url ?? "";

/**
 * One instance: its own bus (its own connection) and a coordinator on the same
 * connection. Every instance must use the same subject prefix and the same
 * bucket; they differ only in name.
 */
async function startInstance(instance: string): Promise<{ orch: Orchestrator; bus: NatsBus }> {
  const bus = await createNatsBus({ servers: server, name: `example-${instance}` }, { prefix: "example.cluster" });
  // the coordinator claims each slot with a JetStream KV create: one instance wins it
  const coordinator = await createNatsCoordinator({ connection: bus.natsConnection }, { bucket: "agent_orchestrator_example", ttl: "1m", storage: "memory", instance });
  const orch = createOrchestrator({
    agents: [reportAgent(instance)],
    config: {
      // the same schedule on every instance: `every` slots are multiples of 1 s since the epoch, so they agree
      schedule: { report: { every: "1s" } },
    },
    bus,
    coordinator,
    logger: false,
  });
  await orch.start();
  return { orch, bus };
}

const instances = [await startInstance("A"), await startInstance("B")];
console.log(`two instances running against ${server}; stopping in ${DURATION_MS} ms`);

await new Promise((resolve) => setTimeout(resolve, DURATION_MS));
for (const { orch, bus } of instances) {
  await orch.shutdown();
  // the orchestrator does not close a bus it was given
  await bus.close();
}

const twice = [...handledBy.values()].filter((handlers) => handlers.length > 1).length;
const count = (instance: string): number => [...handledBy.values()].filter((handlers) => handlers.includes(instance)).length;
console.log(`slots: ${handledBy.size}, by A: ${count("A")}, by B: ${count("B")}, handled twice: ${twice}`);
await local?.stop();

// ---- a throw-away nats-server when NATS_URL is not set -------------------------------------------

async function startLocalServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await new Promise<number>((resolve, reject) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no free port"))));
    });
  });
  const store = mkdtempSync(join(tmpdir(), "nats-example-"));
  const child = spawn("nats-server", ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", store], { stdio: "ignore" });
  const failed = new Promise<never>((_, reject) => {
    child.once("error", () => reject(new Error("NATS_URL is not set and nats-server is not on the PATH: install it (apt-get install nats-server) or point NATS_URL at a server started with -js")));
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    child.kill("SIGTERM");
    await exited;
    rmSync(store, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (Date.now() > deadline) throw new Error("the local nats-server did not start within 10 s");
    await Promise.race([failed, new Promise((resolve) => setTimeout(resolve, 50))]);
  }
  return { url: `nats://127.0.0.1:${port}`, stop };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
