import { describeValue } from "../check.js";
import { formatDuration } from "../duration.js";
import { checkName } from "./agentName.js";
import { isPlainObject, type ConfigChecker } from "./ConfigChecker.js";
import { configShape } from "./configShape.js";
import { checkShape } from "./checkShape.js";
import { BUILTIN_GROUP_NAMES, DEFAULTS } from "./defaults.js";
import { MIN_LEASE_TTL } from "../lease/leaseTiming.js";
import { checkDependencies } from "./dependsOn.js";
import { didYouMean } from "./didYouMean.js";
import { groupExpectation, groupPaths } from "./groupTree.js";
import { childPath } from "./keyPath.js";
import type { ResolvedAgentEntry, ResolvedConfig, ResolvedGroup, ResolvedRestartPolicy } from "./ResolvedConfig.js";
import { resolveModuleSpecifier } from "./resolveModule.js";
import { scheduleWithDefaults } from "./schedulerDefaults.js";
import { resolveStateFile } from "./stateFile.js";
import { readCatchup, readDelivery } from "./triggerPolicies.js";
import type { OutputOf } from "./shape.js";

export { NAME_EXPECTATION } from "./agentName.js";

/** The configuration validated on its own, before registered agents are known. */
export type CheckedConfig = Omit<ResolvedConfig, "file" | "chief"> & { readonly chief?: string };

type Checked = OutputOf<typeof configShape>;

/**
 * Validate everything in `config` that needs no knowledge of the agents
 * registered in code, and fill in every default. Throws a positioned
 * {@link ConfigError} at the first problem: first any value that does not fit
 * the shape (`configShape.ts`), then the checks that relate keys to each other.
 */
export function checkConfig(config: unknown, checker: ConfigChecker): CheckedConfig {
  const checked = checkShape(checker, configShape, config, "");
  const groups = resolveGroups(checker, checked.groups);
  const agents = resolveAgents(checker, checked.agents, groups);
  checkDependencies(checker, agents);
  const supervisor = resolveSupervisor(checker, checked.supervisor, config);
  const { chief } = checked;
  if (chief !== undefined) checkName(checker, chief, "chief", "agent", "value");
  const { healthPort, metricsPort, host } = checked.http;
  const scheduler = resolveScheduler(checker, config);
  const stateFile = checked.state?.file === undefined ? undefined : resolveStateFile(checked.state.file, checker.source?.file);
  return {
    ...(chief === undefined ? {} : { chief }),
    agents,
    groups,
    supervisor,
    schedule: scheduleWithDefaults(checked.schedule, scheduler),
    scheduler,
    ...(stateFile === undefined ? {} : { state: Object.freeze({ file: stateFile }) }),
    lease: resolveLease(checker, checked.lease, config),
    shutdown: resolveShutdown(checker, checked.shutdown, config),
    http: Object.freeze({ ...withDefaults({ healthPort, metricsPort }, DEFAULTS.http), ...(host === undefined ? {} : { host }) }),
  };
}

/** Each key of `defaults`, taken from `checked` where set there; frozen. */
function withDefaults<T extends object>(checked: { readonly [K in keyof T]?: T[K] | undefined }, defaults: NoInfer<T>): T {
  const filled = { ...defaults };
  for (const key of Object.keys(defaults) as Array<keyof T>) filled[key] = checked[key] ?? defaults[key];
  return Object.freeze(filled);
}

/**
 * The built-in groups, overridden key by key, and those `groups:` defines,
 * each with its path in the tree once every parent is a group, without a
 * cycle, and no group is too deep (`groupTree.ts`).
 */
function resolveGroups(checker: ConfigChecker, entries: Checked["groups"]): Record<string, ResolvedGroup> {
  const merged = Object.create(null) as Record<string, Omit<ResolvedGroup, "path">>;
  for (const name of BUILTIN_GROUP_NAMES) merged[name] = DEFAULTS.groups[name];
  for (const [name, entry] of Object.entries(entries)) {
    const base = Object.hasOwn(DEFAULTS.groups, name) ? DEFAULTS.groups[name as keyof typeof DEFAULTS.groups] : DEFAULTS.groupSettings;
    const { parent, intensity } = entry;
    merged[name] = {
      name,
      ...(parent === undefined ? {} : { parent }),
      strategy: entry.strategy ?? base.strategy,
      ...(intensity === undefined ? {} : { intensity: Object.freeze({ maxRestarts: intensity.maxRestarts as number, within: intensity.within as number }) }),
      restart: restartPolicy(entry.restart) ?? base.restart,
      crashLoop: withDefaults(entry.crashLoop, base.crashLoop),
      escalateAfter: entry.escalateAfter ?? base.escalateAfter,
      critical: entry.critical ?? base.critical,
      ...(entry.backoff === undefined ? {} : { backoff: entry.backoff }),
    };
  }
  const paths = groupPaths(checker, merged);
  const groups = Object.create(null) as Record<string, ResolvedGroup>;
  for (const [name, group] of Object.entries(merged)) groups[name] = Object.freeze({ ...group, path: paths.get(name) as readonly string[] });
  return groups;
}

function restartPolicy(policy: Checked["groups"][string]["restart"]): ResolvedRestartPolicy | undefined {
  if (policy === undefined) return undefined;
  if (typeof policy === "string") return Object.freeze({ kind: policy });
  return Object.freeze({ kind: "max", max: policy.max as number });
}

/** Agents' entries, once their group exists and their module resolves. */
function resolveAgents(checker: ConfigChecker, entries: Checked["agents"], groups: Record<string, ResolvedGroup>): Record<string, ResolvedAgentEntry> {
  const agents = Object.create(null) as Record<string, ResolvedAgentEntry>;
  for (const [name, entry] of Object.entries(entries)) {
    const path = childPath("agents", name);
    const { group, export: exportName, heartbeatTimeout, config } = entry;
    if (group !== undefined && !Object.hasOwn(groups, group)) {
      checker.fail(childPath(path, "group"), `unknown group ${describeValue(group)}${didYouMean(group, Object.keys(groups))}; ${groupExpectation(groups)}`, { value: group });
    }
    const module = entry.module === undefined ? undefined : resolveModule(checker, entry.module, childPath(path, "module"));
    if (exportName !== undefined && module === undefined) {
      checker.fail(childPath(path, "export"), `"export" ${describeValue(exportName)} needs "module": expected "module" beside it, naming the module to import`, {
        value: exportName,
      });
    }
    // Assigned key by key onto a fresh object, not spread: entries of one shape share one hidden class
    // (an object literal starting with a spread gets a hidden class of its own per agent).
    const resolved = {} as { -readonly [K in keyof ResolvedAgentEntry]: ResolvedAgentEntry[K] };
    if (group !== undefined) resolved.group = group;
    if (module !== undefined) resolved.module = module;
    if (exportName !== undefined) resolved.export = exportName;
    resolved.enabled = entry.enabled ?? true;
    if (heartbeatTimeout !== undefined) resolved.heartbeatTimeout = heartbeatTimeout;
    if (config !== undefined) resolved.config = config;
    if (entry.dependsOn !== undefined && entry.dependsOn.length > 0) resolved.dependsOn = entry.dependsOn;
    if (entry.isolation !== undefined) resolved.isolation = entry.isolation;
    if (entry.placement !== undefined) resolved.placement = entry.placement;
    if (entry.resourceLimits !== undefined && entry.resourceLimits.maxHeapMb !== undefined) {
      // without `isolation` here, an agent registered in code may still be a thread agent: resolveConfig checks those
      if (entry.isolation === "in-process" || (entry.isolation === undefined && module !== undefined)) {
        checker.fail(childPath(path, "resourceLimits"), `resourceLimits limit an agent's own thread: expected "isolation: thread" beside them (this agent runs in process)`, {
          value: entry.resourceLimits,
          at: "key",
        });
      }
      resolved.resourceLimits = Object.freeze({ maxHeapMb: entry.resourceLimits.maxHeapMb });
    }
    agents[name] = Object.freeze(resolved);
  }
  return agents;
}

function resolveModule(checker: ConfigChecker, specifier: string, path: string): string {
  const resolution = resolveModuleSpecifier(specifier, checker.source?.file);
  if ("problem" in resolution) checker.fail(path, `cannot use module ${describeValue(specifier)}: ${resolution.problem}`, { value: specifier });
  return resolution.specifier;
}

/**
 * `scheduler:` with its absent keys left out (then triggers keep theirs absent
 * too). Read from the value as written (the shape has checked it): a checked
 * mapping cannot tell `catchup: {}` (window 0, a default that turns catch-up
 * off) from no `catchup` at all.
 */
function resolveScheduler(checker: ConfigChecker, config: unknown): ResolvedConfig["scheduler"] {
  const written = isPlainObject(config) && isPlainObject(config["scheduler"]) ? config["scheduler"] : {};
  const catchup = readCatchup(checker, written["catchup"], "scheduler.catchup");
  const delivery = readDelivery(checker, written["delivery"], "scheduler.delivery");
  return Object.freeze({
    ...(catchup === undefined ? {} : { catchup }),
    ...(delivery === undefined ? {} : { delivery }),
  });
}

/** The lease settings with defaults; a TTL under 1 s is refused (one slow turn of the event loop would cost the lease). */
function resolveLease(checker: ConfigChecker, checked: Checked["lease"], config: unknown): ResolvedConfig["lease"] {
  const lease = withDefaults(checked, DEFAULTS.lease);
  if (lease.ttl < MIN_LEASE_TTL) {
    checker.fail("lease.ttl", `expected a duration of at least ${formatDuration(MIN_LEASE_TTL)} such as "10s" (the holder renews every third of it), got ${formatDuration(lease.ttl)}`, {
      value: (config as { lease: Record<string, unknown> }).lease["ttl"],
    });
  }
  return lease;
}

/** Shutdown timings with defaults; the drain delay is counted inside the timeout, so it must be shorter. */
function resolveShutdown(checker: ConfigChecker, checked: Checked["shutdown"], config: unknown): ResolvedConfig["shutdown"] {
  const shutdown = withDefaults(checked, DEFAULTS.shutdown);
  const { timeout, drainDelay } = shutdown;
  if (drainDelay > 0 && drainDelay >= timeout) {
    const written = (config as { shutdown: Record<string, unknown> }).shutdown["drainDelay"];
    checker.fail(
      "shutdown.drainDelay",
      `expected a duration shorter than shutdown.timeout (${formatDuration(timeout)}), inside which it is counted, got ${formatDuration(drainDelay)}`,
      { value: written },
    );
  }
  return shutdown;
}

/** Supervisor timings with defaults; the back-off's max may not be less than its initial delay. */
function resolveSupervisor(checker: ConfigChecker, checked: Checked["supervisor"], config: unknown): ResolvedConfig["supervisor"] {
  const defaults = DEFAULTS.supervisor;
  const backoff = withDefaults(checked.backoff, defaults.backoff);
  if (backoff.max < backoff.initial) {
    const blame = checked.backoff.max === undefined ? "initial" : "max";
    const written = (config as { supervisor: { backoff: Record<string, unknown> } }).supervisor.backoff[blame];
    checker.fail(
      `supervisor.backoff.${blame}`,
      `back-off max (${formatDuration(backoff.max)}) is less than initial (${formatDuration(backoff.initial)}); expected max greater than or equal to initial`,
      { value: written },
    );
  }
  return Object.freeze({ ...withDefaults(checked, defaults), backoff });
}
