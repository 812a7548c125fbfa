import { formatDuration } from "../duration.js";
import { AgentError } from "../errors/AgentError.js";
import type { Incarnation } from "./Incarnation.js";

/**
 * Watch a running incarnation's heartbeats: once `timeout` ms pass without a
 * `heartbeat()`, `onHung` gets an `AGENT_HUNG` error. The checks run on the
 * incarnation's own clock, so they end with it. No `timeout`, no watch.
 */
export function watchHeartbeat(inc: Incarnation, agent: string, timeout: number | undefined, now: () => number, onHung: (error: AgentError) => void): void {
  if (timeout === undefined) return;
  const check = (): void => {
    if (inc.ended) return;
    const idle = now() - inc.lastBeat;
    if (idle >= timeout) {
      onHung(new AgentError("AGENT_HUNG", agent, `agent "${agent}": no heartbeat for ${formatDuration(idle)} (heartbeatTimeout ${formatDuration(timeout)})`));
    } else {
      inc.clock.setTimeout(check, timeout - idle);
    }
  };
  inc.clock.setTimeout(check, timeout);
}
