// Run an orchestrator over a custom Bus: the LoggingBus wraps the in-process
// bus and prints every message the agents exchange.
//
//   npx tsx examples/custom-bus/main.ts
import { Agent, createBus, createOrchestrator } from "../../src/index.js";
import { LoggingBus } from "./LoggingBus.js";

class Pinger extends Agent {
  static readonly agentName = "pinger";
  override async onCron(): Promise<void> {
    const reply = await this.bus.request("pong.please", { at: this.clock.now() });
    this.log.info({ reply }, "got a pong");
  }
}

class Ponger extends Agent {
  static readonly agentName = "ponger";
  override start(): void {
    this.bus.subscribe("pong.please", () => "pong");
  }
}

const bus = new LoggingBus(createBus());
const orch = createOrchestrator({
  agents: [Ponger, Pinger],
  bus,                                   // the orchestrator takes any Bus
  config: { schedule: { pinger: { every: "500ms" } } },
});
await orch.start();
setTimeout(() => void orch.shutdown(), Number(process.env.EXAMPLE_DURATION_MS ?? 1_600));
const closed = await orch.closed;
await bus.close();                       // a bus passed in is the host's to close
console.log(`closed: ${closed.reason}`);
