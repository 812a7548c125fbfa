import { DEFAULT_LEASE_TTL } from "../lease/leaseTiming.js";
import type { ResolvedGroup } from "./ResolvedConfig.js";

/** Names of the groups every orchestrator has, whether or not `groups:` mentions them. */
export const BUILTIN_GROUP_NAMES = ["data", "strategy", "critical"] as const;

/** A built-in group name. */
export type BuiltinGroupName = (typeof BUILTIN_GROUP_NAMES)[number];

const crashLoop = Object.freeze({ maxCrashes: 3, within: 300_000 });

/**
 * Every default of the configuration, in one place, with durations in
 * milliseconds. `resolveConfig` fills these in; the documentation
 * (`docs/configuration.md`) lists the same values.
 */
export const DEFAULTS = Object.freeze({
  /** Group of an agent that names none (in code or in `agents.<name>.group`). */
  group: "data",
  /** Settings of a group that `groups:` defines without them (a new group restarts always). */
  groupSettings: Object.freeze({
    strategy: "one_for_one" as const,
    restart: Object.freeze({ kind: "always" as const }),
    crashLoop,
    escalateAfter: 3,
    critical: false,
  }),
  /** The built-in groups before `groups:` overrides them key by key: top-level, `one_for_one`, no intensity. */
  groups: Object.freeze({
    data: Object.freeze({ name: "data", path: Object.freeze(["data"]), strategy: "one_for_one", restart: Object.freeze({ kind: "always" }), crashLoop, escalateAfter: 3, critical: false }),
    strategy: Object.freeze({ name: "strategy", path: Object.freeze(["strategy"]), strategy: "one_for_one", restart: Object.freeze({ kind: "max", max: 5 }), crashLoop, escalateAfter: 3, critical: false }),
    critical: Object.freeze({ name: "critical", path: Object.freeze(["critical"]), strategy: "one_for_one", restart: Object.freeze({ kind: "fail-stop" }), crashLoop, escalateAfter: 3, critical: true }),
  } satisfies Record<BuiltinGroupName, ResolvedGroup>),
  supervisor: Object.freeze({
    backoff: Object.freeze({ initial: 1_000, max: 60_000, factor: 2, jitter: 0.2 }),
    resetAfter: 60_000,
    startTimeout: 30_000,
    stopTimeout: 5_000,
  }),
  shutdown: Object.freeze({ timeout: 30_000, drainDelay: 0 }),
  lease: Object.freeze({ ttl: DEFAULT_LEASE_TTL }),
  http: Object.freeze({ healthPort: 8_000, metricsPort: 8_001 }),
  /** Options of a trigger that sets none. */
  trigger: Object.freeze({ overlap: "skip" as const, misfire: "skip" as const, misfireGrace: 1_000 }),
});
