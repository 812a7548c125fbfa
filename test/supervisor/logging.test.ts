import { afterEach, describe, expect, test, vi } from "vitest";
import { consoleLogger, discards, guardLogger } from "../../src/logger.js";
import { createOrchestrator } from "../../src/orchestrator/createOrchestrator.js";
import type { OrchestratorOptions } from "../../src/orchestrator/OrchestratorOptions.js";
import { ManualClock } from "../../src/testing/ManualClock.js";
import { T0, never, scriptedAgent, setup } from "../helpers/orchestrator.js";

// Restarts, back-off delays, disables and re-enables are logged by default (warn for what an
// operator should notice, info for what follows from an action), not only emitted as events.

const lines = (logger: ReturnType<typeof setup>["logger"], level: string): string[] =>
  logger.entries.filter((e) => e.level === level).map((e) => e.message ?? "");

describe("supervision is visible in the log", () => {
  test("a crash logs the back-off delay (warn), then the restart (info)", async () => {
    const { Agent: A, instances } = scriptedAgent("feed");
    const { orch, clock, logger } = setup({ agents: [A] });
    await orch.start();
    instances.at(-1)?.fail(new Error("feed lost"));
    expect(lines(logger, "warn")).toContain('agent "feed" restarts in 1s (back-off, attempt 1)');
    expect(logger.entries.find((e) => e.message?.includes("restarts in"))?.fields).toMatchObject({ agent: "feed", delay: 1_000, attempt: 1 });
    await clock.advance(1_000);
    expect(lines(logger, "info")).toContain('agent "feed" restarting (attempt 1)');
    await orch.shutdown();
  });

  test("a crash loop logs the disable with its rule (warn); enable() logs the re-enable (info)", async () => {
    const { Agent: A, instances } = scriptedAgent("feed");
    const { orch, clock, logger } = setup({ agents: [A] });
    await orch.start();
    for (let i = 0; i < 4; i++) {
      instances.at(-1)?.fail(new Error(`crash ${i}`));
      await clock.advance(60_000);
    }
    expect(orch.agent("feed")?.state).toBe("disabled");
    expect(lines(logger, "warn")).toContain('agent "feed" disabled after a crash loop (more than 3 crashes within 5m); enable("feed") starts it again');
    orch.enable("feed");
    await clock.advance(0);
    expect(lines(logger, "info")).toContain('agent "feed" enabled: crash window, failure streak and back-off cleared; starting');
    await orch.shutdown();
  });

  test("a restart limit logs the disable (warn); operator disable and restart are logged (info)", async () => {
    const { Agent: A, instances } = scriptedAgent("strat");
    const { orch, clock, logger } = setup({ agents: [{ name: "strat", agent: A, group: "strategy" }], config: { groups: { strategy: { restart: { max: 1 } } } } });
    await orch.start();
    instances.at(-1)?.fail(new Error("one"));
    await clock.advance(1_000);
    instances.at(-1)?.fail(new Error("two"));
    expect(lines(logger, "warn")).toContain(`agent "strat" disabled after reaching its group's restart limit (1 restart); enable("strat") starts it again`);
    orch.enable("strat");
    await clock.advance(0);
    orch.restart("strat");
    await clock.advance(0);
    expect(lines(logger, "info")).toContain('agent "strat" restarting (operator restart, no back-off)');
    orch.disable("strat");
    await clock.advance(0);
    expect(lines(logger, "info")).toContain('agent "strat" disabled by the operator');
    await orch.shutdown();
  });

  test("a stop() past its deadline logs an AGENT_STOP_TIMEOUT error (warn): it is reported, never a crash", async () => {
    const { Agent: Stuck } = scriptedAgent("stuck", { stop: never });
    const { orch, clock, logger } = setup({ agents: [Stuck], config: { supervisor: { stopTimeout: "2s" } } });
    await orch.start();
    const done = orch.shutdown();
    await clock.advance(2_000);
    await done;
    const line = 'agent "stuck": stop() did not settle within 2s; the incarnation is abandoned';
    expect(lines(logger, "warn")).toContain(line);
    const entry = logger.entries.find((e) => e.message === line);
    expect(entry?.fields).toMatchObject({ agent: "stuck", timeout: 2_000, err: { name: "AgentError", code: "AGENT_STOP_TIMEOUT", agent: "stuck", message: line } });
    expect(lines(logger, "error").filter((message) => message.includes("crashed"))).toEqual([]);
    expect(orch.agent("stuck")).toMatchObject({ state: "stopped", crashes: 0 });
  });
});

/** What the default console logger printed, by level, as `[agent-orchestrator] message` lines (the fields left out). */
function captureConsole(): { lines: (level: "info" | "warn" | "error" | "debug") => string[] } {
  const spies = {
    debug: vi.spyOn(console, "debug").mockImplementation(() => undefined),
    info: vi.spyOn(console, "info").mockImplementation(() => undefined),
    warn: vi.spyOn(console, "warn").mockImplementation(() => undefined),
    error: vi.spyOn(console, "error").mockImplementation(() => undefined),
  };
  return { lines: (level) => spies[level].mock.calls.map((call) => String(call[0])) };
}

/** An orchestrator with the default logger (no `logger` option) on a ManualClock. */
function withDefaultLogger(options: Omit<OrchestratorOptions, "clock" | "logger">): { orch: ReturnType<typeof createOrchestrator>; clock: ManualClock } {
  const clock = new ManualClock(T0);
  return { orch: createOrchestrator({ keepAlive: false, random: () => 0, ...options, clock }), clock };
}

describe("the default console logger", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  test("prints a crash (error), its back-off (warn) and the restart itself (info)", async () => {
    const printed = captureConsole();
    const { Agent: A, instances } = scriptedAgent("feed");
    const { orch, clock } = withDefaultLogger({ agents: [A] });
    await orch.start();
    instances.at(-1)?.fail(new Error("feed lost"));
    await clock.advance(1_000);
    expect(printed.lines("error")).toContain('[agent-orchestrator] agent "feed" crashed (fail): feed lost');
    expect(printed.lines("warn")).toContain('[agent-orchestrator] agent "feed" restarts in 1s (back-off, attempt 1)');
    expect(printed.lines("info")).toContain('[agent-orchestrator] agent "feed" restarting (attempt 1)');
    expect(orch.agent("feed")?.state).toBe("running");
    await orch.shutdown();
  });

  test("prints operator actions (info)", async () => {
    const printed = captureConsole();
    const { Agent: A } = scriptedAgent("feed");
    const { orch, clock } = withDefaultLogger({ agents: [A] });
    await orch.start();
    orch.restart("feed");
    await clock.advance(0);
    orch.disable("feed");
    await clock.advance(0);
    orch.enable("feed");
    await clock.advance(0);
    const info = printed.lines("info");
    for (const line of ['operator: restart "feed"', 'agent "feed" restarting (operator restart, no back-off)', 'operator: disable "feed"', 'operator: enable "feed"']) {
      expect(info).toContain(`[agent-orchestrator] ${line}`);
    }
    await orch.shutdown();
  });

  test("prints nothing per agent at start and shutdown: the same few lines for 1 agent as for 200", async () => {
    const linesFor = async (count: number): Promise<string[]> => {
      const printed = captureConsole();
      const agents = Array.from({ length: count }, (_, i) => scriptedAgent(`agent_${i}`).Agent);
      const { orch } = withDefaultLogger({ agents });
      await orch.start();
      await orch.shutdown();
      const all = [...printed.lines("debug"), ...printed.lines("info"), ...printed.lines("warn"), ...printed.lines("error")];
      vi.restoreAllMocks();
      return all;
    };
    const one = await linesFor(1);
    expect(one).toContain("[agent-orchestrator] orchestrator running");
    expect(await linesFor(200)).toEqual(one);
  });

  test("discards debug entries unread, also once guarded, so the supervisor builds none", () => {
    expect(discards(guardLogger(consoleLogger), "debug")).toBe(true);
    expect(discards(guardLogger(consoleLogger), "info")).toBe(false);
    const printed = captureConsole();
    guardLogger(consoleLogger).debug({ agent: "feed" }, "detail");
    expect(printed.lines("debug")).toEqual([]);
  });
});
