// Start an orchestrator from a YAML file alone: agents, groups, chief and
// schedule all come from desk.yaml.
//
//   npx tsx examples/yaml-config/main.ts
import { fileURLToPath } from "node:url";
import { createOrchestrator, loadConfig } from "../../src/index.js";

const config = await loadConfig(fileURLToPath(new URL("./desk.yaml", import.meta.url)));
const orch = createOrchestrator({ config });
let quotes = 0;
orch.bus.subscribe("quotes.>", () => {
  quotes++;
});
await orch.start();
console.log(orch.agents().map((a) => `${a.name} (${a.group}): ${a.state}`).join("\n"));
setTimeout(() => void orch.shutdown(), Number(process.env.EXAMPLE_DURATION_MS ?? 1_200));
const closed = await orch.closed;
console.log(`quotes seen: ${quotes}; closed: ${closed.reason}`);
