import { EMPTY_RECORD, MAX_RAN_RANGES, type RunningSlot, type TriggerChange, type TriggerRecord } from "./TriggerStore.js";

type Ranges = TriggerRecord["ran"];
const NONE_RUNNING: readonly RunningSlot[] = Object.freeze([]);

/**
 * Decide `change` against `record` (the store's latest copy; `undefined` when
 * it has none): the new record, or `undefined` when the change is refused (see
 * {@link TriggerChange} for each rule). Pure: the record is never mutated, so
 * a store may apply a change again to a fresher copy (a shared store whose
 * compare-and-set lost a race) or keep the previous record to undo a failed
 * write (the file and NATS stores). Allocation-light: a live slot's begin and
 * end copy only what they change. The memory store applies the same rules in
 * place (`LiveRecord`); a differential test holds the two equal.
 */
export function applyChange(record: TriggerRecord | undefined, change: TriggerChange): TriggerRecord | undefined {
  const current = record ?? EMPTY_RECORD;
  switch (change.type) {
    case "begin":
      return begin(current, change);
    case "end":
      return end(current, change);
    case "pass":
      if (current.lastSlot !== undefined && current.lastSlot >= change.slot) return undefined;
      return { ...current, lastSlot: change.slot, lastPassed: true };
    case "pause":
      if ((current.paused ?? false) === change.paused) return undefined;
      return { ...current, paused: change.paused };
  }
}

function begin(current: TriggerRecord, change: Extract<TriggerChange, { type: "begin" }>): TriggerRecord | undefined {
  const { slot, attempt } = change;
  const running = current.running;
  // a `next` slot follows the last slot dealt with, unless that one was passed over (or there is none)
  const follows = change.follows ?? (change.mode === "next" && current.lastPassed !== true ? current.lastSlot : undefined);
  const entry: RunningSlot =
    follows === undefined ? { slot, attempt, startedAt: change.at, instance: change.instance } : { slot, attempt, startedAt: change.at, instance: change.instance, follows };
  switch (change.mode) {
    case "next": {
      if (current.paused === true || (current.lastSlot !== undefined && current.lastSlot >= slot)) return undefined;
      return { ...withoutPassed(current), lastSlot: slot, running: insertRunning(running, entry) };
    }
    case "retry": {
      const index = running.findIndex((run) => run.slot === slot && run.attempt === attempt - 1);
      if (index < 0) return undefined;
      const next = running.slice();
      next[index] = entry;
      return { ...current, running: next };
    }
    case "backfill": {
      if (running.some((run) => run.slot === slot) || covered(current.ran, slot)) return undefined;
      if (current.lastSlot === undefined || current.lastSlot < slot) return { ...withoutPassed(current), lastSlot: slot, running: insertRunning(running, entry) };
      return { ...current, running: insertRunning(running, entry) };
    }
  }
}

function end(current: TriggerRecord, change: Extract<TriggerChange, { type: "end" }>): TriggerRecord | undefined {
  const { slot, attempt, outcome } = change;
  const index = current.running.findIndex((run) => run.slot === slot && run.attempt === attempt);
  if (index < 0) return undefined;
  const started = current.running[index] as RunningSlot;
  const follows = change.follows ?? started.follows;
  let running: readonly RunningSlot[] = NONE_RUNNING;
  if (current.running.length > 1) {
    const rest = current.running.slice();
    rest.splice(index, 1);
    running = rest;
  }
  if (outcome === "skipped") return { ...current, running };
  const lastRun = current.lastRun === undefined || current.lastRun.slot <= slot ? { slot, outcome, attempt, endedAt: change.at, startedAt: started.startedAt } : current.lastRun;
  return { ...current, running, lastRun, ran: outcome === "interrupted" ? current.ran : addRan(current.ran, slot, follows) };
}

/** `record` without its `lastPassed` mark (the last slot dealt with is now a begun one). */
function withoutPassed(record: TriggerRecord): TriggerRecord {
  if (record.lastPassed !== true) return record;
  const { lastPassed: _passed, ...rest } = record;
  return rest;
}

/** True when a range of `ran` covers `slot`. */
export function covered(ran: Ranges, slot: number): boolean {
  for (let i = ran.length - 1; i >= 0; i--) {
    const range = ran[i] as readonly [number, number];
    if (range[0] <= slot && slot <= range[1]) return true;
  }
  return false;
}

function insertRunning(running: readonly RunningSlot[], entry: RunningSlot): readonly RunningSlot[] {
  if (running.length === 0) return [entry];
  const next = running.slice();
  let at = next.length;
  while (at > 0 && (next[at - 1] as RunningSlot).slot > entry.slot) at--;
  next.splice(at, 0, entry);
  return next;
}

/**
 * `ran` with `slot` added: the range ending at `follows` (the slot right
 * before `slot` in the trigger's sequence, when known) grows to `slot`;
 * otherwise a range `[slot, slot]` is inserted in order. Ranges stay sorted
 * and disjoint; a slot already covered changes nothing. Keeps the newest
 * {@link MAX_RAN_RANGES}.
 */
function addRan(ran: Ranges, slot: number, follows: number | undefined): Ranges {
  const last = ran.length - 1;
  if (last >= 0 && follows !== undefined && follows < slot && (ran[last] as readonly [number, number])[1] === follows) {
    // the common case: a live slot right after the previous one
    const next = ran.slice();
    next[last] = [(ran[last] as readonly [number, number])[0], slot];
    return next;
  }
  if (covered(ran, slot)) return ran;
  const next = ran.slice();
  const grown = follows === undefined || follows >= slot ? -1 : next.findIndex((range) => range[1] === follows);
  if (grown >= 0) {
    next[grown] = [(next[grown] as readonly [number, number])[0], slot];
  } else {
    let at = next.length;
    while (at > 0 && (next[at - 1] as readonly [number, number])[0] > slot) at--;
    next.splice(at, 0, [slot, slot]);
  }
  return next.length > MAX_RAN_RANGES ? next.slice(next.length - MAX_RAN_RANGES) : next;
}
