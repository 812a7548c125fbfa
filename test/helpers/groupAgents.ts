// Helpers of the supervision-tree tests through createOrchestrator: scripted agents registered in
// groups, the agent:state sequence, and letting a group's queued stops and starts run.
import type { Orchestrator } from "../../src/orchestrator/Orchestrator.js";
import type { ManualClock } from "../../src/testing/ManualClock.js";
import { scriptedAgent } from "./orchestrator.js";

/** Back-off 100 ms, doubling, no jitter. */
export const SUPERVISOR = { backoff: { initial: "100ms", max: "10s", factor: 2, jitter: 0 } } as const;

export type Scripted = ReturnType<typeof scriptedAgent>;

/** Scripted agents, each registered in the group given. */
export function agents(entries: Array<[name: string, group: string]>): { scripted: Record<string, Scripted>; registrations: Array<{ name: string; agent: Scripted["Agent"]; group: string }> } {
  const scripted: Record<string, Scripted> = {};
  const registrations = entries.map(([name, group]) => {
    const agent = (scripted[name] = scriptedAgent(name));
    return { name, agent: agent.Agent, group };
  });
  return { scripted, registrations };
}

/** `agent:state` events as `agent:state`, in order, from now on. */
export function stateLog(orch: Orchestrator): string[] {
  const log: string[] = [];
  orch.on("agent:state", ({ agent, state }) => void log.push(`${agent}:${state}`));
  return log;
}

/** Let the stops and starts queued by a group run. */
export async function settle(clock: ManualClock): Promise<void> {
  await clock.advance(0);
  for (let i = 0; i < 30; i++) await Promise.resolve();
}
