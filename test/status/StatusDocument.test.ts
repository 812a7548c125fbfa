import { describe, expect, test } from "vitest";
import { BusRates } from "../../src/status/BusRates.js";
import { statusDocument } from "../../src/status/StatusDocument.js";
import { FakeStatusSource, runningAgent } from "../helpers/status/FakeStatusSource.js";

const T0 = Date.parse("2026-03-02T09:00:00Z");

function read(source: FakeStatusSource, showErrors = false, rates = new BusRates()) {
  return statusDocument(source, { showErrors, actions: false, rates });
}

describe("statusDocument", () => {
  test("an agent reads with its state, group, criticality, uptime start, counts and heartbeat, times as ISO strings", () => {
    const source = new FakeStatusSource();
    source.agentList = [runningAgent("risk", { critical: true, runningSince: T0 - 65_000, lastHeartbeatAt: T0 - 2_000, heartbeatTimeout: 10_000 })];
    const document = read(source);
    expect(document).toMatchObject({ now: "2026-03-02T09:00:00.000Z", phase: "running", ready: true, actions: false });
    expect(document.agents).toEqual([
      {
        name: "risk",
        group: "data",
        path: ["data"],
        state: "running",
        critical: true,
        runningSince: "2026-03-02T08:58:55.000Z",
        restarts: 0,
        crashes: 0,
        heartbeat: { at: "2026-03-02T08:59:58.000Z", timeoutMs: 10_000 },
        triggers: [],
      },
    ]);
  });

  test("an agent in back-off shows its crash kind and time and the restart due, and never the error message unless showErrors", () => {
    const source = new FakeStatusSource();
    source.agentList = [
      {
        status: { name: "feed", group: "data", path: ["data"], state: "backoff", restarts: 1, crashes: 2, lastError: "db login failed: secret-password\n    at connect (db.js:1:1)", lastCrashAt: T0 - 1_000, lastCrashReason: "error", nextRestartAt: T0 + 3_000 },
        critical: false,
        runningSince: T0 - 9_000,
      },
    ];
    const hidden = read(source);
    expect(hidden.agents[0]).toMatchObject({ state: "backoff", restarts: 1, crashes: 2, lastCrash: { reason: "error", at: "2026-03-02T08:59:59.000Z" }, nextRestartAt: "2026-03-02T09:00:03.000Z" });
    expect(hidden.agents[0]).not.toHaveProperty("runningSince");
    expect(JSON.stringify(hidden)).not.toContain("secret");
    const shown = read(source, true);
    // the first line only: never a stack
    expect(shown.agents[0]?.lastCrash?.message).toBe("db login failed: secret-password");
  });

  test("triggers read with expression, time zone, pause, last run, next run and skip counts by reason", () => {
    const source = new FakeStatusSource();
    source.agentList = [runningAgent("reconcile")];
    source.triggerViews.set("reconcile", [
      {
        name: "eod",
        kind: "cron",
        expression: "0 16 * * 1-5",
        timezone: "America/New_York",
        paused: true,
        nextRunAt: T0 + 3_600_000,
        lastRun: { slot: T0 - 86_400_000, startedAt: T0 - 86_400_000 + 5, outcome: "ok", durationMs: 1_250 },
        skipped: { paused: 2 },
      },
    ]);
    expect(read(source).agents[0]?.triggers).toEqual([
      {
        name: "eod",
        kind: "cron",
        expression: "0 16 * * 1-5",
        timezone: "America/New_York",
        paused: true,
        nextRunAt: "2026-03-02T10:00:00.000Z",
        lastRun: { slot: "2026-03-01T09:00:00.000Z", startedAt: "2026-03-01T09:00:00.005Z", outcome: "ok", durationMs: 1_250 },
        skipped: { paused: 2 },
      },
    ]);
  });

  test("the bus reads with its counters and, from the second reading a second later, rates; the five deepest queues", () => {
    const source = new FakeStatusSource();
    const rates = new BusRates();
    source.queueList = Array.from({ length: 7 }, (_, i) => ({ pattern: `q${i}`, pending: 70 - i, maxPending: 1_000 }));
    expect(read(source, false, rates).bus).toEqual({ published: 0, delivered: 0, dropped: 0, pending: 0, rates: null });
    source.stats = { published: 40, delivered: 38, dropped: 2, pending: 3, handlerErrors: 0 };
    source.clock.jump(2_000);
    const document = read(source, false, rates);
    expect(document.bus).toEqual({ published: 40, delivered: 38, dropped: 2, pending: 3, rates: { published: 20, delivered: 19, dropped: 1 } });
    expect(document.queues.map((q) => q.pattern)).toEqual(["q0", "q1", "q2", "q3", "q4"]);
  });

  test("a bus without counters reads as null", () => {
    const source = new FakeStatusSource();
    source.stats = undefined;
    expect(read(source).bus).toBeNull();
  });
});
