// The scheduler wired into the orchestrator: ticks reach onCron through the
// bus, are visible to other subscribers, respect the agent's state, and the
// trigger policies apply.
import { describe, expect, test } from "vitest";
import type { Agent } from "../../src/agent/Agent.js";
import { ConfigError } from "../../src/errors/ConfigError.js";
import type { CronTick } from "../../src/schedule/ScheduleSpec.js";
import { ManualClock } from "../../src/testing/ManualClock.js";
import { never, recordEvents, scriptedAgent, setup, T0 } from "../helpers/orchestrator.js";

function ticking(name: string, onCron?: (tick: CronTick, agent: Agent) => void | Promise<void>) {
  const ticks: CronTick[] = [];
  const made = scriptedAgent(name, {
    onCron(this: Agent, tick: CronTick) {
      ticks.push(tick);
      return onCron?.(tick, this);
    },
  });
  return { ...made, ticks };
}

describe("triggers through the orchestrator", () => {
  test("each slot publishes cron.<agent>, reaches onCron, and is visible to an audit subscriber", async () => {
    const { Agent: Feed, ticks } = ticking("feed");
    const { orch, clock } = setup({ agents: [Feed], config: { schedule: { feed: { every: "15s" } } } });
    const audit: string[] = [];
    orch.bus.subscribe("cron.*", (m) => void audit.push(`${m.topic} ${(m.payload as CronTick).key}`));
    await orch.start();
    await clock.advance(60_000);
    expect(ticks.map((t) => t.scheduledAt - T0)).toEqual([15_000, 30_000, 45_000, 60_000]);
    expect(ticks[0]).toEqual({
      agent: "feed",
      trigger: "every:15s",
      scheduledAt: T0 + 15_000,
      firedAt: T0 + 15_000,
      key: `feed:every:15s:${new Date(T0 + 15_000).toISOString()}`,
    });
    expect(audit).toEqual(ticks.map((t) => `cron.feed ${t.key}`));
    await orch.shutdown();
  });

  test("agent(name) shows the next fire time", async () => {
    const { Agent: Report } = ticking("report");
    const { orch, clock } = setup({ agents: [Report], config: { schedule: { report: "0 17 * * 1-5" } } });
    await orch.start();
    // T0 is Monday 2026-01-05 09:00 UTC; the host zone of the test run is not assumed
    const next = orch.agent("report")?.nextTriggerAt;
    expect(next).toBeGreaterThan(T0);
    expect(new Date(next ?? 0).getMinutes()).toBe(0);
    await clock.advanceTo(next ?? 0);
    expect(orch.agent("report")?.nextTriggerAt).toBeGreaterThan(next ?? 0);
    await orch.shutdown();
  });

  test("slots that come while the agent backs off are skipped and counted, never queued behind the restart", async () => {
    let failStart = false;
    const made = scriptedAgent("feed", {
      start: () => (failStart ? Promise.reject(new Error("cannot start")) : undefined),
      onCron(this: Agent) {
        ticks.push(this.clock.now());
      },
    });
    const ticks: number[] = [];
    const { orch, clock } = setup({
      agents: [made.Agent],
      config: { schedule: { feed: { every: "1s" } }, supervisor: { backoff: { initial: "10s", max: "10s" } } },
    });
    await orch.start();
    await clock.advance(2_000);
    expect(ticks).toEqual([T0 + 1_000, T0 + 2_000]);
    failStart = true;
    made.instances[0]?.fail(new Error("crash"));
    await clock.advance(10_000); // back-off 10 s, then start fails again
    failStart = false;
    await clock.advance(20_000); // back-off 20 s capped to 10 s, then running
    const running = orch.agent("feed");
    expect(running?.state).toBe("running");
    const resumedAt = ticks[2] ?? 0;
    expect(resumedAt).toBeGreaterThan(T0 + 2_000 + 20_000 - 1);
    // exactly one tick per second once running again: no burst of the skipped ones
    expect(ticks.slice(2).every((t, i, all) => i === 0 || t - (all[i - 1] ?? 0) === 1_000)).toBe(true);
    const metrics = await orch.metrics();
    const skipped = Number(/cron_triggers_skipped_total\{agent="feed",reason="agent-down"\} (\d+)/.exec(metrics)?.[1]);
    expect(skipped).toBeGreaterThanOrEqual(19);
    await orch.shutdown();
  });

  test("overlap: skip drops a slot while the previous run is going, and counts it", async () => {
    let release: () => void = () => undefined;
    const { Agent: Slow, ticks } = ticking("slow", () => new Promise<void>((resolve) => (release = resolve)));
    const { orch, clock } = setup({ agents: [Slow], config: { schedule: { slow: { every: "1s" } } } });
    await orch.start();
    await clock.advance(3_000);
    expect(ticks).toHaveLength(1);
    release();
    await clock.advance(1_000);
    expect(ticks).toHaveLength(2);
    expect(await orch.metrics()).toMatch(/cron_triggers_skipped_total\{agent="slow",reason="overlap"\} 2/);
    release();
    await orch.shutdown();
  });

  test("a trigger timeout treats a stuck onCron as hung: the agent crashes and restarts", async () => {
    const { Agent: Stuck, instances } = ticking("stuck", () => never());
    const { orch, clock } = setup({ agents: [Stuck], config: { schedule: { stuck: { every: "10s", timeout: "5s" } } } });
    const events = recordEvents(orch);
    await orch.start();
    await clock.advance(15_000);
    expect(events["agent:crash"]).toMatchObject([{ agent: "stuck", reason: "hung" }]);
    expect(instances[0]?.signal.aborted).toBe(true);
    await clock.advance(1_000);
    expect(orch.agent("stuck")?.state).toBe("running");
    await orch.shutdown();
  });

  test("an onCron that throws is the agent's crash", async () => {
    const { Agent: Bad } = ticking("bad", () => {
      throw new Error("cron failed");
    });
    const { orch, clock } = setup({ agents: [Bad], config: { schedule: { bad: { every: "1m" } } } });
    const events = recordEvents(orch);
    await orch.start();
    await clock.advance(60_000);
    expect(events["agent:crash"]).toMatchObject([{ agent: "bad", reason: "error" }]);
    expect((events["agent:crash"][0]?.error as Error).message).toBe("cron failed");
    await orch.shutdown();
  });

  test("schedule() adds triggers at run time and its handle cancels them", async () => {
    const { Agent: Feed, ticks } = ticking("feed");
    const { orch, clock } = setup({ agents: [Feed] });
    await orch.start();
    const handle = orch.schedule("feed", [{ every: "10s" }, { delay: "25s" }]);
    await clock.advance(30_000);
    expect(ticks.map((t) => t.trigger)).toEqual(["every:10s", "every:10s", "delay:25s", "every:10s"]);
    handle.cancel();
    await clock.advance(60_000);
    expect(ticks).toHaveLength(4);
    expect(() => orch.schedule("ghost", { every: "1s" })).toThrow(/no agent named "ghost"/);
    expect(() => orch.schedule("feed", { every: "-1s" })).toThrow(/schedule\.feed/);
    await orch.shutdown();
  });

  test("an `at` already in the past is skipped with a warning, and start() still succeeds", async () => {
    const { Agent: Once, ticks } = ticking("once");
    const { orch, clock, logger } = setup({ agents: [Once], config: { schedule: { once: { at: "2025-12-01T14:30:00Z" } } } });
    await orch.start();
    await clock.advance(60_000);
    expect(ticks).toEqual([]);
    expect(logger.entries.some((e) => e.level === "warn" && /past/.test(e.message ?? ""))).toBe(true);
    await orch.shutdown();
  });

  test("a job whose only yearly slot falls in a spring-forward gap is accepted by the config and fires at the end of the gap", async () => {
    // Lord Howe goes from +10:30 to +11 at 02:00 on Sunday 2026-10-04: 02:15 does not exist, 02:30 +11 (15:30Z) is the first instant after
    const { Agent: Report, ticks } = ticking("report");
    const { orch, clock } = setup({
      agents: [Report],
      clock: new ManualClock(Date.parse("2026-10-03T15:00:00Z")),
      config: { schedule: { report: { cron: "15 2 * 10 0#1", timezone: "Australia/Lord_Howe" } } },
    });
    await orch.start();
    expect(orch.agent("report")?.nextTriggerAt).toBe(Date.parse("2026-10-03T15:30:00Z"));
    await clock.advance(30 * 60_000);
    expect(ticks.map((t) => new Date(t.scheduledAt).toISOString())).toEqual(["2026-10-03T15:30:00.000Z"]);
    await orch.shutdown();
  });

  test("the config resolves H with the trigger's hash as the scheduler does: a refusal comes from the config, at the key path", () => {
    // H in the day of month picks 1-31 from the agent and trigger name; 30 and 31 never come in February
    const { Agent: Report } = ticking("report");
    const paths: string[] = [];
    for (let i = 0; i < 60; i++) {
      try {
        setup({ agents: [Report], config: { schedule: { report: { cron: "0 0 H 2 *", name: `t${i}` } } } });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).message).toContain("for this trigger H picks day");
        paths.push((error as ConfigError).path ?? "");
      }
    }
    expect(paths.length).toBeGreaterThan(0);
    expect(new Set(paths)).toEqual(new Set(["schedule.report.cron"]));
  });

  test("no trigger fires after shutdown", async () => {
    const { Agent: Feed, ticks } = ticking("feed");
    const { orch, clock } = setup({ agents: [Feed], config: { schedule: { feed: { every: "1s" } } } });
    await orch.start();
    await clock.advance(3_000);
    await orch.shutdown();
    await clock.advance(60_000);
    expect(ticks).toHaveLength(3);
    expect(clock.pending).toBe(0);
  });
});
