import type { AgentClass } from "../../src/agent/Agent.js";
import { InProcessBus } from "../../src/bus/InProcessBus.js";
import type { OrchestratorConfig } from "../../src/config/OrchestratorConfig.js";
import { createOrchestrator } from "../../src/orchestrator/createOrchestrator.js";
import type { ClosedInfo, Orchestrator } from "../../src/orchestrator/Orchestrator.js";
import { ORCHESTRATOR_EVENTS, type OrchestratorEventName, type OrchestratorEvents } from "../../src/supervisor/events.js";
import { ManualClock } from "../../src/testing/ManualClock.js";
import { chaosAgentClass, type ChaosPayload, type ChaosProfile, type ChaosWorld } from "./chaosAgent.js";
import type { ModelGroup, ModelSettings } from "./chaosModel.js";
import { mulberry32, recordingRandom, type Random } from "./chaosRandom.js";
import { Tally } from "./chaosTally.js";
import { memoryLogger } from "./orchestrator.js";

/** What a chaos run is asked to do. */
export interface ChaosOptions {
  readonly seed: number;
  /** Number of agents, the chief included. @default 40 */
  readonly agents?: number;
  /** Simulated hours. @default 4 */
  readonly hours?: number;
  /**
   * The built-in fail-stop policy of the critical group: one critical agent
   * crashes halfway through and takes the orchestrator down. Otherwise the
   * critical group is overridden with `restart: always`.
   * @default false
   */
  readonly failStop?: boolean;
  /**
   * Probability that a value an agent throws, rejects with or passes to
   * `fail()` (in `start()`, a handler, `onCron`, `onEscalation`, `stop()`, `fail()`)
   * is a hostile one from chaosHostile.ts instead of a plain Error. Drawn from
   * streams of their own: the rest of a seed's run does not depend on it.
   * @default 0.25
   */
  readonly hostile?: number;
  /**
   * With `failStop`: the critical crash that stops the run is thrown with a
   * hostile value (its kind drawn from the seed) rather than as `hostile` draws it.
   * @default false
   */
  readonly hostileFailStop?: boolean;
}

/** An orchestrator event with when it came, in the run's global order. */
export interface RecordedEvent<E extends OrchestratorEventName = OrchestratorEventName> {
  readonly seq: number;
  readonly at: number;
  readonly payload: OrchestratorEvents[E];
  /** For escalations: whether the chief was running when it was raised. */
  readonly chiefRunning?: boolean;
}

/** Everything a finished run leaves for the invariants to check. */
export interface ChaosRun {
  readonly options: Required<ChaosOptions>;
  readonly tally: Tally;
  readonly world: ChaosWorld;
  readonly profiles: readonly ChaosProfile[];
  readonly settings: ModelSettings;
  readonly orch: Orchestrator;
  readonly clock: ManualClock;
  readonly events: { readonly [E in OrchestratorEventName]: Array<RecordedEvent<E>> };
  /** Escalations received by a host subscriber of `orchestrator.escalation`. */
  readonly published: unknown[];
  readonly closed: ClosedInfo | undefined;
  readonly startError: unknown;
  /** Health observed while the orchestrator had failed (fail-stop run). */
  readonly healthAfterFailStop: number | undefined;
  readonly metrics: string;
  /** Timers left on the clock after shutdown (the outside world's removed). */
  readonly pendingTimers: number;
  /** Subscriptions left on the bus after shutdown (the host's removed). */
  readonly leftoverPatterns: string[];
  readonly busPending: number;
  /** Fake time when the host called `shutdown()`, and when it resolved. */
  readonly shutdownAt: number;
  readonly end: number;
  /** Values the orchestrator drew from its `random` option. */
  readonly draws: number;
}

/** Start of fake time of every run (a Monday, 09:00 UTC). */
export const CHAOS_T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The timings of every run: the config below and the invariants both use them. */
export const CHAOS_TIMINGS = {
  backoff: { initial: 1_000, max: 60_000, factor: 2, jitter: 0.2 },
  resetAfter: 60_000,
  startTimeout: 10_000,
  stopTimeout: 2_000,
  heartbeatTimeout: 20_000,
  heartbeatInterval: 5_000,
  cronTimeout: 20_000,
  shutdownTimeout: 300_000,
} as const;

/** The groups of every run, as the reference model reads them (ms). */
export function chaosGroups(failStop: boolean): Record<string, ModelGroup> {
  const window = { maxCrashes: 3, within: 5 * MINUTE, escalateAfter: 3 };
  return {
    data: { restart: "always", ...window },
    strategy: { restart: { max: 5 }, ...window },
    critical: { restart: failStop ? "fail-stop" : "always", ...window },
    flaky: { restart: { max: 20 }, maxCrashes: 5, within: 2 * MINUTE, escalateAfter: 2 },
  };
}

/** Draw the agents of a run from its seed. */
export function chaosProfiles(random: Random, count: number, failStop: boolean, hours: number): ChaosProfile[] {
  const profiles: ChaosProfile[] = [];
  const kinds: Array<{ group: string; prefix: string; share: number }> = [
    { group: "critical", prefix: "risk", share: 0.08 },
    { group: "data", prefix: "feed", share: 0.4 },
    { group: "strategy", prefix: "strat", share: 0.3 },
    { group: "flaky", prefix: "flaky", share: 0.22 },
  ];
  const rest = count - 1;
  const counts = kinds.map((kind) => Math.max(1, Math.round(rest * kind.share)));
  while (counts.reduce((a, b) => a + b, 0) > rest) counts[1] = (counts[1] ?? 1) - 1;
  while (counts.reduce((a, b) => a + b, 0) < rest) counts[1] = (counts[1] ?? 0) + 1;
  const stopWeights = { ok: 55, throw: 8, hang: 15, slow: 12, fail: 5, publish: 5 };
  const base = (name: string, group: string): Omit<ChaosProfile, "meanFaultMs" | "startFailure"> => ({
    name,
    group,
    chief: false,
    heartbeat: random.chance(0.4),
    trigger: random.pick(["every", "cron", "delay", "none", "none"] as const),
    slowStart: 0.15,
    stop: stopWeights,
    broadcast: random.chance(0.5),
    jobs: random.chance(0.3),
    firehose: random.chance(0.3),
    reliableFirstStart: false,
    plannedFailAt: undefined,
    escalationFaults: false,
  });
  // under fail-stop the chief (critical) stays healthy, so that the planned crash of risk-0 is the one that stops the run
  profiles.push({
    ...base("chief", "critical"),
    chief: true,
    meanFaultMs: failStop ? Infinity : HOUR,
    startFailure: failStop ? 0 : 0.05,
    reliableFirstStart: failStop,
    escalationFaults: !failStop,
  });
  kinds.forEach((kind, k) => {
    for (let i = 0; i < (counts[k] ?? 0); i++) {
      const name = `${kind.prefix}-${i}`;
      const profile = base(name, kind.group);
      switch (kind.group) {
        case "critical":
          profiles.push({
            ...profile,
            meanFaultMs: failStop ? Infinity : random.pick([30 * MINUTE, 2 * HOUR]),
            startFailure: failStop ? 0 : 0.05,
            reliableFirstStart: failStop,
            plannedFailAt: failStop && i === 0 ? CHAOS_T0 + (hours * HOUR) / 2 + random.int(0, 10 * MINUTE) : undefined,
          });
          break;
        case "data":
          profiles.push({ ...profile, meanFaultMs: random.pick([10 * MINUTE, 30 * MINUTE, 2 * HOUR, Infinity]), startFailure: random.pick([0.02, 0.1, 0.25]) });
          break;
        case "strategy":
          profiles.push({ ...profile, meanFaultMs: random.pick([5 * MINUTE, 20 * MINUTE, HOUR]), startFailure: random.pick([0.05, 0.15]) });
          break;
        default:
          profiles.push({ ...profile, meanFaultMs: random.pick([40_000, 2 * MINUTE]), startFailure: 0.4 });
      }
    }
  });
  return profiles;
}

function configOf(profiles: readonly ChaosProfile[], failStop: boolean): OrchestratorConfig {
  const t = CHAOS_TIMINGS;
  const agents: NonNullable<OrchestratorConfig["agents"]> = {};
  const schedule: NonNullable<OrchestratorConfig["schedule"]> = {};
  for (const profile of profiles) {
    agents[profile.name] = { group: profile.group, ...(profile.heartbeat ? { heartbeatTimeout: t.heartbeatTimeout } : {}) };
    if (profile.trigger === "every") schedule[profile.name] = { every: "30s" };
    if (profile.trigger === "cron") schedule[profile.name] = { cron: "*/5 * * * *", timeout: t.cronTimeout, overlap: "skip" };
    if (profile.trigger === "delay") schedule[profile.name] = { delay: "90s" };
  }
  return {
    chief: "chief",
    agents,
    groups: {
      ...(failStop ? {} : { critical: { restart: "always" } }),
      flaky: { restart: { max: 20 }, crashLoop: { maxCrashes: 5, within: "2m" }, escalateAfter: 2 },
    },
    supervisor: {
      backoff: { initial: t.backoff.initial, max: t.backoff.max, factor: t.backoff.factor, jitter: t.backoff.jitter },
      resetAfter: t.resetAfter,
      startTimeout: t.startTimeout,
      stopTimeout: t.stopTimeout,
    },
    schedule,
    shutdown: { timeout: t.shutdownTimeout },
  };
}

/**
 * Run one chaos scenario to its end: tens of agents in every group, hours of
 * fake time, a seeded schedule of faults, bus traffic and operator actions,
 * then a shutdown. Returns what the invariants need; checks nothing itself
 * beyond what the agents check from the inside.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosRun> {
  const opts: Required<ChaosOptions> = { agents: 40, hours: 4, failStop: false, hostile: 0.25, hostileFailStop: false, ...options };
  const root = mulberry32(opts.seed);
  const clock = new ManualClock(CHAOS_T0);
  const tally = new Tally(clock);
  const profiles = chaosProfiles(root.fork("profiles"), opts.agents, opts.failStop, opts.hours);
  const names = profiles.map((profile) => profile.name);
  const t = CHAOS_TIMINGS;
  const world: ChaosWorld = {
    clock,
    tally,
    random: (agent) => root.fork(`agent:${agent}`),
    names,
    heartbeatTimeout: t.heartbeatTimeout,
    heartbeatInterval: t.heartbeatInterval,
    startTimeout: t.startTimeout,
    stopTimeout: t.stopTimeout,
    cronTimeout: t.cronTimeout,
    external: new Set(),
    hostileChance: opts.hostile,
    hostilePlannedFailure: opts.hostileFailStop,
  };
  const classes = new Map<string, AgentClass>(profiles.map((profile) => [profile.name, chaosAgentClass(profile, world)]));
  const orchestratorRandom = recordingRandom(root.fork("orchestrator"));
  const orch = createOrchestrator({
    agents: profiles.map((profile) => ({ name: profile.name, agent: classes.get(profile.name) as AgentClass })),
    config: configOf(profiles, opts.failStop),
    clock,
    random: orchestratorRandom.random,
    logger: memoryLogger(),
    keepAlive: false,
  });
  const settings: ModelSettings = {
    backoff: t.backoff,
    resetAfter: t.resetAfter,
    groups: chaosGroups(opts.failStop),
    agents: Object.fromEntries(profiles.map((profile) => [profile.name, profile.group])),
  };

  const events = Object.fromEntries(ORCHESTRATOR_EVENTS.map((name) => [name, []])) as unknown as { [E in OrchestratorEventName]: Array<RecordedEvent<E>> };
  for (const name of ORCHESTRATOR_EVENTS) {
    orch.on(name, (payload) => {
      const entry = { seq: tally.nextSeq(), at: clock.now(), payload, ...(name === "escalation" ? { chiefRunning: orch.agent("chief")?.state === "running" } : {}) };
      (events[name] as unknown[]).push(entry);
    });
  }
  const published: unknown[] = [];
  const escalationSubscription = orch.bus.subscribe("orchestrator.escalation", (message) => void published.push(message.payload));
  let closed: ClosedInfo | undefined;
  void orch.closed.then((info) => {
    closed = info;
  });

  const host = root.fork("host");
  const end = CHAOS_T0 + opts.hours * HOUR;
  let startError: unknown;
  let startSettled = false;
  orch.start().then(
    () => void (startSettled = true),
    (error: unknown) => {
      startError = error;
      startSettled = true;
    },
  );
  // operator actions from the first instant: a storm on the agents start() has not reached yet
  const storm = root.fork("storm");
  while (!startSettled) {
    operateBeforeStart(orch, storm, profiles, tally);
    operate(orch, storm, profiles, tally);
    await clock.advance(1_000);
  }

  let healthAfterFailStop: number | undefined;
  while (clock.now() < end && orch.phase === "running") {
    traffic(orch, host, names);
    operate(orch, host, profiles, tally);
    await clock.advance(host.int(100, 30_000));
  }
  if (orch.phase === "failed") {
    healthAfterFailStop = orch.health().status;
    // the fail-stop's own shutdown runs on fake time (stops with deadlines)
    while (closed === undefined) await clock.advance(1_000);
  }

  // a few agents get a message that makes them crash while the shutdown's flush delivers it
  for (let i = 0; i < 5; i++) {
    orch.bus.publish(`work.${host.pick(names)}`, { hop: 9, from: "host", crash: true } satisfies ChaosPayload).catch(() => undefined);
  }
  const shutdownAt = clock.now();
  tally.action("shutdown");
  let done = false;
  void orch.shutdown().then(() => {
    done = true;
  });
  while (!done) await clock.advance(500);
  await clock.advance(0);

  // the outside world's own timers (detached callbacks) are not the orchestrator's
  for (const handle of world.external) clock.clearTimeout(handle);
  world.external.clear();
  const metrics = await orch.metrics();
  await escalationSubscription.unsubscribe();
  const bus = orch.bus;
  return {
    options: opts,
    tally,
    world,
    profiles,
    settings,
    orch,
    clock,
    events,
    published,
    closed,
    startError,
    healthAfterFailStop,
    metrics,
    pendingTimers: clock.pending,
    leftoverPatterns: bus instanceof InProcessBus ? bus.patterns() : [],
    busPending: bus.stats?.().pending ?? 0,
    shutdownAt,
    end: clock.now(),
    draws: orchestratorRandom.draws.length,
  };
}

/** Publish a few messages from the host on random topics. */
function traffic(orch: Orchestrator, random: Random, names: readonly string[]): void {
  const count = random.int(0, 4);
  for (let i = 0; i < count; i++) {
    const topic = random.pick([
      () => `work.${random.pick(names)}`,
      () => `broadcast.${random.pick(["tick", "news", "halt"])}`,
      () => `jobs.${random.pick(["price", "hedge"])}`,
      () => `firehose.${random.pick(["a", "b"])}.${random.int(0, 3)}`,
    ])();
    orch.bus.publish(topic, { hop: 0, from: "host" } satisfies ChaosPayload).catch(() => undefined);
  }
}

/**
 * Now and then, act as an operator: enable a disabled agent, restart a running
 * one, disable a non-critical one. At most one action per agent at a time: an
 * agent whose last action is still under way is `stopping` or `starting`, so
 * none of the filters below picks it.
 */
function operate(orch: Orchestrator, random: Random, profiles: readonly ChaosProfile[], tally: Tally): void {
  const acted = new Set<string>();
  // an agent never built is left to operateBeforeStart()
  const candidates = (ok: (state: string | undefined, group: string) => boolean): string[] =>
    profiles.filter(({ name, group }) => !acted.has(name) && tally.byAgent.has(name) && ok(orch.agent(name)?.state, group)).map(({ name }) => name);
  const act = (kind: "enable" | "restart" | "disable", names: readonly string[], p: number): void => {
    if (names.length === 0 || !random.chance(p)) return;
    const name = random.pick(names);
    acted.add(name);
    tally.action(kind, name);
    orch[kind](name);
  };
  act("enable", candidates((state) => state === "disabled"), 0.05);
  act("restart", candidates((state) => state === "running"), 0.01);
  act("disable", candidates((state, group) => (state === "running" || state === "backoff") && group !== "critical"), 0.005);
}

/**
 * While `start()` runs, storm the agents it has not reached yet (never built,
 * `stopped`, or `disabled` by an earlier action of this storm) with enable,
 * restart and disable, many per step: each applies to the agent's pending
 * start (docs/supervision.md). A restart of a disabled agent is left out: once
 * `start()` has passed it, that is an ordinary restart, which the storm cannot
 * tell from outside.
 */
function operateBeforeStart(orch: Orchestrator, random: Random, profiles: readonly ChaosProfile[], tally: Tally): void {
  for (const { name, group } of profiles) {
    if (tally.byAgent.has(name) || !random.chance(0.2)) continue;
    const state = orch.agent(name)?.state;
    const kinds: Array<"enable" | "restart" | "disable"> =
      state === "stopped" ? ["enable", "restart", ...(group === "critical" ? [] : (["disable"] as const))] : state === "disabled" ? ["enable"] : [];
    if (kinds.length === 0) continue;
    const kind = random.pick(kinds);
    tally.action(kind, name, true);
    orch[kind](name);
  }
}
