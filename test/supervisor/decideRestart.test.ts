import { describe, expect, test } from "vitest";
import { decideRestart, FRESH_RECORD, type AgentRestartRecord, type Crash, type RestartDecision, type RestartPolicy, type RestartState } from "../../src/supervisor/decideRestart.js";

// The restart rules as a table: (state, crash) → decision, no clock, no orchestrator.
// Times in ms; the crash happens at AT.

const AT = 1_767_600_000_000;
const MIN = 60_000;
const POLICY: RestartPolicy = { restart: { kind: "always" }, crashLoop: { maxCrashes: 3, within: 5 * MIN }, escalateAfter: 3, resetAfter: MIN };
const MAX_2: RestartPolicy = { ...POLICY, restart: { kind: "max", max: 2 } };
const FAIL_STOP: RestartPolicy = { ...POLICY, restart: { kind: "fail-stop" } };

interface Row {
  readonly rule: string;
  readonly policy?: RestartPolicy;
  readonly agent?: Partial<AgentRestartRecord>;
  readonly stopping?: boolean;
  readonly crash?: Partial<Crash>;
  readonly decision: RestartDecision;
}

const record = (fields: Partial<AgentRestartRecord> = {}): AgentRestartRecord => ({ ...FRESH_RECORD, ...fields });
/** Two crashes 1 and 2 minutes ago: inside the 5-minute window. */
const TWO_RECENT = [AT - 2 * MIN, AT - MIN];
const THREE_RECENT = [AT - 3 * MIN, AT - 2 * MIN, AT - MIN];

const rows: readonly Row[] = [
  // ---- the plain case: restart after back-off
  { rule: "a first crash restarts with attempt 1", decision: { kind: "restart", attempt: 1, escalate: false, next: record({ streak: 1, attempt: 1, crashTimes: [AT] }) } },
  {
    rule: "attempts go on counting while the runs are short",
    agent: { streak: 1, attempt: 4, crashTimes: [AT - MIN] },
    crash: { startedAt: AT - MIN + 1_000 },
    decision: { kind: "restart", attempt: 5, escalate: false, next: record({ streak: 2, attempt: 5, crashTimes: [AT - MIN, AT] }) },
  },
  // ---- reset after a stable run
  {
    rule: "a run of resetAfter from its start resets the back-off and the streak",
    agent: { streak: 2, attempt: 6, crashTimes: TWO_RECENT },
    crash: { startedAt: AT - MIN },
    decision: { kind: "restart", attempt: 1, escalate: false, next: record({ streak: 1, attempt: 1, crashTimes: [...TWO_RECENT, AT] }) },
  },
  {
    rule: "a run 1 ms short of resetAfter resets nothing",
    agent: { streak: 1, attempt: 6 },
    crash: { startedAt: AT - MIN + 1 },
    decision: { kind: "restart", attempt: 7, escalate: false, next: record({ streak: 2, attempt: 7, crashTimes: [AT] }) },
  },
  {
    rule: "an incarnation that crashed while starting never counts as stable, however long it took",
    agent: { streak: 1, attempt: 6 },
    crash: {}, // no startedAt: its start() never resolved
    decision: { kind: "restart", attempt: 7, escalate: false, next: record({ streak: 2, attempt: 7, crashTimes: [AT] }) },
  },
  // ---- consecutive failures: escalate once per streak, restarts go on
  {
    rule: "the escalateAfter-th failure of a streak escalates and restarts",
    agent: { streak: 2, attempt: 2, crashTimes: [AT - 10 * MIN] },
    decision: { kind: "restart", attempt: 3, escalate: true, next: record({ streak: 3, attempt: 3, crashTimes: [AT] }) },
  },
  {
    rule: "the failure after it does not escalate again",
    agent: { streak: 3, attempt: 3 },
    decision: { kind: "restart", attempt: 4, escalate: false, next: record({ streak: 4, attempt: 4, crashTimes: [AT] }) },
  },
  {
    rule: "a stable run starts a new streak: the escalateAfter-th crash before it does not count",
    agent: { streak: 2, attempt: 2 },
    crash: { startedAt: AT - 2 * MIN },
    decision: { kind: "restart", attempt: 1, escalate: false, next: record({ streak: 1, attempt: 1, crashTimes: [AT] }) },
  },
  // ---- crash loop: more than maxCrashes inside the sliding window
  {
    rule: "the 4th crash within 5 minutes disables (crash-loop)",
    agent: { streak: 1, attempt: 3, crashTimes: THREE_RECENT },
    crash: { startedAt: AT - 2 * MIN }, // even after a stable run: the window is not reset by one
    decision: { kind: "disable", reason: "crash-loop", next: record({ streak: 1, attempt: 0, crashTimes: [...THREE_RECENT, AT] }) },
  },
  {
    rule: "the 3rd crash within the window restarts",
    agent: { streak: 1, attempt: 2, crashTimes: TWO_RECENT },
    decision: { kind: "restart", attempt: 3, escalate: false, next: record({ streak: 2, attempt: 3, crashTimes: [...TWO_RECENT, AT] }) },
  },
  {
    rule: "a crash exactly `within` ago has left the window",
    agent: { streak: 1, attempt: 3, crashTimes: [AT - 5 * MIN, AT - 2 * MIN, AT - MIN] },
    decision: { kind: "restart", attempt: 4, escalate: false, next: record({ streak: 2, attempt: 4, crashTimes: [...TWO_RECENT, AT] }) },
  },
  {
    rule: "crash-loop wins over consecutive-failures: one escalation per crash",
    agent: { streak: 2, attempt: 2, crashTimes: THREE_RECENT },
    decision: { kind: "disable", reason: "crash-loop", next: record({ streak: 3, attempt: 2, crashTimes: [...THREE_RECENT, AT] }) },
  },
  // ---- restart limit: `restart: { max }` counts restarts since start or enable()
  {
    rule: "below its max, a group restarts",
    policy: MAX_2,
    agent: { restartsSinceEnable: 1, streak: 1, attempt: 1, crashTimes: [AT - MIN] },
    decision: { kind: "restart", attempt: 2, escalate: false, next: record({ restartsSinceEnable: 1, streak: 2, attempt: 2, crashTimes: [AT - MIN, AT] }) },
  },
  {
    rule: "with max restarts done, the next crash disables (restart-limit)",
    policy: MAX_2,
    agent: { restartsSinceEnable: 2, streak: 1, attempt: 2, crashTimes: [AT - 10 * MIN] },
    decision: { kind: "disable", reason: "restart-limit", next: record({ restartsSinceEnable: 2, streak: 2, attempt: 2, crashTimes: [AT] }) },
  },
  {
    rule: "a stable run does not give back the restarts of the max",
    policy: MAX_2,
    agent: { restartsSinceEnable: 2, streak: 1, attempt: 2 },
    crash: { startedAt: AT - 10 * MIN },
    decision: { kind: "disable", reason: "restart-limit", next: record({ restartsSinceEnable: 2, streak: 1, attempt: 0, crashTimes: [AT] }) },
  },
  {
    rule: "restart-limit wins over crash-loop and consecutive-failures",
    policy: MAX_2,
    agent: { restartsSinceEnable: 2, streak: 2, attempt: 2, crashTimes: THREE_RECENT },
    decision: { kind: "disable", reason: "restart-limit", next: record({ restartsSinceEnable: 2, streak: 3, attempt: 2, crashTimes: [...THREE_RECENT, AT] }) },
  },
  // ---- fail-stop: the first crash stops the orchestrator, whatever the counts
  { rule: "a fail-stop group fail-stops on its first crash", policy: FAIL_STOP, decision: { kind: "fail-stop", next: FRESH_RECORD } },
  {
    rule: "fail-stop wins over the crash loop, and changes no count",
    policy: FAIL_STOP,
    agent: { streak: 2, attempt: 2, crashTimes: THREE_RECENT },
    decision: { kind: "fail-stop", next: record({ streak: 2, attempt: 2, crashTimes: THREE_RECENT }) },
  },
  // ---- shutdown under way: nothing restarts or escalates
  { rule: "once shutdown has begun a crash only stops the agent", stopping: true, agent: { streak: 2, attempt: 2 }, decision: { kind: "stop", next: record({ streak: 2, attempt: 2 }) } },
  { rule: "shutdown wins over fail-stop", stopping: true, policy: FAIL_STOP, decision: { kind: "stop", next: FRESH_RECORD } },
  {
    rule: "shutdown wins over the restart limit and the crash loop",
    stopping: true,
    policy: MAX_2,
    agent: { restartsSinceEnable: 2, crashTimes: THREE_RECENT },
    decision: { kind: "stop", next: record({ restartsSinceEnable: 2, crashTimes: THREE_RECENT }) },
  },
];

/** Freeze `value` and everything in it, so that a mutation throws (test files run in strict mode). */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

describe("decideRestart", () => {
  test.each(rows)("$rule", ({ policy = POLICY, agent, stopping = false, crash, decision }) => {
    const state: RestartState = deepFreeze({ policy, agent: record(agent), stopping });
    const input: Crash = deepFreeze({ reason: "error", at: AT, ...crash });
    expect(decideRestart(state, input)).toEqual(decision);
  });

  test("the reason of a crash does not change the decision", () => {
    const state: RestartState = { policy: POLICY, agent: record({ streak: 2, attempt: 2 }), stopping: false };
    const decisions = (["start", "error", "fail", "hung"] as const).map((reason) => decideRestart(state, { reason, at: AT }));
    expect(new Set(decisions.map((d) => JSON.stringify(d))).size).toBe(1);
  });

  test("it is pure: the same input gives the same decision, and the input is left as it was", () => {
    const state: RestartState = { policy: POLICY, agent: record({ streak: 1, attempt: 1, crashTimes: TWO_RECENT }), stopping: false };
    const before = JSON.stringify(state);
    const first = decideRestart(state, { reason: "fail", at: AT });
    expect(decideRestart(state, { reason: "fail", at: AT })).toEqual(first);
    expect(JSON.stringify(state)).toBe(before);
  });

  test("fed its own next records, a crash every minute restarts three times, then the crash loop disables", () => {
    let agent = FRESH_RECORD;
    const kinds: string[] = [];
    for (let i = 0; i < 4; i++) {
      const decision = decideRestart({ policy: POLICY, agent, stopping: false }, { reason: "error", at: AT + i * MIN });
      kinds.push(decision.kind === "restart" ? `restart ${decision.attempt}${decision.escalate ? " (escalate)" : ""}` : `${decision.kind}`);
      agent = decision.next;
    }
    expect(kinds).toEqual(["restart 1", "restart 2", "restart 3 (escalate)", "disable"]);
  });
});
