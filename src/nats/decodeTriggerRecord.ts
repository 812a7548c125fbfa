import { RUN_OUTCOMES } from "../state/TriggerStore.js";
import type { TriggerRecord } from "../state/TriggerStore.js";

const decoder = new TextDecoder("utf-8", { fatal: true });

/** A decoded value: the record, or why the value is not one. */
export type DecodedRecord = { readonly record: TriggerRecord } | { readonly invalid: string };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const isTime = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);
const isAttempt = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value) && value >= 1;

/** Why `value` is not a `running` entry, or `undefined` when it is one. */
function runningProblem(value: unknown): string | undefined {
  if (!isObject(value)) return "an entry of `running` is not an object";
  if (!isTime(value["slot"]) || !isAttempt(value["attempt"]) || !isTime(value["startedAt"]) || typeof value["instance"] !== "string") {
    return "an entry of `running` lacks a numeric `slot`, `attempt` or `startedAt`, or a string `instance`";
  }
  return undefined;
}

/** Why `value` is not a `lastRun`, or `undefined` when it is one (or absent). */
function lastRunProblem(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value) || !isTime(value["slot"]) || !isAttempt(value["attempt"]) || !isTime(value["endedAt"])) return "`lastRun` lacks a numeric `slot`, `attempt` or `endedAt`";
  if (!(RUN_OUTCOMES as readonly unknown[]).includes(value["outcome"])) return `\`lastRun.outcome\` is not one of ${RUN_OUTCOMES.join(", ")}`;
  return undefined;
}

/** Why `value` is not a trigger record (a first reason), or `undefined` when it is one. */
function recordProblem(value: unknown): string | undefined {
  if (!isObject(value)) return "it is not a JSON object";
  if (value["lastSlot"] !== undefined && !isTime(value["lastSlot"])) return "`lastSlot` is not a number";
  if (value["paused"] !== undefined && typeof value["paused"] !== "boolean") return "`paused` is not a boolean";
  if (value["lastPassed"] !== undefined && typeof value["lastPassed"] !== "boolean") return "`lastPassed` is not a boolean";
  const running = value["running"];
  if (!Array.isArray(running)) return "`running` is not an array";
  for (const entry of running) {
    const problem = runningProblem(entry);
    if (problem !== undefined) return problem;
  }
  const ran = value["ran"];
  if (!Array.isArray(ran)) return "`ran` is not an array";
  if (!ran.every((range) => Array.isArray(range) && range.length === 2 && isTime(range[0]) && isTime(range[1]) && range[0] <= range[1])) {
    return "an entry of `ran` is not a range [first, last] of two numbers";
  }
  return lastRunProblem(value["lastRun"]);
}

/**
 * Read a value of the trigger-state bucket: UTF-8 JSON of a
 * {@link TriggerRecord}. The check is minimal (types of the fields the rules
 * read), so that a value written by another program is recognised as such
 * rather than decided on.
 */
export function decodeTriggerRecord(bytes: Uint8Array): DecodedRecord {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch {
    return { invalid: "it is not UTF-8 JSON" };
  }
  const problem = recordProblem(value);
  return problem === undefined ? { record: value as TriggerRecord } : { invalid: problem };
}
