import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test, vi } from "vitest";
import { Agent } from "../../src/agent/Agent.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { createOrchestrator } from "../../src/orchestrator/createOrchestrator.js";
import { LOOP_INTERVAL_MS } from "../../src/orchestrator/LivenessLoop.js";
import { ManualClock } from "../../src/testing/ManualClock.js";
import { started } from "../fixtures/registry/agents.js";
import { scriptedAgent, setup, T0 } from "../helpers/orchestrator.js";

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/registry/${name}`, import.meta.url));

describe("registration errors are ConfigErrors thrown before anything starts", () => {
  const { Agent: A } = scriptedAgent("a");

  test("a duplicate name", () => {
    expect(() => createOrchestrator({ agents: [A, { name: "a", agent: A }], logger: false })).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID", path: "agents[1].name", message: expect.stringMatching(/duplicate agent name "a"/) as unknown }),
    );
  });

  test.each([["market.data"], ["__proto__"], ["constructor"], [""], ["a b"]])("an invalid name %j", (name) => {
    expect(() => createOrchestrator({ agents: [{ name, agent: A }], logger: false })).toThrow(/invalid agent name/);
  });

  test("an entry that is not an agent class", () => {
    class NotAnAgent {}
    expect(() => createOrchestrator({ agents: [{ name: "x", agent: NotAnAgent as never }], logger: false })).toThrow(
      /agents\[0\]\.agent.*expected `agent` to be a class extending Agent, got function NotAnAgent/,
    );
    expect(() => createOrchestrator({ agents: [42 as never], logger: false })).toThrow(/agents\[0\].*got 42/);
  });

  test("a class without a static agentName", () => {
    class Nameless extends Agent {}
    expect(() => createOrchestrator({ agents: [Nameless], logger: false })).toThrow(/Nameless has no static `agentName`/);
  });

  test("a schedule or setting for an unknown agent", () => {
    expect(() => createOrchestrator({ agents: [A], config: { schedule: { ghost: "* * * * *" } }, logger: false })).toThrow(/schedule\.ghost/);
    expect(() => createOrchestrator({ agents: [A], config: { agents: { ghost: { enabled: false } } }, logger: false })).toThrow(/agents\.ghost/);
  });

  test("an unknown group in a registration", () => {
    expect(() => createOrchestrator({ agents: [{ name: "a", agent: A, group: "nope" }], logger: false })).toThrow(/nope/);
  });

  test("an unknown option or a bad clock, logger or bus", () => {
    expect(() => createOrchestrator({ agent: [A] } as never)).toThrow(/unknown option `agent`/);
    expect(() => createOrchestrator({ clock: { now: () => 0 } as never, logger: false })).toThrow(/`clock` to be a Clock/);
    expect(() => createOrchestrator({ logger: console.log as never })).toThrow(/`logger`/);
    expect(() => createOrchestrator({ bus: {} as never, logger: false })).toThrow(/`bus` to be a Bus/);
    expect(() => createOrchestrator({ keepAlive: "yes" as never, logger: false })).toThrow(/`keepAlive` to be a boolean/);
  });
});

describe("agents loaded by module from YAML", () => {
  test("default and named exports load relative to the config file, with their config and group", async () => {
    started.length = 0;
    const config = await loadConfig(fixture("desk.yaml"));
    const clock = new ManualClock(T0);
    const orch = createOrchestrator({ config, clock, logger: false, keepAlive: false });
    const foreign: unknown[] = [];
    orch.bus.subscribe("foreign.started", (m) => void foreign.push(m.payload));
    await orch.start();
    await orch.bus.flush();
    expect(started).toEqual(["default:reporter", "Pricer:pricer:2"]);
    expect(orch.agents().map((a) => [a.name, a.group, a.state])).toEqual([
      ["reporter", "data", "running"],
      ["pricer", "strategy", "running"],
      ["foreign", "data", "running"],
    ]);
    // a class branded by another copy of the package is recognised (no instanceof)
    expect(foreign).toEqual([{ name: "foreign" }]);
    await orch.shutdown();
  });

  test("a module whose export is not an agent class makes start() reject, naming the agent, key and file", async () => {
    const config = await loadConfig(fixture("bad-export.yaml"));
    const orch = createOrchestrator({ config, logger: false, keepAlive: false });
    await expect(orch.start()).rejects.toMatchObject({
      code: "CONFIG_INVALID",
      path: "agents.plain.export",
      message: expect.stringMatching(/bad-export\.yaml:\d+:\d+.*agent "plain".*not an Agent subclass/) as unknown,
    });
    await expect(orch.closed).resolves.toMatchObject({ failed: true });
  });

  test("a module that throws on import makes start() reject before any agent starts", async () => {
    const config = await loadConfig(fixture("throws.yaml"));
    const { Agent: Early, instances } = scriptedAgent("early");
    const orch = createOrchestrator({ agents: [Early], config, logger: false, keepAlive: false });
    await expect(orch.start()).rejects.toMatchObject({
      code: "CONFIG_INVALID",
      path: "agents.boom.module",
      message: expect.stringMatching(/agent "boom".*failed to load: module exploded on import/) as unknown,
    });
    expect(instances).toHaveLength(0);
  });
});

describe("configuration applied to code-registered agents", () => {
  test("enabled: false registers the agent disabled until enable()", async () => {
    const { Agent: A, instances } = scriptedAgent("a");
    const { orch, clock } = setup({ agents: [A], config: { agents: { a: { enabled: false } } } });
    await orch.start();
    expect(orch.agent("a")?.state).toBe("disabled");
    expect(instances).toHaveLength(0);
    orch.enable("a");
    await clock.advance(0);
    expect(orch.agent("a")?.state).toBe("running");
    await orch.shutdown();
  });

  test("YAML group wins over the code registration's group", () => {
    const { Agent: A } = scriptedAgent("a");
    const { orch } = setup({ agents: [{ name: "a", agent: A, group: "data" }], config: { agents: { a: { group: "strategy" } } } });
    expect(orch.agent("a")?.group).toBe("strategy");
  });

  test("agents get their config as this.config", async () => {
    let seen: unknown;
    const { Agent: A } = scriptedAgent("a", { start: (agent) => void (seen = agent.config) });
    const { orch } = setup({ agents: [A], config: { agents: { a: { config: { symbols: ["AAPL"] } } } } });
    await orch.start();
    expect(seen).toEqual({ symbols: ["AAPL"] });
    await orch.shutdown();
  });
});

describe("logging and events", () => {
  test("crashes are logged with the agent's name, and a throwing listener never disturbs the supervisor", async () => {
    const { Agent: Flaky } = scriptedAgent("flaky", { start: () => Promise.reject(new Error("bad start")) });
    const { orch, logger } = setup({ agents: [Flaky] });
    orch.on("agent:crash", () => {
      throw new Error("listener bug");
    });
    await orch.start();
    expect(orch.agent("flaky")?.state).toBe("backoff");
    expect(logger.entries.find((e) => e.level === "error" && /crashed/.test(e.message ?? ""))?.fields).toMatchObject({ agent: "flaky", reason: "start" });
    expect(logger.entries.some((e) => /listener of "agent:crash" threw/.test(e.message ?? ""))).toBe(true);
    await orch.shutdown();
  });

  test("on() returns a function that removes the listener", async () => {
    const { Agent: A } = scriptedAgent("a");
    const { orch } = setup({ agents: [A] });
    const states: string[] = [];
    const off = orch.on("agent:state", (e) => void states.push(e.state));
    await orch.start();
    off();
    await orch.shutdown();
    expect(states).toEqual(["starting", "running"]);
  });

  test("an agent's log entries carry its name", async () => {
    const { Agent: A } = scriptedAgent("a", { start: (agent) => agent.log.info({ n: 1 }, "hello") });
    const { orch, logger } = setup({ agents: [A] });
    await orch.start();
    expect(logger.entries.find((e) => e.message === "hello")?.fields).toEqual({ agent: "a", n: 1 });
    await orch.shutdown();
  });
});

describe("the metrics option", () => {
  test("livenessMissedTicks reaches /livez: the loop may miss that many intervals before liveness fails", async () => {
    const { Agent: A } = scriptedAgent("a");
    const livez = async (orch: ReturnType<typeof setup>["orch"]): Promise<number> => (await orch.fetch(new Request("http://localhost/livez"))).status;
    const lenient = setup({ agents: [A], metrics: { livenessMissedTicks: 10 } });
    const strict = setup({ agents: [scriptedAgent("a").Agent] });
    await lenient.orch.start();
    await strict.orch.start();
    // a stalled event loop: time moves, the loop's timer does not fire
    lenient.clock.jump(6 * LOOP_INTERVAL_MS);
    strict.clock.jump(6 * LOOP_INTERVAL_MS);
    expect(await livez(lenient.orch)).toBe(200);
    expect(await livez(strict.orch)).toBe(503);
    await lenient.orch.shutdown();
    await strict.orch.shutdown();
  });
});

describe("Agent.retry", () => {
  test("retries with back-off on the agent's clock and stops when the incarnation ends", async () => {
    let attempts = 0;
    let result: unknown;
    const { Agent: A, instances } = scriptedAgent("a", {
      start: (agent) => {
        void agent
          .retry(
            () => {
              attempts++;
              if (attempts < 3) throw new Error("transient");
              return "quote";
            },
            { retries: 5, initial: 1_000, jitter: 0 },
          )
          .then((value) => (result = value));
      },
    });
    const { orch, clock } = setup({ agents: [A] });
    await orch.start();
    expect(attempts).toBe(1);
    await clock.advance(1_000);
    expect(attempts).toBe(2);
    await clock.advance(2_000);
    expect(attempts).toBe(3);
    expect(result).toBe("quote");
    // a retry in progress is abandoned with the incarnation
    let aborted: unknown;
    void instances[0]?.retry(() => Promise.reject(new Error("down")), { retries: 10, initial: 1_000 }).catch((e: unknown) => (aborted = e));
    await clock.advance(0);
    await orch.shutdown();
    expect(aborted).toBeDefined();
  });
});

describe("shutdown after a failed start", () => {
  test("the failed start emits the one shutdown event; shutdown() then resolves without another", async () => {
    const config = await loadConfig(fixture("throws.yaml"));
    const orch = createOrchestrator({ config, logger: false, keepAlive: false });
    const events: unknown[] = [];
    orch.on("shutdown", (e) => void events.push(e));
    await expect(orch.start()).rejects.toMatchObject({ code: "CONFIG_INVALID" });
    expect(events).toEqual([{ failed: true, reason: expect.stringMatching(/^start failed: .*exploded/) as unknown }]);
    await orch.shutdown();
    expect(events).toHaveLength(1);
    await expect(orch.closed).resolves.toMatchObject({ failed: true, reason: expect.stringMatching(/^start failed: /) as unknown });
    expect(orch.phase).toBe("stopped");
  });
});

describe("shutdown while start() loads modules", () => {
  test("a shutdown that ends before the modules have loaded leaves no keep-alive behind", async () => {
    // an agent module whose loading waits on a gate the test opens once the shutdown has finished
    const gate = "__orchestratorTestModuleGate";
    let open!: () => void;
    (globalThis as Record<string, unknown>)[gate] = new Promise<void>((resolve) => (open = resolve));
    const dir = mkdtempSync(join(tmpdir(), "orch-slow-"));
    const agentModule = fileURLToPath(new URL("../../src/agent/Agent.ts", import.meta.url));
    const slow = join(dir, "slow.ts");
    writeFileSync(slow, `import { Agent } from ${JSON.stringify(agentModule)};\nawait globalThis.${gate};\nexport default class Slow extends Agent {}\n`);
    const setInterval = vi.spyOn(globalThis, "setInterval");
    const clearInterval = vi.spyOn(globalThis, "clearInterval");
    try {
      const orch = createOrchestrator({ config: { agents: { slow: { module: slow } } }, clock: new ManualClock(T0), logger: false, keepAlive: true });
      const starting = orch.start();
      await orch.shutdown();
      expect(orch.phase).toBe("stopped");
      open();
      await expect(starting).rejects.toMatchObject({ code: "SHUT_DOWN" });
      expect(orch.agent("slow")?.state).toBe("stopped");
      expect(setInterval.mock.results.length).toBe(clearInterval.mock.calls.length);
    } finally {
      setInterval.mockRestore();
      clearInterval.mockRestore();
      delete (globalThis as Record<string, unknown>)[gate];
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
