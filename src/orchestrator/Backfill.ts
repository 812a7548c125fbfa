import { describeValue, isAbortSignal } from "../check.js";
import { parseInstant } from "../config/parseInstant.js";
import { ConfigError } from "../errors/ConfigError.js";
import { LifecycleError } from "../errors/LifecycleError.js";
import type { ResolvedTrigger } from "../schedule/ScheduleSpec.js";
import { slotsAfter } from "../schedule/slotsAfter.js";
import type { OrchestratorEvents } from "../supervisor/events.js";
import { runHandedOver, type HandOverParts } from "./handOver.js";

/** An instant as `backfill()` takes it: a `Date`, ms since the epoch, or an ISO 8601 string with a zone (`Z` or an offset). */
export type BackfillInstant = Date | number | string;

/** Options of `orch.backfill()`. */
export interface BackfillOptions {
  /** The first instant of the range (included). */
  readonly from: BackfillInstant;
  /** The end of the range (excluded). */
  readonly to: BackfillInstant;
  /** Aborting it stops the backfill before its next slot; the promise then rejects with `LifecycleError` `ABORTED`. */
  readonly signal?: AbortSignal;
}

/** What a finished backfill did. */
export interface BackfillResult {
  /** Slots run (whatever their outcome; `backfill:progress` events give each one's). */
  readonly ran: number;
  /** Slots not run: the store says they ran already, or the agent was not running. */
  readonly skipped: number;
}

/** What a backfill needs from the orchestrator. */
export interface BackfillParts extends HandOverParts {
  emit(payload: OrchestratorEvents["backfill:progress"]): void;
}

/** Slots enumerated per step (the range is never materialised whole). */
const STEP = 512;

/**
 * Check `backfill()`'s arguments: the range in ms, the signal. Throws before
 * anything runs.
 *
 * @throws ConfigError `INVALID_OPTION` naming the option, the value and what was expected
 */
export function checkBackfill(trigger: ResolvedTrigger, options: unknown): { from: number; to: number; signal: AbortSignal | undefined } {
  if (typeof options !== "object" || options === null) throw invalid("options", options, "an object { from, to, signal? }");
  const given = options as Partial<BackfillOptions>;
  const from = instant("from", given.from);
  const to = instant("to", given.to);
  if (from >= to) throw invalid("to", given.to, `an instant after \`from\` (${new Date(from).toISOString()})`);
  if (given.signal !== undefined && !isAbortSignal(given.signal)) throw invalid("signal", given.signal, "an AbortSignal");
  if (trigger.kind === "delay") {
    throw new ConfigError(`backfill(): trigger "${trigger.name}" is a delay trigger: its slot counts from start, so it has no slots on the calendar to backfill (use a cron, every or at trigger)`, {
      code: "INVALID_OPTION",
      value: trigger.name,
    });
  }
  return { from, to, signal: given.signal };
}

function instant(option: string, value: unknown): number {
  if (value instanceof Date && Number.isFinite(value.getTime())) return value.getTime();
  if (typeof value === "number" && Number.isSafeInteger(value)) return value;
  if (typeof value === "string") {
    const parsed = parseInstant(value);
    if (parsed !== undefined) return parsed;
  }
  throw invalid(option, value, "a Date, ms since the epoch (an integer) or an ISO 8601 instant with a zone, e.g. 2026-12-01T16:00:00Z");
}

function invalid(option: string, value: unknown, expected: string): ConfigError {
  return new ConfigError(`backfill(): \`${option}\` must be ${expected}, got ${describeValue(value)}`, { code: "INVALID_OPTION", value });
}

/**
 * Run every slot of `trigger` in `[from, to)`, oldest first, through the
 * agent's runner (its overlap policy, timeout and signal), one at a time, as
 * ticks with `catchup: true`. A slot the store says ran already (or is
 * running) is skipped; without a store every slot runs. Yields to the event
 * loop after each slot, so other agents keep their latency. Each slot is
 * reported as a `backfill:progress` event.
 *
 * @throws LifecycleError `ABORTED` when `signal` is aborted (slots already run stay run), `SHUT_DOWN` when the orchestrator stops meanwhile
 */
export async function runBackfill(parts: BackfillParts, agent: string, trigger: ResolvedTrigger, range: { from: number; to: number; signal: AbortSignal | undefined }): Promise<BackfillResult> {
  const { ledger } = parts;
  const { from, to, signal } = range;
  let ran = 0;
  let skipped = 0;
  let after = from - 1;
  let previous: number | undefined;
  for (;;) {
    const step = slotsAfter(trigger, after, to - 1, STEP, { agent });
    for (const slot of step.slots) {
      if (signal?.aborted === true) throw aborted(agent, trigger, ran, skipped, signal);
      if (!parts.running()) throw new LifecycleError("SHUT_DOWN", `backfill of trigger "${trigger.name}" of agent "${agent}" stopped by shutdown after ${ran} slot(s) run and ${skipped} skipped`);
      const outcome = await runSlot(parts, agent, trigger, slot, previous, signal);
      previous = slot;
      if (outcome === "skipped" && signal !== undefined && isAborted(signal)) throw aborted(agent, trigger, ran, skipped, signal);
      if (outcome === "ran-already" || outcome === "agent-down" || outcome === "skipped") skipped++;
      else ran++;
      parts.emit({ agent, trigger: trigger.name, slot, outcome, ran, skipped });
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (!step.more || step.slots.length === 0) break;
    after = step.slots[step.slots.length - 1] as number;
  }
  await ledger?.flush();
  return { ran, skipped };
}

/**
 * One slot: begun in the store (a refusal: it ran already; a store that
 * cannot record it rejects the backfill), then run through the agent's
 * runner, waiting for a run in flight (the signal takes it out of the line).
 */
async function runSlot(parts: BackfillParts, agent: string, trigger: ResolvedTrigger, slot: number, previous: number | undefined, signal: AbortSignal | undefined): Promise<OrchestratorEvents["backfill:progress"]["outcome"]> {
  const { clock, ledger } = parts;
  if (ledger !== undefined && !(await ledger.beginDurably(agent, trigger.name, slot, clock.now(), "backfill", 1, previous))) return "ran-already";
  return runHandedOver(parts, agent, trigger, slot, 1, signal);
}

function aborted(agent: string, trigger: ResolvedTrigger, ran: number, skipped: number, signal: AbortSignal): LifecycleError {
  return new LifecycleError("ABORTED", `backfill of trigger "${trigger.name}" of agent "${agent}" aborted after ${ran} slot(s) run and ${skipped} skipped`, { cause: signal.reason });
}

/** Read afresh (the signal may have been aborted while a run was awaited). */
function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}
