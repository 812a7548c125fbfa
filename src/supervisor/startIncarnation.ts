import type { Agent } from "../agent/Agent.js";
import type { AgentContext } from "../agent/AgentContext.js";
import { isThenable } from "../check.js";
import { formatDuration } from "../duration.js";
import { AgentError } from "../errors/AgentError.js";
import type { Logger } from "../logger.js";
import type { Incarnation } from "./Incarnation.js";
import { IncarnationContext } from "./IncarnationContext.js";
import { settleNow, type Settled } from "./settle.js";
import type { SupervisedAgent, SupervisorHost } from "./SupervisorHost.js";

/** What {@link startIncarnation} needs besides the incarnation. */
export interface StartPlan {
  /** The agent's registration. */
  readonly agent: SupervisedAgent;
  /** Its orchestrator. */
  readonly host: SupervisorHost;
  /** The agent's logger (`this.log`). */
  readonly log: Logger;
}

/**
 * Build the agent of `inc` and run its `start()` within `supervisor.startTimeout`.
 * Resolves with the instance once `start()` has resolved (`inc.runningSince`
 * set); with `undefined` when the constructor or `start()` failed or hung
 * (reported through `inc.crash`) or the incarnation ended first.
 */
export async function startIncarnation(inc: Incarnation, plan: StartPlan): Promise<Agent | undefined> {
  let instance: Agent;
  try {
    const context: AgentContext = new IncarnationContext(inc, plan.agent, plan.log, plan.host.random);
    instance = new plan.agent.agentClass(context as AgentContext<never>);
  } catch (error) {
    inc.crash("start", error);
    return undefined;
  }
  inc.instance = instance;
  const outcome = await settleStart(inc, instance, plan);
  if (outcome === undefined || inc.ended) return undefined;
  if (!outcome.ok) {
    inc.crash("start", outcome.error);
    return undefined;
  }
  inc.runningSince = plan.host.clock.now();
  inc.lastBeat = inc.runningSince;
  return instance;
}

/**
 * Run `start()`; a `start()` past `startTimeout` is a `hung` crash. `undefined` when the incarnation ended first.
 * A `start()` that returns without a promise (or throws) has settled: no deadline to watch.
 */
async function settleStart(inc: Incarnation, instance: Agent, { agent, host }: StartPlan): Promise<Settled | undefined> {
  const now = settleNow(() => instance.start());
  if (!isThenable(now)) return now;
  const { startTimeout } = host.settings;
  // on the host's clock, cleared below whichever way the start ends: the incarnation's own
  // clock would keep a set of timers for this one timer
  const timer = host.clock.setTimeout(() => {
    const name = agent.name;
    inc.crash("hung", new AgentError("AGENT_HUNG", name, `agent "${name}": start() did not settle within ${formatDuration(startTimeout)} (supervisor.startTimeout)`));
  }, startTimeout);
  const outcome = await new Promise<Settled | undefined>((resolve) => {
    inc.onEnd(() => resolve(undefined));
    void now.then(resolve);
  });
  inc.onEnd(undefined);
  host.clock.clearTimeout(timer);
  return outcome;
}
