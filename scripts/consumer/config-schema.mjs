// an agent's zod configSchema from the tarball: a bad config is a ConfigError with the agent, path and file:line:column; a good one starts with the output
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { Agent, ConfigError, createOrchestrator, loadConfig } from "@acme/agent-orchestrator";

const feedConfig = z.object({
  symbols: z.array(z.string()).min(1),
  every: z.string().default("5").transform((text) => Number.parseInt(text, 10)),
});
const seen = [];

class Feed extends Agent {
  static agentName = "feed";
  static configSchema = feedConfig;
  start() {
    seen.push(this.config);
  }
}

function refusal(run) {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a ConfigError, nothing was thrown");
}

function expectEqual(actual, expected, what) {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

// a bad config in code: the agent and the path
const bad = refusal(() => createOrchestrator({ agents: [Feed], logger: false, config: { agents: { feed: { config: { symbols: "AAPL" } } } } }));
if (!(bad instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(bad)}`);
expectEqual([bad.code, bad.path, bad.value], ["AGENT_CONFIG_INVALID", "agents.feed.config.symbols", "AAPL"], "the error's code, path and value");
if (!bad.message.includes('agent "feed"')) throw new Error(`the message does not name the agent: ${bad.message}`);

// a good config: the agent starts with the schema's output
const orch = createOrchestrator({ agents: [Feed], logger: false, keepAlive: false, config: { agents: { feed: { config: { symbols: ["AAPL"], every: "15" } } } } });
await orch.start();
expectEqual(seen, [{ symbols: ["AAPL"], every: 15 }], "this.config");
await orch.shutdown();

// a file: file:line:column of the offending value
const dir = mkdtempSync(join(tmpdir(), "config-schema-"));
try {
  const file = join(dir, "orchestrator.yaml");
  writeFileSync(file, "agents:\n  feed:\n    config:\n      symbols: []\n      every: 7\n");
  const config = await loadConfig(file);
  const fromFile = refusal(() => createOrchestrator({ agents: [Feed], logger: false, config }));
  expectEqual([fromFile.code, fromFile.file, fromFile.line, fromFile.column], ["AGENT_CONFIG_INVALID", file, 4, 16], "the error's position");
  for (const where of [`${file}:4:16 (agents.feed.config.symbols)`, `${file}:5:14 (agents.feed.config.every)`]) {
    if (!fromFile.message.includes(where)) throw new Error(`the message does not point at ${where}: ${fromFile.message}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log("config schema ok");
