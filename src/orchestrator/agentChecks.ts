import { handlesCron, type AgentClass } from "../agent/Agent.js";
import { validateAgentConfig } from "../agent/validateAgentConfig.js";
import { isThenable } from "../check.js";
import { configErrorAt } from "../config/ConfigSource.js";
import type { OrchestratorConfig } from "../config/OrchestratorConfig.js";
import type { ResolvedConfig, ResolvedGroup } from "../config/ResolvedConfig.js";
import { ConfigError } from "../errors/ConfigError.js";
import type { SupervisedAgent } from "../supervisor/SupervisorHost.js";

/** The group an agent needs no word about: where an agent without one goes. */
export const DEFAULT_GROUP = "data";

/**
 * The group of agent `name`: the config's `agents.<name>.group`, else the
 * group of its registration in code, else `data`. An unknown group is a `ConfigError`.
 */
export function resolveGroup(config: ResolvedConfig, name: string, codeGroup: string | undefined): ResolvedGroup {
  const groupName = config.agents[name]?.group ?? codeGroup ?? DEFAULT_GROUP;
  const group = config.groups[groupName];
  if (group === undefined) {
    throw new ConfigError(`agent "${name}": unknown group "${groupName}"; expected one of ${Object.keys(config.groups).join(", ")}`, {
      path: `agents.${name}.group`,
      value: groupName,
    });
  }
  return group;
}

/**
 * A trigger for an agent whose class has no `onCron` would fire and run
 * nothing: refuse it with a `ConfigError` at `schedule.<agent>` (decision 32).
 * `config` (resolved, or as `loadConfig` returned it, as the CLI's `validate`
 * passes it) gives the error its file, line and column; the caller checks
 * that the agent has a trigger.
 */
export function checkCronHandler(config: ResolvedConfig | OrchestratorConfig, agent: string, agentClass: AgentClass): void {
  if (handlesCron(agentClass)) return;
  throw configErrorAt(
    config,
    `schedule.${agent}`,
    `agent "${agent}" has a trigger, but its class ${agentClass.name || "(anonymous)"} defines no onCron(tick): every slot would fire and run nothing; define onCron or remove the trigger`,
  );
}

/** An agent's registration as its supervisor reads it; `config` is filled in once its schema has accepted it. */
type PendingAgent = { -readonly [K in keyof SupervisedAgent]: SupervisedAgent[K] };

/**
 * The agents' configs, each validated once with its class's `configSchema`
 * (decision 35): a synchronous schema's verdict is known when the agent is
 * added (a refusal throws there: `createOrchestrator()`, or `start()` for a
 * module agent); an asynchronous one's by {@link AgentConfigs.settled}, which
 * `start()` awaits before any agent starts. Every incarnation reads the
 * validated output: nothing is validated again on restart.
 */
export class AgentConfigs {
  /** Validations still running, each settling with its refusal or `undefined`. */
  readonly #pending: Array<Promise<Error | undefined>> = [];

  /**
   * The registration of agent `name` for its supervisor, its `config` the
   * schema's output (or, until an asynchronous schema has answered, nothing).
   *
   * @throws ConfigError `AGENT_CONFIG_INVALID` when a synchronous schema refuses the config
   */
  supervised(config: ResolvedConfig, name: string, agentClass: AgentClass, group: ResolvedGroup): SupervisedAgent {
    const entry = config.agents[name];
    const agent: PendingAgent = { name, agentClass, group, config: undefined, heartbeatTimeout: entry?.heartbeatTimeout };
    const validated = validateAgentConfig({ agent: name, agentClass, config: entry?.config, origin: config });
    if (!isThenable(validated)) {
      agent.config = validated.value;
      return agent;
    }
    // kept settled (refusal as a value): an orchestrator never started leaves no unhandled rejection
    this.#pending.push(
      validated.then(
        ({ value }) => {
          agent.config = value;
          return undefined;
        },
        (error: unknown) => (error instanceof Error ? error : new ConfigError(`agent "${name}": config validation failed`, { code: "AGENT_CONFIG_INVALID", cause: error })),
      ),
    );
    return agent;
  }

  /**
   * `undefined` when no validation is running (nothing to wait for: `start()`
   * goes on in the same turn), else a promise that resolves once every
   * asynchronous validation has answered and rejects with the first refusal
   * (in registration order).
   */
  settled(): Promise<void> | undefined {
    if (this.#pending.length === 0) return undefined;
    return Promise.all(this.#pending.splice(0)).then((refusals) => {
      const refusal = refusals.find((error) => error !== undefined);
      if (refusal !== undefined) throw refusal;
    });
  }
}
