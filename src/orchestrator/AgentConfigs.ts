import type { AgentClass } from "../agent/Agent.js";
import { validateAgentConfig } from "../agent/validateAgentConfig.js";
import { isThenable } from "../check.js";
import type { Clock } from "../clock.js";
import type { ResolvedConfig, ResolvedGroup } from "../config/ResolvedConfig.js";
import { formatDuration } from "../duration.js";
import { ConfigError } from "../errors/ConfigError.js";
import type { ThreadSpec } from "../thread/ThreadSpec.js";
import type { SupervisedAgent } from "../supervisor/SupervisorHost.js";

/** An agent's registration as its supervisor reads it; `config` is filled in once its schema has accepted it. */
type PendingAgent = { -readonly [K in keyof SupervisedAgent]: SupervisedAgent[K] };

/** An asynchronous validation still running: whose, and its outcome (a refusal as a value). */
interface PendingValidation {
  readonly agent: string;
  outcome: Promise<Error | undefined>;
  answered: boolean;
}

/**
 * The agents' configs, each validated once with its class's `configSchema`
 * (decision 35): a synchronous schema's verdict is known when the agent is
 * added (a refusal throws there: `createOrchestrator()`, or `start()` for a
 * module agent); an asynchronous one's by {@link AgentConfigs.settled}, which
 * `start()` awaits before any agent starts, for at most the supervisor's
 * `startTimeout`. Every incarnation reads the validated output: nothing is
 * validated again on restart.
 */
export class AgentConfigs {
  /** Validations still running. */
  readonly #pending: PendingValidation[] = [];

  /**
   * The registration of agent `name` for its supervisor, its `config` the
   * schema's output (or, until an asynchronous schema has answered, nothing).
   *
   * @throws ConfigError `AGENT_CONFIG_INVALID` when a synchronous schema refuses the config
   */
  supervised(config: ResolvedConfig, name: string, agentClass: AgentClass, group: ResolvedGroup, thread?: ThreadSpec, singleton = false): SupervisedAgent {
    const entry = config.agents[name];
    const agent: PendingAgent = { name, agentClass, group, config: undefined, heartbeatTimeout: entry?.heartbeatTimeout };
    if (thread !== undefined) agent.thread = thread;
    if (singleton) agent.singleton = true;
    const validated = validateAgentConfig({ agent: name, agentClass, config: entry?.config, origin: config });
    if (!isThenable(validated)) {
      agent.config = validated.value;
      return agent;
    }
    const pending: PendingValidation = { agent: name, outcome: Promise.resolve(undefined), answered: false };
    // kept settled (refusal as a value): an orchestrator never started leaves no unhandled rejection
    pending.outcome = validated.then(
      ({ value }) => {
        pending.answered = true;
        agent.config = value;
        return undefined;
      },
      (error: unknown) => {
        pending.answered = true;
        return error instanceof Error ? error : new ConfigError(`agent "${name}": config validation failed`, { code: "AGENT_CONFIG_INVALID", cause: error });
      },
    );
    this.#pending.push(pending);
    return agent;
  }

  /**
   * `undefined` when no validation is running (nothing to wait for: `start()`
   * goes on in the same turn), else a promise that resolves once every
   * asynchronous validation has answered and rejects with the first refusal
   * (in registration order), or with an `AGENT_CONFIG_INVALID` naming the
   * first agent whose schema has not answered within `timeout` ms on `clock`.
   */
  settled(clock: Clock, timeout: number): Promise<void> | undefined {
    if (this.#pending.length === 0) return undefined;
    const pending = this.#pending.splice(0);
    let timer: unknown;
    const late = new Promise<Error>((resolve) => {
      timer = clock.setTimeout(() => {
        const waiting = pending.find((validation) => !validation.answered)?.agent ?? "";
        resolve(
          new ConfigError(`agent "${waiting}": its configSchema did not answer within ${formatDuration(timeout)} (supervisor.startTimeout); no agent was started`, {
            code: "AGENT_CONFIG_INVALID",
            path: `agents.${waiting}.config`,
          }),
        );
      }, timeout);
    });
    const answers = Promise.all(pending.map((validation) => validation.outcome)).then((refusals) => refusals.find((error) => error !== undefined));
    return Promise.race([answers, late]).then((refusal) => {
      clock.clearTimeout(timer);
      if (refusal !== undefined) throw refusal;
    });
  }
}
