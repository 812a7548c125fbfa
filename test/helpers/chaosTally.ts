import type { Agent } from "../../src/agent/Agent.js";
import type { ManualClock } from "../../src/testing/ManualClock.js";
import type { CrashReason } from "../../src/stats/AgentCounters.js";
import { hostileKindOf, type HostileKind } from "./chaosHostile.js";

/**
 * What a chaos agent can inject. The first group are crashes when injected
 * into a live incarnation; the `stop-*` kinds happen inside `stop()`, after the
 * incarnation was told to end, and are never crashes.
 */
export type FaultKind =
  | "start-throw"
  | "start-reject"
  | "start-hang"
  | "handler-throw"
  | "handler-reject"
  | "cron-throw"
  | "cron-reject"
  | "cron-hang"
  | "fail"
  | "detached-fail"
  | "hang"
  | "escalation-throw"
  | "stop-throw"
  | "stop-hang"
  | "stop-fail";

/** The crash reason each kind of fault must be reported with, when it is a crash. */
export const FAULT_REASON: Readonly<Record<FaultKind, CrashReason | undefined>> = {
  "start-throw": "start",
  "start-reject": "start",
  "start-hang": "hung",
  "handler-throw": "error",
  "handler-reject": "error",
  "cron-throw": "error",
  "cron-reject": "error",
  "cron-hang": "hung",
  fail: "fail",
  "detached-fail": "fail",
  hang: "hung",
  "escalation-throw": "error",
  "stop-throw": undefined,
  "stop-hang": undefined,
  "stop-fail": undefined,
};

/** Where in the agent each kind of fault is thrown, rejected or passed to `fail()` (deadline kinds: nowhere). */
export type FaultSite = "start" | "handler" | "onCron" | "fail" | "onEscalation" | "stop";

export const FAULT_SITE: Readonly<Record<FaultKind, FaultSite | undefined>> = {
  "start-throw": "start",
  "start-reject": "start",
  "start-hang": undefined,
  "handler-throw": "handler",
  "handler-reject": "handler",
  "cron-throw": "onCron",
  "cron-reject": "onCron",
  "cron-hang": undefined,
  fail: "fail",
  "detached-fail": "fail",
  hang: undefined,
  "escalation-throw": "onEscalation",
  "stop-throw": "stop",
  "stop-hang": undefined,
  "stop-fail": "stop",
};

/** Kinds whose effect comes at a deadline the supervisor watches (a heartbeat, `startTimeout`, a trigger `timeout`). */
export const DEADLINE_KINDS: ReadonlySet<FaultKind> = new Set(["start-hang", "hang", "cron-hang"]);

/** One injected fault, as the agent saw it. */
export interface Fault {
  /** Global order of the run. */
  readonly seq: number;
  /** When it was injected (for deadline kinds: when the agent stopped answering). */
  readonly at: number;
  readonly kind: FaultKind;
  /** The value thrown, rejected or passed to `fail()`: an Error or a hostile value (deadline kinds have none). */
  readonly error: unknown;
  /** The kind of hostile value `error` is, when it is one (see chaosHostile.ts). */
  readonly hostile: HostileKind | undefined;
  /** Whether the incarnation had not been told to end (its signal not aborted) when it was injected. */
  readonly live: boolean;
  /** For deadline kinds: when the supervisor must notice (last sign of life + the deadline). */
  readonly deadline: number | undefined;
}

/** One agent instance (one incarnation), as the agent itself recorded it. */
export interface InstanceRecord {
  readonly agent: string;
  /** 0 for the first instance of the agent. */
  readonly index: number;
  readonly instance: Agent;
  readonly constructedAt: number;
  readonly constructedSeq: number;
  /** When its `start()` settled successfully. */
  startResolvedAt: number | undefined;
  /** Its last sign of life for the heartbeat watch (a `heartbeat()` call, or the end of `start()`). */
  lastBeatAt: number | undefined;
  abortedAt: number | undefined;
  abortedSeq: number | undefined;
  abortReason: unknown;
  stopCalledAt: number | undefined;
  stopSettledAt: number | undefined;
  /** How its `stop()` behaved, when it was called. */
  stopMode: StopMode | undefined;
  readonly faults: Fault[];
  /** Escalations the instance received through `onEscalation()` (chief only). */
  readonly escalations: unknown[];
  /** Messages and timer callbacks it received. */
  deliveries: number;
}

/** How a chaos agent's `stop()` behaves. */
export type StopMode = "ok" | "throw" | "hang" | "slow" | "fail" | "publish";

/** A host-side action, in the run's global order. */
export interface HostAction {
  readonly seq: number;
  readonly at: number;
  readonly kind: "enable" | "restart" | "disable" | "shutdown";
  /** The agent acted on (not for `shutdown`). */
  readonly agent: string | undefined;
  /** Taken while `start()` had not reached the agent yet: the action applies to its pending start. */
  readonly beforeStart?: boolean;
}

/**
 * The independent record of a chaos run: every instance, every fault the
 * agents injected and every host action, each stamped with the fake time and a
 * global sequence number. The invariants compare the orchestrator's own
 * reports (events, statuses, metrics) against it.
 */
export class Tally {
  readonly instances: InstanceRecord[] = [];
  readonly byAgent = new Map<string, InstanceRecord[]>();
  readonly actions: HostAction[] = [];
  /** Invariant violations seen while the run went on (a message to a dead incarnation, …). */
  readonly violations: string[] = [];
  readonly #clock: ManualClock;
  readonly #t0: number;
  #seq = 0;

  constructor(clock: ManualClock) {
    this.#clock = clock;
    this.#t0 = clock.now();
  }

  /** The next number of the run's global order. */
  nextSeq(): number {
    return ++this.#seq;
  }

  /** Fake time since the start of the run, for messages. */
  elapsed(at: number = this.#clock.now()): string {
    return `+${at - this.#t0}ms`;
  }

  /** Record a new instance of `agent`. */
  construct(agent: string, instance: Agent): InstanceRecord {
    const list = this.byAgent.get(agent) ?? [];
    this.byAgent.set(agent, list);
    const record: InstanceRecord = {
      agent,
      index: list.length,
      instance,
      constructedAt: this.#clock.now(),
      constructedSeq: this.nextSeq(),
      startResolvedAt: undefined,
      lastBeatAt: undefined,
      abortedAt: undefined,
      abortedSeq: undefined,
      abortReason: undefined,
      stopCalledAt: undefined,
      stopSettledAt: undefined,
      stopMode: undefined,
      faults: [],
      escalations: [],
      deliveries: 0,
    };
    list.push(record);
    this.instances.push(record);
    return record;
  }

  /** Record a fault `record`'s agent injects now. */
  fault(record: InstanceRecord, kind: FaultKind, error: unknown, deadline?: number): void {
    record.faults.push({
      seq: this.nextSeq(),
      at: this.#clock.now(),
      kind,
      error,
      hostile: hostileKindOf(error),
      live: !record.instance.signal.aborted,
      deadline,
    });
  }

  /** Record a host action, just before it is made. */
  action(kind: HostAction["kind"], agent?: string, beforeStart = false): void {
    this.actions.push({ seq: this.nextSeq(), at: this.#clock.now(), kind, agent, ...(beforeStart ? { beforeStart } : {}) });
  }

  violation(message: string): void {
    this.violations.push(`${this.elapsed()}: ${message}`);
  }
}
