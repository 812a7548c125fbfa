import type { Agent } from "../agent/Agent.js";
import type { AgentContext } from "../agent/AgentContext.js";
import { isThenable } from "../check.js";
import { formatDuration } from "../duration.js";
import { AgentError } from "../errors/AgentError.js";
import type { Logger } from "../logger.js";
import { ThreadAgent } from "../thread/ThreadAgent.js";
import type { Incarnation } from "./Incarnation.js";
import { IncarnationContext } from "./IncarnationContext.js";
import { settleCall, type Settled } from "./settle.js";
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
 * Gives the instance once `start()` has resolved (`inc.runningSince` set);
 * `undefined` when the constructor or `start()` failed or hung (reported
 * through `inc.crash`) or the incarnation ended first. A `start()` that returns
 * without a promise (or throws) gives its answer at once, not in a promise:
 * starting ten thousand such agents costs no promise and no microtask each.
 */
export function startIncarnation(inc: Incarnation, plan: StartPlan): Agent | undefined | Promise<Agent | undefined> {
  let instance: Agent;
  try {
    const context: AgentContext = new IncarnationContext(inc, plan.agent, plan.log, plan.host.random);
    const thread = plan.agent.thread;
    // isolation: thread: a stand-in here, the agent itself in its own worker thread
    instance = thread === undefined ? (new plan.agent.agentClass(context as AgentContext<never>) as Agent) : new ThreadAgent(context, thread, inc); // the orchestrator drives every agent through its untyped view
  } catch (error) {
    inc.crash("start", error);
    return undefined;
  }
  inc.instance = instance;
  const now = settleCall(instance, "start");
  if (!isThenable(now)) return started(inc, instance, now, plan);
  return awaitStart(inc, now, plan).then((outcome) => started(inc, instance, outcome, plan));
}

/** The end of a start that settled with `outcome` (`undefined`: the incarnation ended first). */
function started(inc: Incarnation, instance: Agent, outcome: Settled | undefined, plan: StartPlan): Agent | undefined {
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
 * Wait for a `start()` that returned a promise; past `startTimeout` it is a `hung` crash.
 * `undefined` when the incarnation ended first.
 */
async function awaitStart(inc: Incarnation, now: Promise<Settled>, { agent, host }: StartPlan): Promise<Settled | undefined> {
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
