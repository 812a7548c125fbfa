import type { Bus } from "../bus/Bus.js";
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
}

/** The {@link StatusSource} of one orchestrator: every member reads its parts when the page asks. */
export function orchestratorStatusSource(parts: StatusParts): StatusSource {
  const { lifecycle, roster, bus, clock } = parts;
  return {
    clock,
    phase: () => lifecycle.phase,
    health: () => parts.health(),
    agents: () => roster.all.map((supervisor) => statusAgent(supervisor, parts.heartbeatTimeout(supervisor.name))),
    triggers: (agent) => parts.triggers.views(agent),
    busStats: () => bus.stats?.(),
    queues: (limit) => bus.queues?.(limit) ?? [],
    act: (action, actor) => act(parts, action, actor),
  };
}

function statusAgent(supervisor: AgentSupervisor, heartbeatTimeout: number | undefined): StatusAgent {
  const incarnation = supervisor.incarnation;
  const live = incarnation !== undefined && !incarnation.ended;
  return {
    status: supervisor.snapshot(),
    critical: supervisor.group.critical,
    ...(live && incarnation.runningSince !== undefined ? { runningSince: incarnation.runningSince } : {}),
    ...(live ? { lastHeartbeatAt: incarnation.lastBeat } : {}),
    ...(heartbeatTimeout === undefined ? {} : { heartbeatTimeout }),
  };
}

/**
 * Carry out a page's action; agent actions go through the operator actions,
 * trigger actions through the trigger's controls (each logs its line with who acted).
 */
function act(parts: StatusParts, action: StatusAction, by: string): void | Promise<void> {
  if (action.target === "agent") {
    parts.operator.act(action.agent, action.action, by);
    return;
  }
  const control = parts.triggers.control(action.agent, action.trigger, by);
  if (action.action === "run-now") return runNow(control, parts.logger, action);
  if (action.action === "pause") control.pause();
  else control.resume();
}

/**
 * Start a run now and resolve once it is under way: a refusal (`NOT_STARTED`,
 * `AGENT_DOWN`) comes back at once and rejects; the page does not wait for a
 * long job to end (a run that fails later is the agent's crash, reported as one).
 */
async function runNow(control: TriggerControl, logger: Logger, action: StatusAction & { target: "trigger" }): Promise<void> {
  const run = control.runNow();
  const early = await Promise.race([run.then(() => undefined, (error: unknown) => ({ error })), new Promise<undefined>((resolve) => setImmediate(() => resolve(undefined)))]);
  if (early !== undefined) throw early.error;
  run.catch((error: unknown) => logger.debug({ agent: action.agent, trigger: action.trigger, err: error }, `status page: run now of trigger "${action.trigger}" of "${action.agent}" ended with an error`));
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
