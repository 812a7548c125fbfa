import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Agent } from "../../src/agent/Agent.js";
import type { AgentContext } from "../../src/agent/AgentContext.js";
import { InProcessBus } from "../../src/bus/InProcessBus.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { ConfigError } from "../../src/errors/ConfigError.js";
import { countedAgent, processSnapshot } from "../helpers/chaosBadInput.js";
import { recordEvents, setup } from "../helpers/orchestrator.js";

// Files and modules that cannot be used: a YAML file with syntax errors, agent modules that throw
// on import, are missing or export something else, and agent classes that are not proper agents.

let dir = "";
const file = (name: string): string => join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "orchestrator-bad-input-"));
  await writeFile(file("throws.mjs"), 'globalThis.__badInputImports = (globalThis.__badInputImports ?? 0) + 1;\nthrow new Error("exploded on import");\n');
  await writeFile(file("plain.mjs"), "export default class Plain {}\nexport const answer = 42;\n");
  await writeFile(file("throws.yaml"), "agents:\n  boom:\n    module: ./throws.mjs\n");
  await writeFile(file("missing.yaml"), "agents:\n  ghost:\n    module: ./nowhere.mjs\n");
  await writeFile(file("plain.yaml"), "agents:\n  plain:\n    module: ./plain.mjs\n    export: answer\n");
  await writeFile(file("unclosed.yaml"), 'agents:\n  feed:\n    config: { symbols: ["AAPL", "MSFT }\n');
  await writeFile(file("tabs.yaml"), "agents:\n\tfeed:\n\t\tgroup: data\n");
  await writeFile(file("bad-indent.yaml"), "agents:\n  feed:\n    group: data\n   enabled: true\n");
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Load `name`, expect a ConfigError and return it. */
async function loadError(name: string): Promise<ConfigError> {
  let thrown: unknown;
  try {
    await loadConfig(file(name));
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ConfigError);
  return thrown as ConfigError;
}

describe("bad input: YAML files and agent modules", () => {
  test.each([["unclosed.yaml"], ["tabs.yaml"], ["bad-indent.yaml"]])("a YAML file with a syntax error (%s) is refused with its file, line and column", async (name) => {
    const error = await loadError(name);
    expect(error.file).toBe(file(name));
    expect(error.line).toBeGreaterThanOrEqual(1);
    expect(error.column).toBeGreaterThanOrEqual(1);
    expect(error.message.startsWith(`${file(name)}:${error.line}:${error.column}`)).toBe(true);
    expect(error.message).toMatch(/invalid YAML|tab|indent/i);
  });

  test("a module that throws on import makes start() reject naming the agent, key and cause; nothing is left running", async () => {
    const before = processSnapshot().signals;
    const config = await loadConfig(file("throws.yaml"));
    const early = countedAgent("early");
    const { orch, clock } = setup({ agents: [early.Agent], config, handleSignals: true });
    await expect(orch.start()).rejects.toMatchObject({
      code: "CONFIG_INVALID",
      path: "agents.boom.module",
      message: expect.stringMatching(/throws\.yaml:3:13 \(agents\.boom\.module\): agent "boom": module ".*throws\.mjs" failed to load: exploded on import/) as unknown,
    });
    await expect(orch.closed).resolves.toMatchObject({ failed: true, reason: expect.stringMatching(/exploded on import/) as unknown });
    expect(early.built()).toBe(0);
    expect(clock.pending).toBe(0);
    expect(orch.bus instanceof InProcessBus ? orch.bus.patterns() : []).toEqual([]);
    expect(processSnapshot().signals).toBe(before);
    await expect(orch.shutdown()).resolves.toBeUndefined();
    await expect(orch.start()).rejects.toMatchObject({ code: "SHUT_DOWN" });
  });

  test("a module that does not exist makes start() reject naming the agent and the path", async () => {
    const { orch } = setup({ config: await loadConfig(file("missing.yaml")) });
    await expect(orch.start()).rejects.toMatchObject({ path: "agents.ghost.module", message: expect.stringMatching(/agent "ghost": module ".*nowhere\.mjs" failed to load/) as unknown });
  });

  test("an export that is not an agent class makes start() reject naming the export and what it is", async () => {
    const { orch, clock } = setup({ config: await loadConfig(file("plain.yaml")) });
    await expect(orch.start()).rejects.toMatchObject({
      path: "agents.plain.export",
      message: expect.stringMatching(/export "answer" of ".*plain\.mjs" is not an Agent subclass \(got 42\)/) as unknown,
    });
    expect(clock.pending).toBe(0);
  });

  test("an agent constructor that does not hand its context to super() crashes at start with a message saying so", async () => {
    class Forgetful extends Agent {
      static readonly agentName = "forgetful";
      constructor(_context: AgentContext) {
        super(undefined as unknown as AgentContext);
      }
    }
    const { orch, clock } = setup({ agents: [Forgetful] });
    const events = recordEvents(orch);
    await orch.start();
    expect(events["agent:crash"]).toMatchObject([{ agent: "forgetful", reason: "start" }]);
    expect((events["agent:crash"][0]?.error as Error).message).toMatch(/pass it on with `super\(context\)`/);
    expect(orch.agent("forgetful")?.state).toBe("backoff");
    await orch.shutdown();
    expect(clock.pending).toBe(0);
  });
});
