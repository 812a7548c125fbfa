// One replica of the soak's singleton phase (bench/soak/singletons.ts), on the
// built package: five singleton agents (s1..s5, placement singleton) whose
// leases live in a NATS key-value bucket. Prints one JSON line per event,
// stamped with this machine's clock (`at`): `ready`, `start` (first thing in
// an agent's start()), `stop` (last thing in its stop()), the lease events,
// `exit`. SIGTERM shuts it down gracefully.
//
// Environment: NATS_URL, LEASE_BUCKET, INSTANCE required; LEASE_TTL (default "1s").
import { Agent, createOrchestrator } from "../../dist/index.js";
import { createNatsCoordinator } from "../../dist/nats.js";

const url = process.env["NATS_URL"];
const leaseBucket = process.env["LEASE_BUCKET"];
const instance = process.env["INSTANCE"];
if (url === undefined || leaseBucket === undefined || instance === undefined) throw new Error("singletonReplica: NATS_URL, LEASE_BUCKET and INSTANCE are required");
const ttl = process.env["LEASE_TTL"] ?? "1s";
const SINGLETONS = ["s1", "s2", "s3", "s4", "s5"];

// stdout is a pipe: the write is synchronous, so a line is out before a kill -9 can follow it
const say = (event) => process.stdout.write(`${JSON.stringify({ instance, at: Date.now(), ...event })}\n`);

class Singleton extends Agent {
  start() {
    say({ event: "start", agent: this.name, token: this.lease?.token ?? null });
  }

  stop() {
    say({ event: "stop", agent: this.name });
  }
}

const coordinator = await createNatsCoordinator({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 250 }, { instance, leaseBucket, bucket: `${leaseBucket}_slots` });
const orch = createOrchestrator({
  agents: SINGLETONS.map((name) => ({ name, agent: Singleton })),
  config: { agents: Object.fromEntries(SINGLETONS.map((name) => [name, { placement: "singleton" }])), lease: { ttl } },
  coordinator,
  logger: false,
  handleSignals: false,
});
orch.on("lease:acquired", (event) => say({ event: "lease:acquired", agent: event.agent, token: event.token }));
orch.on("lease:lost", (event) => say({ event: "lease:lost", agent: event.agent, token: event.token, reason: event.reason }));
orch.on("lease:released", (event) => say({ event: "lease:released", agent: event.agent, token: event.token, reason: event.reason }));

let stopping = false;
process.on("SIGTERM", () => {
  if (stopping) return;
  stopping = true;
  void orch.shutdown({ timeout: 5_000 }).then(() => {
    say({ event: "exit" });
    process.exit(0);
  });
});

await orch.start();
say({ event: "ready" });
