import type { Agent } from "../agent/Agent.js";
import type { AgentContext } from "../agent/AgentContext.js";
import { formatDuration } from "../duration.js";
import { AgentError } from "../errors/AgentError.js";
import type { Logger } from "../logger.js";
import type { CrashReason } from "../stats/AgentCounters.js";
import type { Incarnation } from "./Incarnation.js";
import { settle, type Settled } from "./settle.js";
import type { SupervisedAgent, SupervisorHost } from "./SupervisorHost.js";

/** What {@link startIncarnation} needs besides the incarnation. */
export interface StartPlan {
  /** The agent's registration. */
  readonly agent: SupervisedAgent;
  /** Its orchestrator. */
  readonly host: SupervisorHost;
  /** The agent's logger (`this.log`). */
  readonly log: Logger;
  /** Report a crash of the incarnation (ignored by the supervisor once it has ended). */
  readonly crash: (reason: CrashReason, error: unknown) => void;
}

/**
 * Build the agent of `inc` and run its `start()` within `supervisor.startTimeout`.
 * Resolves with the instance once `start()` has resolved (`inc.runningSince`
 * set); with `undefined` when the constructor or `start()` failed or hung
 * (reported through `plan.crash`) or the incarnation ended first.
 */
export async function startIncarnation(inc: Incarnation, plan: StartPlan): Promise<Agent | undefined> {
  let instance: Agent;
  try {
    instance = new plan.agent.agentClass(agentContext(inc, plan) as AgentContext<never>);
  } catch (error) {
    plan.crash("start", error);
    return undefined;
  }
  inc.instance = instance;
  const outcome = await settleStart(inc, instance, plan);
  if (outcome === undefined || inc.ended) return undefined;
  if (!outcome.ok) {
    plan.crash("start", outcome.error);
    return undefined;
  }
  inc.runningSince = plan.host.clock.now();
  inc.lastBeat = inc.runningSince;
  return instance;
}

/** The context handed to the agent's constructor: everything in it belongs to `inc`. */
function agentContext(inc: Incarnation, { agent, host, log, crash }: StartPlan): AgentContext {
  return {
    name: agent.name,
    bus: inc.bus,
    log,
    signal: inc.controller.signal,
    config: agent.config,
    clock: inc.clock,
    random: host.random,
    heartbeat: () => {
      if (!inc.ended) inc.lastBeat = host.clock.now();
    },
    fail: (error: unknown) => crash("fail", error),
  };
}

/** Run `start()`; a `start()` past `startTimeout` is a `hung` crash. `undefined` when the incarnation ended first. */
async function settleStart(inc: Incarnation, instance: Agent, { agent, host, crash }: StartPlan): Promise<Settled | undefined> {
  const { startTimeout } = host.settings;
  const name = agent.name;
  const timer = inc.clock.setTimeout(() => {
    crash("hung", new AgentError("AGENT_HUNG", name, `agent "${name}": start() did not settle within ${formatDuration(startTimeout)} (supervisor.startTimeout)`));
  }, startTimeout);
  const outcome = await Promise.race([settle(() => instance.start()), inc.whenEnded.then(() => undefined)]);
  inc.clock.clearTimeout(timer);
  return outcome;
}
