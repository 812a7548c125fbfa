// One replica of the trading desk cluster. `npm run demo -- --replicas 3`
// (cluster.ts) starts several of these; each runs the desk of replicas.yaml
// over NATS: a shared bus (subjects under the run's prefix) and a coordinator
// named after the replica that claims trigger slots and holds the leases of
// the singleton agents, in buckets of the run's own.
//
// It prints one JSON object per line on stdout for the parent to narrate:
// `ready` (its health, metrics and status URLs), `lease` (acquired, lost,
// released), `state` (a singleton's state changes, with the lease as this
// replica sees it), `log` (the lease keeper's warnings) and `stopped`.
//
//   node --import tsx examples/trading-desk/replicas/replica.ts --name replica-1 --nats nats://127.0.0.1:4222 --run r1
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { describeThrown } from "../../../src/errors/describeThrown.js";
import { createOrchestrator, formatDuration, loadConfig, type Logger } from "../../../src/index.js";
import { createNatsBus, createNatsCoordinator } from "../../../src/nats/index.js";
import { Chief, Momentum, Risk } from "../agents/desk.js";

const { values: args } = parseArgs({
  options: {
    name: { type: "string" },
    nats: { type: "string" },
    run: { type: "string" },
    host: { type: "string", default: "127.0.0.1" },
    "health-port": { type: "string", default: "0" },
    "metrics-port": { type: "string", default: "0" },
  },
});
const { name, nats, run } = args;
if (name === undefined || nats === undefined || run === undefined) {
  console.error("replica: --name, --nats and --run are required (cluster.ts passes them)");
  process.exit(2);
}

const emit = (event: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ replica: name, at: Date.now(), ...event })}\n`);
};
// the lease keeper's lines (`singleton "market_data": ...`) go to the parent; the desk's other logs stay here
const forward = (level: string) => (_fields: unknown, message?: string) => {
  if (message?.startsWith("singleton ") === true) emit({ type: "log", level, message });
};
const logger: Logger = { debug: () => undefined, info: forward("info"), warn: forward("warn"), error: forward("error") };

const config = await loadConfig(fileURLToPath(new URL("../replicas.yaml", import.meta.url)));
const singletons = new Set(Object.entries(config.agents ?? {}).flatMap(([agent, entry]) => (entry.placement === "singleton" ? [agent] : [])));

let bus: Awaited<ReturnType<typeof createNatsBus>>;
let coordinator: Awaited<ReturnType<typeof createNatsCoordinator>>;
try {
  // every replica of the run uses the same prefix and buckets, and a name of its own
  bus = await createNatsBus({ servers: nats, name: `trading-desk-${name}` }, { prefix: `desk.${run}` });
} catch (error) {
  console.error(`${name}: cannot connect to NATS at ${nats}: ${describeThrown(error)}`);
  process.exit(1);
}
try {
  coordinator = await createNatsCoordinator(
    { connection: bus.natsConnection },
    { instance: name, bucket: `desk-slots-${run}`, leaseBucket: `desk-leases-${run}`, ttl: "1m", storage: "memory" },
  );
} catch (error) {
  console.error(`${name}: no JetStream key-value store at ${nats} (start the server with -js): ${describeThrown(error)}`);
  await bus.close();
  process.exit(1);
}
const actionsOn = new Set(["localhost", "127.0.0.1", "::1"]).has(args.host);
const orch = createOrchestrator({
  agents: [Momentum, Risk, { name: "chief", agent: Chief, chief: true }],
  config,
  bus,
  coordinator,
  logger,
  status: actionsOn ? { authorize: () => "local operator" } : {},
});

orch.on("lease:acquired", (e) => emit({ type: "lease", kind: "acquired", agent: e.agent, holder: e.holder, token: e.token, expiresAt: e.expiresAt }));
orch.on("lease:lost", (e) => emit({ type: "lease", kind: "lost", agent: e.agent, holder: e.holder, token: e.token, reason: e.reason }));
orch.on("lease:released", (e) => emit({ type: "lease", kind: "released", agent: e.agent, holder: e.holder, token: e.token, reason: e.reason }));
orch.on("agent:state", (e) => {
  if (singletons.has(e.agent)) emit({ type: "state", agent: e.agent, previous: e.previous, state: e.state, lease: orch.agent(e.agent)?.lease });
});

// the chief asks for a re-enable after a cool-down; on the shared bus every replica hears it, so
// only the one where the agent is disabled acts on it
const cooling = new Set<ReturnType<typeof setTimeout>>();
orch.bus.subscribe("desk.enable", (m) => {
  const { agent, after } = m.payload as { agent: string; after: number };
  if (orch.agent(agent)?.state !== "disabled") return;
  const timer = setTimeout(() => {
    cooling.delete(timer);
    if (orch.phase === "running" && orch.agent(agent)?.state === "disabled") orch.enable(agent);
  }, after);
  cooling.add(timer);
});

const port = (flag: "health-port" | "metrics-port"): number => Number(args[flag]);
let listening: Awaited<ReturnType<typeof orch.listen>>;
try {
  listening = await orch.listen({ healthPort: port("health-port"), metricsPort: port("metrics-port"), host: args.host });
  await orch.start();
} catch (error) {
  console.error(`${name}: could not start: ${describeThrown(error)}`);
  await orch.shutdown();
  await bus.close();
  process.exit(1);
}
const shown = args.host === "0.0.0.0" ? "127.0.0.1" : args.host;
emit({
  type: "ready",
  pid: process.pid,
  health: `http://${shown}:${listening.healthPort}/healthz`,
  metrics: `http://${shown}:${listening.metricsPort}/metrics`,
  status: `http://${shown}:${listening.healthPort}/statusz`,
});

let stopping = false;
const stop = async (why: string): Promise<void> => {
  if (stopping) return;
  stopping = true;
  for (const timer of cooling) clearTimeout(timer);
  const started = Date.now();
  await orch.shutdown({ reason: why });
  const closed = await orch.closed;
  await listening.close();
  // the orchestrator closed the coordinator; the bus (and the connection they share) is ours
  await bus.close();
  emit({ type: "stopped", reason: closed.reason, failed: closed.failed, took: formatDuration(Date.now() - started) });
  process.exitCode = closed.failed ? 1 : 0;
};
process.on("SIGINT", (signal) => void stop(signal));
process.on("SIGTERM", (signal) => void stop(signal));
void orch.closed.then((closed) => {
  if (closed.failed) void stop(closed.reason);
});
