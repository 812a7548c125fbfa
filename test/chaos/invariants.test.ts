import { beforeAll, describe, expect, test } from "vitest";
import { HOSTILE_KINDS, hostileKindOf, hostileValue, showThrown } from "../helpers/chaosHostile.js";
import { checkChaos } from "../helpers/chaosInvariants.js";
import { backoffBounds, runModel, type ModelInput, type ModelSettings, type ObservedRestart } from "../helpers/chaosModel.js";
import { CHAOS_T0, runChaos, type ChaosRun } from "../helpers/chaosRun.js";

// The chaos suite is only as good as its checks: the reference model is tested on
// hand-written histories, and the checker must catch a run whose reports were tampered with.

const MINUTE = 60_000;
const settings: ModelSettings = {
  backoff: { initial: 1_000, max: 60_000, factor: 2, jitter: 0.2 },
  resetAfter: 60_000,
  groups: {
    data: { restart: "always", maxCrashes: 3, within: 5 * MINUTE, escalateAfter: 3 },
    strategy: { restart: { max: 2 }, maxCrashes: 3, within: 5 * MINUTE, escalateAfter: 3 },
    critical: { restart: "fail-stop", maxCrashes: 3, within: 5 * MINUTE, escalateAfter: 3 },
  },
  agents: { feed: "data", strat: "strategy", risk: "critical" },
};

/**
 * A history of one agent: built at 0, then each crash restarts it after the
 * announced delay (a number, or `[delay, attempt]` when the attempt is not simply the next one).
 */
function history(agent: string, crashes: ReadonlyArray<{ at: number; stable?: boolean }>, delays: ReadonlyArray<number | readonly [number, number]>) {
  let seq = 0;
  const inputs: ModelInput[] = [{ kind: "construct", seq: ++seq, at: 0, agent }];
  const observed: ObservedRestart[] = [];
  crashes.forEach((crash, i) => {
    inputs.push({ kind: "crash", seq: ++seq, at: crash.at, agent, reason: "fail", message: `crash ${i + 1}`, stable: crash.stable ?? false });
    const announced = delays[i];
    if (announced !== undefined) {
      const [delay, attempt] = typeof announced === "number" ? [announced, observed.length + 1] : announced;
      observed.push({ delay, at: crash.at + delay, attempt });
      inputs.push({ kind: "construct", seq: ++seq, at: crash.at + delay, agent });
    }
  });
  return { inputs, observed: new Map([[agent, observed]]) };
}

describe("the reference model of the supervision rules", () => {
  test("back-off bounds are [round(base·(1 − jitter)), base] with base capped at max", () => {
    expect(backoffBounds(0, settings.backoff)).toEqual({ low: 800, high: 1_000 });
    expect(backoffBounds(5, settings.backoff)).toEqual({ low: 25_600, high: 32_000 });
    expect(backoffBounds(6, settings.backoff)).toEqual({ low: 48_000, high: 60_000 });
    expect(backoffBounds(40, settings.backoff)).toEqual({ low: 48_000, high: 60_000 });
  });

  test("the 4th crash inside the window disables (crash-loop); the 3rd of a streak escalates first", () => {
    const { inputs, observed } = history("feed", [{ at: 0 }, { at: 1_000 }, { at: 3_000 }, { at: 7_000 }], [1_000, 2_000, 4_000]);
    const result = runModel(settings, inputs, observed, 10_000);
    expect(result.violations).toEqual([]);
    expect(result.escalations.map((e) => [e.reason, e.disabled, e.at])).toEqual([
      ["consecutive-failures", false, 3_000],
      ["crash-loop", true, 7_000],
    ]);
    expect(result.disabled).toEqual([{ agent: "feed", reason: "crash-loop", at: 7_000 }]);
    expect(result.restarts.get("feed")).toBe(3);
    expect(result.finalState.get("feed")).toBe("disabled");
  });

  test("restart-limit wins over crash-loop, and counts restarts since start", () => {
    const { inputs, observed } = history("strat", [{ at: 0 }, { at: 10 * MINUTE }, { at: 20 * MINUTE }], [1_000, 2_000]);
    const result = runModel(settings, inputs, observed, 30 * MINUTE);
    expect(result.violations).toEqual([]);
    expect(result.disabled).toEqual([{ agent: "strat", reason: "restart-limit", at: 20 * MINUTE }]);
  });

  test("a stable run resets the attempt and the streak", () => {
    const { inputs, observed } = history("feed", [{ at: 0 }, { at: 1_000 }, { at: 10 * MINUTE, stable: true }], [1_000, 2_000, [1_000, 1]]);
    const result = runModel(settings, inputs, observed, 20 * MINUTE);
    expect(result.violations).toEqual([]);
    expect(result.escalations).toEqual([]);
  });

  test("it reports a delay outside the bounds, a wrong attempt and an unexplained incarnation", () => {
    const tooLong = history("feed", [{ at: 0 }], [1_001]);
    expect(runModel(settings, tooLong.inputs, tooLong.observed, 5_000).violations).toEqual([
      "feed: back-off attempt 0 waited 1001 ms, outside [800, 1000]",
    ]);
    const notReset = history("feed", [{ at: 0 }, { at: 10 * MINUTE, stable: true }], [1_000, 2_000]);
    expect(runModel(settings, notReset.inputs, notReset.observed, 20 * MINUTE).violations).toEqual([
      "feed: restart after the crash at 600000 announced as attempt 2, expected 1",
      "feed: back-off attempt 0 waited 2000 ms, outside [800, 1000]",
    ]);
    const extra = history("feed", [], []);
    extra.inputs.push({ kind: "construct", seq: 99, at: 5_000, agent: "feed" });
    expect(runModel(settings, extra.inputs, extra.observed, 10_000).violations[0]).toMatch(/no rule explains/);
  });

  test("a crash under fail-stop ends the run: later crashes change nothing", () => {
    const inputs: ModelInput[] = [
      { kind: "construct", seq: 1, at: 0, agent: "risk" },
      { kind: "construct", seq: 2, at: 0, agent: "feed" },
      { kind: "crash", seq: 3, at: 5_000, agent: "risk", reason: "fail", message: "limits", stable: false },
      { kind: "crash", seq: 4, at: 5_000, agent: "feed", reason: "error", message: "late", stable: false },
    ];
    const result = runModel(settings, inputs, new Map(), 10_000);
    expect(result.violations).toEqual([]);
    expect(result.failStop).toEqual({ agent: "risk", at: 5_000, message: "limits" });
    expect(result.finalState.get("risk")).toBe("failed");
    expect(result.finalState.get("feed")).toBe("stopped");
  });

  test("enable() is only consistent with an agent the rules disabled, and clears its slate", () => {
    const { inputs, observed } = history("feed", [{ at: 0 }, { at: 1_000 }, { at: 3_000 }, { at: 7_000 }], [1_000, 2_000, 4_000]);
    inputs.push({ kind: "enable", seq: 100, at: 8_000, agent: "feed" }, { kind: "construct", seq: 101, at: 8_000, agent: "feed" });
    inputs.push({ kind: "crash", seq: 102, at: 9_000, agent: "feed", reason: "fail", message: "again", stable: false });
    const list = observed.get("feed") ?? [];
    list.push({ delay: 1_000, at: 10_000, attempt: 1 });
    inputs.push({ kind: "construct", seq: 103, at: 10_000, agent: "feed" });
    const result = runModel(settings, inputs, observed, 20_000);
    expect(result.violations).toEqual([]);
    expect(result.finalState.get("feed")).toBe("stopped");
    const early = history("feed", [{ at: 0 }], [1_000]);
    early.inputs.push({ kind: "enable", seq: 50, at: 2_000, agent: "feed" });
    expect(runModel(settings, early.inputs, early.observed, 3_000).violations[0]).toMatch(/the orchestrator reported it disabled.*the rules say up/);
  });
});

describe("the chaos checker catches a run whose reports disagree with the tally", () => {
  let run: ChaosRun;
  beforeAll(async () => {
    run = await runChaos({ seed: 7, agents: 15, hours: 1 });
  });

  test("the untouched run is clean", () => {
    expect(run.clock.now()).toBeGreaterThan(CHAOS_T0);
    expect(checkChaos(run).violations).toEqual([]);
  });

  test("a crash event missing", () => {
    const tampered = { ...run, events: { ...run.events, "agent:crash": run.events["agent:crash"].slice(1) } };
    expect(checkChaos(tampered).violations.some((v) => /agent:crash events, the tally has/.test(v))).toBe(true);
  });

  test("a restart delay past the cap", () => {
    const restarts = run.events["agent:restart"].map((event, i) => (i === 0 ? { ...event, payload: { ...event.payload, delay: 60_001, at: event.at + 60_001 } } : event));
    const tampered = { ...run, events: { ...run.events, "agent:restart": restarts } };
    expect(checkChaos(tampered).violations.some((v) => /outside \[/.test(v))).toBe(true);
  });

  test("an escalation that the rules do not call for", () => {
    const first = run.events.escalation[0];
    expect(first).toBeDefined();
    const tampered = { ...run, events: { ...run.events, escalation: first === undefined ? [] : [first, ...run.events.escalation] } };
    expect(checkChaos(tampered).violations.some((v) => /^escalation #/.test(v))).toBe(true);
  });

  test("metrics that count a crash twice", () => {
    const line = run.metrics.split("\n").find((l) => /^agent_crashes_total\{.*\} [1-9]/.test(l)) ?? "";
    const doubled = line.replace(/ (\d+)$/, (_, n: string) => ` ${Number(n) * 2}`);
    const tampered = { ...run, metrics: run.metrics.replace(line, doubled) };
    expect(checkChaos(tampered).violations.some((v) => /agent_crashes_total\{reason=".*"\} is \d+, the tally has/.test(v))).toBe(true);
  });

  test("a crash whose decision never came", () => {
    const crash = run.events["agent:crash"].find((event) => run.events["agent:state"].some((state) => state.seq > event.seq && state.payload.agent === event.payload.agent && state.payload.state === "backoff"));
    expect(crash).toBeDefined();
    const decision = run.events["agent:state"].find((state) => state.seq > (crash?.seq ?? 0) && state.payload.agent === crash?.payload.agent);
    const tampered = { ...run, events: { ...run.events, "agent:state": run.events["agent:state"].filter((state) => state !== decision) } };
    expect(checkChaos(tampered).violations.some((v) => /: the rules call for restart; the supervisor's next state was /.test(v))).toBe(true);
  });

  test("a timer left on the clock, a subscription left on the bus", () => {
    const tampered = { ...run, pendingTimers: 1, leftoverPatterns: ["work.feed-0"] };
    const { violations } = checkChaos(tampered);
    expect(violations).toContain("1 timers still pending on the clock after shutdown");
    expect(violations).toContain("bus subscriptions left after shutdown: work.feed-0");
  });

  test("hostile values happened, and the run is the same without them", async () => {
    const { summary } = checkChaos(run);
    expect(summary.hostile.crashes).toBeGreaterThan(0);
    const plain = await runChaos({ seed: 7, agents: 15, hours: 1, hostile: 0 });
    const { summary: plainSummary, violations } = checkChaos(plain);
    expect(violations).toEqual([]);
    expect(plainSummary.hostile.faults).toBe(0);
    expect({ ...plainSummary, hostile: undefined }).toEqual({ ...summary, hostile: undefined });
  });

  test("the same seed replays the same run", async () => {
    const again = await runChaos({ seed: 7, agents: 15, hours: 1 });
    expect(checkChaos(again).summary).toEqual(checkChaos(run).summary);
    expect(again.events["agent:restart"].map((e) => [e.at, e.payload.agent, e.payload.delay])).toEqual(
      run.events["agent:restart"].map((e) => [e.at, e.payload.agent, e.payload.delay]),
    );
  });
});

describe("the chaos suite's hostile thrown values", () => {
  test.each(HOSTILE_KINDS)("%s defeats the naive description the supervisor used before describeThrown", (kind) => {
    const value = hostileValue(kind, "probe");
    // the crash handling's old description of a thrown value, which stopped the supervisor halfway
    const naive = (): string => (value instanceof Error ? value.message : (JSON.stringify(value) ?? String(value)));
    expect(naive).toThrow();
    expect(hostileKindOf(value)).toBe(kind);
    expect(showThrown(value)).toBe(`a hostile value (${kind})`);
  });

  test("anything else is not taken for one", () => {
    expect(hostileKindOf(new Error("plain"))).toBeUndefined();
    expect(hostileKindOf("text")).toBeUndefined();
    expect(showThrown(new Error("plain"))).toBe('Error "plain"');
  });
});
