// an orchestrator from the tarball starts, reports healthy through its Fetch handler, and shuts down
import { Agent, createOrchestrator } from "@acme/agent-orchestrator";

class Idle extends Agent {
  static agentName = "idle";
}
const orch = createOrchestrator({ agents: [Idle], logger: false });
await orch.start();
const response = await orch.fetch(new Request("http://localhost/healthz"));
if (response.status !== 200) throw new Error(`expected /healthz to answer 200, got ${response.status}`);
await orch.shutdown();
console.log("health ok");
