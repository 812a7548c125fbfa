import type { AgentClass } from "../agent/Agent.js";
import type { ResolvedConfig } from "../config/ResolvedConfig.js";
import { ConfigError } from "../errors/ConfigError.js";
import { DEFAULT_THREAD_PING_TIMEOUT, type ThreadSpec } from "../thread/ThreadSpec.js";
import { ThreadGauge } from "../thread/ThreadGauge.js";
import { cloneRefusal } from "../thread/cloneRefusal.js";
import { checkCronHandler } from "./agentChecks.js";
import { loadAgentModule, type NormalizedRegistration } from "./registry.js";

/** One agent whose class is known, ready for its supervisor. */
export interface AgentToAdd {
  readonly name: string;
  readonly agentClass: AgentClass;
  /** The group given in code (the config's `agents.<name>.group` wins over it). */
  readonly codeGroup: string | undefined;
  /** Set for `isolation: thread`: its incarnations run in a worker thread. */
  readonly thread: ThreadSpec | undefined;
}

/** A thread agent's figures, for the metrics. */
export interface ThreadAgentGauge {
  readonly agent: string;
  readonly gauge: ThreadGauge;
}

/**
 * The agents an orchestrator knows by module rather than by class: those
 * registered in code by module (in registration order), then those of the
 * config's `agents:` with a `module:` (in the config's order). `start()`
 * imports them; a thread agent's class is imported on the main thread too, so
 * that a missing export, a class that is not an agent or a config its schema
 * refuses stops the start before any agent runs. A thread agent's config that
 * cannot be copied to its thread (a function, a symbol in it: a config given
 * in code) is refused first, before any module loads. Also makes the
 * {@link ThreadSpec} of every thread agent (by module or by class, which the
 * config check has refused).
 */
export class ModuleAgents {
  readonly #config: ResolvedConfig;
  /** The registrations by module (those by class are handed to their supervisors at once and not kept: no entry per agent). */
  readonly #registrations: ReadonlyMap<string, NormalizedRegistration>;
  readonly #byModule: ReadonlySet<string>;
  readonly #gauges: ThreadAgentGauge[] = [];

  constructor(config: ResolvedConfig, registrations: readonly NormalizedRegistration[]) {
    this.#config = config;
    const byModuleRegistrations = new Map<string, NormalizedRegistration>();
    for (const registration of registrations) if (registration.module !== undefined) byModuleRegistrations.set(registration.name, registration);
    this.#registrations = byModuleRegistrations;
    const byModule = new Set<string>(byModuleRegistrations.keys());
    for (const [name, entry] of Object.entries(config.agents)) if (entry.module !== undefined) byModule.add(name);
    this.#byModule = byModule;
  }

  /** Whether `start()` loads agent `name` by module. */
  has(name: string): boolean {
    return this.#byModule.has(name);
  }

  /** Whether any agent runs in a thread (known before any module loads). */
  get anyThread(): boolean {
    for (const name of this.#byModule) if (this.#isolation(name) === "thread") return true;
    return false;
  }

  /** The figures of every thread agent added so far (read at scrape time). */
  get gauges(): readonly ThreadAgentGauge[] {
    return this.#gauges;
  }

  /** The agents of `registrations` registered in code by class, as their supervisors take them. */
  static classAgents(registrations: readonly NormalizedRegistration[]): AgentToAdd[] {
    const out: AgentToAdd[] = [];
    for (const registration of registrations) {
      if (registration.agentClass === undefined) continue;
      out.push({ name: registration.name, agentClass: registration.agentClass, codeGroup: registration.group, thread: undefined });
    }
    return out;
  }

  /**
   * Import every agent known by module that `skip` does not name, in order,
   * handing each to `add` as it loads. `undefined` when there is none to load
   * (the start goes on in the same turn), else a promise that rejects with a
   * ConfigError naming the agent when a thread agent's config cannot be
   * copied to its thread (at `agents.<name>.config`, before any import), a
   * module fails to load or does not export an agent class.
   */
  load(add: (agent: AgentToAdd) => void, skip: (name: string) => boolean): Promise<void> | undefined {
    const names = [...this.#byModule].filter((name) => !skip(name));
    if (names.length === 0) return undefined;
    for (const name of names) {
      const refused = this.#isolation(name) === "thread" ? uncopyableConfig(name, this.#config.agents[name]?.config) : undefined;
      if (refused !== undefined) return Promise.reject(refused);
    }
    return this.#loadAll(names, add);
  }

  async #loadAll(names: readonly string[], add: (agent: AgentToAdd) => void): Promise<void> {
    for (const name of names) {
      const registration = this.#registrations.get(name);
      const entry = this.#config.agents[name];
      const specifier = (registration?.module ?? entry?.module) as string;
      const exportName = registration?.module !== undefined ? registration.export : entry?.export;
      const agentClass = await loadAgentModule(name, specifier, exportName, this.#config);
      if (Object.hasOwn(this.#config.schedule, name)) checkCronHandler(this.#config, name, agentClass);
      add({ name, agentClass, codeGroup: registration?.group, thread: this.#threadSpec(name, specifier, exportName) });
    }
  }

  #isolation(name: string): "in-process" | "thread" {
    return this.#config.agents[name]?.isolation ?? this.#registrations.get(name)?.isolation ?? "in-process";
  }

  #threadSpec(name: string, module: string, exportName: string | undefined): ThreadSpec | undefined {
    if (this.#isolation(name) !== "thread") return undefined;
    const entry = this.#config.agents[name];
    const gauge = new ThreadGauge();
    this.#gauges.push({ agent: name, gauge });
    return Object.freeze({
      module,
      export: exportName,
      config: entry?.config,
      maxHeapMb: entry?.resourceLimits?.maxHeapMb ?? this.#registrations.get(name)?.maxHeapMb,
      pingTimeout: entry?.heartbeatTimeout ?? DEFAULT_THREAD_PING_TIMEOUT,
      gauge,
    });
  }
}

/**
 * The ConfigError refusing agent `name`'s `config` when it cannot be copied to
 * the agent's thread, else `undefined`: the same check a payload for a thread
 * agent passes at publish ({@link cloneRefusal}), which names where the
 * culprit sits (`config.rounding[0].round is a function`).
 */
function uncopyableConfig(name: string, config: unknown): ConfigError | undefined {
  const why = cloneRefusal(config, "config");
  if (why === undefined) return undefined;
  return new ConfigError(
    `agent "${name}" (isolation: thread): its config cannot be copied to its thread: ${why}. Only plain data crosses to a thread (objects, arrays, strings, numbers, booleans, dates, maps, sets); move the behaviour into the agent's class`,
    { path: `agents.${name}.config` },
  );
}
