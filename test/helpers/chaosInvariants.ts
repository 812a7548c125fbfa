import { AgentBus } from "../../src/agent/AgentBus.js";
import { ScopedClock } from "../../src/agent/ScopedClock.js";
import { AgentError } from "../../src/errors/AgentError.js";
import type { CrashReason } from "../../src/stats/AgentCounters.js";
import { runModel, type ModelInput, type ModelResult, type ObservedRestart } from "./chaosModel.js";
import type { ChaosRun } from "./chaosRun.js";
import { DEADLINE_KINDS, FAULT_REASON, type Fault, type InstanceRecord } from "./chaosTally.js";

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
  readonly crashesDuringShutdown: number;
  /** Fake time from the host's `shutdown()` call to its end, ms. */
  readonly shutdownMs: number;
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
      if (!isStopReason(record.abortReason)) violations.push(`${name}: ended at ${run.tally.elapsed(aborted)} by ${describe(record.abortReason)} without any live fault`);
      else if (record.stopCalledAt !== aborted) violations.push(`${name}: aborted for a stop at ${run.tally.elapsed(aborted)} but stop() was not called then`);
      continue;
    }
    const first = Math.min(...live.map(effectiveAt));
    for (const fault of live) {
      if (effectiveAt(fault) < aborted) violations.push(`${name}: ${fault.kind} at ${run.tally.elapsed(effectiveAt(fault))} was not handled until ${run.tally.elapsed(aborted)}`);
    }
    const cause = causeOf(record, live);
    if (cause === undefined) {
      violations.push(`${name}: ended at ${run.tally.elapsed(aborted)} by ${describe(record.abortReason)}, none of its live faults (${live.map((f) => f.kind).join(", ")})`);
      continue;
    }
    if (effectiveAt(cause) !== first) violations.push(`${name}: crashed on ${cause.kind} at ${run.tally.elapsed(effectiveAt(cause))}, not on its first live fault at ${run.tally.elapsed(first)}`);
    const error = record.abortReason;
    crashes.push({
      agent: record.agent,
      instance: record.index,
      seq: record.abortedSeq as number,
      at: aborted,
      reason: FAULT_REASON[cause.kind] as CrashReason,
      error,
      message: error instanceof Error ? error.message : String(error),
      stable: record.startResolvedAt !== undefined && aborted - record.constructedAt >= resetAfter,
    });
  }
  return crashes.sort((a, b) => a.seq - b.seq);
}

function causeOf(record: InstanceRecord, live: readonly Fault[]): Fault | undefined {
  const reason = record.abortReason;
  const byError = live.find((fault) => fault.error !== undefined && fault.error === reason);
  if (byError !== undefined) return byError;
  if (reason instanceof AgentError && reason.code === "AGENT_HUNG") {
    return live.find((fault) => DEADLINE_KINDS.has(fault.kind) && effectiveAt(fault) === record.abortedAt);
  }
  return undefined;
}

function isStopReason(reason: unknown): boolean {
  return reason instanceof AgentError && reason.code === "AGENT_FAILED" && /is stopping/.test(reason.message);
}

function describe(reason: unknown): string {
  return reason instanceof Error ? `${reason.name} "${reason.message}"` : String(reason);
}

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
      action.kind === "shutdown" ? { kind: "shutdown", seq: action.seq, at: action.at } : { kind: action.kind, seq: action.seq, at: action.at, agent: action.agent as string },
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
  if (run.startError !== undefined) violations.push(`start() rejected: ${describe(run.startError)}`);
  if (run.pendingTimers !== 0) violations.push(`${run.pendingTimers} timers still pending on the clock after shutdown`);
  if (run.leftoverPatterns.length > 0) violations.push(`bus subscriptions left after shutdown: ${run.leftoverPatterns.join(", ")}`);
  if (run.busPending !== 0) violations.push(`${run.busPending} messages still pending on the bus after shutdown`);
  for (const record of run.tally.instances) {
    const { bus, clock } = record.instance;
    if (bus instanceof AgentBus && bus.subscriptionCount > 0) violations.push(`${record.agent}#${record.index}: ${bus.subscriptionCount} subscriptions survive its incarnation`);
    if (bus instanceof AgentBus && bus.inFlight > 0) violations.push(`${record.agent}#${record.index}: ${bus.inFlight} handler calls still count as in flight after its incarnation`);
    if (clock instanceof ScopedClock && clock.pending > 0) violations.push(`${record.agent}#${record.index}: ${clock.pending} timers survive its incarnation`);
  }
  if (run.orch.phase !== "stopped") violations.push(`phase is ${run.orch.phase} after shutdown`);
  const events = run.events.shutdown;
  if (events.length !== 1) violations.push(`${events.length} shutdown events`);

  const faults = run.tally.instances.flatMap((record) => record.faults);
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
    shutdownMs: run.end - run.shutdownAt,
    crashesDuringShutdown: crashes.filter((crash) => crash.seq > shutdownSeq || (model.failStop !== undefined && crash.at >= model.failStop.at && crash.agent !== model.failStop.agent)).length,
  };
  return { violations, summary, model };
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
