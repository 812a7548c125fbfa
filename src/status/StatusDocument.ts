import type { LeaseView } from "../lease/LeaseStore.js";
import type { QueueDepth } from "../bus/Bus.js";
import { isoTime } from "../isoTime.js";
import type { OrchestratorPhase } from "../orchestrator/OrchestratorPhase.js";
import type { RunOutcome } from "../state/TriggerStore.js";
import type { CrashReason, SkipReason } from "../stats/AgentCounters.js";
import type { AgentState } from "../supervisor/AgentStatus.js";
import type { BusRateValues, BusRates } from "./BusRates.js";
import type { StatusAgent, StatusSource, TriggerView } from "./StatusSource.js";

/** One trigger on the status page (`GET /statusz?format=json`). Times are ISO 8601 strings (UTC). */
export interface StatusTriggerDocument {
  readonly name: string;
  /** `cron`, `every`, `at` or `delay`. */
  readonly kind: TriggerView["kind"];
  /** What fires it: the cron expression, `every 15s`, the `at` instant, `delay 30s`. */
  readonly expression: string;
  /** The cron time zone, when it has one (the page shows the next run in it). */
  readonly timezone?: string;
  readonly paused: boolean;
  /** When the next slot is due. */
  readonly nextRunAt?: string;
  /** The last run: its slot, when it started, how it ended and how long it took (outcome and duration absent while it runs). */
  readonly lastRun?: { readonly slot: string; readonly startedAt: string; readonly outcome?: RunOutcome; readonly durationMs?: number };
  /** Slots not run, by reason (only reasons with a count). */
  readonly skipped: Readonly<Partial<Record<SkipReason, number>>>;
}

/** One agent on the status page. Times are ISO 8601 strings (UTC); ages and countdowns are computed from `StatusDocument.now`. */
export interface StatusAgentDocument {
  readonly name: string;
  readonly group: string;
  /** The groups from the top-level group down to its own (`["desk", "trading"]`); the page shows them as `desk › trading`. */
  readonly path: readonly string[];
  readonly state: AgentState;
  /** Whether it belongs to a critical group. */
  readonly critical: boolean;
  /** When its current incarnation finished starting, while it runs (uptime = `now` − this). */
  readonly runningSince?: string;
  readonly restarts: number;
  readonly crashes: number;
  /** The last crash: its kind and time; its message only with `status.showErrors` (never a stack). */
  readonly lastCrash?: { readonly reason?: CrashReason; readonly at: string; readonly message?: string };
  /** When the pending restart is due, while in `backoff`. */
  readonly nextRestartAt?: string;
  /** The last `heartbeat()` of the current incarnation (or its start), and the agent's `heartbeatTimeout` in ms when it has one. */
  readonly heartbeat?: { readonly at: string; readonly timeoutMs?: number };
  /**
   * A singleton agent's lease (`placement: singleton`), while someone holds
   * it: the holding replica, whether that is this one, the fencing token and
   * when the lease runs out unless renewed.
   */
  readonly lease?: { readonly holder: string; readonly here: boolean; readonly token: number; readonly expiresAt: string };
  /** Its triggers, in the order they were added. */
  readonly triggers: readonly StatusTriggerDocument[];
}

/** The bus on the status page. */
export interface StatusBusDocument {
  /** Counters since the bus was created. */
  readonly published: number;
  readonly delivered: number;
  readonly dropped: number;
  /** Deliveries waiting in subscription queues now. */
  readonly pending: number;
  /** Messages per second since the previous reading (at least a second before); `null` on the first reading. */
  readonly rates: BusRateValues | null;
}

/**
 * What the status page shows, as its JSON (`Accept: application/json` or
 * `?format=json`): the same data the HTML page polls every second. Nothing
 * from the configuration, and no error message unless `status.showErrors`.
 */
export interface StatusDocument {
  /** When this was read (the orchestrator's clock), ISO 8601. */
  readonly now: string;
  readonly phase: OrchestratorPhase;
  /** Readiness, as `/readyz` answers it. */
  readonly ready: boolean;
  /** Whether operator actions are on (`status.authorize` given). */
  readonly actions: boolean;
  readonly agents: readonly StatusAgentDocument[];
  /** The bus's counters and rates, `null` when the bus keeps none. */
  readonly bus: StatusBusDocument | null;
  /** The deepest subscription queues (at most 5), deepest first. */
  readonly queues: readonly QueueDepth[];
}

/** What {@link statusDocument} needs besides the source. */
export interface StatusDocumentOptions {
  readonly showErrors: boolean;
  readonly actions: boolean;
  readonly rates: BusRates;
}

/** How many queues the page lists. */
export const QUEUES_SHOWN = 5;

/** Read `source` once into the page's document. */
export function statusDocument(source: StatusSource, options: StatusDocumentOptions): StatusDocument {
  const now = source.clock.now();
  const stats = source.busStats();
  return {
    now: isoTime(now),
    phase: source.phase(),
    ready: source.health().ok,
    actions: options.actions,
    agents: source.agents().map((agent) => agentDocument(agent, source.triggers(agent.status.name), options.showErrors)),
    bus:
      stats === undefined
        ? null
        : { published: stats.published, delivered: stats.delivered, dropped: stats.dropped, pending: stats.pending, rates: options.rates.read(stats, now) ?? null },
    queues: source.queues(QUEUES_SHOWN).slice(0, QUEUES_SHOWN),
  };
}

function agentDocument(agent: StatusAgent, triggers: readonly TriggerView[], showErrors: boolean): StatusAgentDocument {
  const { status } = agent;
  const running = status.state === "running";
  return {
    name: status.name,
    group: status.group,
    path: status.path,
    state: status.state,
    critical: agent.critical,
    ...(running && agent.runningSince !== undefined ? { runningSince: isoTime(agent.runningSince) } : {}),
    restarts: status.restarts,
    crashes: status.crashes,
    ...(status.lastCrashAt === undefined ? {} : { lastCrash: lastCrash(status.lastCrashAt, status.lastCrashReason, showErrors ? status.lastError : undefined) }),
    ...(status.state === "backoff" && status.nextRestartAt !== undefined ? { nextRestartAt: isoTime(status.nextRestartAt) } : {}),
    ...(agent.lastHeartbeatAt === undefined
      ? {}
      : { heartbeat: { at: isoTime(agent.lastHeartbeatAt), ...(agent.heartbeatTimeout === undefined ? {} : { timeoutMs: agent.heartbeatTimeout }) } }),
    ...(agent.lease === undefined ? {} : { lease: leaseDocument(agent.lease.view, agent.lease.replica) }),
    triggers: triggers.map(triggerDocument),
  };
}

function leaseDocument(view: LeaseView, replica: string): NonNullable<StatusAgentDocument["lease"]> {
  return { holder: view.holder, here: view.holder === replica, token: view.token, expiresAt: isoTime(view.expiresAt) };
}

function lastCrash(at: number, reason: CrashReason | undefined, message: string | undefined): NonNullable<StatusAgentDocument["lastCrash"]> {
  return { ...(reason === undefined ? {} : { reason }), at: isoTime(at), ...(message === undefined ? {} : { message: firstLine(message) }) };
}

/** A message's first line, at most 300 characters: a stack or a dump never reaches the page. */
function firstLine(message: string): string {
  const line = message.split("\n", 1)[0] ?? "";
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

function triggerDocument(view: TriggerView): StatusTriggerDocument {
  const { lastRun } = view;
  return {
    name: view.name,
    kind: view.kind,
    expression: view.expression,
    ...(view.timezone === undefined ? {} : { timezone: view.timezone }),
    paused: view.paused,
    ...(view.nextRunAt === undefined ? {} : { nextRunAt: isoTime(view.nextRunAt) }),
    ...(lastRun === undefined
      ? {}
      : {
          lastRun: {
            slot: isoTime(lastRun.slot),
            startedAt: isoTime(lastRun.startedAt),
            ...(lastRun.outcome === undefined ? {} : { outcome: lastRun.outcome }),
            ...(lastRun.durationMs === undefined ? {} : { durationMs: lastRun.durationMs }),
          },
        }),
    skipped: { ...view.skipped },
  };
}
