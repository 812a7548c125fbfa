import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent } from "../../src/agent/Agent.js";
import type { CliIo } from "../../src/cli/CliIo.js";
import { validateCommand } from "../../src/cli/validateCommand.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { resolveConfig } from "../../src/config/resolveConfig.js";
import { ConfigError } from "../../src/errors/ConfigError.js";
import { createOrchestrator } from "../../src/orchestrator/createOrchestrator.js";
import { configError, registered, resolveError } from "../helpers/resolveConfig.js";

// agents.<name>.dependsOn (decision 33): what the configuration alone can refuse is refused by
// loadConfig (and so by `agent-orchestrator validate`); an unknown agent only once the agents
// registered in code are known, by resolveConfig and createOrchestrator.

class Quiet extends Agent {}

describe("resolveConfig: dependsOn", () => {
  it("keeps the dependencies in the order written, frozen, on agents of agents: and registered in code", () => {
    const { agents } = resolveConfig({ agents: { mm: { dependsOn: ["data_market", "risk"] }, risk: { dependsOn: ["data_market"] } } }, registered("mm", "risk", "data_market"));
    expect(agents["mm"]?.dependsOn).toEqual(["data_market", "risk"]);
    expect(agents["risk"]?.dependsOn).toEqual(["data_market"]);
    expect(Object.isFrozen(agents["mm"]?.dependsOn)).toBe(true);
  });

  it("leaves dependsOn out when there is none, or when the list is empty or null", () => {
    const { agents } = resolveConfig({ agents: { a: {}, b: { dependsOn: [] }, c: { dependsOn: null as unknown as string[] } } }, registered("a", "b", "c"));
    for (const name of ["a", "b", "c"]) expect(agents[name]).not.toHaveProperty("dependsOn");
  });

  it("accepts a diamond and a chain: only a cycle is refused", () => {
    const diamond = { a: { dependsOn: ["b", "c"] }, b: { dependsOn: ["d"] }, c: { dependsOn: ["d"] }, d: {} };
    expect(() => resolveConfig({ agents: diamond }, registered("a", "b", "c", "d"))).not.toThrow();
  });
});

describe("resolveConfig: errors in dependsOn", () => {
  it("refuses an agent that depends on itself", () => {
    const error = resolveError({ agents: { mm: { dependsOn: ["feed", "mm"] } } }, registered("mm", "feed"));
    expect(error.path).toBe("agents.mm.dependsOn[1]");
    expect(error.value).toBe("mm");
    expect(error.message).toBe('agents.mm.dependsOn[1]: agent "mm" depends on itself; expected the names of other agents, which start before it');
  });

  it("refuses an agent named twice", () => {
    const error = resolveError({ agents: { mm: { dependsOn: ["feed", "risk", "feed"] } } }, registered("mm", "feed", "risk"));
    expect(error.path).toBe("agents.mm.dependsOn[2]");
    expect(error.message).toBe('agents.mm.dependsOn[2]: "feed" is listed twice (first at agents.mm.dependsOn[0]): expected a list of agent names, each named once');
  });

  it("refuses a value that is not a list of agent names", () => {
    expect(resolveError({ agents: { mm: { dependsOn: "feed" } } }, registered("mm")).message).toBe(
      'agents.mm.dependsOn: expected a list of agent names, each named once, got "feed"',
    );
    expect(resolveError({ agents: { mm: { dependsOn: ["feed", 5] } } }, registered("mm")).message).toBe("agents.mm.dependsOn[1]: expected a non-empty string, got 5");
    expect(resolveError({ agents: { mm: { dependsOn: ["market.data"] } } }, registered("mm")).message).toBe(
      'agents.mm.dependsOn[0]: invalid agent name "market.data": expected 1 to 128 letters, digits, "_" or "-" (pattern [A-Za-z0-9_-]+), and not __proto__, constructor or prototype',
    );
  });

  it("refuses a cycle, named in order from its first agent in agents:, at that agent's item naming the next", () => {
    const error = resolveError(
      { agents: { top: { dependsOn: ["b"] }, a: { dependsOn: ["feed", "b"] }, b: { dependsOn: ["c"] }, c: { dependsOn: ["a"] } } },
      registered("top", "a", "b", "c", "feed"),
    );
    expect(error.path).toBe("agents.a.dependsOn[1]");
    expect(error.value).toBe("b");
    expect(error.message).toBe(
      "agents.a.dependsOn[1]: agents depend on each other in a cycle: a → b → c → a; expected dependencies without a cycle, so that each agent can start after those it depends on",
    );
  });

  it("names at most 10 agents of a long cycle and counts the rest", () => {
    const names = Array.from({ length: 5_000 }, (_, i) => `a${i}`);
    const agents = Object.fromEntries(names.map((name, i) => [name, { dependsOn: [names[(i + 1) % names.length] as string] }]));
    const error = resolveError({ agents }, registered(...names));
    expect(error.path).toBe("agents.a0.dependsOn[0]");
    expect(error.message).toBe(
      "agents.a0.dependsOn[0]: agents depend on each other in a cycle: a0 → a1 → a2 → a3 → a4 → a5 → a6 → a7 → a8 → a9 → … and 4990 more → a0; expected dependencies without a cycle, so that each agent can start after those it depends on",
    );
  });

  it("refuses a dependency on an agent neither in agents: nor registered in code, with a suggestion", () => {
    const error = resolveError({ agents: { mm: { dependsOn: ["data_markte"] } } }, registered("mm", "data_market"));
    expect(error.path).toBe("agents.mm.dependsOn[0]");
    expect(error.value).toBe("data_markte");
    expect(error.message).toBe(
      'agents.mm.dependsOn[0]: agent "mm" depends on unknown agent "data_markte" (did you mean "data_market"?): expected an agent registered in code or given a "module" under agents: (known: mm, data_market)',
    );
  });

  it("never suggests the agent's own name for its dependency (an agent cannot depend on itself), but still a close other agent", () => {
    const own = resolveError({ agents: { feed: { dependsOn: ["fed"] } } }, registered("feed"));
    expect(own.path).toBe("agents.feed.dependsOn[0]");
    expect(own.message).toBe(
      'agents.feed.dependsOn[0]: agent "feed" depends on unknown agent "fed": expected an agent registered in code or given a "module" under agents: (known: feed)',
    );
    const other = resolveError({ agents: { feed: { dependsOn: ["fed"] } } }, registered("feed", "fee"));
    expect(other.message).toContain('depends on unknown agent "fed" (did you mean "fee"?):');
  });

  it("knows agents registered in code and agents loaded by module alike", () => {
    const config = { agents: { mm: { dependsOn: ["feed", "loaded"] }, loaded: { module: "file:///srv/agents/loaded.js" } } };
    expect(resolveConfig(config, registered("mm", "feed")).agents["mm"]?.dependsOn).toEqual(["feed", "loaded"]);
    expect(resolveError(config, registered("mm")).message).toContain('depends on unknown agent "feed"');
  });
});

describe("createOrchestrator: dependsOn against the agents registered in code", () => {
  it("throws synchronously for a dependency on an agent that is not registered, before anything starts", () => {
    const error = configError(() =>
      createOrchestrator({
        agents: [{ name: "mm", agent: Quiet }, { name: "feed", agent: Quiet }],
        config: { agents: { mm: { dependsOn: ["fed"] } } },
        logger: false,
        keepAlive: false,
      }),
    );
    expect(error.message).toBe(
      'agents.mm.dependsOn[0]: agent "mm" depends on unknown agent "fed" (did you mean "feed"?): expected an agent registered in code or given a "module" under agents: (known: mm, feed)',
    );
  });

  it("accepts a dependency on an agent registered in code", () => {
    const orch = createOrchestrator({
      agents: [{ name: "mm", agent: Quiet }, { name: "feed", agent: Quiet }],
      config: { agents: { mm: { dependsOn: ["feed"] } } },
      logger: false,
      keepAlive: false,
    });
    expect(orch.agent("mm")).toBeDefined();
  });
});

describe("loadConfig: errors in dependsOn point into the file", () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "orchestrator-depends-"));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  async function write(name: string, text: string): Promise<string> {
    const file = join(directory, `${name}.yaml`);
    await writeFile(file, text);
    return file;
  }

  async function loadError(name: string, text: string): Promise<{ error: ConfigError; file: string }> {
    const file = await write(name, text);
    const error = await loadConfig(file).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ConfigError);
    return { error: error as ConfigError, file };
  }

  it("an agent that depends on itself, in a block list", async () => {
    const { error, file } = await loadError("self", "agents:\n  mm:\n    dependsOn:\n      - feed\n      - mm\n");
    expect(error).toMatchObject({ file, line: 5, column: 9, path: "agents.mm.dependsOn[1]", value: "mm" });
    expect(error.message).toBe(`${file}:5:9 (agents.mm.dependsOn[1]): agent "mm" depends on itself; expected the names of other agents, which start before it`);
  });

  it("an agent named twice, in a flow list", async () => {
    const { error, file } = await loadError("twice", "agents:\n  mm:\n    dependsOn: [feed, feed]\n");
    expect(error.message).toBe(`${file}:3:23 (agents.mm.dependsOn[1]): "feed" is listed twice (first at agents.mm.dependsOn[0]): expected a list of agent names, each named once`);
  });

  it("a cycle", async () => {
    const { error, file } = await loadError("cycle", "agents:\n  a: { dependsOn: [b] }\n  b: { dependsOn: [a] }\n");
    expect(error.message).toBe(
      `${file}:2:20 (agents.a.dependsOn[0]): agents depend on each other in a cycle: a → b → a; expected dependencies without a cycle, so that each agent can start after those it depends on`,
    );
  });

  it("an unknown agent: loadConfig cannot know the agents registered in code, createOrchestrator refuses it at its position", async () => {
    const file = await write("unknown", "agents:\n  mm:\n    dependsOn: [feed, fed]\n");
    const config = await loadConfig(file);
    expect(config.agents?.["mm"]?.dependsOn).toEqual(["feed", "fed"]);
    const error = configError(() => createOrchestrator({ agents: [{ name: "mm", agent: Quiet }, { name: "feed", agent: Quiet }], config, logger: false, keepAlive: false }));
    expect(error).toMatchObject({ file, line: 3, column: 23, path: "agents.mm.dependsOn[1]", value: "fed" });
    expect(error.message).toBe(
      `${file}:3:23 (agents.mm.dependsOn[1]): agent "mm" depends on unknown agent "fed" (did you mean "feed"?): expected an agent registered in code or given a "module" under agents: (known: mm, feed)`,
    );
  });

  it("agent-orchestrator validate reports what the file alone refuses, and leaves an unknown agent to createOrchestrator", async () => {
    const stderr: string[] = [];
    const io: CliIo = { out: () => undefined, err: (line) => void stderr.push(line), version: () => "0.0.0", schema: () => "{}" };
    const cycle = await write("validate-cycle", "agents:\n  a: { dependsOn: [b] }\n  b: { dependsOn: [a] }\n");
    expect(await validateCommand(cycle, io, { skipModules: true })).toBe(1);
    expect(stderr).toEqual([expect.stringContaining(`${cycle}:2:20 (agents.a.dependsOn[0]): agents depend on each other in a cycle: a → b → a`)]);
    const unknown = await write("validate-unknown", "agents:\n  mm:\n    dependsOn: [registered_in_code]\n");
    expect(await validateCommand(unknown, io, { skipModules: true })).toBe(0);
  });

  it("an empty dependsOn is absent in what loadConfig returns", async () => {
    const config = await loadConfig(await write("empty", "agents:\n  mm:\n    dependsOn:\n"));
    expect(config.agents?.["mm"]).toEqual({});
  });
});
