import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent } from "../../src/agent/Agent.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { resolveConfig } from "../../src/config/resolveConfig.js";
import { ConfigError } from "../../src/errors/ConfigError.js";
import { createOrchestrator } from "../../src/orchestrator/createOrchestrator.js";
import type { AgentRegistration } from "../../src/orchestrator/registry.js";
import { configError, registered, resolveError } from "../helpers/resolveConfig.js";

// agents.<name>.isolation and resourceLimits (decision 34), in YAML and in code: a thread agent's
// class must come from a module (a class object cannot move to another thread), and resourceLimits
// limit a thread, so they need one.

class Quiet extends Agent {}

const MODULE = "file:///srv/agents/pricer.js";

function orchestrate(agents: AgentRegistration[], config: object = {}): ConfigError {
  return configError(() => createOrchestrator({ agents, config, logger: false, keepAlive: false }));
}

describe("resolveConfig: isolation and resourceLimits", () => {
  it("keeps isolation and the heap limit of a module agent, frozen", () => {
    const { agents } = resolveConfig({ agents: { pricer: { module: MODULE, isolation: "thread", resourceLimits: { maxHeapMb: 64 } } } });
    expect(agents["pricer"]).toMatchObject({ module: MODULE, isolation: "thread", resourceLimits: { maxHeapMb: 64 } });
    expect(Object.isFrozen(agents["pricer"]?.resourceLimits)).toBe(true);
  });

  it("leaves isolation out when the config does not say (the code registration's applies)", () => {
    const { agents } = resolveConfig({ agents: { a: { module: MODULE } } });
    expect(agents["a"]).not.toHaveProperty("isolation");
    expect(agents["a"]).not.toHaveProperty("resourceLimits");
  });

  it("refuses an isolation that is not in-process or thread", () => {
    const error = resolveError({ agents: { a: { module: MODULE, isolation: "process" } } });
    expect(error.path).toBe("agents.a.isolation");
    expect(error.message).toContain('"in-process" or "thread"');
    expect(error.message).toContain('"process"');
  });

  it("refuses a heap limit below the minimum, or not an integer", () => {
    for (const maxHeapMb of [4, 12.5, "64"]) {
      const error = resolveError({ agents: { a: { module: MODULE, isolation: "thread", resourceLimits: { maxHeapMb } } } });
      expect(error.path).toBe("agents.a.resourceLimits.maxHeapMb");
      expect(error.message).toContain("an integer number of MiB, at least 8");
    }
  });

  it("refuses resourceLimits on an agent that runs in process, saying what to add", () => {
    for (const entry of [{ module: MODULE, resourceLimits: { maxHeapMb: 64 } }, { module: MODULE, isolation: "in-process", resourceLimits: { maxHeapMb: 64 } }]) {
      const error = resolveError({ agents: { a: entry } });
      expect(error.path).toBe("agents.a.resourceLimits");
      expect(error.message).toBe('agents.a.resourceLimits: resourceLimits limit an agent\'s own thread: expected "isolation: thread" beside them (this agent runs in process)');
    }
  });

  it("refuses isolation: thread for an agent registered in code by its class, saying why and what to register instead", () => {
    const error = resolveError({ agents: { pricer: { isolation: "thread" } } }, registered("pricer"));
    expect(error.path).toBe("agents.pricer.isolation");
    expect(error.message).toContain("registered in code by its class, which cannot run in a thread: a class object cannot move to another thread");
    expect(error.message).toContain('module: new URL("./path/to/agent.js", import.meta.url)');
  });

  it("accepts isolation: thread for an agent registered in code by module, and resourceLimits beside the code's isolation", () => {
    const context = { registered: [{ name: "pricer", module: MODULE, isolation: "thread" as const }] };
    expect(resolveConfig({ agents: { pricer: { isolation: "thread" } } }, { registered: [{ name: "pricer", module: MODULE }] }).agents["pricer"]?.isolation).toBe("thread");
    expect(resolveConfig({ agents: { pricer: { resourceLimits: { maxHeapMb: 32 } } } }, context).agents["pricer"]?.resourceLimits).toEqual({ maxHeapMb: 32 });
    const error = resolveError({ agents: { pricer: { resourceLimits: { maxHeapMb: 32 } } } }, { registered: [{ name: "pricer", module: MODULE }] });
    expect(error.path).toBe("agents.pricer.resourceLimits");
  });
});

describe("createOrchestrator: registration by module", () => {
  it("refuses a class registered with isolation thread, naming the registration and saying a class cannot move between threads", () => {
    const error = orchestrate([{ name: "pricer", agent: Quiet, isolation: "thread" as never }]);
    expect(error.path).toBe("agents[0].isolation");
    expect(error.value).toBe("thread");
    expect(error.message).toContain('agent "pricer": isolation "thread" needs the agent registered by module, not by class: a class object cannot move to another thread');
    expect(error.message).toContain('export: "Quiet", isolation: "thread"');
  });

  it("refuses a relative module path, pointing to new URL(..., import.meta.url)", () => {
    const error = orchestrate([{ name: "pricer", module: "./pricer.js" }]);
    expect(error.path).toBe("agents[0].module");
    expect(error.message).toContain('cannot use module "./pricer.js"');
    expect(error.message).toContain('new URL("./agent.js", import.meta.url)');
  });

  it("refuses what a registration by module cannot hold", () => {
    expect(orchestrate([{ module: MODULE } as never]).path).toBe("agents[0].name");
    expect(orchestrate([{ name: "p", module: 42 } as never]).path).toBe("agents[0].module");
    expect(orchestrate([{ name: "p", module: MODULE, isolation: "process" } as never]).path).toBe("agents[0].isolation");
    expect(orchestrate([{ name: "p", module: MODULE, heap: 1 } as never]).path).toBe("agents[0].heap");
    expect(orchestrate([{ name: "p", module: MODULE, resourceLimits: { maxHeapMb: 64 } }]).path).toBe("agents[0].resourceLimits");
    expect(orchestrate([{ name: "p", module: MODULE, isolation: "thread", resourceLimits: { maxHeapMb: 2 } }]).path).toBe("agents[0].resourceLimits.maxHeapMb");
  });

  it("refuses a module registered in code and given a module in the config too", () => {
    const error = orchestrate([{ name: "p", module: MODULE }], { agents: { p: { module: MODULE } } });
    expect(error.path).toBe("agents.p.module");
  });
});

describe("loadConfig: isolation errors point into the file", () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "orchestrator-isolation-"));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("resourceLimits without isolation: thread, at the key", async () => {
    const file = join(directory, "limits.yaml");
    await writeFile(file, "agents:\n  pricer:\n    module: ./pricer.js\n    resourceLimits: { maxHeapMb: 64 }\n");
    const error = await loadConfig(file).then(
      () => undefined,
      (thrown: unknown) => thrown as ConfigError,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ file, line: 4, column: 5, path: "agents.pricer.resourceLimits" });
  });

  it("isolation: thread on an agent registered by class: createOrchestrator refuses it at its position", async () => {
    const file = join(directory, "class.yaml");
    await writeFile(file, "agents:\n  pricer:\n    isolation: thread\n");
    const config = await loadConfig(file);
    const error = orchestrate([{ name: "pricer", agent: Quiet }], config);
    expect(error).toMatchObject({ file, line: 3, column: 16, path: "agents.pricer.isolation", value: "thread" });
  });

  it("a module registered in code by URL object is accepted as its href", () => {
    const url = pathToFileURL(join(directory, "pricer.js"));
    expect(() => createOrchestrator({ agents: [{ name: "pricer", module: url, isolation: "thread" }], logger: false, keepAlive: false })).not.toThrow();
  });
});

describe("start(): a thread agent's config must be copyable to its thread", () => {
  // the module does not exist: the config is refused before any module loads or any agent starts
  it("refuses a config given in code holding a function, once, at agents.<name>.config, naming where it sits", async () => {
    const orch = createOrchestrator({
      agents: [{ name: "pricer", module: MODULE, isolation: "thread" }],
      config: { agents: { pricer: { config: { spread: 0.5, rounding: [{ round: (x: number) => x }] } } } },
      logger: false,
      keepAlive: false,
    });
    const crashes: unknown[] = [];
    orch.on("agent:crash", (event) => void crashes.push(event));
    const error = await orch.start().then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ path: "agents.pricer.config" });
    expect((error as ConfigError).message).toBe(
      'agents.pricer.config: agent "pricer" (isolation: thread): its config cannot be copied to its thread: config.rounding[0].round is a function. Only plain data crosses to a thread (objects, arrays, strings, numbers, booleans, dates, maps, sets); move the behaviour into the agent\'s class',
    );
    expect(crashes).toEqual([]);
    await orch.shutdown();
  });

  it("refuses a symbol in the config of an agent registered in the config by module", async () => {
    const orch = createOrchestrator({ config: { agents: { pricer: { module: MODULE, isolation: "thread", config: { tag: Symbol("t") } } } }, logger: false, keepAlive: false });
    await expect(orch.start()).rejects.toMatchObject({ name: "ConfigError", path: "agents.pricer.config", message: expect.stringContaining("config.tag is a symbol") });
    await orch.shutdown();
  });
});
