import { describeValue } from "../check.js";
import { RUN_OUTCOMES, type FinishedRun, type RunOutcome, type RunningSlot, type TriggerRecord } from "./TriggerStore.js";

/** What was wrong with stored data: `where` (a path such as `records["a:b"].running[0].slot`) and what. */
export class InvalidStateData extends Error {
  override name = "InvalidStateData";

  constructor(where: string, what: string, value: unknown) {
    super(`${where}: expected ${what}, got ${describeValue(value)}`);
  }
}

/**
 * Check that `value` (parsed JSON) has the shape of a {@link TriggerRecord}
 * and return it as a clean record (keys it does not know are dropped).
 *
 * @param where - the value's place in the document, for the message
 * @throws InvalidStateData naming the first bad field, its value and what was expected
 */
export function validateRecord(value: unknown, where: string): TriggerRecord {
  const source = object(value, where, "a trigger record (an object)");
  const lastSlot = optional(source["lastSlot"], (v) => finite(v, `${where}.lastSlot`));
  const lastRun = optional(source["lastRun"], (v) => finishedRun(v, `${where}.lastRun`));
  const running = array(source["running"], `${where}.running`).map((entry, i) => runningSlot(entry, `${where}.running[${i}]`));
  const ran = array(source["ran"], `${where}.ran`).map((entry, i) => range(entry, `${where}.ran[${i}]`));
  const paused = optional(source["paused"], (v) => boolean(v, `${where}.paused`));
  const lastPassed = optional(source["lastPassed"], (v) => boolean(v, `${where}.lastPassed`));
  return {
    ...(lastSlot === undefined ? {} : { lastSlot }),
    ...(lastPassed === true ? { lastPassed } : {}),
    ...(lastRun === undefined ? {} : { lastRun }),
    running,
    ran,
    ...(paused === undefined ? {} : { paused }),
  };
}

function finishedRun(value: unknown, where: string): FinishedRun {
  const source = object(value, where, "a finished run (an object)");
  const run = {
    slot: finite(source["slot"], `${where}.slot`),
    outcome: outcome(source["outcome"], `${where}.outcome`),
    attempt: attempt(source["attempt"], `${where}.attempt`),
    endedAt: finite(source["endedAt"], `${where}.endedAt`),
  };
  return source["startedAt"] === undefined ? run : { ...run, startedAt: finite(source["startedAt"], `${where}.startedAt`) };
}

function runningSlot(value: unknown, where: string): RunningSlot {
  const source = object(value, where, "a running slot (an object)");
  const instance = source["instance"];
  if (typeof instance !== "string") throw new InvalidStateData(`${where}.instance`, "a string", instance);
  const run = {
    slot: finite(source["slot"], `${where}.slot`),
    attempt: attempt(source["attempt"], `${where}.attempt`),
    startedAt: finite(source["startedAt"], `${where}.startedAt`),
    instance,
  };
  return source["follows"] === undefined ? run : { ...run, follows: finite(source["follows"], `${where}.follows`) };
}

function range(value: unknown, where: string): readonly [number, number] {
  if (!Array.isArray(value) || value.length !== 2) throw new InvalidStateData(where, "a range [first, last]", value);
  const first = finite(value[0], `${where}[0]`);
  const last = finite(value[1], `${where}[1]`);
  if (first > last) throw new InvalidStateData(where, "a range whose first slot is not after its last", value);
  return [first, last];
}

/** `value` as a plain object, or throw. */
export function object(value: unknown, where: string, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new InvalidStateData(where, what, value);
  return value as Record<string, unknown>;
}

function array(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new InvalidStateData(where, "an array", value);
  return value;
}

function finite(value: unknown, where: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new InvalidStateData(where, "a finite number", value);
  return value;
}

function attempt(value: unknown, where: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) throw new InvalidStateData(where, "a positive integer", value);
  return value;
}

function boolean(value: unknown, where: string): boolean {
  if (typeof value !== "boolean") throw new InvalidStateData(where, "a boolean", value);
  return value;
}

function outcome(value: unknown, where: string): RunOutcome {
  if (!RUN_OUTCOMES.includes(value as RunOutcome)) throw new InvalidStateData(where, `one of ${RUN_OUTCOMES.join(", ")}`, value);
  return value as RunOutcome;
}

function optional<T>(value: unknown, check: (value: unknown) => T): T | undefined {
  return value === undefined ? undefined : check(value);
}
