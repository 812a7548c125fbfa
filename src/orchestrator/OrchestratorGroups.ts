import type { ResolvedConfig } from "../config/ResolvedConfig.js";
import type { AgentSupervisor } from "../supervisor/AgentSupervisor.js";
import { DependencyGate, type LaunchGate } from "../supervisor/tree/DependencyGate.js";
import type { GroupMember } from "../supervisor/tree/GroupMember.js";
import type { GroupSupervisor, TreeHost } from "../supervisor/tree/GroupSupervisor.js";
import { supervisionTree } from "../supervisor/tree/supervisionTree.js";
import type { GroupControl } from "./GroupControl.js";
import { GroupControls, type GroupControlsParts, type GroupsView } from "./GroupControls.js";

/** The host whose launch gate the groups set (see `SupervisorHost.gate`). */
export type GatedHost = TreeHost & { gate?: LaunchGate | undefined };

/** What the groups need from the orchestrator. */
export interface OrchestratorGroupsParts extends GroupControlsParts {
  readonly config: ResolvedConfig;
  /** Every agent's supervisor, in start order (`dependsOn`, registration order as the tie-breaker). */
  supervisors(): readonly AgentSupervisor[];
}

const NO_SUPERVISORS: ReadonlyMap<string, GroupSupervisor> = new Map();

/**
 * The supervision tree of an orchestrator and its operator controls. Once
 * every agent is known ({@link OrchestratorGroups.build}, after `start()` has
 * loaded the module agents and before any agent starts) it takes the agents
 * in start order (`dependsOn`, else registration order), makes the
 * {@link GroupSupervisor}s of the groups that have a strategy or an intensity
 * (none for a configuration without either), and gives the host a
 * {@link DependencyGate} when some agent has `dependsOn` (none otherwise: no
 * launch asks anything).
 */
export class OrchestratorGroups implements GroupsView {
  readonly #parts: OrchestratorGroupsParts;
  readonly #controls: GroupControls;
  #supervisors: ReadonlyMap<string, GroupSupervisor> = NO_SUPERVISORS;
  #order: readonly AgentSupervisor[] = [];
  /** The group supervisors as a list, for metrics (empty until {@link OrchestratorGroups.build}). */
  #supervised: readonly GroupSupervisor[] = [];

  constructor(parts: OrchestratorGroupsParts) {
    this.#parts = parts;
    this.#controls = new GroupControls(parts);
  }

  /** Every agent is known: build the tree and the launch gate on `host`, then apply the group actions taken while `start()` was loading. */
  build(host: GatedHost): void {
    const supervisors = this.#parts.supervisors();
    const dependsOn = dependenciesOf(this.#parts.config, supervisors);
    this.#order = supervisors;
    this.#supervisors = supervisionTree(this.#parts.config.groups, this.#order, host);
    this.#supervised = [...this.#supervisors.values()];
    if (dependsOn.size > 0) {
      const byName = new Map(supervisors.map((supervisor) => [supervisor.name, supervisor]));
      host.gate = new DependencyGate(dependsOn, (agent) => byName.get(agent)?.state);
    }
    this.#controls.ready(this);
  }

  /** `orch.group(name)`. @throws LifecycleError `UNKNOWN_GROUP` */
  control(name: string): GroupControl {
    return this.#controls.control(name);
  }

  /** Every group that has a supervisor, once the tree is built (`group_failures_total`). */
  supervised(): readonly GroupSupervisor[] {
    return this.#supervised;
  }

  supervisor(name: string): GroupSupervisor | undefined {
    return this.#supervisors.get(name);
  }

  members(name: string): readonly GroupMember[] {
    return this.#order.filter((supervisor) => supervisor.group.path.includes(name));
  }
}

/** Each agent's dependencies, for the agents that have some. */
function dependenciesOf(config: ResolvedConfig, supervisors: readonly AgentSupervisor[]): Map<string, readonly string[]> {
  const dependsOn = new Map<string, readonly string[]>();
  for (const { name } of supervisors) {
    const dependencies = config.agents[name]?.dependsOn;
    if (dependencies !== undefined && dependencies.length > 0) dependsOn.set(name, dependencies);
  }
  return dependsOn;
}

