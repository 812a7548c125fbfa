import { ConfigError } from "../errors/ConfigError.js";
import type { ResolvedTrigger } from "./ScheduleSpec.js";

const OVERLAP = ["skip", "queue", "allow"];
const MISFIRE = ["skip", "once"];
const KINDS = ["cron", "at", "delay", "every"];

/**
 * Check a {@link ResolvedTrigger} handed to the scheduler (the config layer
 * validates specs; this guards hand-built triggers) and throw a
 * {@link ConfigError} naming the field, the bad value and what was expected.
 */
export function checkTrigger(agent: unknown, trigger: unknown): asserts trigger is ResolvedTrigger {
  if (typeof agent !== "string" || agent === "") {
    throw new ConfigError(`expected the agent name to be a non-empty string, got ${describe(agent)}`, { path: "schedule", value: agent });
  }
  const path = `schedule.${agent}`;
  if (typeof trigger !== "object" || trigger === null) {
    throw new ConfigError(`expected a resolved trigger object, got ${describe(trigger)}`, { path, value: trigger });
  }
  const t = trigger as Record<string, unknown>;
  const fail = (field: string, expected: string): never => {
    throw new ConfigError(`expected \`${field}\` to be ${expected}, got ${describe(t[field])}`, {
      path: typeof t.name === "string" ? `${path}[${t.name}].${field}` : `${path}.${field}`,
      value: t[field],
    });
  };
  if (typeof t.name !== "string" || t.name === "") fail("name", "a non-empty string");
  if (typeof t.kind !== "string" || !KINDS.includes(t.kind)) fail("kind", `one of ${KINDS.join(", ")}`);
  if (typeof t.overlap !== "string" || !OVERLAP.includes(t.overlap)) fail("overlap", `one of ${OVERLAP.join(", ")}`);
  if (typeof t.misfire !== "string" || !MISFIRE.includes(t.misfire)) fail("misfire", `one of ${MISFIRE.join(", ")}`);
  if (!isNonNegative(t.misfireGrace)) fail("misfireGrace", "a non-negative number of milliseconds");
  if (t.timeout !== undefined && !(isNonNegative(t.timeout) && t.timeout > 0)) fail("timeout", "a positive number of milliseconds");
  switch (t.kind) {
    case "cron": {
      if (typeof t.cron !== "string") fail("cron", "a cron expression string");
      const expression = (t.cron as string).trim();
      const fields = expression.split(/\s+/).length;
      if (!expression.startsWith("@") && fields !== 5 && fields !== 6) {
        fail("cron", "a cron expression of 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first)");
      }
      if (t.timezone !== undefined && (typeof t.timezone !== "string" || t.timezone === "")) fail("timezone", "an IANA time zone name");
      break;
    }
    case "at":
      if (typeof t.at !== "number" || !Number.isFinite(t.at)) fail("at", "an instant in ms since the epoch");
      break;
    case "delay":
      if (!isNonNegative(t.delay)) fail("delay", "a non-negative number of milliseconds");
      break;
    case "every":
      if (!isNonNegative(t.every) || t.every === 0) fail("every", "a positive number of milliseconds");
      break;
  }
}

function isNonNegative(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value === undefined || value === null) return String(value);
  if (Array.isArray(value)) return "an array";
  return typeof value;
}
