import type { Agent } from "../../src/agent/Agent.js";
import { createBus } from "../../src/bus/createBus.js";
import type { GroupStrategy, ResolvedGroup } from "../../src/config/ResolvedConfig.js";
import { AgentSupervisor } from "../../src/supervisor/AgentSupervisor.js";
import type { Escalation } from "../../src/supervisor/Escalation.js";
import type { OrchestratorEventName, OrchestratorEvents } from "../../src/supervisor/events.js";
import type { SupervisorHost } from "../../src/supervisor/SupervisorHost.js";
import type { LaunchGate } from "../../src/supervisor/tree/DependencyGate.js";
import { ManualClock } from "../../src/testing/ManualClock.js";
import { memoryLogger, scriptedAgent, T0 } from "./orchestrator.js";

/** A resolved group with the tree fields; `path` defaults to `[parent's path…, name]` as given. */
export function treeGroup(
  name: string,
  options: { strategy?: GroupStrategy; intensity?: { maxRestarts: number; within: number }; parent?: ResolvedGroup; critical?: boolean } = {},
): ResolvedGroup {
  const { parent, intensity } = options;
  return {
    name,
    path: [...(parent?.path ?? []), name],
    strategy: options.strategy ?? "one_for_one",
    ...(parent === undefined ? {} : { parent: parent.name }),
    ...(intensity === undefined ? {} : { intensity }),
    restart: { kind: "always" },
    crashLoop: { maxCrashes: 1_000, within: 300_000 },
    escalateAfter: 1_000,
    critical: options.critical ?? false,
  };
}

type Recorded = { [E in OrchestratorEventName]?: Array<OrchestratorEvents[E]> };

/**
 * Real AgentSupervisors on a ManualClock with a recording host: back-off
 * 10 ms, doubling, no jitter; restarts run at once (no pacer).
 */
export function treeHarness() {
  const clock = new ManualClock(T0);
  const events: Recorded = {};
  const log: string[] = [];
  const escalations: Escalation[] = [];
  const failStops: Array<{ agent: string; error: unknown; group: string | undefined }> = [];
  let stopping = false;
  const host: SupervisorHost & { gate?: LaunchGate } = {
    clock,
    bus: createBus(),
    random: () => 0,
    logger: memoryLogger(),
    settings: { backoff: { initial: 10, max: 1_000, factor: 2, jitter: 0 }, resetAfter: 60_000, startTimeout: 30_000, stopTimeout: 5_000 },
    stopping: () => stopping,
    listens: () => true,
    emit: (event, payload) => {
      ((events[event] ??= []) as unknown[]).push(payload);
      if (event === "agent:state") {
        const { agent, state } = payload as OrchestratorEvents["agent:state"];
        log.push(`${agent}:${state}`);
      }
    },
    escalate: (escalation) => void escalations.push(escalation),
    failStop: (agent, error, group) => {
      stopping = true;
      failStops.push({ agent, error, group });
    },
    attachTriggers: () => undefined,
    setBackoff: (elapsed, delay) => clock.setTimeout(elapsed, delay),
    clearBackoff: (handle) => clock.clearTimeout(handle),
    paced: (restart) => restart(),
  };
  const agents = new Map<string, { supervisor: AgentSupervisor; instances: ReturnType<typeof scriptedAgent>["instances"] }>();
  return {
    clock,
    host,
    events,
    /** `agent:state` events as `name:state`, in order. */
    log,
    escalations,
    failStops,
    /** A supervised agent in `group`; `start` and `stop` script its `start()` and `stop()`. */
    agent(name: string, group: ResolvedGroup, start?: (agent: Agent) => void | Promise<void>, stop?: (agent: Agent) => void | Promise<void>): AgentSupervisor {
      const { Agent, instances } = scriptedAgent(name, { ...(start === undefined ? {} : { start }), ...(stop === undefined ? {} : { stop }) });
      const supervisor = new AgentSupervisor({ name, agentClass: Agent, group, config: undefined, heartbeatTimeout: undefined }, host);
      agents.set(name, { supervisor, instances });
      return supervisor;
    },
    /** Crash the live incarnation of `name` (it calls `fail()`). */
    crash(name: string): void {
      const entry = agents.get(name);
      const live = entry?.instances.at(-1);
      if (live === undefined) throw new Error(`no instance of ${name}`);
      live.fail(new Error(`${name} broke`));
    },
    states(): Record<string, string> {
      return Object.fromEntries([...agents].map(([name, { supervisor }]) => [name, supervisor.state]));
    },
    /** Let queued group steps (microtasks and promise chains) run. */
    async settle(): Promise<void> {
      await clock.advance(0);
      for (let i = 0; i < 20; i++) await Promise.resolve();
    },
  };
}
