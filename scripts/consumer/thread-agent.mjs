// a thread agent from the tarball (isolation: thread), hosted from the ES module copy and the CommonJS copy: it answers a request from its own worker thread, a hang in it is killed and restarted
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { threadId } from "node:worker_threads";
import * as esm from "@acme/agent-orchestrator";

const cjs = createRequire(import.meta.url)("@acme/agent-orchestrator");

// the agent's module, as a user's project has it: it imports the package by name
const file = new URL("./pricer-agent.mjs", import.meta.url);
writeFileSync(
  file,
  `import { threadId } from "node:worker_threads";
import { Agent } from "@acme/agent-orchestrator";
export class Pricer extends Agent {
  start() {
    this.bus.subscribe("pricer.quote", (message) => ({ price: message.payload + this.config.spread, thread: threadId }));
    this.bus.subscribe("pricer.hang", () => { for (;;) {} });
  }
}
`,
);

function fail(message) {
  console.error(message);
  process.exit(1);
}

async function waitFor(check, what) {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

for (const [copy, { createOrchestrator, AgentError }] of [["ESM", esm], ["CommonJS", cjs]]) {
  const orch = createOrchestrator({
    agents: [{ name: "pricer", module: file, export: "Pricer", isolation: "thread" }],
    config: { agents: { pricer: { config: { spread: 0.25 }, heartbeatTimeout: "300ms" } }, supervisor: { backoff: { initial: "1ms", jitter: 0 } } },
    logger: false,
    keepAlive: false,
  });
  const crashes = [];
  orch.on("agent:crash", (event) => crashes.push(event));
  await orch.start();
  const answer = await orch.bus.request("pricer.quote", 100);
  if (answer.price !== 100.25 || answer.thread === threadId) fail(`${copy}: expected a price from another thread, got ${JSON.stringify(answer)}`);
  await orch.bus.publish("pricer.hang", 1);
  await waitFor(() => crashes.length === 1 && orch.agent("pricer")?.state === "running", `${copy}: the hung thread killed and the agent running again`);
  if (crashes[0].reason !== "hung" || !(crashes[0].error instanceof AgentError) || crashes[0].error.code !== "AGENT_HUNG") fail(`${copy}: expected a hung crash, got ${crashes[0].reason} ${crashes[0].error}`);
  const again = await orch.bus.request("pricer.quote", 1);
  if (again.price !== 1.25) fail(`${copy}: after the restart, expected 1.25, got ${JSON.stringify(again)}`);
  await orch.shutdown();
}
