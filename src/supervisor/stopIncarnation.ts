import type { Agent } from "../agent/Agent.js";
import { isThenable } from "../check.js";
import type { Clock } from "../clock.js";
import { formatDuration } from "../duration.js";
import { AgentError } from "../errors/AgentError.js";
import { describeThrown } from "../errors/describeThrown.js";
import type { Logger } from "../logger.js";
import type { AgentCounters } from "../stats/AgentCounters.js";
import type { Incarnation } from "./Incarnation.js";
import { settleNow, type Settled } from "./settle.js";
import type { SupervisorHost } from "./SupervisorHost.js";

/** What {@link stopIncarnation} reports to. */
export interface StopReport {
  /** The agent's name. */
  readonly agent: string;
  /** Its orchestrator (clock, `agent:stop-timeout`). */
  readonly host: SupervisorHost;
  /** Its logger. */
  readonly log: Logger;
  /** Its counters (`stopFailures`). */
  readonly counters: AgentCounters;
}

/**
 * End `inc` gracefully: abort its signal, give its `stop()` until `deadline` ms,
 * then release it. A `stop()` that fails or outlives the deadline is never a
 * crash: it is counted (`stopFailures`) and logged; a timeout is logged as an
 * `AGENT_STOP_TIMEOUT` {@link AgentError}, reported as `agent:stop-timeout`, and
 * the incarnation is abandoned.
 */
export async function stopIncarnation(inc: Incarnation, deadline: number, { agent, host, log, counters }: StopReport): Promise<void> {
  // the reason is built only when someone holds the signal (or asks for it later)
  inc.abortLazily(() => new AgentError("AGENT_FAILED", agent, `agent "${agent}" is stopping`));
  const instance = inc.instance;
  if (instance !== undefined) {
    const outcome = await stopWithin(instance, deadline, host.clock);
    if (outcome === "timeout") {
      counters.stopFailures++;
      const error = new AgentError("AGENT_STOP_TIMEOUT", agent, `agent "${agent}": stop() did not settle within ${formatDuration(deadline)}; the incarnation is abandoned`);
      log.warn({ agent, timeout: deadline, err: error }, error.message);
      host.emit("agent:stop-timeout", { agent, timeout: deadline });
    } else if (!outcome.ok) {
      counters.stopFailures++;
      log.error({ agent, err: outcome.error }, `agent "${agent}": stop() failed: ${describeThrown(outcome.error)}`);
    }
  }
  await inc.dispose();
}

/** Run `stop()` against a deadline on `clock` (none for a `stop()` that returns without a promise). */
async function stopWithin(instance: Agent, deadline: number, clock: Clock): Promise<Settled | "timeout"> {
  const now = settleNow(() => instance.stop());
  if (!isThenable(now)) return now;
  let timer: unknown;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = clock.setTimeout(() => resolve("timeout"), Math.max(0, deadline));
  });
  const outcome = await Promise.race([now, timeout]);
  clock.clearTimeout(timer);
  return outcome;
}
