import { isThenable } from "../check.js";
import type { Clock } from "../clock.js";
import { formatDuration } from "../duration.js";
import { AgentError } from "../errors/AgentError.js";
import { describeThrown } from "../errors/describeThrown.js";
import type { Logger } from "../logger.js";
import type { AgentCounters } from "../stats/AgentCounters.js";
import type { Incarnation } from "./Incarnation.js";
import { settleCall, type Settled } from "./settle.js";
import type { SupervisorHost } from "./SupervisorHost.js";

/** What {@link stopIncarnation} reports to. */
export interface StopReport {
  /** The agent's name. */
  readonly agent: string;
  /** The agent's group (in `agent:stop-timeout`). */
  readonly group: string;
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
export function stopIncarnation(inc: Incarnation, deadline: number, report: StopReport): Promise<void> {
  // the reason is built only when someone holds the signal (or asks for it later)
  inc.abortLazily(() => new AgentError("AGENT_FAILED", report.agent, `agent "${report.agent}" is stopping`));
  const instance = inc.instance;
  if (instance === undefined) return inc.dispose();
  const now = settleCall(instance, "stop");
  // a stop() that returned without a promise has settled: no deadline, no extra turn
  if (!isThenable(now)) {
    reportStop(now, deadline, report);
    return inc.dispose();
  }
  return stopWithin(now, deadline, report.host.clock).then((outcome) => {
    reportStop(outcome, deadline, report);
    return inc.dispose();
  });
}

/** Count and log a `stop()` that failed or timed out (never a crash). */
function reportStop(outcome: Settled | "timeout", deadline: number, { agent, group, host, log, counters }: StopReport): void {
  if (outcome === "timeout") {
    counters.stopFailures++;
    const error = new AgentError("AGENT_STOP_TIMEOUT", agent, `agent "${agent}": stop() did not settle within ${formatDuration(deadline)}; the incarnation is abandoned`);
    log.warn({ agent, timeout: deadline, err: error }, error.message);
    host.emit("agent:stop-timeout", { agent, group, timeout: deadline });
  } else if (!outcome.ok) {
    counters.stopFailures++;
    log.error({ agent, err: outcome.error }, `agent "${agent}": stop() failed: ${describeThrown(outcome.error)}`);
  }
}

/** Wait for `stopped` (a `stop()` that returned a promise, a stop under way), against a deadline of `deadline` ms on `clock`. */
export async function stopWithin<T>(stopped: Promise<T>, deadline: number, clock: Clock): Promise<T | "timeout"> {
  let timer: unknown;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = clock.setTimeout(() => resolve("timeout"), Math.max(0, deadline));
  });
  const outcome = await Promise.race([stopped, timeout]);
  clock.clearTimeout(timer);
  return outcome;
}
