import { AgentBus } from "../../src/agent/AgentBus.js";
import { ScopedClock } from "../../src/agent/ScopedClock.js";
import { AgentError } from "../../src/errors/AgentError.js";
import { describeThrown } from "../../src/errors/describeThrown.js";
import type { CrashReason } from "../../src/stats/AgentCounters.js";
import type { AgentState } from "../../src/supervisor/AgentStatus.js";
import { HOSTILE_KINDS, hostileKindOf, showThrown, type HostileKind } from "./chaosHostile.js";
import { MODEL_DECISIONS, runModel, type ModelDecision, type ModelInput, type ModelResult, type ObservedRestart } from "./chaosModel.js";
import type { ChaosRun } from "./chaosRun.js";
import { DEADLINE_KINDS, FAULT_REASON, FAULT_SITE, type Fault, type FaultKind, type FaultSite, type InstanceRecord } from "./chaosTally.js";

/** One crash as the tally says it must have happened. */
export interface TalliedCrash {
  readonly agent: string;
  readonly instance: number;
  readonly seq: number;
  readonly at: number;
  readonly reason: CrashReason;
  /** The error the incarnation was aborted with. */
  readonly error: unknown;
  readonly message: string;
  readonly stable: boolean;
  /** The fault that caused it. */
  readonly kind: FaultKind;
  /** The kind of hostile value it was thrown with, when it was one. */
  readonly hostile: HostileKind | undefined;
}

/** Hostile values thrown (faults) and the crashes they caused (crashes), and of those, how many got the decision the rules call for. */
export interface HostileCount {
  readonly faults: number;
  readonly crashes: number;
  readonly decided: number;
}

/** What a run did, for the test to check that the chaos was not idle. */
export interface ChaosSummary {
  readonly instances: number;
  readonly faults: number;
  /** Faults injected after their incarnation was told to end (not crashes). */
  readonly lateFaults: number;
  readonly crashes: Record<CrashReason, number>;
  readonly escalations: number;
  readonly disabled: number;
  readonly stopTimeouts: number;
  readonly restarts: number;
  readonly operatorActions: number;
  /** Operator actions taken before `start()` reached their agent, by kind. */
  readonly beforeStart: Readonly<Record<"enable" | "restart" | "disable", number>>;
  readonly crashesDuringShutdown: number;
  /** Fake time from the host's `shutdown()` call to its end, ms. */
  readonly shutdownMs: number;
  /** The hostile thrown values of the run (chaosHostile.ts). */
  readonly hostile: {
    readonly faults: number;
    readonly crashes: number;
    readonly byKind: Readonly<Record<HostileKind, HostileCount>>;
    /** By where they were thrown (the deadline kinds throw nothing; `stop` never crashes). */
    readonly bySite: Readonly<Record<FaultSite, HostileCount>>;
    /** Hostile crashes by the decision the supervisor reached, each the one the rules call for. */
    readonly decisions: Readonly<Record<ModelDecision, number>>;
  };
}

const effectiveAt = (fault: Fault): number => (DEADLINE_KINDS.has(fault.kind) ? (fault.deadline as number) : fault.at);

/**
 * Decide from the agents' own records which incarnations crashed, when and why.
 *
 * A fault counts as a crash when it reaches a live incarnation: a throw,
 * rejection or `fail()` while the incarnation's signal was not yet aborted; a
 * hang (heartbeat, `startTimeout`, trigger `timeout`) whose deadline came before
 * anything else ended the incarnation. Each incarnation crashes at most once,
 * at the first such fault, at that very instant. Everything injected after an
 * incarnation was told to end (inside `stop()`, a detached callback after a
 * crash, a second fault of a crashed incarnation) is not a crash.
 */
export function tallyCrashes(run: ChaosRun, violations: string[]): TalliedCrash[] {
  const crashes: TalliedCrash[] = [];
  const { resetAfter } = run.settings;
  for (const record of run.tally.instances) {
    const name = `${record.agent}#${record.index}`;
    if (record.abortedAt === undefined) {
      violations.push(`${name}: never told to end, although the run is over`);
      continue;
    }
    const aborted = record.abortedAt;
    const live = record.faults.filter((fault) => FAULT_REASON[fault.kind] !== undefined && (DEADLINE_KINDS.has(fault.kind) ? effectiveAt(fault) <= aborted : fault.live));
    if (live.length === 0) {
      if (!isStopReason(record.abortReason)) violations.push(`${name}: ended at ${run.tally.elapsed(aborted)} by ${showThrown(record.abortReason)} without any live fault`);
      else if (record.stopCalledAt !== aborted) violations.push(`${name}: aborted for a stop at ${run.tally.elapsed(aborted)} but stop() was not called then`);
      continue;
    }
    const first = Math.min(...live.map(effectiveAt));
    for (const fault of live) {
      if (effectiveAt(fault) < aborted) violations.push(`${name}: ${fault.kind} at ${run.tally.elapsed(effectiveAt(fault))} was not handled until ${run.tally.elapsed(aborted)}`);
    }
    const cause = causeOf(record, live);
    if (cause === undefined) {
      violations.push(`${name}: ended at ${run.tally.elapsed(aborted)} by ${showThrown(record.abortReason)}, none of its live faults (${live.map((f) => f.kind).join(", ")})`);
      continue;
    }
    if (effectiveAt(cause) !== first) violations.push(`${name}: crashed on ${cause.kind} at ${run.tally.elapsed(effectiveAt(cause))}, not on its first live fault at ${run.tally.elapsed(first)}`);
    const error = record.abortReason;
    const hostile = hostileKindOf(error);
    crashes.push({
      agent: record.agent,
      instance: record.index,
      seq: record.abortedSeq as number,
      at: aborted,
      reason: FAULT_REASON[cause.kind] as CrashReason,
      error,
      // a hostile value is described as the library documents it (describeThrown, tested on its own in
      // test/hostileThrown.test.ts); anything else is read here without the library's help
      message: hostile !== undefined ? describeThrown(error) : error instanceof Error ? error.message : String(error),
      stable: record.startResolvedAt !== undefined && aborted - record.constructedAt >= resetAfter,
      kind: cause.kind,
      hostile,
    });
  }
  return crashes.sort((a, b) => a.seq - b.seq);
}

function causeOf(record: InstanceRecord, live: readonly Fault[]): Fault | undefined {
  const reason = record.abortReason;
  const byError = live.find((fault) => fault.error !== undefined && fault.error === reason);
  if (byError !== undefined) return byError;
  if (hostileKindOf(reason) === undefined && reason instanceof AgentError && reason.code === "AGENT_HUNG") {
    return live.find((fault) => DEADLINE_KINDS.has(fault.kind) && effectiveAt(fault) === record.abortedAt);
  }
  return undefined;
}

function isStopReason(reason: unknown): boolean {
  return hostileKindOf(reason) === undefined && reason instanceof AgentError && reason.code === "AGENT_FAILED" && /is stopping/.test(reason.message);
}

/** The decision an agent's first state after a crash shows. */
const DECISION_OF: Partial<Record<AgentState, ModelDecision>> = { backoff: "restart", disabled: "disable", failed: "fail-stop", stopped: "stop" };

/** `agent_crashes_total{agent,reason}` and `agent_restarts_total{agent}` from the exposition text. */
export function parseMetrics(text: string): { crashes: Map<string, number>; restarts: Map<string, number> } {
  const crashes = new Map<string, number>();
  const restarts = new Map<string, number>();
  for (const line of text.split("\n")) {
    const match = /^(agent_crashes_total|agent_restarts_total)\{([^}]*)\} (\S+)$/.exec(line);
    if (match === null) continue;
    const labels = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const value = Number(match[3]);
    if (match[1] === "agent_crashes_total") crashes.set(`${labels["agent"]}/${labels["reason"]}`, value);
    else restarts.set(labels["agent"] ?? "", value);
  }
  return { crashes, restarts };
}

/**
 * Check every invariant of a finished run against the tally and the reference
 * model. Returns the violations (empty when the run is clean) and a summary.
 */
export function checkChaos(run: ChaosRun): { violations: string[]; summary: ChaosSummary; model: ModelResult } {
  const violations = [...run.tally.violations];
  const crashes = tallyCrashes(run, violations);
  const names = run.profiles.map((profile) => profile.name);
  const t = run.world;
  const shutdownSeq = run.tally.actions.find((action) => action.kind === "shutdown")?.seq ?? Infinity;

  // ---- every crash counted once: events, statuses, metrics and the tally agree
  const crashEvents = run.events["agent:crash"];
  for (const name of names) {
    const expected = crashes.filter((crash) => crash.agent === name);
    const reported = crashEvents.filter((event) => event.payload.agent === name);
    if (reported.length !== expected.length) violations.push(`${name}: ${reported.length} agent:crash events, the tally has ${expected.length} crashes`);
    expected.forEach((crash, i) => {
      const event = reported[i];
      if (event === undefined) return;
      if (event.payload.reason !== crash.reason) violations.push(`${name}: crash ${i + 1} reported as ${event.payload.reason}, injected as ${crash.reason}`);
      if (event.payload.error !== crash.error) violations.push(`${name}: crash ${i + 1} reported with another error than the one that ended the incarnation`);
      if (event.at !== crash.at) violations.push(`${name}: crash ${i + 1} reported at ${run.tally.elapsed(event.at)}, happened at ${run.tally.elapsed(crash.at)}`);
      if (event.payload.crashes !== i + 1) violations.push(`${name}: crash ${i + 1} reported with a running count of ${event.payload.crashes}`);
    });
    const status = run.orch.agent(name);
    if (status?.crashes !== expected.length) violations.push(`${name}: agents() reports ${status?.crashes} crashes, the tally has ${expected.length}`);
  }
  const metrics = parseMetrics(run.metrics);
  for (const name of names) {
    for (const reason of ["start", "error", "fail", "hung"] as const) {
      const expected = crashes.filter((crash) => crash.agent === name && crash.reason === reason).length;
      const value = metrics.crashes.get(`${name}/${reason}`) ?? 0;
      if (value !== expected) violations.push(`${name}: agent_crashes_total{reason="${reason}"} is ${value}, the tally has ${expected}`);
    }
  }

  // ---- the rules, re-derived by the reference model
  const inputs: ModelInput[] = [
    ...run.tally.instances.map((record): ModelInput => ({ kind: "construct", seq: record.constructedSeq, at: record.constructedAt, agent: record.agent })),
    ...crashes.map((crash): ModelInput => ({ kind: "crash", seq: crash.seq, at: crash.at, agent: crash.agent, reason: crash.reason, message: crash.message, stable: crash.stable })),
    ...run.tally.actions.map((action): ModelInput =>
      action.kind === "shutdown"
        ? { kind: "shutdown", seq: action.seq, at: action.at }
        : { kind: action.kind, seq: action.seq, at: action.at, agent: action.agent as string, ...(action.beforeStart === true ? { beforeStart: true } : {}) },
    ),
  ];
  const observed = new Map<string, ObservedRestart[]>();
  for (const event of run.events["agent:restart"]) {
    if (event.payload.reason !== "crash") continue;
    const list = observed.get(event.payload.agent) ?? [];
    list.push({ delay: event.payload.delay, at: event.payload.at, attempt: event.payload.attempt });
    observed.set(event.payload.agent, list);
    if (event.at + event.payload.delay !== event.payload.at) violations.push(`${event.payload.agent}: restart announced at ${event.at} for ${event.payload.at} with delay ${event.payload.delay}`);
  }
  const model = runModel(run.settings, inputs, observed, run.end);

  // ---- every crash reaches its decision at that very instant, whatever it was thrown with:
  // the agent's first state after its agent:crash event is the one the rules call for
  // (checked before the model's own findings are listed: a crash left undecided is the root of those)
  const decided = checkDecisions(run, crashes, model, violations);
  violations.push(...model.violations);

  for (const name of names) {
    const status = run.orch.agent(name);
    const restarts = model.restarts.get(name) ?? 0;
    if (status?.restarts !== restarts) violations.push(`${name}: agents() reports ${status?.restarts} restarts, the rules give ${restarts}`);
    if ((metrics.restarts.get(name) ?? 0) !== restarts) violations.push(`${name}: agent_restarts_total is ${metrics.restarts.get(name) ?? 0}, the rules give ${restarts}`);
    if (status?.state !== model.finalState.get(name)) violations.push(`${name}: ends ${status?.state}, the rules say ${model.finalState.get(name)}`);
  }

  const escalations = run.events.escalation.map((event) => ({ ...event.payload, at: event.at }));
  compareLists(violations, "escalation", model.escalations, escalations, (e) => `${e.agent} ${e.reason}${e.disabled ? " (disabled)" : ""} at ${run.tally.elapsed(e.at)} after [${e.crashes.map((c) => `${run.tally.elapsed(c.at)} ${c.error}`).join("; ")}]`, (a, b) =>
    a.agent === b.agent && a.reason === b.reason && a.disabled === b.disabled && a.at === b.at && sameCrashes(a.crashes, b.crashes),
  );
  // an operator's disable() is reported once the agent's stop() is over: within stopTimeout of the call
  const disabledEvents = run.events["agent:disabled"].map((event) => ({ ...event.payload, at: event.at }));
  for (const name of names) {
    compareLists(
      violations,
      `${name}: agent:disabled`,
      model.disabled.filter((d) => d.agent === name),
      disabledEvents.filter((d) => d.agent === name),
      (d) => `${d.reason} at ${run.tally.elapsed(d.at)}`,
      (a, b) => a.reason === b.reason && (a.reason === "operator" ? b.at >= a.at && b.at <= a.at + t.stopTimeout : a.at === b.at),
    );
  }
  const duringShutdown = run.events.escalation.filter((event) => event.seq > shutdownSeq || (model.failStop !== undefined && event.at > model.failStop.at));
  if (duringShutdown.length > 0) violations.push(`${duringShutdown.length} escalations after shutdown had begun`);

  // ---- escalations reach the bus, and the chief while it runs
  const emitted = run.events.escalation.map((event) => event.payload);
  if (run.published.length !== emitted.length || run.published.some((payload, i) => payload !== emitted[i])) {
    violations.push(`${run.published.length} escalations published on orchestrator.escalation, ${emitted.length} emitted`);
  }
  // the chief gets every escalation raised while it runs, except those about itself (it has just crashed)
  const toChief = run.events.escalation.filter((event) => event.chiefRunning === true && event.payload.agent !== "chief").map((event) => event.payload);
  const received = (run.tally.byAgent.get("chief") ?? []).flatMap((record) => record.escalations);
  if (received.length !== toChief.length || received.some((payload, i) => payload !== toChief[i])) {
    violations.push(`the chief received ${received.length} escalations, ${toChief.length} were raised while it was running`);
  }

  // ---- stop deadlines: a stop() past stopTimeout is abandoned and reported, no other
  const expectedTimeouts = run.tally.instances
    .filter((record) => record.stopCalledAt !== undefined && record.stopSettledAt === undefined && record.stopMode === "hang")
    .map((record) => ({ agent: record.agent, at: (record.stopCalledAt as number) + t.stopTimeout }))
    .sort((a, b) => a.at - b.at || a.agent.localeCompare(b.agent));
  const reportedTimeouts = run.events["agent:stop-timeout"]
    .map((event) => ({ agent: event.payload.agent, at: event.at, timeout: event.payload.timeout }))
    .sort((a, b) => a.at - b.at || a.agent.localeCompare(b.agent));
  compareLists(violations, "agent:stop-timeout", expectedTimeouts, reportedTimeouts, (s) => `${s.agent} at ${run.tally.elapsed(s.at)}`, (a, b) => a.agent === b.agent && a.at === b.at);
  for (const record of run.tally.instances) {
    if (record.stopCalledAt !== undefined && record.stopSettledAt === undefined && record.stopMode !== "hang") {
      violations.push(`${record.agent}#${record.index}: its stop() (${record.stopMode}) was abandoned before it could settle`);
    }
  }

  // ---- the end: closed, fail-stop, nothing left behind
  if (run.closed === undefined) violations.push("closed never settled");
  if (model.failStop !== undefined) {
    if (run.closed?.failed !== true || !run.closed.reason.includes(`"${model.failStop.agent}"`) || !run.closed.reason.includes(model.failStop.message)) {
      violations.push(`closed is ${JSON.stringify(run.closed)}; the fail-stop of ${model.failStop.agent} ("${model.failStop.message}") must be named`);
    }
    if (run.healthAfterFailStop !== 503) violations.push(`health answered ${run.healthAfterFailStop} after the fail-stop`);
  } else if (run.closed?.failed !== false || run.closed.reason !== "shutdown") {
    violations.push(`closed is ${JSON.stringify(run.closed)}, expected a clean shutdown`);
  }
  if (run.startError !== undefined) violations.push(`start() rejected: ${showThrown(run.startError)}`);
  if (run.pendingTimers !== 0) violations.push(`${run.pendingTimers} timers still pending on the clock after shutdown`);
  if (run.leftoverPatterns.length > 0) violations.push(`bus subscriptions left after shutdown: ${run.leftoverPatterns.join(", ")}`);
  if (run.busPending !== 0) violations.push(`${run.busPending} messages still pending on the bus after shutdown`);
  for (const record of run.tally.instances) {
    const { bus, clock, signal } = record.instance;
    if (!signal.aborted) violations.push(`${record.agent}#${record.index}: its signal is not aborted after shutdown (an incarnation still live)`);
    if (bus instanceof AgentBus && bus.subscriptionCount > 0) violations.push(`${record.agent}#${record.index}: ${bus.subscriptionCount} subscriptions survive its incarnation`);
    if (bus instanceof AgentBus && bus.inFlight > 0) violations.push(`${record.agent}#${record.index}: ${bus.inFlight} handler calls still count as in flight after its incarnation`);
    if (clock instanceof ScopedClock && clock.pending > 0) violations.push(`${record.agent}#${record.index}: ${clock.pending} timers survive its incarnation`);
  }
  if (run.orch.phase !== "stopped") violations.push(`phase is ${run.orch.phase} after shutdown`);
  const events = run.events.shutdown;
  if (events.length !== 1) violations.push(`${events.length} shutdown events`);

  const faults = run.tally.instances.flatMap((record) => record.faults);
  const count = (): { faults: number; crashes: number; decided: number } => ({ faults: 0, crashes: 0, decided: 0 });
  const byKind = Object.fromEntries(HOSTILE_KINDS.map((kind) => [kind, count()])) as Record<HostileKind, ReturnType<typeof count>>;
  const bySite = Object.fromEntries((["start", "handler", "onCron", "fail", "onEscalation", "stop"] as const).map((site) => [site, count()])) as Record<FaultSite, ReturnType<typeof count>>;
  const decisions = Object.fromEntries(MODEL_DECISIONS.map((decision) => [decision, 0])) as Record<ModelDecision, number>;
  for (const fault of faults) {
    const site = FAULT_SITE[fault.kind];
    if (fault.hostile === undefined || site === undefined) continue;
    byKind[fault.hostile].faults++;
    bySite[site].faults++;
  }
  for (const crash of crashes) {
    const site = FAULT_SITE[crash.kind];
    if (crash.hostile === undefined || site === undefined) continue;
    byKind[crash.hostile].crashes++;
    bySite[site].crashes++;
    const decision = decided.get(crash);
    if (decision === undefined) continue;
    byKind[crash.hostile].decided++;
    bySite[site].decided++;
    decisions[decision]++;
  }
  const summary: ChaosSummary = {
    instances: run.tally.instances.length,
    faults: faults.length,
    lateFaults: faults.filter((fault) => !fault.live).length,
    crashes: {
      start: crashes.filter((c) => c.reason === "start").length,
      error: crashes.filter((c) => c.reason === "error").length,
      fail: crashes.filter((c) => c.reason === "fail").length,
      hung: crashes.filter((c) => c.reason === "hung").length,
    },
    escalations: run.events.escalation.length,
    disabled: run.events["agent:disabled"].length,
    stopTimeouts: run.events["agent:stop-timeout"].length,
    restarts: [...model.restarts.values()].reduce((a, b) => a + b, 0),
    operatorActions: run.tally.actions.length - 1,
    beforeStart: {
      enable: run.tally.actions.filter((action) => action.beforeStart === true && action.kind === "enable").length,
      restart: run.tally.actions.filter((action) => action.beforeStart === true && action.kind === "restart").length,
      disable: run.tally.actions.filter((action) => action.beforeStart === true && action.kind === "disable").length,
    },
    shutdownMs: run.end - run.shutdownAt,
    crashesDuringShutdown: crashes.filter((crash) => crash.seq > shutdownSeq || (model.failStop !== undefined && crash.at >= model.failStop.at && crash.agent !== model.failStop.agent)).length,
    hostile: {
      faults: faults.filter((fault) => fault.hostile !== undefined).length,
      crashes: crashes.filter((crash) => crash.hostile !== undefined).length,
      byKind,
      bySite,
      decisions,
    },
  };
  return { violations, summary, model };
}

/**
 * For each tallied crash, the decision the supervisor reached: the agent's
 * first `agent:state` after the crash's `agent:crash` event, which must come at
 * the same instant and be the one the model calls for. Returns the crashes
 * whose decision was right; reports the others, naming what they were thrown with.
 */
function checkDecisions(run: ChaosRun, crashes: readonly TalliedCrash[], model: ModelResult, violations: string[]): Map<TalliedCrash, ModelDecision> {
  const decided = new Map<TalliedCrash, ModelDecision>();
  const byAgent = <T extends { readonly payload: { readonly agent: string } }>(events: readonly T[]): Map<string, T[]> => {
    const map = new Map<string, T[]>();
    for (const event of events) {
      const list = map.get(event.payload.agent) ?? [];
      list.push(event);
      map.set(event.payload.agent, list);
    }
    return map;
  };
  const crashEvents = byAgent(run.events["agent:crash"]);
  const stateEvents = byAgent(run.events["agent:state"]);
  const index = new Map<string, number>();
  for (const crash of crashes) {
    const i = index.get(crash.agent) ?? 0;
    index.set(crash.agent, i + 1);
    const decision = model.decisions.get(crash.seq);
    if (decision === undefined) continue;
    const thrown = crash.hostile !== undefined ? `, thrown with a hostile value: ${crash.hostile}` : FAULT_SITE[crash.kind] === undefined ? "" : ", thrown with an Error";
    const what = `${crash.agent}: crash ${i + 1} (${crash.kind}${thrown}) at ${run.tally.elapsed(crash.at)}`;
    const states = stateEvents.get(crash.agent) ?? [];
    const event = crashEvents.get(crash.agent)?.[i];
    if (event === undefined || event.payload.error !== crash.error) {
      const before = states.filter((state) => state.seq < crash.seq).at(-1)?.payload.state ?? "stopped";
      const after = states.find((state) => state.seq > crash.seq);
      violations.push(
        `${what}: never reported (no agent:crash), so no decision; the rules call for ${decision}. The agent stayed ${before}${after === undefined ? " to the end" : ` until ${after.payload.state} at ${run.tally.elapsed(after.at)}`}`,
      );
      continue;
    }
    const next = states.find((state) => state.seq > event.seq);
    const reached = next === undefined || next.at !== crash.at ? undefined : DECISION_OF[next.payload.state];
    if (reached !== decision) {
      violations.push(`${what}: the rules call for ${decision}; the supervisor's next state was ${next === undefined ? "none" : `${next.payload.state} at ${run.tally.elapsed(next.at)}`}`);
      continue;
    }
    decided.set(crash, decision);
  }
  return decided;
}

function sameCrashes(a: ReadonlyArray<{ at: number; error: string }>, b: ReadonlyArray<{ at: number; error: string }>): boolean {
  return a.length === b.length && a.every((crash, i) => crash.at === b[i]?.at && crash.error === b[i]?.error);
}

/** Compare two lists in order; report the first difference and the lengths. */
function compareLists<A, B>(violations: string[], what: string, expected: readonly A[], actual: readonly B[], show: (item: A | B) => string, same: (a: A, b: B) => boolean): void {
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    const a = expected[i];
    const b = actual[i];
    if (a !== undefined && b !== undefined && same(a, b)) continue;
    violations.push(`${what} #${i + 1}: expected ${a === undefined ? "nothing" : show(a)}, got ${b === undefined ? "nothing" : show(b)} (${expected.length} expected, ${actual.length} reported)`);
    return;
  }
}
