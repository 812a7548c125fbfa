import { EMPTY_RECORD, MAX_RAN_RANGES, type TriggerChange, type TriggerRecord } from "./TriggerStore.js";

/**
 * Decide `change` against `record` (the store's latest copy; `undefined` when
 * it has none): the new record, or `undefined` when the change is refused (see
 * {@link TriggerChange} for each rule). Pure: the record is never mutated, so
 * a store may apply a change again to a fresher copy (a shared store whose
 * compare-and-set lost a race).
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
      return { ...current, lastSlot: change.slot };
    case "pause":
      if ((current.paused ?? false) === change.paused) return undefined;
      return { ...current, paused: change.paused };
  }
}

function begin(current: TriggerRecord, change: Extract<TriggerChange, { type: "begin" }>): TriggerRecord | undefined {
  const { slot, attempt } = change;
  const running = current.running;
  const entry = { slot, attempt, startedAt: change.at, instance: change.instance };
  switch (change.mode) {
    case "next": {
      if (current.lastSlot !== undefined && current.lastSlot >= slot) return undefined;
      return { ...current, lastSlot: slot, running: insertRunning(running, entry) };
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
      const lastSlot = current.lastSlot === undefined || current.lastSlot < slot ? slot : current.lastSlot;
      return { ...current, lastSlot, running: insertRunning(running, entry) };
    }
  }
}

function end(current: TriggerRecord, change: Extract<TriggerChange, { type: "end" }>): TriggerRecord | undefined {
  const { slot, attempt, outcome } = change;
  const index = current.running.findIndex((run) => run.slot === slot && run.attempt === attempt);
  if (index < 0) return undefined;
  const running = current.running.slice();
  running.splice(index, 1);
  const lastRun = current.lastRun === undefined || current.lastRun.slot <= slot ? { slot, outcome, attempt, endedAt: change.at } : current.lastRun;
  const ran = outcome === "interrupted" ? current.ran : addRan(current.ran, slot, change.follows);
  return { ...current, running, lastRun, ran };
}

/** True when a range of `ran` covers `slot`. */
export function covered(ran: TriggerRecord["ran"], slot: number): boolean {
  for (const [first, last] of ran) if (first <= slot && slot <= last) return true;
  return false;
}

function insertRunning(running: TriggerRecord["running"], entry: TriggerRecord["running"][number]): TriggerRecord["running"] {
  const next = running.slice();
  let at = next.length;
  while (at > 0 && (next[at - 1] as { slot: number }).slot > entry.slot) at--;
  next.splice(at, 0, entry);
  return next;
}

/**
 * `ran` with `slot` added: a range ending at `follows` grows to `slot`, a
 * range starting right after... is not known here, so a new range `[slot,
 * slot]` is made otherwise (ranges stay sorted and disjoint; a slot already
 * covered changes nothing). Keeps the newest {@link MAX_RAN_RANGES}.
 */
function addRan(ran: TriggerRecord["ran"], slot: number, follows: number | undefined): TriggerRecord["ran"] {
  if (covered(ran, slot)) return ran;
  const next = ran.map((range) => [range[0], range[1]] as [number, number]);
  const grown = follows === undefined ? -1 : next.findIndex((range) => range[1] === follows && follows < slot);
  if (grown >= 0) {
    const range = next[grown] as [number, number];
    range[1] = slot;
    // the grown range may now touch the next one only if that one started at `slot`, which `covered` ruled out
  } else {
    let at = next.length;
    while (at > 0 && (next[at - 1] as [number, number])[0] > slot) at--;
    next.splice(at, 0, [slot, slot]);
  }
  return next.length > MAX_RAN_RANGES ? next.slice(next.length - MAX_RAN_RANGES) : next;
}
