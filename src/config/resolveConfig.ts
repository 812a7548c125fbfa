import type { Isolation, Placement } from "./ResolvedConfig.js";
import { attachConfigSource, getConfigSource } from "./ConfigSource.js";
import { describeValue } from "../check.js";
import { isValidAgentName, NAME_EXPECTATION } from "./agentName.js";
import { checkConfig, type CheckedConfig } from "./checkConfig.js";
import { ConfigChecker } from "./ConfigChecker.js";
import { dependencyPath } from "./dependsOn.js";
import { didYouMean } from "./didYouMean.js";
import { groupExpectation } from "./groupTree.js";
import { childPath } from "./keyPath.js";
import type { OrchestratorConfig } from "./OrchestratorConfig.js";
import type { ResolvedConfig } from "./ResolvedConfig.js";

/** What {@link resolveConfig} needs to know of an agent registered in code. */
export interface AgentRegistrationInfo {
  /** The agent's name. */
  readonly name: string;
  /** The group given in code; `agents.<name>.group` in the config wins over it. @default "data" */
  readonly group?: string | undefined;
  /** Marks the chief agent (the config's `chief:` may name it too, but not another agent). @default false */
  readonly chief?: boolean | undefined;
  /** The module the class is imported from, when registered by module rather than by class. */
  readonly module?: string | undefined;
  /** The isolation given in code; `agents.<name>.isolation` in the config wins over it. @default "in-process" */
  readonly isolation?: Isolation | undefined;
  /** The placement given in code; `agents.<name>.placement` in the config wins over it. @default "everywhere" */
  readonly placement?: Placement | undefined;
}

/** The code side of the configuration: the agents registered with `createOrchestrator({ agents })`. */
export interface ResolveContext {
  /** Agents registered in code. @default [] */
  readonly registered?: ReadonlyArray<AgentRegistrationInfo>;
}

const MAX_LISTED = 10;
const KNOWN_AGENT = 'expected an agent registered in code or given a "module" under agents:';

/**
 * Validate a configuration against the agents registered in code and return
 * it with every default filled in and every duration in milliseconds. Throws a
 * {@link ConfigError} (synchronously) at the first problem, naming the key path,
 * the bad value and what was expected, and the file, line and column when the
 * configuration came from {@link loadConfig}.
 *
 * Agents registered in code but absent from `agents:` get no entry in
 * `agents` (their code group applies, `data` by default); when both exist,
 * `agents.<name>.group` wins over the group given in code.
 *
 * @example
 * ```ts
 * const resolved = resolveConfig(await loadConfig("orchestrator.yaml"), {
 *   registered: [{ name: "risk", group: "critical", chief: true }],
 * });
 * resolved.groups.strategy.restart; // { kind: "max", max: 5 }
 * ```
 */
export function resolveConfig(config: OrchestratorConfig | undefined, context: ResolveContext = {}): ResolvedConfig {
  const source = getConfigSource(config);
  const checker = new ConfigChecker(source);
  const checked = checkConfig(config, checker);
  const registered = checkRegistrations(checker, context.registered ?? []);
  const known = checkLoadable(checker, checked, registered, config);
  const chief = resolveChief(checker, checked.chief, registered, known);
  const resolved: ResolvedConfig = {
    ...(source === undefined ? {} : { file: source.file }),
    ...(chief === undefined ? {} : { chief }),
    agents: Object.freeze(checked.agents),
    groups: Object.freeze(checked.groups),
    supervisor: checked.supervisor,
    schedule: Object.freeze(checked.schedule),
    scheduler: checked.scheduler,
    ...(checked.state === undefined ? {} : { state: checked.state }),
    lease: checked.lease,
    shutdown: checked.shutdown,
    http: checked.http,
  };
  if (source !== undefined) attachConfigSource(resolved, source);
  return Object.freeze(resolved);
}

/** The registrations by name, once each name is valid and unique. */
function checkRegistrations(checker: ConfigChecker, registrations: ReadonlyArray<AgentRegistrationInfo>): Map<string, AgentRegistrationInfo> {
  const registered = new Map<string, AgentRegistrationInfo>();
  for (const registration of registrations) {
    if (typeof registration.name !== "string") checker.fail("", `agent registration: expected a string name, got ${describeValue(registration.name)}`);
    if (!isValidAgentName(registration.name)) {
      checker.fail("", `agent registration: invalid agent name ${describeValue(registration.name)}: ${NAME_EXPECTATION}`, { value: registration.name });
    }
    if (registered.has(registration.name)) checker.fail("", `agent ${JSON.stringify(registration.name)} is registered twice: expected unique names`);
    registered.set(registration.name, registration);
  }
  return registered;
}

/**
 * Every agent of `agents:` is loadable one way exactly (registered in code, or
 * given a module), every scheduled agent and every agent named in a `dependsOn`
 * is known, and a registration's group exists. Returns the names of every
 * known agent.
 */
function checkLoadable(checker: ConfigChecker, checked: CheckedConfig, registered: ReadonlyMap<string, AgentRegistrationInfo>, config: OrchestratorConfig | undefined): Set<string> {
  for (const [name, entry] of Object.entries(checked.agents)) {
    const path = childPath("agents", name);
    if (registered.has(name) && entry.module !== undefined) {
      checker.fail(childPath(path, "module"), `agent ${JSON.stringify(name)} is registered in code and also given a module here: expected one or the other`, {
        value: config?.agents?.[name]?.module,
      });
    }
    if (!registered.has(name) && entry.module === undefined) {
      checker.fail(
        path,
        `agent ${JSON.stringify(name)} is not registered in code and has no "module" to load it from${didYouMean(name, registered.keys())}: expected a "module" here, or an agent of that name registered in code (registered: ${listNames(registered.keys())})`,
        { value: name, at: "key" },
      );
    }
  }
  checkIsolation(checker, checked, registered, config);
  const known = new Set([...registered.keys(), ...Object.keys(checked.agents)]);
  for (const agent of Object.keys(checked.schedule)) {
    if (known.has(agent)) continue;
    checker.fail(childPath("schedule", agent), `schedule for unknown agent ${JSON.stringify(agent)}${didYouMean(agent, known)}: ${KNOWN_AGENT} (known: ${listNames(known)})`, {
      value: agent,
      at: "key",
    });
  }
  for (const [agent, { dependsOn = [] }] of Object.entries(checked.agents)) {
    dependsOn.forEach((dependency, index) => {
      if (known.has(dependency)) return;
      // never the agent itself: it cannot depend on itself
      const others = [...known].filter((other) => other !== agent);
      checker.fail(
        dependencyPath(agent, index),
        `agent ${JSON.stringify(agent)} depends on unknown agent ${JSON.stringify(dependency)}${didYouMean(dependency, others)}: ${KNOWN_AGENT} (known: ${listNames(known)})`,
        { value: dependency },
      );
    });
  }
  for (const registration of registered.values()) {
    if (registration.group === undefined || checked.agents[registration.name]?.group !== undefined || Object.hasOwn(checked.groups, registration.group)) continue;
    checker.fail(
      "",
      `agent ${JSON.stringify(registration.name)} is registered with unknown group ${describeValue(registration.group)}${didYouMean(registration.group, Object.keys(checked.groups))}; ${groupExpectation(checked.groups)}`,
      { value: registration.group },
    );
  }
  return known;
}

/**
 * `isolation: thread` needs a class that can be imported again in the thread:
 * an agent registered by class cannot be one; `resourceLimits` need a thread.
 */
function checkIsolation(checker: ConfigChecker, checked: CheckedConfig, registered: ReadonlyMap<string, AgentRegistrationInfo>, config: OrchestratorConfig | undefined): void {
  for (const [name, entry] of Object.entries(checked.agents)) {
    const registration = registered.get(name);
    if (registration === undefined) continue;
    const path = childPath("agents", name);
    if (entry.isolation === "thread" && registration.module === undefined) {
      checker.fail(
        childPath(path, "isolation"),
        `agent ${JSON.stringify(name)} is registered in code by its class, which cannot run in a thread: a class object cannot move to another thread, only a module can be imported there again; expected it registered by module ({ name: ${JSON.stringify(name)}, module: new URL("./path/to/agent.js", import.meta.url), export: "ClassName" }) or "isolation: in-process"`,
        { value: config?.agents?.[name]?.isolation },
      );
    }
    if (entry.resourceLimits !== undefined && (entry.isolation ?? registration.isolation) !== "thread") {
      checker.fail(childPath(path, "resourceLimits"), `resourceLimits limit an agent's own thread: expected "isolation: thread" beside them (agent ${JSON.stringify(name)} runs in process)`, {
        value: config?.agents?.[name]?.resourceLimits,
        at: "key",
      });
    }
  }
}

function resolveChief(
  checker: ConfigChecker,
  configured: string | undefined,
  registered: ReadonlyMap<string, AgentRegistrationInfo>,
  known: ReadonlySet<string>,
): string | undefined {
  const marked = [...registered.values()].filter((registration) => registration.chief === true).map((registration) => registration.name);
  if (marked.length > 1) {
    checker.fail("", `agents ${marked.map((name) => JSON.stringify(name)).join(" and ")} are all registered with chief: true: expected at most one chief`, {
      value: marked,
    });
  }
  const [codeChief] = marked;
  if (configured === undefined) return codeChief;
  if (!known.has(configured)) {
    checker.fail("chief", `unknown chief agent ${JSON.stringify(configured)}${didYouMean(configured, known)}: ${KNOWN_AGENT} (known: ${listNames(known)})`, { value: configured });
  }
  if (codeChief !== undefined && codeChief !== configured) {
    checker.fail("chief", `chief ${JSON.stringify(configured)} conflicts with agent ${JSON.stringify(codeChief)}, registered with chief: true: expected one chief`, {
      value: configured,
    });
  }
  return configured;
}

function listNames(names: Iterable<string>): string {
  const list = [...names];
  if (list.length === 0) return "none";
  const more = list.length > MAX_LISTED ? `, … (${list.length - MAX_LISTED} more)` : "";
  return `${list.slice(0, MAX_LISTED).join(", ")}${more}`;
}
