import type { LeaseView } from "../lease/LeaseStore.js";
import type { Bus } from "../bus/Bus.js";
import { describeThrown } from "../errors/describeThrown.js";
import type { Clock } from "../clock.js";
import type { HealthReport } from "../observe/Health.js";
import type { Logger } from "../logger.js";
import type { ObservedStatusPage } from "../observe/Observability.js";
import { StatusEndpoint } from "../status/StatusEndpoint.js";
import type { StatusOptions } from "../status/StatusOptions.js";
import type { StatusAction, StatusAgent, StatusSource, TriggerView } from "../status/StatusSource.js";
import type { AgentSupervisor } from "../supervisor/AgentSupervisor.js";
import type { AgentRoster } from "./AgentRoster.js";
import type { Lifecycle } from "./Lifecycle.js";
import type { OperatorActions } from "./OperatorActions.js";
import type { TriggerControl } from "./TriggerControl.js";

/** The trigger side of the status page: the orchestrator's triggers (`OrchestratorTriggers`). */
export interface StatusTriggers {
  /** The triggers of one agent, in the order they were added. */
  views(agent: string): TriggerView[];
  /** The controls of one trigger; `by` names who acts (it goes into the events). Throws `UNKNOWN_AGENT` for an unknown agent or trigger. */
  control(agent: string, trigger: string, by?: string): TriggerControl;
}

/** The orchestrator's parts the status page reads and acts through. */
export interface StatusParts {
  readonly lifecycle: Lifecycle;
  readonly roster: AgentRoster;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly operator: OperatorActions;
  readonly triggers: StatusTriggers;
  /** Readiness, as `/readyz` answers it. */
  health(): HealthReport;
  /** An agent's `heartbeatTimeout` in ms, when it has one. */
  heartbeatTimeout(agent: string): number | undefined;
  /** A singleton's lease and this replica's name; absent when there are no singletons. */
  lease?(agent: string): { readonly view: LeaseView; readonly replica: string } | undefined;
}

/** The {@link StatusSource} of one orchestrator: every member reads its parts when the page asks. */
export function orchestratorStatusSource(parts: StatusParts): StatusSource {
  const { lifecycle, roster, bus, clock } = parts;
  return {
    clock,
    phase: () => lifecycle.phase,
    health: () => parts.health(),
    agents: () => roster.all.map((supervisor) => statusAgent(supervisor, parts.heartbeatTimeout(supervisor.name), parts.lease?.(supervisor.name))),
    triggers: (agent) => parts.triggers.views(agent),
    busStats: () => bus.stats?.(),
    queues: (limit) => bus.queues?.(limit) ?? [],
    act: (action, actor) => act(parts, action, actor),
  };
}

function statusAgent(supervisor: AgentSupervisor, heartbeatTimeout: number | undefined, lease: StatusAgent["lease"]): StatusAgent {
  const incarnation = supervisor.incarnation;
  const live = incarnation !== undefined && !incarnation.ended;
  return {
    status: supervisor.snapshot(),
    critical: supervisor.group.critical,
    ...(live && incarnation.runningSince !== undefined ? { runningSince: incarnation.runningSince } : {}),
    ...(live ? { lastHeartbeatAt: incarnation.lastBeat } : {}),
    ...(heartbeatTimeout === undefined ? {} : { heartbeatTimeout }),
    ...(lease === undefined ? {} : { lease }),
  };
}

/**
 * Carry out a page's action; agent actions go through the operator actions,
 * trigger actions through the trigger's controls (each logs its line with who acted).
 */
function act(parts: StatusParts, action: StatusAction, by: string): void | Promise<void | "started"> {
  if (action.target === "agent") {
    parts.operator.act(action.agent, action.action, by);
    return;
  }
  const control = parts.triggers.control(action.agent, action.trigger, by);
  if (action.action === "run-now") return runNow(control, parts, action, by);
  if (action.action === "pause") control.pause();
  else control.resume();
}

/** How long the page's run-now waits for the run to end (ms, on the orchestrator's clock) before it answers that the run has started. */
export const RUN_NOW_WAIT_MS = 2_000;

/**
 * Run the trigger now and wait for the run to end, up to
 * {@link RUN_NOW_WAIT_MS}: a refusal (`NOT_STARTED`, `AGENT_DOWN`) within it
 * rejects (the page answers it). A run still going then (a long job, or one
 * waiting behind a run in flight) is logged as started and the page answers;
 * a refusal after that (the agent stopped before the run began) is logged at
 * warn with who acted. A run that throws is the agent's crash, reported as one.
 */
async function runNow(control: TriggerControl, parts: StatusParts, action: StatusAction & { target: "trigger" }, by: string): Promise<void | "started"> {
  const { clock, logger } = parts;
  const ended = control.runNow().then(
    () => undefined,
    (error: unknown) => ({ error }),
  );
  let timer: unknown;
  const waited = new Promise<"waiting">((resolve) => (timer = clock.setTimeout(() => resolve("waiting"), RUN_NOW_WAIT_MS)));
  const first = await Promise.race([ended, waited]);
  clock.clearTimeout(timer);
  if (first === undefined) return;
  if (first !== "waiting") throw first.error;
  const fields = { agent: action.agent, trigger: action.trigger, by };
  const what = `run now of trigger "${action.trigger}" of agent "${action.agent}" by ${by}`;
  logger.info(fields, `status page: ${what} has started and is still going after ${RUN_NOW_WAIT_MS} ms; the page answered without waiting for its end`);
  void ended.then((failed) => {
    if (failed !== undefined) logger.warn({ ...fields, err: failed.error }, `status page: ${what} did not run: ${describeThrown(failed.error)}`);
  });
  return "started";
}

/**
 * The orchestrator's status page: its source over `parts`, served with the
 * host's `status` options (`undefined` when not given: a read-only page the
 * built-in listener does not serve).
 */
export function orchestratorStatusPage(parts: StatusParts, options: StatusOptions | undefined): ObservedStatusPage {
  const endpoint = new StatusEndpoint(orchestratorStatusSource(parts), options ?? {}, parts.logger);
  return { handler: endpoint.handler, fetch: (request) => endpoint.fetch(request), listed: options !== undefined };
}
