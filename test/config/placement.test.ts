import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent } from "../../src/agent/Agent.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { resolveConfig } from "../../src/config/resolveConfig.js";
import type { ConfigError } from "../../src/errors/ConfigError.js";
import { MemoryLeases } from "../../src/lease/MemoryLeases.js";
import { createOrchestrator } from "../../src/orchestrator/createOrchestrator.js";
import type { AgentRegistration } from "../../src/orchestrator/registry.js";
import { systemClock } from "../../src/clock.js";
import { configError, resolveError } from "../helpers/resolveConfig.js";

// agents.<name>.placement and lease.ttl (decision 39), in YAML and in code.

class Feed extends Agent {
  static readonly agentName = "feed";
}

function orchestrate(agents: AgentRegistration[], config: object = {}): ConfigError {
  return configError(() => createOrchestrator({ agents, config, logger: false, keepAlive: false }));
}

describe("resolveConfig: placement and lease", () => {
  it("keeps the placement written and fills in the lease TTL (10 s)", () => {
    const resolved = resolveConfig({ agents: { feed: { module: "file:///srv/feed.js", placement: "singleton" }, risk: { module: "file:///srv/risk.js" } } });
    expect(resolved.agents["feed"]?.placement).toBe("singleton");
    expect(resolved.agents["risk"]).not.toHaveProperty("placement");
    expect(resolved.lease).toEqual({ ttl: 10_000 });
    expect(resolveConfig({ lease: { ttl: "3s" } }).lease).toEqual({ ttl: 3_000 });
  });

  it("refuses a placement that is not everywhere or singleton", () => {
    const error = resolveError({ agents: { feed: { module: "file:///srv/feed.js", placement: "leader" } } });
    expect(error.path).toBe("agents.feed.placement");
    expect(error.message).toContain('"everywhere" or "singleton"');
    expect(error.message).toContain('"leader"');
  });

  it("refuses a lease TTL under one second, or not a duration", () => {
    const short = resolveError({ lease: { ttl: "500ms" } });
    expect(short.path).toBe("lease.ttl");
    expect(short.message).toBe('lease.ttl: expected a duration of at least 1s such as "10s" (the holder renews every third of it), got 500ms');
    expect(resolveError({ lease: { ttl: "soon" } }).path).toBe("lease.ttl");
    expect(resolveError({ lease: { tll: "3s" } }).message).toContain('did you mean "ttl"');
  });
});

describe("createOrchestrator: placement in code", () => {
  it("accepts placement on a registration by class or by module, and the config wins over it", () => {
    const leases = new MemoryLeases({ clock: systemClock });
    const orch = createOrchestrator({ agents: [{ name: "feed", agent: Feed, placement: "singleton" }], logger: false, keepAlive: false, coordinator: leases.coordinator("a") });
    expect(orch.agent("feed")?.state).toBe("stopped");
    // the config says everywhere: no coordinator needed
    expect(() => createOrchestrator({ agents: [{ name: "feed", agent: Feed, placement: "singleton" }], config: { agents: { feed: { placement: "everywhere" } } }, logger: false, keepAlive: false })).not.toThrow();
  });

  it("refuses a registration's placement that is not everywhere or singleton, naming its path", () => {
    const error = orchestrate([{ name: "feed", agent: Feed, placement: "one" as never }]);
    expect(error.path).toBe("agents[0].placement");
    expect(error.message).toContain('expected `placement` to be "everywhere" or "singleton", got "one"');
  });

  it("refuses a singleton without a coordinator that holds leases, saying what to add", () => {
    const error = orchestrate([{ name: "feed", agent: Feed, placement: "singleton" }]);
    expect(error.message).toContain('agent "feed" has placement "singleton"');
    expect(error.message).toContain("createNatsCoordinator");
    const leases = new MemoryLeases({ clock: systemClock });
    expect(() => createOrchestrator({ agents: [{ name: "feed", agent: Feed, placement: "singleton" }], logger: false, keepAlive: false, coordinator: leases.coordinator("a") })).not.toThrow();
  });
});

describe("loadConfig: a singleton without a coordinator points into the file", () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "orchestrator-placement-"));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("at the placement key's value", async () => {
    const file = join(directory, "singleton.yaml");
    await writeFile(file, "agents:\n  feed:\n    enabled: true\n    placement: singleton\n");
    const config = await loadConfig(file);
    const error = orchestrate([Feed], config);
    expect(error).toMatchObject({ file, line: 4, path: "agents.feed.placement", value: "singleton" });
    expect(error.message).toContain("no coordinator was given");
  });
});
