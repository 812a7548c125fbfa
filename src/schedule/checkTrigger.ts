import { describeValue } from "../check.js";
import { ConfigError } from "../errors/ConfigError.js";
import { isMilliseconds } from "./kinds/milliseconds.js";
import { CATCHUP_RUNS, DELIVERY_POLICIES, MISFIRE_POLICIES, OVERLAP_POLICIES, type ResolvedTrigger } from "./ScheduleSpec.js";
import { triggerKind, TRIGGER_KIND_NAMES } from "./triggerKinds.js";

/**
 * Check a {@link ResolvedTrigger} handed to a trigger source (the config layer
 * validates specs; this guards hand-built triggers) and throw a
 * {@link ConfigError} naming the field, the bad value and what was expected.
 * The common options are checked here, the kind's own fields by its kind.
 */
export function checkTrigger(agent: unknown, trigger: unknown): asserts trigger is ResolvedTrigger {
  if (typeof agent !== "string" || agent === "") {
    throw new ConfigError(`expected the agent name to be a non-empty string, got ${describeValue(agent)}`, { path: "schedule", value: agent });
  }
  const path = `schedule.${agent}`;
  if (typeof trigger !== "object" || trigger === null) {
    throw new ConfigError(`expected a resolved trigger object, got ${describeValue(trigger)}`, { path, value: trigger });
  }
  const t = trigger as Record<string, unknown>;
  const fail = (field: string, expected: string): never => {
    throw new ConfigError(`expected \`${field}\` to be ${expected}, got ${describeValue(t[field])}`, {
      path: typeof t["name"] === "string" ? `${path}[${t["name"]}].${field}` : `${path}.${field}`,
      value: t[field],
    });
  };
  if (typeof t["name"] !== "string" || t["name"] === "") fail("name", "a non-empty string");
  const kind = triggerKind(t["kind"]);
  if (kind === undefined) fail("kind", `one of ${TRIGGER_KIND_NAMES.join(", ")}`);
  if (!(OVERLAP_POLICIES as readonly unknown[]).includes(t["overlap"])) fail("overlap", `one of ${OVERLAP_POLICIES.join(", ")}`);
  if (!(MISFIRE_POLICIES as readonly unknown[]).includes(t["misfire"])) fail("misfire", `one of ${MISFIRE_POLICIES.join(", ")}`);
  if (!isMilliseconds(t["misfireGrace"])) fail("misfireGrace", "a non-negative number of milliseconds");
  if (t["timeout"] !== undefined && !isMilliseconds(t["timeout"], true)) fail("timeout", "a positive number of milliseconds");
  if (t["catchup"] !== undefined) {
    if (kind?.noCatchup !== undefined) fail("catchup", `absent on a ${kind.kind} trigger: ${kind.noCatchup}`);
    if (!isCatchupPolicy(t["catchup"])) fail("catchup", `{ window, runs } with window a non-negative number of milliseconds and runs one of ${CATCHUP_RUNS.join(", ")}`);
  }
  if (t["delivery"] !== undefined && !(DELIVERY_POLICIES as readonly unknown[]).includes(t["delivery"])) fail("delivery", `one of ${DELIVERY_POLICIES.join(", ")}`);
  kind?.check(t, fail);
}

/** A resolved `catchup`: `{ window, runs }`, window in ms (0 or more). */
function isCatchupPolicy(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const { window, runs } = value as Record<string, unknown>;
  return isMilliseconds(window) && (CATCHUP_RUNS as readonly unknown[]).includes(runs);
}
