import { formatDuration } from "../duration.js";
import type { ResolvedTrigger } from "../schedule/ScheduleSpec.js";
import { isValidAgentName, MAX_NAME_LENGTH } from "./agentName.js";
import { deepestPath, MAX_CONFIG_DEPTH } from "./nestingDepth.js";
import { isPlainObject, type ConfigChecker } from "./ConfigChecker.js";
import { BUILTIN_GROUP_NAMES, DEFAULTS } from "./defaults.js";
import { describeValue } from "./describeValue.js";
import { didYouMean } from "./didYouMean.js";
import { childPath } from "./keyPath.js";
import type { ResolvedAgentEntry, ResolvedConfig, ResolvedGroup, ResolvedRestartPolicy } from "./ResolvedConfig.js";
import { resolveModuleSpecifier } from "./resolveModule.js";
import { checkSchedule } from "./resolveTrigger.js";

/** Top-level keys of the configuration. */
export const CONFIG_KEYS = ["chief", "agents", "groups", "supervisor", "schedule", "shutdown", "http"] as const;
/** Keys of `agents.<name>`. */
export const AGENT_KEYS = ["group", "module", "export", "enabled", "heartbeatTimeout", "config"] as const;
/** Keys of `groups.<name>`. */
export const GROUP_KEYS = ["restart", "crashLoop", "escalateAfter", "critical"] as const;
const CRASH_LOOP_KEYS = ["maxCrashes", "within"] as const;
const SUPERVISOR_KEYS = ["backoff", "resetAfter", "startTimeout", "stopTimeout"] as const;
const BACKOFF_KEYS = ["initial", "max", "factor", "jitter"] as const;
const SHUTDOWN_KEYS = ["timeout"] as const;
const HTTP_KEYS = ["healthPort", "metricsPort", "host"] as const;

/** What an agent or group name must be, for error messages. */
export const NAME_EXPECTATION = `expected 1 to ${MAX_NAME_LENGTH} letters, digits, "_" or "-" (pattern [A-Za-z0-9_-]+), and not __proto__, constructor or prototype`;
const RESTART_EXPECTATION = '"always", "fail-stop" or { max: N } with N a non-negative integer';
const PORT_EXPECTATION = "an integer port from 0 to 65535";

/** The configuration validated on its own, before registered agents are known. */
export type CheckedConfig = Omit<ResolvedConfig, "file" | "chief"> & { readonly chief?: string };

/**
 * Validate everything in `config` that needs no knowledge of the agents
 * registered in code, and fill in every default. Throws a positioned
 * {@link ConfigError} at the first problem.
 */
export function checkConfig(config: unknown, checker: ConfigChecker): CheckedConfig {
  const root = checker.mapping(config, "", CONFIG_KEYS, { nullIsEmpty: true }) ?? {};
  const groups = checkGroups(checker, root["groups"]);
  const agents = checkAgents(checker, root["agents"], groups);
  const supervisor = checkSupervisor(checker, root["supervisor"]);
  const schedule = checkScheduleSection(checker, root["schedule"]);
  const shutdownSection = checker.mapping(root["shutdown"], "shutdown", SHUTDOWN_KEYS, { nullIsEmpty: true }) ?? {};
  const shutdown = Object.freeze({ timeout: checker.duration(shutdownSection["timeout"], "shutdown.timeout") ?? DEFAULTS.shutdown.timeout });
  const http = checkHttp(checker, root["http"]);
  const chief = checker.string(root["chief"], "chief");
  if (chief !== undefined) checkName(checker, chief, "chief", "agent", "value");
  return {
    ...(chief === undefined ? {} : { chief }),
    agents,
    groups,
    supervisor,
    schedule,
    shutdown,
    http,
  };
}

/** Throw unless `name` is a valid agent or group name (decision 14). */
export function checkName(checker: ConfigChecker, name: string, path: string, what: "agent" | "group", at: "key" | "value" = "key"): void {
  if (!isValidAgentName(name)) checker.fail(path, `invalid ${what} name ${describeValue(name)}: ${NAME_EXPECTATION}`, { value: name, at });
}

function checkGroups(checker: ConfigChecker, value: unknown): Record<string, ResolvedGroup> {
  const groups = Object.create(null) as Record<string, ResolvedGroup>;
  for (const name of BUILTIN_GROUP_NAMES) groups[name] = DEFAULTS.groups[name];
  const section = checker.mapping(value, "groups", undefined, { nullIsEmpty: true }) ?? {};
  for (const [name, entry] of Object.entries(section)) {
    const path = childPath("groups", name);
    checkName(checker, name, path, "group");
    const object = checker.mapping(entry, path, GROUP_KEYS, { nullIsEmpty: true }) ?? {};
    const base = Object.hasOwn(DEFAULTS.groups, name) ? DEFAULTS.groups[name as keyof typeof DEFAULTS.groups] : DEFAULTS.groupSettings;
    const crashLoopPath = childPath(path, "crashLoop");
    const crashLoop = checker.mapping(object["crashLoop"], crashLoopPath, CRASH_LOOP_KEYS, { nullIsEmpty: true }) ?? {};
    groups[name] = Object.freeze({
      name,
      restart: checkRestart(checker, object["restart"], childPath(path, "restart")) ?? base.restart,
      crashLoop: Object.freeze({
        maxCrashes:
          checker.integer(crashLoop["maxCrashes"], childPath(crashLoopPath, "maxCrashes"), { min: 0, expected: "a non-negative integer" }) ??
          base.crashLoop.maxCrashes,
        within: checker.duration(crashLoop["within"], childPath(crashLoopPath, "within")) ?? base.crashLoop.within,
      }),
      escalateAfter:
        checker.integer(object["escalateAfter"], childPath(path, "escalateAfter"), { min: 1, expected: "a positive integer" }) ?? base.escalateAfter,
      critical: checker.boolean(object["critical"], childPath(path, "critical")) ?? base.critical,
    });
  }
  return groups;
}

function checkRestart(checker: ConfigChecker, value: unknown, path: string): ResolvedRestartPolicy | undefined {
  if (value === undefined) return undefined;
  if (value === "always") return Object.freeze({ kind: "always" });
  if (value === "fail-stop") return Object.freeze({ kind: "fail-stop" });
  if (isPlainObject(value)) {
    checker.onlyKeys(value, path, ["max"]);
    const max = checker.integer(value["max"], childPath(path, "max"), { min: 0, expected: "a non-negative integer" });
    if (max === undefined) checker.fail(childPath(path, "max"), `missing "max": expected ${RESTART_EXPECTATION}`, { value });
    return Object.freeze({ kind: "max", max });
  }
  const hint = typeof value === "string" ? didYouMean(value, ["always", "fail-stop"]) : "";
  checker.fail(path, `expected ${RESTART_EXPECTATION}, got ${describeValue(value)}${hint}`, { value });
}

function checkAgents(checker: ConfigChecker, value: unknown, groups: Record<string, ResolvedGroup>): Record<string, ResolvedAgentEntry> {
  const agents = Object.create(null) as Record<string, ResolvedAgentEntry>;
  const section = checker.mapping(value, "agents", undefined, { nullIsEmpty: true }) ?? {};
  for (const [name, entry] of Object.entries(section)) {
    const path = childPath("agents", name);
    checkName(checker, name, path, "agent");
    const object = checker.mapping(entry, path, AGENT_KEYS, { nullIsEmpty: true }) ?? {};
    const groupPath = childPath(path, "group");
    const group = checker.string(object["group"], groupPath);
    if (group !== undefined && !Object.hasOwn(groups, group)) {
      checker.fail(groupPath, `unknown group ${describeValue(group)}${didYouMean(group, Object.keys(groups))}; ${groupExpectation(groups)}`, {
        value: group,
      });
    }
    const modulePath = childPath(path, "module");
    const moduleSpecifier = checker.string(object["module"], modulePath);
    let module: string | undefined;
    if (moduleSpecifier !== undefined) {
      const resolution = resolveModuleSpecifier(moduleSpecifier, checker.source?.file);
      if ("problem" in resolution) checker.fail(modulePath, `cannot use module ${describeValue(moduleSpecifier)}: ${resolution.problem}`, { value: moduleSpecifier });
      module = resolution.specifier;
    }
    const exportName = checker.string(object["export"], childPath(path, "export"));
    if (exportName !== undefined && module === undefined) {
      checker.fail(childPath(path, "export"), `"export" ${describeValue(exportName)} needs "module": expected "module" beside it, naming the module to import`, {
        value: exportName,
      });
    }
    const heartbeatTimeout = checker.duration(object["heartbeatTimeout"], childPath(path, "heartbeatTimeout"));
    const configPath = childPath(path, "config");
    checkPlainData(checker, object["config"], configPath);
    agents[name] = Object.freeze({
      ...(group === undefined ? {} : { group }),
      ...(module === undefined ? {} : { module }),
      ...(exportName === undefined ? {} : { export: exportName }),
      enabled: checker.boolean(object["enabled"], childPath(path, "enabled")) ?? true,
      ...(heartbeatTimeout === undefined ? {} : { heartbeatTimeout }),
      ...(object["config"] === undefined ? {} : { config: object["config"] }),
    });
  }
  return agents;
}

/** What a group name must be, for error messages. */
export function groupExpectation(groups: Record<string, ResolvedGroup>): string {
  const defined = Object.keys(groups).filter((name) => !(BUILTIN_GROUP_NAMES as readonly string[]).includes(name));
  const list = defined.length === 0 ? "" : ` (defined: ${defined.join(", ")})`;
  return `expected a built-in group (${BUILTIN_GROUP_NAMES.join(", ")}) or a group defined under groups:${list}`;
}

/**
 * Refuse `__proto__` keys inside free-form agent config (they could alter the prototype of an
 * object the agent copies it into) and nesting deeper than {@link MAX_CONFIG_DEPTH}. Iterative:
 * the input cannot grow the call stack.
 */
function checkPlainData(checker: ConfigChecker, value: unknown, path: string): void {
  const tooDeep = deepestPath(value, path, path.split(".").length, MAX_CONFIG_DEPTH, childPath);
  if (tooDeep !== undefined) {
    checker.fail(tooDeep, `the value nests too deeply: a configuration nests at most ${MAX_CONFIG_DEPTH} levels (objects or arrays inside each other)`, { at: "key" });
  }
  const seen = new Set<object>();
  const stack: Array<{ value: unknown; path: string }> = [{ value, path }];
  while (stack.length > 0) {
    const entry = stack.pop() as { value: unknown; path: string };
    const node = entry.value;
    if (typeof node !== "object" || node === null || seen.has(node)) continue;
    if (!Array.isArray(node) && !isPlainObject(node)) continue;
    seen.add(node);
    if (Array.isArray(node)) {
      for (let index = node.length - 1; index >= 0; index--) stack.push({ value: node[index] as unknown, path: childPath(entry.path, index) });
      continue;
    }
    const keys = Object.keys(node);
    for (const key of keys) {
      if (key === "__proto__") checker.fail(childPath(entry.path, key), 'key "__proto__" is not allowed: it could change object prototypes', { value: key, at: "key" });
    }
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i] as string;
      stack.push({ value: node[key], path: childPath(entry.path, key) });
    }
  }
}

function checkSupervisor(checker: ConfigChecker, value: unknown): ResolvedConfig["supervisor"] {
  const section = checker.mapping(value, "supervisor", SUPERVISOR_KEYS, { nullIsEmpty: true }) ?? {};
  const backoffSection = checker.mapping(section["backoff"], "supervisor.backoff", BACKOFF_KEYS, { nullIsEmpty: true }) ?? {};
  const defaults = DEFAULTS.supervisor;
  const initial = checker.duration(backoffSection["initial"], "supervisor.backoff.initial") ?? defaults.backoff.initial;
  const max = checker.duration(backoffSection["max"], "supervisor.backoff.max") ?? defaults.backoff.max;
  const factor = checker.number(backoffSection["factor"], "supervisor.backoff.factor", { min: 1, expected: "a number greater than or equal to 1" });
  const jitter = checker.number(backoffSection["jitter"], "supervisor.backoff.jitter", { min: 0, max: 1, expected: "a number from 0 to 1" });
  if (max < initial) {
    const blame = backoffSection["max"] === undefined ? "initial" : "max";
    checker.fail(
      `supervisor.backoff.${blame}`,
      `back-off max (${formatDuration(max)}) is less than initial (${formatDuration(initial)}); expected max greater than or equal to initial`,
      { value: backoffSection[blame] },
    );
  }
  return Object.freeze({
    backoff: Object.freeze({ initial, max, factor: factor ?? defaults.backoff.factor, jitter: jitter ?? defaults.backoff.jitter }),
    resetAfter: checker.duration(section["resetAfter"], "supervisor.resetAfter") ?? defaults.resetAfter,
    startTimeout: checker.duration(section["startTimeout"], "supervisor.startTimeout") ?? defaults.startTimeout,
    stopTimeout: checker.duration(section["stopTimeout"], "supervisor.stopTimeout") ?? defaults.stopTimeout,
  });
}

function checkScheduleSection(checker: ConfigChecker, value: unknown): Record<string, readonly ResolvedTrigger[]> {
  const schedule = Object.create(null) as Record<string, readonly ResolvedTrigger[]>;
  const section = checker.mapping(value, "schedule", undefined, { nullIsEmpty: true }) ?? {};
  for (const [agent, spec] of Object.entries(section)) {
    const path = childPath("schedule", agent);
    checkName(checker, agent, path, "agent");
    schedule[agent] = Object.freeze(checkSchedule(checker, spec, path, []));
  }
  return schedule;
}

function checkHttp(checker: ConfigChecker, value: unknown): ResolvedConfig["http"] {
  const section = checker.mapping(value, "http", HTTP_KEYS, { nullIsEmpty: true }) ?? {};
  const range = { min: 0, max: 65_535, expected: PORT_EXPECTATION };
  const host = checker.string(section["host"], "http.host");
  return Object.freeze({
    healthPort: checker.integer(section["healthPort"], "http.healthPort", range) ?? DEFAULTS.http.healthPort,
    metricsPort: checker.integer(section["metricsPort"], "http.metricsPort", range) ?? DEFAULTS.http.metricsPort,
    ...(host === undefined ? {} : { host }),
  });
}
